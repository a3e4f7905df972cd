package discovery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// Ngrok refuses, before any network traffic, the two calls that would
// otherwise retry until the deadline or forever.
func TestNgrokRefuses(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	if _, _, err := (Ngrok{}).Listen(ctx); !errors.Is(err, ErrNoAuthToken) {
		t.Errorf("Listen without an authtoken: %v", err)
	}
	if _, _, err := (Ngrok{AuthToken: "x"}).Listen(context.Background()); !errors.Is(err, ErrNoDeadline) {
		t.Errorf("Listen without a deadline: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusing took %v", d)
	}
}

// ngrokError is shaped like the errors of ngrok's service.
type ngrokError struct{ code, msg string }

func (e ngrokError) Error() string { return e.msg + "\n\n" + e.code }
func (e ngrokError) Code() string  { return e.code }

func TestNgrokErrorCode(t *testing.T) {
	card := ngrokError{"ERR_NGROK_8013", "You must add a credit or debit card before you can use TCP endpoints on a free account."}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"direct", card, "ERR_NGROK_8013"},
		{"wrapped", fmt.Errorf("discovery: ngrok: failed to connect: %w", card), "ERR_NGROK_8013"},
		{"joined with the deadline", errors.Join(card, context.DeadlineExceeded), "ERR_NGROK_8013"},
		{"not ngrok's", context.DeadlineExceeded, ""},
		{"nil", nil, ""},
	}
	for _, tt := range tests {
		if got := NgrokErrorCode(tt.err); got != tt.want {
			t.Errorf("%s: NgrokErrorCode = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// ngrok joins the error of each attempt; the same failure is said once.
func TestTunnelErrorSaysEachFailureOnce(t *testing.T) {
	card := ngrokError{"ERR_NGROK_8013", "no card"}
	attempt := errors.New("dial tcp: lookup connect.ngrok-agent.com: no such host")
	err := &TunnelError{Err: fmt.Errorf("failed to connect: %v; %v; %w; %w", attempt, attempt, card, context.DeadlineExceeded)}
	want := "discovery: ngrok: failed to connect: dial tcp: lookup connect.ngrok-agent.com: no such host; " + card.Error() + "; context deadline exceeded"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	if !errors.Is(err, context.DeadlineExceeded) || NgrokErrorCode(err) != "ERR_NGROK_8013" {
		t.Errorf("the error lost what it wraps")
	}
}

// TestNgrokLive opens a real tunnel through ngrok's cloud, and sends bytes
// through it both ways. It runs only when asked to, with an account:
//
//	SSC_NGROK_LIVE=1 NGROK_AUTHTOKEN=... go test -run TestNgrokLive -v ./discovery
func TestNgrokLive(t *testing.T) {
	token := os.Getenv(AuthTokenEnv)
	if os.Getenv("SSC_NGROK_LIVE") != "1" || token == "" {
		t.Skip("talks to ngrok's cloud: set SSC_NGROK_LIVE=1 and " + AuthTokenEnv + " to run it")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	ln, public, err := Ngrok{AuthToken: token}.Listen(ctx)
	if err != nil {
		t.Fatalf("Listen: %v (ngrok code %q)", err, NgrokErrorCode(err))
	}
	t.Logf("tunnel %s up in %v", public, time.Since(start))
	if _, err := ParseLink(public); err != nil {
		t.Errorf("public address %q: %v", public, err)
	}
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(c, c)
	}()
	c, err := net.DialTimeout("tcp", public, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("echo through the tunnel: %q, %v", buf, err)
	}
	if err := ln.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	ln.Close()
}
