package keys

import (
	"errors"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
)

// MinPassphraseGuessesLog10 is the least strength, as log10 of the guesses
// zxcvbn estimates an attacker needs, of a passphrase a person supplies. An
// attacker gets one online guess per connection and at most MaxGuesses (100,
// host.MaxGuesses) per passphrase before the host stops admitting anyone, so
// 10^10 guesses keep its odds at 1 in 10^8. It is zxcvbn's "very
// unguessable" score; a generated passphrase of four diceware words
// (51.7 bits, 10^15.6) is far above it.
const MinPassphraseGuessesLog10 = 10

// strengthPrefix is how many bytes of a passphrase PassphraseStrength
// estimates: zxcvbn's time grows steeply with length (about 36 ms at 128
// bytes, seconds at 1 KiB), and guessing a whole passphrase is no easier
// than guessing its first 128 bytes.
const strengthPrefix = 128

// ErrWeakPassphrase is wrapped by the *WeakPassphraseError that
// CheckPassphrase returns.
var ErrWeakPassphrase = errors.New("keys: weak passphrase")

// WeakPassphraseError is CheckPassphrase's refusal: it carries the estimate,
// for the caller to put the odds into words (GuessOdds).
type WeakPassphraseError struct {
	GuessesLog10 float64 // zxcvbn's estimate of the guesses needed, log10
}

func (e *WeakPassphraseError) Error() string {
	return fmt.Sprintf("keys: weak passphrase: about 10^%.1f guesses, want at least 10^%d; use more, unrelated words",
		e.GuessesLog10, MinPassphraseGuessesLog10)
}

func (e *WeakPassphraseError) Unwrap() error { return ErrWeakPassphrase }

// PassphraseStrength estimates with zxcvbn how many guesses an attacker
// needs to find p, as log10. related are words an attacker would try first,
// such as the session's name; they make a passphrase built from them weaker.
// p is not kept or changed; the caller still wipes it.
//
// zxcvbn works on strings, which cannot be wiped: the copy made here, and the
// lowered and un-leeted copies zxcvbn makes of it, become garbage when this
// returns and stay in memory only until it is reused (the process is not
// dumpable and exits at the end of the session). Nothing here keeps them.
func PassphraseStrength(p []byte, related ...string) (guessesLog10 float64) {
	if len(p) > strengthPrefix {
		n := strengthPrefix
		for n > 0 && !utf8.RuneStart(p[n]) {
			n--
		}
		p = p[:n]
	}
	if len(p) == 0 {
		return 0
	}
	r := zxcvbn.PasswordStrength(string(p), related)
	return math.Log10(max(r.Guesses, 1))
}

// CheckPassphrase returns PassphraseStrength(p, related...) and, when it is
// under MinPassphraseGuessesLog10, a *WeakPassphraseError.
func CheckPassphrase(p []byte, related ...string) (guessesLog10 float64, err error) {
	g := PassphraseStrength(p, related...)
	if g < MinPassphraseGuessesLog10 {
		return g, &WeakPassphraseError{GuessesLog10: g}
	}
	return g, nil
}

// GuessOdds returns the chance that an attacker who makes tries guesses finds
// a passphrase of strength guessesLog10: tries / 10^guessesLog10, at most 1.
func GuessOdds(guessesLog10 float64, tries int) float64 {
	return min(1, float64(tries)/math.Pow(10, guessesLog10))
}
