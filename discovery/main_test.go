package discovery

import (
	"testing"

	"go.uber.org/goleak"
)

// The announcer, the browser and the tunnel each run goroutines that must end
// with them: one left behind would go on announcing or relaying a session
// that has ended.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
