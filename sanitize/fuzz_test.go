package sanitize

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/ssc-chat/ssc/internal/fuzzseed"
)

func FuzzText(f *testing.F) {
	fuzzseed.Require(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkSafe(t, s, Text(s))
	})
}

func FuzzName(f *testing.F) {
	fuzzseed.Require(f)
	f.Fuzz(func(t *testing.T, raw string) {
		if k := NameKey(raw); NameKey(k) != k {
			t.Errorf("NameKey(%q) = %q, but NameKey of that = %q", raw, k, NameKey(k))
		}
		if nfd := norm.NFD.String(raw); !SameName(raw, nfd) {
			t.Errorf("%q and its decomposed form %q are two names", raw, nfd)
		}
		name, err := Name(raw)
		if err != nil {
			if !errors.Is(err, ErrBadName) || name != "" {
				t.Errorf("Name(%q) = %q, %v; want \"\" and an error wrapping ErrBadName", raw, name, err)
			}
			return
		}
		if s := Text(name); s != name {
			t.Errorf("Name accepted %q, which Text shows as %q", name, s)
		}
		if NameKey(name) == "" {
			t.Errorf("Name accepted %q, whose key is empty", name)
		}
		if n := utf8.RuneCountInString(name); n < 1 || n > MaxNameRunes {
			t.Errorf("Name accepted %q of %d runes", name, n)
		}
		if !norm.NFC.IsNormalString(name) {
			t.Errorf("Name accepted %q, which is not NFC", name)
		}
		if mixedScripts(name) != nil || strings.Contains(NameKey(name), hostMarkKey) {
			t.Errorf("Name accepted %q, which mixes scripts or holds the host's mark", name)
		}
		if again, err := Name(name); again != name || err != nil {
			t.Errorf("Name(%q) = %q, but Name of that = %q, %v", raw, name, again, err)
		}
	})
}
