//go:build !unix

package console

import "os"

// resizeSignals is empty where the system sends no signal on resize; the
// size read at start then holds for the whole session.
var resizeSignals []os.Signal
