//go:build !linux

package web

import "net"

// sameUser cannot ask the system who owns the other end here: every local
// connection is taken, and the token stays the only key.
func sameUser(net.Conn) bool { return true }
