package peer

import (
	"testing"

	"go.uber.org/goleak"
)

// A client's reader and writer must be gone once it has left: a leak here
// is a connection or a key kept alive past its session.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
