// Package fuzzseed makes a fuzz test fail when its seed corpus is missing
// or empty, so that a lost testdata folder cannot quietly turn it into a
// no-op. It is for tests only; every package's fuzz tests use this one rule.
package fuzzseed

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Require fails f unless testdata/fuzz/<name of f> holds at least one seed.
func Require(f *testing.F) {
	f.Helper()
	if err := Check(filepath.Join("testdata", "fuzz", f.Name())); err != nil {
		f.Fatal(err)
	}
}

// Check returns an error unless dir holds at least one regular file.
func Check(dir string) error {
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
