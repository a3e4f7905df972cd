package web

import (
	"net"
	"testing"
)

// A connection from this process's own user is accepted: the page opened
// by the person at the keyboard gets through.
func TestSameUserAcceptsOwnConnections(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	if !sameUser(server) {
		t.Fatal("a connection from this very process was not taken as its user's")
	}
}
