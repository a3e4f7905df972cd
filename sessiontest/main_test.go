package sessiontest

import (
	"testing"

	"go.uber.org/goleak"
)

// Every goroutine a session or a client starts must be gone once it has
// closed: a leak here is a connection or a key kept alive past its session.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
