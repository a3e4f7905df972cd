package fuzzseed

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	if err := Check(dir); err == nil {
		t.Error("Check accepted an empty folder")
	}
	if err := Check(filepath.Join(dir, "missing")); err == nil {
		t.Error("Check accepted a missing folder")
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Check(dir); err == nil {
		t.Error("Check accepted a folder holding only a folder")
	}
	if err := os.WriteFile(filepath.Join(dir, "seed"), []byte("go test fuzz v1\nstring(\"\")\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Check(dir); err != nil {
		t.Errorf("Check rejected a folder with a seed: %v", err)
	}
}
