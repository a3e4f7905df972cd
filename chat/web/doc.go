// Package web is ssc's browser front-end (--ui): a page served on
// 127.0.0.1 to the person at this machine's keyboard, talking to this
// process over a WebSocket. It is a front-end over chat, beside console and
// jsonlines: every line typed goes through chat.Do, and every event is put
// into words or fields by the chat layer's rules.
//
// Keys and cryptography stay in Go; the page only shows what it is sent,
// always as text, never as HTML. The server listens on 127.0.0.1 only,
// answers only requests that carry this run's random token and name this
// server in Host (and Origin, when there is one), and sends a strict
// Content-Security-Policy with every response. It writes nothing to disk
// and sets nothing in the browser: no cookie, no storage.
package web
