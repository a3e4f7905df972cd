package web

import "net"

// ownersOnly accepts only connections that come from a process of the user
// running ssc, where the system can tell: the one-time link is visible to
// every user of the machine while the browser starts (in its argv), and
// another user who opened it first would hold the page. A connection from
// someone else is closed at once, before any byte of HTTP.
type ownersOnly struct {
	net.Listener
}

func (l ownersOnly) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if sameUser(conn) {
			return conn, nil
		}
		conn.Close()
	}
}
