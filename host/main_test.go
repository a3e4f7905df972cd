package host

import (
	"testing"

	"go.uber.org/goleak"
)

// Every listener's accept loop and every member's reader and writer must be
// gone once the session has closed: a leak here is a connection or a key kept
// alive past its session.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
