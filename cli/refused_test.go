package cli

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/wire"
)

// Each refusal a host can give comes with words that say what the joiner
// can do about it, and exit code 5.
func TestRefusalWords(t *testing.T) {
	tests := []struct {
		code      wire.RefuseCode
		msg, hint string
	}{
		{wire.RefuseLocked, "not admitting anyone", "/unlock"},
		{wire.RefuseBusy, "after failed attempts; try again in 30s", "wait 30s"},
		{wire.RefuseLoad, "too many joiners at once; try again in 30s", "wait 30s"},
		{wire.RefuseSpent, "stopped admitting anyone after too many failed attempts", "must set a new passphrase with /passphrase new"},
		{wire.RefuseNameTaken, "name is taken", "--name"},
		{wire.RefuseFull, "session is full", ""},
	}
	for _, tt := range tests {
		err := joinError("host:1", false, &peer.RefusedError{Code: tt.code, RetryAfter: 30 * time.Second})
		var ue *userError
		if !errors.As(err, &ue) {
			t.Fatalf("code %d: %v is no userError", tt.code, err)
		}
		if ue.code != exitRefused || !strings.Contains(ue.msg, tt.msg) || !strings.Contains(ue.hint, tt.hint) {
			t.Errorf("code %d: exit %d, %q, hint %q; want exit %d, %q, hint with %q", tt.code, ue.code, ue.msg, ue.hint, exitRefused, tt.msg, tt.hint)
		}
	}
}
