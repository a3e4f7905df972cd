//go:build unix

package host

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// pending reports whether bytes wait unread on conn's socket, without
// reading them: a joiner whose first message has arrived has spoken, even
// before its goroutine got to read it.
func pending(conn net.Conn) bool {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return true // cannot tell: do not shed it as idle
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	// Control, not Read: the connection's goroutine may be blocked reading,
	// and a peek that does not wait needs no turn.
	n := 0
	raw.Control(func(fd uintptr) {
		var b [1]byte
		n, _, _ = unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	})
	return n > 0
}
