package console

import (
	"testing"

	"go.uber.org/goleak"
)

// The console's signal watcher and line reader must end with Run: one left
// behind would read the terminal for a session that has ended.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
