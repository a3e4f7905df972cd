package console

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// wrapIndent starts every further line of a wrapped one, past where the
// clock stands: a line that a member's text or name begins (after a run of
// spaces, say) can never pass for a message, the host's above all, or for
// a notice, since those start at the first column with the time or "--".
const wrapIndent = "      "

// minFit is the narrowest terminal fit wraps for: an indented line must
// leave room for a wide character and the column kept free.
const minFit = len(wrapIndent) + 4

// runeColumns is how many columns r takes, erring wide: counting too many
// only wraps a line early, too few lets the terminal wrap it at column 0.
// Terminals disagree past the scripts they know well (glibc, tmux and
// newer Unicode tables draw hexagrams, trigrams and many symbols two
// wide), so only what is surely narrow counts one. sanitize.Text has made
// every control and invisible character into visible text already.
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
	case r < 0x1100, r >= 0x1e00 && r < 0x2000:
		// Greek, Cyrillic and the alphabets of Asia before Hangul; Latin
		// and Greek extended.
		return 1
	case r >= 0x2000 && r < 0x2e80:
		// Punctuation, symbols, arrows, boxes: narrow unless the tables,
		// or newer ones, say wide.
		if k := width.LookupRune(r).Kind(); k == width.EastAsianWide || k == width.EastAsianFullwidth ||
			r >= 0x2630 && r <= 0x2637 || r >= 0x268a && r <= 0x268f {
			return 2
		}
		return 1
	}
	return 2
}

// fit wraps each line of rendered text that is wider than the terminal,
// one column short of its width, and indents every further line past
// where the clock stands. The renderer's only escape sequences are SGR
// codes (ESC [ ... m) around sanitised text: they take no columns, and
// the one in effect is closed before a break and opened again after it.
// cols of zero or less (unknown) leaves text as it is.
func fit(text string, cols int) string {
	if cols <= 0 {
		return text
	}
	var b strings.Builder
	for line := range strings.SplitAfterSeq(text, "\n") {
		fitLine(&b, line, cols)
	}
	return b.String()
}

func fitLine(b *strings.Builder, line string, cols int) {
	// Bytes are never fewer than columns. Below minFit columns no indented
	// line fits: the terminal wraps as it will.
	if len(line) < cols || cols < minFit {
		b.WriteString(line)
		return
	}
	limit := cols - 1 // a line that fills the width leaves some terminals pending a wrap of their own
	rest := max(limit-len(wrapIndent), 2)
	active, col, first := "", 0, true
	for i := 0; i < len(line); {
		if seq := sgrAt(line[i:]); seq != "" {
			b.WriteString(seq)
			if active = seq; seq == sgrReset {
				active = ""
			}
			i += len(seq)
			continue
		}
		r, size := utf8.DecodeRuneInString(line[i:])
		w := runeColumns(r)
		if r == '\n' {
			b.WriteByte('\n') // takes no column, and only ends the line
			i += size
			continue
		}
		if next, n := utf8.DecodeRuneInString(line[i+size:]); next == '\ufe0f' {
			// An emoji selector stays with its emoji, and widens it.
			w += runeColumns(next)
			size += n
		}
		lim := limit
		if !first {
			lim = rest
		}
		if col+w > lim && (col > 0 || first) {
			if active != "" {
				b.WriteString(sgrReset)
			}
			b.WriteString("\n" + wrapIndent + active)
			col, first = 0, false
		}
		b.WriteString(line[i : i+size])
		col += w
		i += size
	}
}

// sgrAt returns the SGR code (ESC [ digits and semicolons m) s starts with,
// or "".
func sgrAt(s string) string {
	if len(s) < 3 || s[0] != '\x1b' || s[1] != '[' {
		return ""
	}
	for i := 2; i < len(s); i++ {
		switch c := s[i]; {
		case c == 'm':
			return s[:i+1]
		case c != ';' && (c < '0' || c > '9'):
			return ""
		}
	}
	return ""
}
