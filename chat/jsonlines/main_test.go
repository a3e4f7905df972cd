package jsonlines

import (
	"testing"

	"go.uber.org/goleak"
)

// Run's stdin reader must end with Run: one left behind would send lines
// into a session that has ended.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
