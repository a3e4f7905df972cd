package sanitize

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// MaxNameRunes is the longest member name, in runes, that Name accepts.
const MaxNameRunes = 32

// HostMark is the mark, one rune, that front-ends put before the host's name
// on the host's own lines. Name refuses it in any name, and every rune that
// looks like it (reservedMarks), so no member can pass for the host.
const HostMark = "◆"

var (
	// ErrBadName is wrapped by every error Name returns.
	ErrBadName = errors.New("sanitize: bad name")

	// ErrMixedScripts is wrapped, beside ErrBadName, by the error Name
	// returns for a name that mixes scripts the way a look-alike does (UTS #39
	// §5.2, moderately restrictive): Latin with Cyrillic, say.
	ErrMixedScripts = errors.New("sanitize: name mixes scripts")

	// ErrHostMark is wrapped, beside ErrBadName, by the error Name returns
	// for a name that holds HostMark or a rune that looks like it.
	ErrHostMark = errors.New("sanitize: name holds the host's mark")
)

// NameError says what is wrong with a name in words a person can act on,
// and wraps ErrBadName, and kind when it is set, so callers can test for
// them without matching text. Name returns it.
type NameError struct {
	msg  string
	kind error
}

func badName(msg string) error { return &NameError{msg: msg} }

func (e *NameError) Error() string { return "sanitize: " + e.Problem() }

// Problem is what is wrong, for a person: "name must not start with '/'".
func (e *NameError) Problem() string { return "name " + e.msg }

func (e *NameError) Unwrap() []error {
	if e.kind == nil {
		return []error{ErrBadName}
	}
	return []error{ErrBadName, e.kind}
}

// Name checks a member name a person chose: it trims surrounding white space,
// puts the name in Unicode normalisation form C (so "Zoë" typed with a
// combining diaeresis is the same name as "Zoë" typed precomposed) and
// returns it, or an error wrapping ErrBadName whose message says what is
// wrong in words a person can act on. Name(name) == name for every name it
// returns.
//
// A name is rejected rather than rewritten, so what others see is what was
// typed: it must be 1 to MaxNameRunes runes of valid UTF-8, hold no control,
// format, bidi, line-separator, invisible or undisplayable runes, use only
// single ASCII spaces between words, and start with neither '/' nor '@',
// which introduce commands and mentions, nor with a combining mark, which
// would merge with whatever is printed before the name. It must not hold
// HostMark or anything like it (ErrHostMark), nor mix scripts as a
// look-alike of another name would (ErrMixedScripts).
func Name(raw string) (string, error) {
	name := strings.TrimSpace(raw)
	if !utf8.ValidString(name) {
		return "", badName("is not valid UTF-8")
	}
	name = norm.NFC.String(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > MaxNameRunes {
		return "", badName(fmt.Sprintf("must be 1 to %d characters", MaxNameRunes))
	}
	switch first, _ := utf8.DecodeRuneInString(name); {
	case first == '/' || first == '@':
		return "", badName("must not start with '/' or '@'")
	case unicode.Is(unicode.M, first):
		return "", badName("must not start with an accent or other combining mark")
	}
	prevSpace := false
	for _, r := range name {
		switch {
		case unicode.IsControl(r) || invisible(r):
			return "", badName("contains invisible or control characters")
		case r == ' ':
			if prevSpace {
				return "", badName("must not contain two spaces in a row")
			}
		case unicode.IsSpace(r) || unicode.Is(unicode.Zs, r):
			return "", badName("may only use plain spaces between words")
		case !unicode.IsPrint(r):
			return "", badName("contains unassigned or private-use characters")
		case unicode.Is(reservedMarks, r):
			return "", &NameError{fmt.Sprintf("must not contain %q: %s marks the host's own lines", r, HostMark), ErrHostMark}
		}
		prevSpace = r == ' '
	}
	if strings.Contains(NameKey(name), hostMarkKey) {
		return "", &NameError{fmt.Sprintf("must not contain anything that looks like %s, which marks the host's own lines", HostMark), ErrHostMark}
	}
	if scripts := mixedScripts(name); scripts != nil {
		return "", &NameError{fmt.Sprintf("mixes %s letters, as names made to look like another do: use one script", strings.Join(scripts, " and ")), ErrMixedScripts}
	}
	return name, nil
}

// reservedMarks are HostMark and the runes that look like it: the geometric
// shapes blocks, and diamonds and lozenges from elsewhere, the enclosing
// combining diamond among them.
var reservedMarks = &unicode.RangeTable{
	R16: []unicode.Range16{
		{0x20df, 0x20df, 1}, // combining enclosing diamond
		{0x22c4, 0x22c4, 1}, // diamond operator
		{0x2311, 0x2311, 1}, // square lozenge
		{0x233a, 0x233a, 1}, // APL quad diamond
		{0x235a, 0x235a, 1}, // APL diamond underbar
		{0x25a0, 0x25ff, 1}, // geometric shapes
		{0x2662, 0x2662, 1}, // white diamond suit
		{0x2666, 0x2666, 1}, // black diamond suit
		{0x26cb, 0x26cb, 1}, // white diamond in square
		{0x2756, 0x2756, 1}, // black diamond minus white x
		{0x27d0, 0x27d0, 1}, // white diamond with centred dot
		{0x27e0, 0x27e3, 1}, // lozenge, concave-sided diamonds
		{0x29ea, 0x29eb, 1}, // black diamond with down arrow, black lozenge
		{0x29f0, 0x29f1, 1}, // error-barred diamonds
		{0x2b16, 0x2b19, 1}, // half-black diamonds
		{0x2b25, 0x2b2b, 1}, // medium and small diamonds and lozenges
		{0x2bc1, 0x2bc1, 1}, // black diamond centred
		{0x2bde, 0x2bde, 1}, // black diamond on cross
	},
	R32: []unicode.Range32{
		{0x1f4a0, 0x1f4a0, 1}, // diamond shape with a dot inside
		{0x1f536, 0x1f539, 1}, // orange and blue diamonds
		{0x1f780, 0x1f7ff, 1}, // geometric shapes extended
		{0x1fbae, 0x1fbae, 1}, // box drawings diagonal diamond
		{0x1fbbf, 0x1fbbf, 1}, // negative diagonal diamond
	},
}

// hostMarkKey is HostMark's NameKey: a name whose key holds it holds
// something the confusables data says looks like the mark.
var hostMarkKey = NameKey(HostMark)

// NameKey returns the key under which names must be unique: the UTS #39
// confusable skeleton of the name with every invisible, format, control and
// variation-selector rune removed, white space runs collapsed to one space
// and trimmed, width and case folded, in that order (and with "i" taken
// for "l", see mergeIL). So "Alice", "ALICE", "ａｌｉｃｅ", "al\u200bice",
// "Zoë" in either normalisation form, "аlice" with a Cyrillic "а", "b0b" and
// "bob", and "rn" and "m" all collide. NameKey(NameKey(s)) == NameKey(s).
//
// Keys are for comparing, never for showing: the key of "Smith" is "srnlth".
func NameKey(name string) string {
	k := foldName(name)
	// Skeletons are made of prototypes the data maps to themselves, but
	// folding may turn a prototype into something that maps on ("0" becomes
	// "O", whose fold "o" then joins "o"); a few rounds reach a fixed point.
	for range 4 {
		next := foldName(mergeIL(confusables.Skeleton(k)))
		if next == k {
			break
		}
		k = next
	}
	return k
}

// CapitalKey is the second key under which names must be unique: the
// skeleton of the name as typed, before case is folded, then its NameKey.
// NameKey folds case first, so capitals that look alike across scripts
// fold to small letters that do not: Cyrillic "НОМЕ" and Latin "HOME" have
// two NameKeys ("номе" is not "home") but one CapitalKey. Two names that
// share either key look alike.
func CapitalKey(name string) string {
	return NameKey(confusables.Skeleton(cleanName(name, false)))
}

// SameName reports whether two names look alike: whether they share
// either key.
func SameName(a, b string) bool {
	return NameKey(a) == NameKey(b) || CapitalKey(a) == CapitalKey(b)
}

// mergeIL puts "l" for every "i" of a skeleton (which is in NFD, so accents
// stay). Folding case before the skeleton turns "I" into "i", which the
// confusables data leaves alone, while it maps "I" to "l": without this
// "BiII" (capital i) and "Bill" would be two names that look alike. The price
// is that names differing only by i and l ("Eli", "Ell") collide too.
func mergeIL(skeleton string) string {
	return strings.ReplaceAll(skeleton, "i", "l")
}

// foldName drops what NameKey ignores and folds width and case.
func foldName(name string) string { return cleanName(name, true) }

// cleanName drops what NameKey ignores and folds width, and case too when
// folding is set.
func cleanName(name string, folding bool) string {
	name = width.Fold.String(norm.NFC.String(name))
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
		if l, ok := smallCapitals[r]; ok {
			r = l
		}
		if folding {
			r = fold(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// smallCapitals are the Latin small capital letters, each with the letter
// it looks like: "ʜᴏꜱᴛ" reads as "HOST", but the confusables data maps
// none of them to it. Kra and turned w are here too: the data takes
// Cyrillic к and м for them, and those read as small capital K and M.
var smallCapitals = map[rune]rune{
	'\u0138': 'k', '\u028d': 'm',
	'\u1d00': 'a', '\u0299': 'b', '\u1d04': 'c', '\u1d05': 'd', '\u1d07': 'e', '\ua730': 'f', '\u0262': 'g',
	'\u029c': 'h', '\u026a': 'i', '\u1d0a': 'j', '\u1d0b': 'k', '\u029f': 'l', '\u1d0d': 'm', '\u0274': 'n',
	'\u1d0f': 'o', '\u1d18': 'p', '\ua7af': 'q', '\u0280': 'r', '\ua731': 's', '\u1d1b': 't', '\u1d1c': 'u',
	'\u1d20': 'v', '\u1d21': 'w', '\u028f': 'y', '\u1d22': 'z',
}

// fold maps r to one representative of its simple case-folding orbit, so the
// Kelvin sign, "K" and "k" give the same key, as do "ſ", "S" and "s".
func fold(r rune) rune {
	if r < utf8.RuneSelf {
		return unicode.ToLower(r)
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return unicode.ToLower(least)
}

// Scripts that may share a name with Latin (UTS #39 §5.2): the Japanese,
// Chinese and Korean combinations, and, one at a time, every script
// recommended for identifiers (UTS #31, table 5) except Cyrillic and Greek,
// whose letters imitate Latin ones.
var (
	highlyRestrictive = [][]string{
		{"Latin", "Han", "Hiragana", "Katakana"},
		{"Latin", "Han", "Bopomofo"},
		{"Latin", "Han", "Hangul"},
	}
	moderatelyWithLatin = []string{
		"Arabic", "Armenian", "Bengali", "Bopomofo", "Devanagari", "Ethiopic",
		"Georgian", "Gujarati", "Gurmukhi", "Han", "Hangul", "Hebrew",
		"Hiragana", "Kannada", "Katakana", "Khmer", "Lao", "Malayalam",
		"Myanmar", "Oriya", "Sinhala", "Tamil", "Telugu", "Thaana", "Thai",
		"Tibetan",
	}
)

// scriptNames are the names of unicode.Scripts, Latin first, then the rest
// sorted, so that looking a rune up is deterministic and common names are
// quick.
var scriptNames = func() []string {
	names := make([]string, 0, len(unicode.Scripts))
	for n := range unicode.Scripts {
		if n != "Latin" && n != "Common" && n != "Inherited" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return append([]string{"Latin"}, names...)
}()

// scriptOf returns the name of r's script, or "" for Common, Inherited and
// unassigned runes, which go with any script.
func scriptOf(r rune) string {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			return "Latin"
		}
		return ""
	}
	for _, n := range scriptNames {
		if unicode.Is(unicode.Scripts[n], r) {
			return n
		}
	}
	return ""
}

// mixedScripts returns the scripts of name, sorted, if they mix in a way
// that UTS #39's moderately restrictive level refuses, or nil.
func mixedScripts(name string) []string {
	var scripts []string
	for _, r := range name {
		if s := scriptOf(r); s != "" && !slices.Contains(scripts, s) {
			scripts = append(scripts, s)
		}
	}
	if len(scripts) <= 1 {
		return nil
	}
	for _, allowed := range highlyRestrictive {
		if subset(scripts, allowed) {
			return nil
		}
	}
	if len(scripts) == 2 && slices.Contains(scripts, "Latin") {
		other := scripts[0]
		if other == "Latin" {
			other = scripts[1]
		}
		if slices.Contains(moderatelyWithLatin, other) {
			return nil
		}
	}
	slices.Sort(scripts)
	return scripts
}

func subset(s, of []string) bool {
	for _, x := range s {
		if !slices.Contains(of, x) {
			return false
		}
	}
	return true
}
