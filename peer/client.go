package peer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"sync"
	"time"

	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/sanitize"
	"github.com/ssc-chat/ssc/wire"
)

const (
	// handshakeTimeout bounds dialling and admission together.
	handshakeTimeout = 20 * time.Second
	// writeTimeout bounds one write to the host.
	writeTimeout = 10 * time.Second
	// eventBuffer is how many events may wait for a slow consumer before
	// the client stops reading from the host (and the host, in time, drops it).
	eventBuffer = 1024
)

// Errors returned by Join and Attach.
var (
	// ErrWrongPassphrase means key confirmation failed: the passphrase is
	// wrong, or something between you and the host terminated TLS. The two
	// cannot be told apart, by design.
	ErrWrongPassphrase = errors.New("peer: admission failed")
	// ErrHostMismatch means the host's certificate is not the one the link pins.
	ErrHostMismatch = errors.New("peer: host certificate does not match the link")
	// ErrClosed is returned by Say and Do once the client has left.
	ErrClosed = errors.New("peer: not connected")
)

// RefusedError is the host's refusal to admit this client.
type RefusedError struct {
	Code       wire.RefuseCode
	RetryAfter time.Duration // with RefuseBusy
}

func (e *RefusedError) Error() string {
	switch e.Code {
	case wire.RefuseDenied:
		return "peer: the host refused admission"
	case wire.RefuseLocked:
		return "peer: the session is not admitting anyone now"
	case wire.RefuseBusy:
		return fmt.Sprintf("peer: the host is slowing down admissions after failed attempts; try again in %s", e.RetryAfter)
	case wire.RefuseNameTaken:
		return "peer: that name is taken in this session"
	case wire.RefuseBadName:
		return "peer: the host refused that name"
	case wire.RefuseFull:
		return "peer: the session is full"
	}
	return fmt.Sprintf("peer: refused (code %d)", e.Code)
}

// Config is what joining needs.
type Config struct {
	// Name is how others will see this member (1 to 32 characters).
	Name string
	// Passphrase is the session passphrase. Join wipes it once used.
	Passphrase []byte
	// Pin, when set, is the host fingerprint from an ssc:// link: any other
	// certificate aborts the connection before a single admission byte.
	Pin *keys.Fingerprint
	// Dial opens the TCP connection; nil means a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Client is an admitted member of a session.
type Client struct {
	conn        net.Conn
	name        string
	session     string
	fingerprint keys.Fingerprint // the host's; zero for the in-process operator
	host        HostControl      // non-nil only for the host's operator

	wmu sync.Mutex // serialises writes

	events chan Event
	quit   chan struct{} // closed by Leave: stop delivering events
	once   sync.Once
	done   chan struct{} // closed when the reader has finished

	mu      sync.Mutex
	members map[string]Member // by sanitize.NameKey
	leaving bool
}

// Join dials addr, runs admission (docs/protocol.md §3) and returns a
// seated member. A wrong passphrase gives ErrWrongPassphrase, a pinned
// fingerprint mismatch ErrHostMismatch, a refusal *RefusedError.
func Join(ctx context.Context, addr string, cfg Config) (*Client, error) {
	defer keys.Wipe(cfg.Passphrase)
	name, err := sanitize.Name(cfg.Name)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	defer cancel()
	dial := cfg.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	raw, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, &DialError{Addr: addr, Err: err}
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	if d, ok := ctx.Deadline(); ok {
		raw.SetDeadline(d)
	}
	conn, fp, err := admit(ctx, raw, cfg.Pin, cfg.Passphrase)
	if err != nil {
		raw.Close()
		return nil, err
	}
	c, err := start(conn, wire.NewReader(conn, wire.MaxHandshakeFrame), name, fp, cfg.Pin != nil)
	if err != nil {
		raw.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("peer: admission to %s: %w", addr, ctx.Err())
		}
		return nil, err
	}
	return c, nil
}

// DialError is a failure to reach the host at all.
type DialError struct {
	Addr string
	Err  error
}

func (e *DialError) Error() string { return fmt.Sprintf("peer: cannot reach %s: %v", e.Addr, e.Err) }
func (e *DialError) Unwrap() error { return e.Err }

// Attach seats the host's operator over the in-process connection the host
// returned, skipping TLS and admission, which protect links between
// machines. host carries out the operator's commands.
func Attach(conn net.Conn, name string, host HostControl) (*Client, error) {
	name, err := sanitize.Name(name)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(handshakeTimeout))
	c, err := start(conn, wire.NewReader(conn, wire.MaxHandshakeFrame), name, keys.Fingerprint{}, false)
	if err != nil {
		conn.Close()
		return nil, err
	}
	c.host = host
	return c, nil
}

// start says hello, waits for the welcome and starts the reader.
func start(conn net.Conn, r *wire.Reader, name string, fp keys.Fingerprint, pinned bool) (*Client, error) {
	if err := wire.Write(conn, &wire.Hello{Name: name}); err != nil {
		return nil, err
	}
	msg, err := r.Next()
	if err != nil {
		return nil, fmt.Errorf("peer: waiting for welcome: %w", err)
	}
	var w *wire.Welcome
	switch msg := msg.(type) {
	case *wire.Welcome:
		w = msg
	case *wire.Refused:
		return nil, refusal(msg)
	default:
		return nil, fmt.Errorf("peer: host sent message type %d instead of a welcome", msg.Type())
	}
	conn.SetDeadline(time.Time{})
	r.SetLimit(wire.MaxFrame)
	c := &Client{
		conn:        conn,
		name:        w.Name,
		session:     w.Session,
		fingerprint: fp,
		events:      make(chan Event, eventBuffer),
		quit:        make(chan struct{}),
		done:        make(chan struct{}),
		members:     make(map[string]Member),
	}
	roster := make([]Member, 0, len(w.Members))
	for _, wm := range w.Members {
		m := member(wm)
		c.members[sanitize.NameKey(m.Name)] = m
		roster = append(roster, m)
	}
	sort.Slice(roster, func(i, j int) bool { return roster[i].Since.Before(roster[j].Since) })
	welcome := Event{Kind: KindWelcome, Time: time.Now(), Members: roster, Session: w.Session, Pinned: pinned}
	if fp != (keys.Fingerprint{}) {
		welcome.Fingerprint = fp.String()
	}
	c.events <- welcome
	go c.read(r)
	return c, nil
}

func refusal(m *wire.Refused) error {
	if m.Code == wire.RefuseDenied {
		return ErrWrongPassphrase
	}
	return &RefusedError{Code: m.Code, RetryAfter: time.Duration(m.RetryAfter) * time.Second}
}

func member(m wire.Member) Member {
	return Member{Name: m.Name, Since: time.UnixMilli(m.Since), Host: m.Host}
}

// Name is this member's name as the host accepted it.
func (c *Client) Name() string { return c.name }

// Session is the session's name as the host announced it.
func (c *Client) Session() string { return c.session }

// HostFingerprint is the fingerprint of the host's certificate.
func (c *Client) HostFingerprint() keys.Fingerprint { return c.fingerprint }

// IsHost reports whether this client is the host's operator.
func (c *Client) IsHost() bool { return c.host != nil }

// Events delivers what happens in the session, ending with one KindEnd
// event, after which the channel is closed.
func (c *Client) Events() <-chan Event { return c.events }

// Members returns the roster, oldest member first.
func (c *Client) Members() []Member {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Member, 0, len(c.members))
	for _, m := range c.members {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Since.Before(out[j].Since) })
	return out
}

// Say sends a chat line. It comes back as a message event with Self set
// once the host has relayed it.
func (c *Client) Say(text string) error { return c.send(&wire.Say{Text: text}) }

// Act sends an action, as /me does.
func (c *Client) Act(text string) error { return c.send(&wire.Say{Text: text, Action: true}) }

func (c *Client) send(m *wire.Say) error {
	if len(m.Text) > wire.MaxText {
		return fmt.Errorf("message not sent: %d bytes, the limit is %d", len(m.Text), wire.MaxText)
	}
	return c.write(m)
}

func (c *Client) write(m wire.Message) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	select {
	case <-c.quit:
		return ErrClosed
	default:
	}
	c.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := wire.Write(c.conn, m); err != nil {
		return fmt.Errorf("peer: sending: %w", err)
	}
	return nil
}

// Leave says goodbye to the host and closes the connection. Whatever was
// sent before it is delivered first. For the host's operator, leaving ends
// the session for everyone. It is idempotent and waits for the
// reader to finish, so the final event has been produced when it returns.
func (c *Client) Leave() error {
	c.mu.Lock()
	c.leaving = true
	c.mu.Unlock()
	c.write(&wire.Bye{})
	c.once.Do(func() {
		c.wmu.Lock()
		close(c.quit)
		c.wmu.Unlock()
	})
	// The host hangs up after Bye; do not wait for it forever.
	select {
	case <-c.done:
	case <-time.After(writeTimeout):
		c.conn.Close()
		<-c.done
	}
	return nil
}

// Done is closed when the connection has ended and the final event is queued.
func (c *Client) Done() <-chan struct{} { return c.done }

// emit queues an event unless the client's user has stopped listening.
func (c *Client) emit(ev Event) {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	select {
	case c.events <- ev:
	case <-c.quit:
		// Leaving: still keep what fits, so a final event is not lost.
		select {
		case c.events <- ev:
		default:
		}
	}
}

// read turns frames from the host into events until the connection ends.
func (c *Client) read(r *wire.Reader) {
	defer close(c.done)
	defer close(c.events)
	defer c.conn.Close()
	for {
		msg, err := r.Next()
		if err != nil {
			c.emit(c.lost(err))
			return
		}
		switch msg := msg.(type) {
		case *wire.ChatMessage:
			c.emit(Event{Kind: KindMessage, Time: time.UnixMilli(msg.Time), From: msg.From, Text: msg.Text, Action: msg.Action, Self: msg.From == c.name})
		case *wire.Joined:
			m := member(msg.Member)
			c.mu.Lock()
			c.members[sanitize.NameKey(m.Name)] = m
			c.mu.Unlock()
			c.emit(Event{Kind: KindJoin, Name: m.Name, Addr: msg.Addr})
		case *wire.Left:
			c.mu.Lock()
			delete(c.members, sanitize.NameKey(msg.Name))
			c.mu.Unlock()
			c.emit(Event{Kind: KindLeave, Name: msg.Name, Reason: leaveReason(msg.Reason)})
		case *wire.Notice:
			c.emit(Event{Kind: KindNotice, Text: msg.Text})
		case *wire.End:
			if msg.Reason == wire.EndKicked {
				c.emit(Event{Kind: KindEnd, Reason: ReasonKicked, Text: "you were removed from the session by the host"})
			} else if c.host != nil {
				c.emit(Event{Kind: KindEnd, Reason: ReasonHostEnded, Text: "you ended the session"})
			} else {
				c.emit(Event{Kind: KindEnd, Reason: ReasonHostEnded, Text: "session ended by the host"})
			}
			return
		default:
			c.emit(Event{Kind: KindEnd, Reason: ReasonLost, Text: fmt.Sprintf("the host broke the protocol (sent message type %d); disconnected", msg.Type())})
			return
		}
	}
}

// lost explains why the connection ended without an End from the host.
func (c *Client) lost(err error) Event {
	c.mu.Lock()
	leaving := c.leaving
	c.mu.Unlock()
	if leaving {
		return Event{Kind: KindEnd, Reason: ReasonLeft, Text: "you left the session"}
	}
	text := "connection to the host lost: " + err.Error()
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		text = "connection to the host lost: the host hung up without ending the session"
	}
	return Event{Kind: KindEnd, Reason: ReasonLost, Text: text}
}

func leaveReason(r wire.LeaveReason) string {
	switch r {
	case wire.LeaveKicked:
		return ReasonKicked
	case wire.LeaveLost:
		return ReasonLost
	case wire.LeaveTooSlow:
		return ReasonTooSlow
	}
	return ReasonQuit
}
