package cli

import (
	"bytes"
	"errors"
	"fmt"
	"math"

	"github.com/ssc-chat/ssc/host"
	"github.com/ssc-chat/ssc/keys"
)

// weakFlag lets the host use a passphrase that keys.CheckPassphrase
// judges easy to guess.
const weakFlag = "allow-weak-passphrase"

// dicewareListWords is the size of the list keys.GeneratePassphrase draws
// its words from (EFF's large list), each word uniformly: a generated
// passphrase of n words is one of 7776^n.
const dicewareListWords = 7776

// passphraseHint says what makes a good passphrase.
const passphraseHint = "a good passphrase is several unrelated words that nobody could guess (not a saying, a name or a date); " +
	"leave out --passphrase-file and " + passphraseEnv + " and ssc generates one of four diceware words, " +
	"or give --" + weakFlag + " to use this one anyway"

// generatedStrength returns the strength, as log10 of the guesses an
// attacker needs, of a passphrase keys.GeneratePassphrase made: the words
// it holds, each one of dicewareListWords.
func generatedStrength(p []byte) float64 {
	words := 1 + bytes.Count(p, []byte("-"))
	return float64(words) * math.Log10(dicewareListWords)
}

// checkStrength checks a passphrase the host supplied. A weak one is
// refused unless allowWeak; then it comes back as a warning. It returns
// the estimated strength for the odds the banner states.
func checkStrength(p []byte, allowWeak bool, related ...string) (float64, *userError, error) {
	g, err := keys.CheckPassphrase(p, related...)
	var weak *keys.WeakPassphraseError
	if !errors.As(err, &weak) {
		return g, nil, err
	}
	odds := guessOdds(g)
	if !allowWeak {
		return g, nil, &userError{code: exitUsage, err: err,
			msg:  "the passphrase is too easy to guess: " + odds,
			hint: passphraseHint}
	}
	return g, &userError{msg: "the passphrase is easy to guess: " + odds,
		hint: "anyone who guesses it can join; leave out --passphrase-file and " + passphraseEnv + " to have ssc generate a strong one"}, nil
}

// guessOdds says the chance that the guesses a session allows find a
// passphrase of strength g (log10 of the guesses it takes).
func guessOdds(g float64) string {
	odds := keys.GuessOdds(g, host.MaxGuesses)
	if odds >= 0.5 {
		return fmt.Sprintf("the %d guesses anyone may make would very likely find it", host.MaxGuesses)
	}
	return fmt.Sprintf("the %d guesses anyone may make find it with a chance of about 1 in %s", host.MaxGuesses, oneIn(1/odds))
}

// oneIn writes n for "1 in n": whole below ten thousand, else as a×10^b.
func oneIn(n float64) string {
	if n < 1e4 {
		return fmt.Sprintf("%.0f", n)
	}
	exp := math.Floor(math.Log10(n))
	mant := math.Round(n / math.Pow(10, exp))
	if mant >= 10 {
		mant, exp = 1, exp+1
	}
	return fmt.Sprintf("%.0f×10^%.0f", mant, exp)
}
