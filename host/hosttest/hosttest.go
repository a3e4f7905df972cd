// Package hosttest runs a real host session on 127.0.0.1 for tests, with
// what main adds for the host's operator, so tests of other packages need
// not build one by hand. It is for tests only, beside the package it serves.
package hosttest

import (
	"net"
	"testing"

	"github.com/ssc-chat/ssc/host"
	"github.com/ssc-chat/ssc/keys"
)

// Host is a running session and the address joiners dial. With the
// session's commands and Links it is what the host's operator is handed.
type Host struct {
	*host.Session
	Addr string
}

// Links implements the operator's /link as main does, for one address.
func (h *Host) Links() []string { return []string{"ssc join " + h.Addr} }

// Start runs a session with cfg on 127.0.0.1:0 until the test ends. A nil
// cfg.Identity gets a fresh one.
func Start(tb testing.TB, cfg host.Config) *Host {
	tb.Helper()
	if cfg.Identity == nil {
		id, err := keys.GenerateHostIdentity()
		if err != nil {
			tb.Fatal(err)
		}
		cfg.Identity = id
	}
	s, err := host.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s.Listen(ln)
	tb.Cleanup(func() { s.Close() })
	return &Host{Session: s, Addr: ln.Addr().String()}
}
