package console

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// wrapIndent starts every wrapped line of a message, past where the clock
// stands: a line of its own that a member's text begins (after a run of
// spaces, say) can never pass for a message, the host's above all, since
// every message starts at the first column with its time.
const wrapIndent = "      "

// columns is how many terminal columns s takes.
func columns(s string) int {
	n := 0
	for _, r := range s {
		n += runeColumns(r)
	}
	return n
}

// runeColumns is how many columns r takes, erring wide: counting too many
// only wraps a line early, too few lets the terminal wrap it at column 0.
// sanitize.Text has made every control and invisible character into
// visible text already.
func runeColumns(r rune) int {
	switch {
	case r < 0x300: // Latin, before the first combining mark
		return 1
	case r == '\ufe0f':
		// Emoji presentation: terminals draw the character before it two
		// columns wide, so it adds the column the character lacked.
		return 1
	case unicode.In(r, unicode.Mn, unicode.Me):
		return 0
	case r >= 0x1f1e6 && r <= 0x1f1ff, !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z):
		// Regional indicators (flags) and characters newer than this
		// program's tables: most terminals draw them wide.
		return 2
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// wrap cuts text into lines of at most first columns, then at most rest,
// where the terminal would wrap it anyway, so that ssc can indent all but
// the first. A first of zero or less starts text on the second line.
func wrap(text string, first, rest int) []string {
	rest = max(rest, 2) // a wide character fits
	var lines []string
	var b strings.Builder
	col, limit := 0, first
	if limit < 1 {
		lines, limit = append(lines, ""), rest
	}
	for _, r := range text {
		w := runeColumns(r)
		if col+w > limit && (col > 0 || len(lines) == 0) {
			lines = append(lines, b.String())
			b.Reset()
			col, limit = 0, rest
		}
		b.WriteRune(r)
		col += w
	}
	return append(lines, b.String())
}
