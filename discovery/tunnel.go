package discovery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.ngrok.com/ngrok/v2"
)

// AuthTokenEnv is the variable ngrok's authtoken is read from.
const AuthTokenEnv = "NGROK_AUTHTOKEN"

// AuthTokenURL is where ngrok users find their authtoken.
const AuthTokenURL = "https://dashboard.ngrok.com/get-started/your-authtoken"

// Errors returned by Ngrok.Listen.
var (
	// ErrNoAuthToken means Ngrok has no authtoken: ngrok would otherwise
	// retry an anonymous connection until the deadline.
	ErrNoAuthToken = errors.New("discovery: no ngrok authtoken")
	// ErrNoDeadline means Listen was called with a context without a
	// deadline: ngrok retries forever.
	ErrNoDeadline = errors.New("discovery: opening a tunnel needs a deadline")
	// ErrBadEndpoint means ngrok opened an endpoint that is not a TCP
	// HOST:PORT people could dial.
	ErrBadEndpoint = errors.New("discovery: ngrok gave an endpoint ssc cannot use")
)

// Tunnel opens a public endpoint that forwards TCP connections to this
// process, for people outside the local network.
type Tunnel interface {
	// Listen opens the endpoint before ctx's deadline, and returns a
	// listener for the connections it forwards and the public HOST:PORT
	// people dial. Closing the listener closes the endpoint.
	Listen(ctx context.Context) (ln net.Listener, public string, err error)
}

// Ngrok is a Tunnel through an ngrok TCP endpoint.
type Ngrok struct {
	// AuthToken is the ngrok account's authtoken (see AuthTokenURL).
	AuthToken string
}

// cleanupWait bounds how long Listen waits, after its deadline, for ngrok
// to give up, so that a stuck agent cannot hold the caller.
const cleanupWait = 2 * time.Second

// Listen opens an ngrok TCP endpoint. ctx must have a deadline. What ngrok
// or its service says is a *TunnelError, whose code NgrokErrorCode reads.
func (n Ngrok) Listen(ctx context.Context) (net.Listener, string, error) {
	if n.AuthToken == "" {
		return nil, "", ErrNoAuthToken
	}
	if _, ok := ctx.Deadline(); !ok {
		return nil, "", ErrNoDeadline
	}
	agent, err := ngrok.NewAgent(
		ngrok.WithAuthtoken(n.AuthToken),
		// ngrok logs to the default logger, which would garble the console.
		ngrok.WithLogger(slog.New(slog.DiscardHandler)),
	)
	if err != nil {
		return nil, "", &TunnelError{Err: err}
	}
	type result struct {
		ln  ngrok.EndpointListener
		err error
	}
	done := make(chan result, 1)
	go func() {
		ln, err := agent.Listen(ctx, ngrok.WithURL("tcp://"))
		done <- result{ln, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		// Connecting gives up with ctx; creating the endpoint does not, but
		// fails once the agent disconnects.
		agent.Disconnect()
		select {
		case r = <-done:
		case <-time.After(cleanupWait):
			return nil, "", &TunnelError{Err: ctx.Err()}
		}
		if r.err == nil {
			r.ln.Close()
			r.err = ctx.Err()
		}
	}
	if r.err != nil {
		agent.Disconnect()
		return nil, "", &TunnelError{Err: r.err}
	}
	u := r.ln.URL()
	public, err := checkAddr(u.Host)
	if err != nil || u.Scheme != "tcp" {
		r.ln.Close()
		agent.Disconnect()
		return nil, "", fmt.Errorf("%w: %q", ErrBadEndpoint, u.Redacted())
	}
	return &ngrokListener{EndpointListener: r.ln, agent: agent}, public, nil
}

// ngrokListener closes the agent with the endpoint.
type ngrokListener struct {
	ngrok.EndpointListener
	agent ngrok.Agent
	once  sync.Once
	err   error
}

func (l *ngrokListener) Close() error {
	l.once.Do(func() {
		l.err = l.EndpointListener.Close()
		l.agent.Disconnect()
	})
	return l.err
}

// TunnelError is what ngrok said when the tunnel did not open, kept for
// errors.As and NgrokErrorCode.
type TunnelError struct{ Err error }

func (e *TunnelError) Unwrap() error { return e.Err }

func (e *TunnelError) Error() string { return "discovery: ngrok: " + e.Said() }

// Said is ngrok's own words, each distinct failure once: ngrok retries until
// the deadline and joins the errors of all its attempts with "; ". They come
// from ngrok's service: sanitise them before display.
func (e *TunnelError) Said() string {
	var parts []string
	for p := range strings.SplitSeq(e.Err.Error(), "; ") {
		// The first may carry the prefix of a wrapping error.
		said := slices.ContainsFunc(parts, func(q string) bool { return q == p || strings.HasSuffix(q, ": "+p) })
		if !said {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "; ")
}

// NgrokErrorCode returns the code of the ngrok service error in err's
// chain, such as "ERR_NGROK_8013", or "".
func NgrokErrorCode(err error) string {
	var e ngrok.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return ""
}
