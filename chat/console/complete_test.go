package console

import (
	"slices"
	"testing"
)

func TestCompleteWord(t *testing.T) {
	tests := []struct {
		name       string
		head, tail string
		prefix     string
		candidates []string
		want       string
		wantList   []string
	}{
		{"nothing found", "zed", "", "", nil, "zed", nil},
		{"member opening the line", "al", "", "", []string{"alice"}, "alice: ", nil},
		{"member opening the line, case", "AL", "", "", []string{"alice"}, "alice: ", nil},
		{"member inside the line", "hi al", "", "hi ", []string{"alice"}, "hi alice ", nil},
		{"member before more text", "al", " hello", "", []string{"alice"}, "alice:", nil},
		{"command", "/wh", "", "", []string{"/who"}, "/who ", nil},
		{"command before its argument", "/ki", " bob", "", []string{"/kick"}, "/kick", nil},
		{"several share a prefix", "a", "", "", []string{"alan", "alice"}, "al", []string{"alan", "alice"}},
		{"several, nothing more in common", "/", "", "", []string{"/count", "/help"}, "/", []string{"/count", "/help"}},
		{"several differing in case keep the word", "al", "", "", []string{"Alan", "alice"}, "al", []string{"Alan", "alice"}},
		{"several, prefix stops on a rune boundary", "z", "", "", []string{"zoë", "zoé"}, "zo", []string{"zoë", "zoé"}},
		{"prefix not in head", "x", "", "y ", []string{"yak"}, "x", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, list := completeWord(tt.head, tt.tail, tt.prefix, tt.candidates)
			if got != tt.want || !slices.Equal(list, tt.wantList) {
				t.Errorf("completeWord(%q, %q, %q, %q) = %q, %q; want %q, %q",
					tt.head, tt.tail, tt.prefix, tt.candidates, got, list, tt.want, tt.wantList)
			}
		})
	}
}
