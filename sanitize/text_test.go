package sanitize

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"plain ASCII", "hello, world! <3", "hello, world! <3"},
		{"empty", "", ""},
		{"clear screen", "\x1b[2J", "␛[2J"},
		{"OSC 52 clipboard write", "\x1b]52;c;aGVsbG8=\x07", "␛]52;c;aGVsbG8=␇"},
		{"title set", "\x1b]0;pwned\x07", "␛]0;pwned␇"},
		{"raw 8-bit CSI byte", "\x9b2J", "\ufffd2J"},
		{"C1 CSI rune", "\u009b2J", "\ufffd2J"},
		{"C1 next line", "a\u0085b", "a\ufffdb"},
		{"carriage return overwrite", "ok\rEVIL", "ok␍EVIL"},
		{"line feed", "a\nb", "a␊b"},
		{"NUL", "a\x00b", "a␀b"},
		{"backspace overwrite", "yes\b\b\bno ", "yes␈␈␈no "},
		{"DEL", "a\x7fb", "a␡b"},
		{"tab", "a\tb", "a b"},
		{"right-to-left override", "user\u202etxt.exe", "user<U+202E>txt.exe"},
		{"bidi isolates", "\u2067abc\u2069", "<U+2067>abc<U+2069>"},
		{"Arabic letter mark", "a\u061cb", "a<U+061C>b"},
		{"left-to-right mark", "a\u200eb", "a<U+200E>b"},
		{"zero-width space", "al\u200bice", "al<U+200B>ice"},
		{"zero-width joiner", "a\u200db", "a<U+200D>b"},
		{"word joiner", "a\u2060b", "a<U+2060>b"},
		{"byte order mark", "\ufeffhi", "<U+FEFF>hi"},
		{"Mongolian vowel separator", "a\u180eb", "a<U+180E>b"},
		{"soft hyphen", "a\u00adb", "a<U+00AD>b"},
		{"line separator", "a\u2028b", "a<U+2028>b"},
		{"paragraph separator", "a\u2029b", "a<U+2029>b"},
		{"Hangul filler", "\u3164", "<U+3164>"},
		{"tag character", "a\U000e0041", "a<U+E0041>"},
		{"emoji", "hi 👋🏽 ❤️ 🇫🇷", "hi 👋🏽 ❤️ 🇫🇷"},
		{"CJK", "你好，世界", "你好，世界"},
		{"accents", "Zoë café nai\u0308ve", "Zoë café nai\u0308ve"},
		{"right-to-left script", "שלום مرحبا", "שלום مرحبا"},
		{"no-break space", "a\u00a0b", "a\u00a0b"},
		{"invalid UTF-8", "a\xff\xfeb", "a\ufffd\ufffdb"},
		{"truncated sequence", "a\xe4\xb8", "a\ufffd\ufffd"},
		{"encoded surrogate", "\xed\xa0\x80", "\ufffd\ufffd\ufffd"},
		{"replacement character", "\ufffd", "\ufffd"},
		{"control pictures", "␛[2J", "␛[2J"},
		{"visible code point", "<U+202E>", "<U+202E>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Text(tt.in)
			if got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
			checkSafe(t, tt.in, got)
		})
	}
}

func TestTextEveryRune(t *testing.T) {
	t.Parallel()
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if in := string(r); !checkSafe(t, in, Text(in)) {
			return
		}
	}
	for b := 0; b < 256; b++ {
		if in := string([]byte{'a', byte(b), 'z'}); !checkSafe(t, in, Text(in)) {
			return
		}
	}
}

// checkSafe reports, and returns false, when out (which is Text(in)) could
// act on a terminal or Text would change it again.
func checkSafe(t testing.TB, in, out string) bool {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("Text(%q) = %q, not valid UTF-8", in, out)
		return false
	}
	for _, r := range out {
		if why := unsafeRune(r); why != "" {
			t.Errorf("Text(%q) = %q, contains %U (%s)", in, out, r, why)
			return false
		}
	}
	if again := Text(out); again != out {
		t.Errorf("Text(%q) = %q, but Text of that = %q", in, out, again)
		return false
	}
	return true
}

func unsafeRune(r rune) string {
	switch {
	case r < 0x20:
		return "C0 control"
	case r == 0x7f:
		return "DEL"
	case r >= 0x80 && r <= 0x9f:
		return "C1 control"
	case isBidiControl(r):
		return "bidi control"
	case unicode.Is(unicode.Cf, r):
		return "format character"
	case r == 0x2028 || r == 0x2029:
		return "line or paragraph separator"
	}
	return ""
}

func isBidiControl(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f ||
		r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}
