package cli

import (
	"testing"

	"github.com/ssc-chat/ssc/keys"
)

func TestGuessOdds(t *testing.T) {
	tests := []struct {
		name string
		g    float64
		want string
	}{
		{name: "four diceware words", g: generatedStrength([]byte("violet-canyon-mirror-lantern")),
			want: "the 100 guesses anyone may make find it with a chance of about 1 in 4×10^13"},
		{name: "the least accepted", g: keys.MinPassphraseGuessesLog10,
			want: "the 100 guesses anyone may make find it with a chance of about 1 in 1×10^8"},
		{name: "weak", g: 3.9, want: "the 100 guesses anyone may make find it with a chance of about 1 in 79"},
		{name: "rounds up to the next power", g: 15.99, want: "the 100 guesses anyone may make find it with a chance of about 1 in 1×10^14"},
		{name: "hopeless", g: 1, want: "the 100 guesses anyone may make would very likely find it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := guessOdds(tt.g); got != tt.want {
				t.Errorf("guessOdds(%v) = %q, want %q", tt.g, got, tt.want)
			}
		})
	}
}

// A generated passphrase is as strong as the generator makes it.
func TestGeneratedStrength(t *testing.T) {
	p, err := keys.GeneratePassphrase()
	if err != nil {
		t.Fatal(err)
	}
	if g := generatedStrength([]byte(p)); g < 15.5 || g > 15.6 {
		t.Errorf("generatedStrength(%d words) = %v, want log10(7776^4) = 15.56", 4, g)
	}
}
