package host

import (
	"testing"

	"go.uber.org/goleak"
)

// REASON
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
