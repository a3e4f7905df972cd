package keys

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestCheckPassphraseWeak(t *testing.T) {
	tests := []struct {
		name    string
		p       string
		related []string
	}{
		{"empty", "", nil},
		{"password1", "password1", nil},
		{"hunter2", "hunter2", nil},
		{"correct horse", "correct horse", nil},
		{"keyboard walk", "qwertyuiop", nil},
		{"repeated", strings.Repeat("a", 40), nil},
		{"date", "14/07/1989", nil},
		{"session name", "lanparty2024", []string{"lanparty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := []byte(tt.p)
			g, err := CheckPassphrase(p, tt.related...)
			var weak *WeakPassphraseError
			if !errors.Is(err, ErrWeakPassphrase) || !errors.As(err, &weak) {
				t.Fatalf("CheckPassphrase(%q) = %.1f, %v; want a *WeakPassphraseError", tt.p, g, err)
			}
			if weak.GuessesLog10 != g || g >= MinPassphraseGuessesLog10 {
				t.Errorf("CheckPassphrase(%q) = %.1f with an error carrying %.1f", tt.p, g, weak.GuessesLog10)
			}
			if string(p) != tt.p {
				t.Errorf("CheckPassphrase changed its argument to %q", p)
			}
		})
	}
}

func TestCheckPassphraseStrong(t *testing.T) {
	for range 20 {
		p, err := GeneratePassphrase()
		if err != nil {
			t.Fatal(err)
		}
		if g, err := CheckPassphrase([]byte(p)); err != nil {
			t.Errorf("generated passphrase %q refused: %.1f, %v", p, g, err)
		}
	}
	for _, p := range []string{"correct horse battery staple", "Tr0ub4dor&3 purple", "vX7#q9!Lm2@wZ4"} {
		if g, err := CheckPassphrase([]byte(p)); err != nil {
			t.Errorf("CheckPassphrase(%q) = %.1f, %v", p, g, err)
		}
	}
}

func TestPassphraseStrengthRelated(t *testing.T) {
	p := []byte("summit-pancake-harbor")
	if plain, related := PassphraseStrength(p), PassphraseStrength(p, "summit", "pancake"); related >= plain {
		t.Errorf("naming its words as related left the strength at %.1f (was %.1f)", related, plain)
	}
}

func TestPassphraseStrengthLong(t *testing.T) {
	// Long input is estimated from a prefix cut on a rune boundary, quickly,
	// and stays strong.
	p := bytes.Repeat([]byte("ünïcödé-"), 1000)
	if g := PassphraseStrength(p); g < MinPassphraseGuessesLog10 {
		t.Errorf("PassphraseStrength of %d bytes = %.1f", len(p), g)
	}
}

func TestGuessOdds(t *testing.T) {
	tests := []struct {
		name  string
		log10 float64
		tries int
		want  float64
	}{
		{"cap", 10, 100, 1e-8},
		{"weak", 1, 100, 1},
		{"none", 5, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := GuessOdds(tt.log10, tt.tries); got < tt.want*0.999 || got > tt.want*1.001 {
				t.Errorf("GuessOdds(%v, %d) = %v, want %v", tt.log10, tt.tries, got, tt.want)
			}
		})
	}
}
