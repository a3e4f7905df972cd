package keys

import (
	"fmt"
	"strings"

	"github.com/sethvargo/go-diceware/diceware"
)

// passphraseWords is the number of diceware words in a generated passphrase:
// about 51.7 bits from EFF's large list. CPace allows no offline guessing, so
// an attacker gets one online guess per connection the host accepts.
const passphraseWords = 4

// GeneratePassphrase returns a fresh session passphrase of four diceware words
// joined by "-". Words of the list that have a hyphen of their own ("t-shirt")
// are drawn again, so the passphrase reads as exactly four words; that
// removes a handful of the list's 7776 words and no measurable strength.
func GeneratePassphrase() (string, error) {
	words := make([]string, 0, passphraseWords)
	for len(words) < passphraseWords {
		drawn, err := diceware.Generate(passphraseWords)
		if err != nil {
			return "", fmt.Errorf("keys: generating passphrase: %w", err)
		}
		for _, w := range drawn {
			if !strings.Contains(w, "-") && len(words) < passphraseWords {
				words = append(words, w)
			}
		}
	}
	return strings.Join(words, "-"), nil
}

// NormalizePassphrase returns s without leading and trailing white space, so a
// passphrase read from a file with a final newline still matches. The result is
// a new slice that the caller wipes with Wipe when done.
func NormalizePassphrase(s string) []byte {
	return []byte(strings.TrimSpace(s))
}

// Wipe zeroes b.
func Wipe(b []byte) {
	clear(b)
}
