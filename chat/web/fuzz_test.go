package web

import (
	"encoding/json"
	"testing"

	"github.com/ssc-chat/ssc/internal/fuzzseed"
)

// A request from the page decodes only when it is one JSON object with the
// fields of a request, spelt exactly; nothing panics.
func FuzzDecodeRequest(f *testing.F) {
	fuzzseed.Require(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var req request
		if decodeRequest(data, &req) != nil {
			return
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(data, &fields); err != nil {
			t.Fatalf("decoded %q, which is not one JSON object: %v", data, err)
		}
		for name := range fields {
			if !requestFields[name] {
				t.Fatalf("decoded %q, with the field %q", data, name)
			}
		}
	})
}
