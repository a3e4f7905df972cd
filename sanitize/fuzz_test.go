package sanitize

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// requireSeeds fails f when its seed corpus is missing or empty, so that a
// lost testdata folder cannot quietly turn the fuzz test into a no-op.
func requireSeeds(f *testing.F) {
	f.Helper()
	if err := checkSeeds(filepath.Join("testdata", "fuzz", f.Name())); err != nil {
		f.Fatal(err)
	}
}

func checkSeeds(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("seed corpus: %w", err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			return nil
		}
	}
	return fmt.Errorf("seed corpus: no seeds in %s", dir)
}

func TestCheckSeeds(t *testing.T) {
	dir := t.TempDir()
	if err := checkSeeds(dir); err == nil {
		t.Error("checkSeeds accepted an empty folder")
	}
	if err := checkSeeds(filepath.Join(dir, "missing")); err == nil {
		t.Error("checkSeeds accepted a missing folder")
	}
	if err := os.WriteFile(filepath.Join(dir, "seed"), []byte("go test fuzz v1\nstring(\"\")\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkSeeds(dir); err != nil {
		t.Errorf("checkSeeds rejected a folder with a seed: %v", err)
	}
}

func FuzzText(f *testing.F) {
	requireSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkSafe(t, s, Text(s))
	})
}

func FuzzName(f *testing.F) {
	requireSeeds(f)
	f.Fuzz(func(t *testing.T, raw string) {
		if k := NameKey(raw); NameKey(k) != k {
			t.Errorf("NameKey(%q) = %q, but NameKey of that = %q", raw, k, NameKey(k))
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
