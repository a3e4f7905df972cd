//go:build unix

package console

import (
	"os"
	"syscall"
)

// resizeSignals tell Run that the terminal changed size.
var resizeSignals = []os.Signal{syscall.SIGWINCH}
