package web

import (
	"testing"

	"go.uber.org/goleak"
)

// Every socket's reader and writer, and the grace timer's work, end with
// Close: one left behind would act on a session that is over.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
