package host

import (
	"net"
	"testing"
	"time"
)

// pending tells a socket that sent nothing from one whose bytes wait
// unread, and does not wait for a reader that is blocked on the socket.
func TestPendingSeesUnreadBytesWithoutWaiting(t *testing.T) {
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
	if pending(server) {
		t.Fatal("a socket that sent nothing has bytes pending")
	}
	// A reader blocked on the socket, as a stranger's goroutine is.
	read := make(chan struct{})
	go func() {
		var b [1]byte
		server.Read(b[:])
		close(read)
	}()
	done := make(chan bool)
	go func() { done <- pending(server) }()
	select {
	case got := <-done:
		if got {
			t.Fatal("bytes pending on a silent socket")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("pending waited for the blocked reader")
	}
	server.SetReadDeadline(time.Now())
	<-read
	server.SetReadDeadline(time.Time{})
	client.Write([]byte("hello"))
	for deadline := time.Now().Add(5 * time.Second); !pending(server); {
		if time.Now().After(deadline) {
			t.Fatal("bytes sent are never pending")
		}
		time.Sleep(time.Millisecond)
	}
}
