// Package webtest is a test's browser for the web front-end: it follows the
// one-time URL ssc opens, holds the page's socket and collects what the
// server sends. It is for tests only, beside the package it serves.
package webtest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// timeout bounds Open's requests and each Wait.
const timeout = 10 * time.Second

// Page is one open page: its socket and the messages the server sent it.
type Page struct {
	t    testing.TB
	Conn *websocket.Conn
	msgs chan map[string]any
}

// Open follows url, the one-time link ssc printed, as a browser would, and
// opens the page's socket with the page's own Origin.
func Open(t testing.TB, url string) *Page {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	page := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(page, "/") {
		t.Fatalf("opening %s: %d to %q", url, resp.StatusCode, page)
	}
	origin := strings.Join(strings.SplitN(url, "/", 4)[:3], "/")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(origin, "http")+page+"ws",
		&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
	if err != nil {
		t.Fatal(err)
	}
	return Attach(t, c)
}

// Attach collects what the server sends on a socket already open.
func Attach(t testing.TB, c *websocket.Conn) *Page {
	p := &Page{t: t, Conn: c, msgs: make(chan map[string]any, 1000)}
	go func() {
		defer close(p.msgs)
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var m map[string]any
			json.Unmarshal(b, &m)
			p.msgs <- m
		}
	}()
	return p
}

// Msgs delivers what the server sent, and closes when the socket does.
func (p *Page) Msgs() <-chan map[string]any { return p.msgs }

// Send writes v to the server as JSON, as the page does.
func (p *Page) Send(v any) {
	p.t.Helper()
	b, _ := json.Marshal(v)
	if err := p.Conn.Write(context.Background(), websocket.MessageText, b); err != nil {
		p.t.Fatal(err)
	}
}

// Wait returns the first message from now on for which ok is true.
func (p *Page) Wait(what string, ok func(map[string]any) bool) map[string]any {
	p.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case m, open := <-p.msgs:
			if !open {
				p.t.Fatalf("the socket closed before %s", what)
			}
			if ok(m) {
				return m
			}
		case <-deadline:
			p.t.Fatalf("no %s within %s", what, timeout)
		}
	}
}
