package keys

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sethvargo/go-diceware/diceware"
)

// splitWords reports how many ways s splits on "-" into exactly n words of
// list; some EFF words ("t-shirt", "yo-yo") contain a hyphen themselves.
func splitWords(s string, n int, list map[string]bool) int {
	if n == 0 {
		if s == "" {
			return 1
		}
		return 0
	}
	ways := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '-' {
			continue
		}
		if list[s[:i]] {
			if i == len(s) {
				ways += splitWords("", n-1, list)
			} else {
				ways += splitWords(s[i+1:], n-1, list)
			}
		}
	}
	return ways
}

func effWords(t *testing.T) map[string]bool {
	t.Helper()
	wl := diceware.WordListEffLarge()
	words := make(map[string]bool)
	// Indexes are five dice rolls written as decimal digits 1-6.
	for i := 11111; i <= 66666; i++ {
		if w := wl.WordAt(i); w != "" {
			words[w] = true
		}
	}
	if len(words) != 7776 {
		t.Fatalf("EFF list has %d words, want 7776", len(words))
	}
	return words
}

func TestGeneratePassphrase(t *testing.T) {
	words := effWords(t)
	seen := make(map[string]bool)
	for range 20 {
		p, err := GeneratePassphrase()
		if err != nil {
			t.Fatal(err)
		}
		if splitWords(p, 4, words) == 0 {
			t.Fatalf("passphrase %q is not four words of the EFF list joined by '-'", p)
		}
		if seen[p] {
			t.Fatalf("passphrase %q generated twice", p)
		}
		seen[p] = true
	}
}

func TestNormalizePassphrase(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "acid-bath-cable-dough", "acid-bath-cable-dough"},
		{"file with newline", "acid-bath-cable-dough\n", "acid-bath-cable-dough"},
		{"windows line ending", "acid-bath-cable-dough\r\n", "acid-bath-cable-dough"},
		{"surrounding blanks", " \tacid bath \t", "acid bath"},
		{"inner space kept", "a  b", "a  b"},
		{"empty", "\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NormalizePassphrase(tt.in); !bytes.Equal(got, []byte(tt.want)) {
				t.Errorf("NormalizePassphrase(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestWipe(t *testing.T) {
	b := []byte(strings.Repeat("secret", 5))
	Wipe(b)
	if !bytes.Equal(b, make([]byte, len(b))) {
		t.Errorf("Wipe left %q", b)
	}
	Wipe(nil)
}
