package sanitize

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameRunes is the longest member name, in runes, that Name accepts.
const MaxNameRunes = 32

// ErrBadName is wrapped by every error Name returns.
var ErrBadName = errors.New("sanitize: bad name")

// nameError says what is wrong with a name in words a person can act on, and
// wraps ErrBadName so callers can test for it without matching text.
type nameError string

func (e nameError) Error() string { return "sanitize: name " + string(e) }

func (nameError) Unwrap() error { return ErrBadName }

// Name checks a member name a person chose: it trims surrounding white space
// and returns the name, or an error wrapping ErrBadName whose message says
// what is wrong in words a person can act on.
//
// A name is rejected rather than rewritten, so what others see is what was
// typed: it must be 1 to MaxNameRunes runes of valid UTF-8, hold no control,
// format, bidi, line-separator, invisible or undisplayable runes, use only
// single ASCII spaces between words, and start with neither '/' nor '@',
// which introduce commands and mentions, nor with a combining mark, which
// would merge with whatever is printed before the name.
func Name(raw string) (string, error) {
	name := strings.TrimSpace(raw)
	if !utf8.ValidString(name) {
		return "", nameError("is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(name); n < 1 || n > MaxNameRunes {
		return "", nameError(fmt.Sprintf("must be 1 to %d characters", MaxNameRunes))
	}
	switch first, _ := utf8.DecodeRuneInString(name); {
	case first == '/' || first == '@':
		return "", nameError("must not start with '/' or '@'")
	case unicode.Is(unicode.M, first):
		return "", nameError("must not start with an accent or other combining mark")
	}
	prevSpace := false
	for _, r := range name {
		switch {
		case unicode.IsControl(r) || invisible(r):
			return "", nameError("contains invisible or control characters")
		case r == ' ':
			if prevSpace {
				return "", nameError("must not contain two spaces in a row")
			}
		case unicode.IsSpace(r) || unicode.Is(unicode.Zs, r):
			return "", nameError("may only use plain spaces between words")
		case !unicode.IsPrint(r):
			return "", nameError("contains unassigned or private-use characters")
		}
		prevSpace = r == ' '
	}
	return name, nil
}

// NameKey returns the key under which names must be unique: every invisible,
// format, control and variation-selector rune removed, white space runs
// collapsed to one space and trimmed, fullwidth ASCII narrowed and case
// folded, so "Alice", "ALICE", "ａｌｉｃｅ" and "al\u200bice" collide.
// NameKey(NameKey(s)) == NameKey(s).
func NameKey(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	space := false
	for _, r := range name {
		switch {
		case unicode.IsControl(r) || invisible(r) || unicode.Is(unicode.Variation_Selector, r):
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(fold(r))
	}
	return b.String()
}

// fold maps r to one representative of its simple case-folding orbit, so the
// Kelvin sign, "K" and "k" give the same key, as do "ſ", "S" and "s".
func fold(r rune) rune {
	if r >= 0xff01 && r <= 0xff5e {
		r -= 0xff01 - '!'
	}
	if r < utf8.RuneSelf {
		return unicode.ToLower(r)
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return unicode.ToLower(least)
}
