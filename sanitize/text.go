package sanitize

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text returns s made safe for a terminal: nothing in the result can move the
// cursor, change colours, set the title, write the clipboard or reorder text.
//
// Escape sequences are shown rather than obeyed: C0 controls and DEL become
// their Control Pictures (ESC shows as ␛, CR as ␍), except TAB, which becomes
// a space. Invalid UTF-8 and C1 controls become U+FFFD, so neither a raw 0x9b
// byte nor the rune U+009B can start an 8-bit CSI. Bidi controls, zero-width
// and other invisible characters, and line and paragraph separators are
// spelt out as <U+XXXX>, so text cannot be reordered or hide what it is.
// Everything else, emoji and every script included, passes unchanged, and
// Text(Text(s)) == Text(s).
func Text(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	// Ranging over a string yields U+FFFD for each invalid byte.
	for _, r := range s[i:] {
		switch {
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20:
			b.WriteRune(0x2400 + r)
		case r == 0x7f:
			b.WriteRune('\u2421')
		case r >= 0x80 && r <= 0x9f:
			b.WriteRune(utf8.RuneError)
		case Invisible(r):
			fmt.Fprintf(&b, "<U+%04X>", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// firstUnsafe returns the index of the first byte Text must rewrite, or -1,
// so that clean text, the common case, is returned without copying.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r < 0x20 || r >= 0x7f && r <= 0x9f || Invisible(r) {
			return i
		}
		i += n
	}
	return -1
}

// Invisible reports whether r is drawn as nothing or acts on the text around
// it instead of being drawn: format characters (every bidi control, the
// zero-width characters, the soft hyphen and the tag characters are among
// them), line and paragraph separators, and the other default-ignorable code
// points, such as the Hangul fillers that render as blank space. It is ssc's
// one definition of invisible: Text spells these out, names refuse them,
// and --json output escapes them.
func Invisible(r rune) bool {
	if r < 0xad {
		return false
	}
	return unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Other_Default_Ignorable_Code_Point)
}

// invisible is Invisible, as the name rules call it.
var invisible = Invisible
