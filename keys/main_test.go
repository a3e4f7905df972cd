package keys

import (
	"testing"

	"go.uber.org/goleak"
)

// The TLS tests run each side of a handshake in a goroutine; none may
// outlive its test, or a connection would outlive its session.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
