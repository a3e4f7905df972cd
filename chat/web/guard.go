package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// tokenBytes is the size of the run's token and of the one-time code.
const tokenBytes = 32

// Headers sent with every response, whatever its status.
const (
	// csp allows the page its own script, style and WebSocket and nothing
	// else: no inline script or style, no other origin, no framing, no
	// form posting anywhere.
	csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

func setHeaders(h http.Header) {
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}

// newSecret returns 32 random bytes in unpadded base64url.
func newSecret() (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// equal compares a secret with what a request presented, in constant time.
func equal(secret, presented string) bool {
	return subtle.ConstantTimeCompare([]byte(secret), []byte(presented)) == 1
}

// guard is the door every request goes through. It holds the run's token
// and the one-time code.
//
// Why a code and a token: the URL handed to the browser is visible, while
// the browser starts, in the argv of xdg-open and of the browser itself,
// which other users of the machine can read. So that URL carries only a
// one-time code (/open/CODE). The first request that presents it voids it
// and is redirected to the page under the run's token (/TOKEN/), which no
// process's argv ever holds. Every later request (page, script, style,
// WebSocket) presents the token in its path: no cookie, nothing stored in
// the browser, and a reload within the grace period keeps the seat. The
// token does end up in this browser's history, which only its own user can
// read, and is worthless once the process has exited. Should someone else
// use the code first, the page opened here says the link was used already,
// and the terminal says when the page was opened; on Linux, connections
// from other users are not even accepted (owner.go).
type guard struct {
	port  string
	token string

	mu     sync.Mutex
	code   string // "" once used
	opened func() // called once, when the code is used
}

// allowedHost reports whether a Host header names this server: a browser
// that resolved some other name to 127.0.0.1 (DNS rebinding) sends that name.
func (g *guard) allowedHost(host string) bool {
	return host == "127.0.0.1:"+g.port || host == "localhost:"+g.port
}

// allowedOrigin reports whether an Origin header is this server's own: a
// page from anywhere else (cross-site WebSocket hijacking) sends its own.
func (g *guard) allowedOrigin(origin string) bool {
	return origin == "http://127.0.0.1:"+g.port || origin == "http://localhost:"+g.port
}

// useCode voids the one-time code if presented is it.
func (g *guard) useCode(presented string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.code == "" || !equal(g.code, presented) {
		return false
	}
	g.code = ""
	if g.opened != nil {
		g.opened()
	}
	return true
}

// wrap returns the handler for every request: headers first, then Host and
// Origin, then the code or the token; next gets the request with the token
// taken off its path ("/", "/app.js", "/ws").
func (g *guard) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setHeaders(w.Header())
		if !g.allowedHost(r.Host) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		if origin, ok := r.Header["Origin"]; ok && (len(origin) != 1 || !g.allowedOrigin(origin[0])) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		path := r.URL.Path
		if code, ok := strings.CutPrefix(path, "/open/"); ok {
			// Only a GET spends the code: a HEAD from a link preview does not.
			if r.Method != http.MethodGet || !g.useCode(code) {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(http.StatusGone)
				w.Write([]byte("ssc: this link was used already, or is not this session's. Use the tab it opened, or start ssc again.\n"))
				return
			}
			http.Redirect(w, r, "/"+g.token+"/", http.StatusSeeOther)
			return
		}
		token, rest, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
		if !ok || !equal(g.token, token) {
			http.NotFound(w, r)
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + rest
		r2.URL.RawPath = ""
		next.ServeHTTP(w, r2)
	})
}

// portOf is the port of a listener's address.
func portOf(a net.Addr) string {
	return strconv.Itoa(a.(*net.TCPAddr).Port)
}
