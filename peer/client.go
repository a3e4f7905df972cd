package peer

import (
	"bytes"
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
	case wire.RefuseLoad:
		return fmt.Sprintf("peer: the host is busy with too many joiners at once; try again in %s", e.RetryAfter)
	case wire.RefuseSpent:
		return "peer: the host stopped admitting anyone after too many failed attempts"
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
	id          *keys.Identity   // this member's keys for the session
	sessionID   []byte           // what every member signs under

	wmu     sync.Mutex // serialises writes and guards the keys' use
	counter uint64     // last counter this member signed; guarded by wmu
	wiped   bool       // the keys are gone: the session is over; guarded by wmu

	events chan Event
	quit   chan struct{} // closed by Leave: stop delivering events
	once   sync.Once
	done   chan struct{} // closed when the reader has finished

	mu       sync.Mutex
	members  map[string]*seen      // by sanitize.NameKey
	verified map[string][]byte     // NameKey -> signing key the user verified
	sent     map[uint64]sentDirect // own direct messages awaiting the host's echo
	leaving  bool
}

// seen is a member as this client knows it, with the last counter it
// accepted from that member.
type seen struct {
	Member
	last uint64
}

type sentDirect struct{ to, text string }

// Join dials addr, runs admission (docs/protocol.md §3) and returns a
// seated member. A wrong passphrase gives ErrWrongPassphrase, a pinned
// fingerprint mismatch ErrHostMismatch, a refusal *RefusedError.
func Join(ctx context.Context, addr string, cfg Config) (*Client, error) {
	defer keys.Wipe(cfg.Passphrase)
	name, err := sanitize.Name(cfg.Name)
	if err != nil {
		return nil, err
	}
	id, err := keys.GenerateIdentity()
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
		id.Wipe()
		return nil, &DialError{Addr: addr, Err: err}
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	if d, ok := ctx.Deadline(); ok {
		raw.SetDeadline(d)
	}
	conn, fp, err := Admit(ctx, raw, cfg.Pin, cfg.Passphrase)
	if err != nil {
		raw.Close()
		id.Wipe()
		return nil, err
	}
	c, err := start(conn, wire.NewReader(conn, wire.MaxWelcomeFrame), name, id, fp, cfg.Pin != nil)
	if err != nil {
		raw.Close()
		id.Wipe()
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
	id, err := keys.GenerateIdentity()
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(handshakeTimeout))
	c, err := start(conn, wire.NewReader(conn, wire.MaxWelcomeFrame), name, id, keys.Fingerprint{}, false)
	if err != nil {
		conn.Close()
		id.Wipe()
		return nil, err
	}
	c.host = host
	return c, nil
}

// start says hello, waits for the welcome and starts the reader.
func start(conn net.Conn, r *wire.Reader, name string, id *keys.Identity, fp keys.Fingerprint, pinned bool) (*Client, error) {
	created := time.Now().UnixMilli()
	hello := &wire.Hello{Name: name, Identity: wire.Identity{
		SignKey: id.Public.SignKey, KEMKey: id.Public.KEMKey, Created: created, Sig: id.SignEntry(name, created),
	}}
	if err := wire.Write(conn, hello); err != nil {
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
	// Over TLS, the session id must be the certificate's fingerprint: a host
	// that tells members different ids would split the room silently.
	if fp != (keys.Fingerprint{}) && !bytes.Equal(w.SessionID, fp[:]) {
		return nil, fmt.Errorf("peer: the host's session id is not its certificate fingerprint")
	}
	conn.SetDeadline(time.Time{})
	r.SetLimit(wire.MaxFrame)
	c := &Client{
		conn:        conn,
		name:        w.Name,
		session:     w.Session,
		fingerprint: fp,
		id:          id,
		sessionID:   w.SessionID,
		events:      make(chan Event, eventBuffer),
		quit:        make(chan struct{}),
		done:        make(chan struct{}),
		members:     make(map[string]*seen),
		verified:    make(map[string][]byte),
		sent:        make(map[uint64]sentDirect),
	}
	var warnings []Event
	for _, wm := range w.Members {
		m, err := member(wm)
		if err != nil {
			warnings = append(warnings, warning("the host listed %s with keys that do not verify; ignoring them", wm.Name))
			continue
		}
		if m.Name == c.name && !m.Identity.Equal(id.Public) {
			return nil, fmt.Errorf("peer: the host lists you with keys that are not yours")
		}
		c.members[sanitize.NameKey(m.Name)] = &seen{Member: m}
	}
	roster := c.Members()
	welcome := Event{Kind: KindWelcome, Time: time.Now(), Members: roster, Session: w.Session, Pinned: pinned}
	if fp != (keys.Fingerprint{}) {
		welcome.Fingerprint = fp.String()
	}
	c.events <- welcome
	for _, w := range warnings {
		c.events <- w
	}
	go c.read(r)
	return c, nil
}

func refusal(m *wire.Refused) error {
	if m.Code == wire.RefuseDenied {
		return ErrWrongPassphrase
	}
	return &RefusedError{Code: m.Code, RetryAfter: time.Duration(m.RetryAfter) * time.Second}
}

// member checks a roster entry's keys and self-signature and returns it.
func member(m wire.Member) (Member, error) {
	pub := keys.PublicIdentity{SignKey: m.Identity.SignKey, KEMKey: m.Identity.KEMKey}
	// VerifyEntry checks the keys themselves too.
	if err := keys.VerifyEntry(pub, m.Name, m.Identity.Created, m.Identity.Sig); err != nil {
		return Member{}, err
	}
	return Member{Name: m.Name, Since: time.UnixMilli(m.Since), Host: m.Host, Identity: pub}, nil
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
	for key, m := range c.members {
		mm := m.Member
		mm.Verified = bytes.Equal(c.verified[key], m.Identity.SignKey)
		out = append(out, mm)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Since.Before(out[j].Since) })
	return out
}

// Say sends a chat line, signed with this member's key. It comes back as
// a message event with Self set once the host has relayed it.
func (c *Client) Say(text string) error { return c.say(text, false) }

// Act sends an action, as /me does.
func (c *Client) Act(text string) error { return c.say(text, true) }

func (c *Client) say(text string, action bool) error {
	body, err := encodeBody(text, action)
	if err != nil {
		return err
	}
	return c.sendSigned(func(counter uint64) (wire.Message, error) {
		return &wire.Say{Body: body, Counter: counter, Sig: c.id.SignMessage(c.sessionID, counter, body)}, nil
	})
}

// Direct sends text to one member only, sealed to that member's key so the
// host relays what it cannot read, and signed so it cannot be forged.
func (c *Client) Direct(to, text string) error {
	c.mu.Lock()
	m := c.members[sanitize.NameKey(to)]
	c.mu.Unlock()
	if m == nil {
		return fmt.Errorf("nobody called %q is here", to)
	}
	body, err := encodeBody(text, false)
	if err != nil {
		return err
	}
	return c.sendSigned(func(counter uint64) (wire.Message, error) {
		sealed, sig, err := c.id.SealDirect(c.sessionID, m.Identity, counter, body)
		if err != nil {
			return nil, fmt.Errorf("peer: sealing: %w", err)
		}
		c.mu.Lock()
		if len(c.sent) >= maxPendingDirect {
			clear(c.sent) // the host dropped echoes; forget rather than grow
		}
		c.sent[counter] = sentDirect{to: m.Name, text: text}
		c.mu.Unlock()
		return &wire.Direct{To: m.Name, Sealed: sealed, Counter: counter, Sig: sig}, nil
	})
}

// sendSigned numbers one message with the next counter, has build sign
// (and seal) it, and sends it, all under wmu: counters go out in order and
// the keys are not wiped meanwhile.
func (c *Client) sendSigned(build func(counter uint64) (wire.Message, error)) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.wiped {
		return ErrClosed
	}
	c.counter++
	m, err := build(c.counter)
	if err != nil {
		return err
	}
	return c.writeLocked(m)
}

func (c *Client) write(m wire.Message) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeLocked(m)
}

func (c *Client) writeLocked(m wire.Message) error {
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

// wipe destroys this member's keys once the connection is over: nothing
// can be sent or opened with them any more.
func (c *Client) wipe() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wiped = true
	c.id.Wipe()
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
	defer c.wipe()
	defer c.conn.Close()
	for {
		msg, err := r.Next()
		if err != nil {
			c.emit(c.lost(err))
			return
		}
		switch msg := msg.(type) {
		case *wire.ChatMessage:
			c.emit(c.chat(msg))
		case *wire.DirectMessage:
			c.emit(c.directMessage(msg))
		case *wire.Joined:
			for _, ev := range c.joined(msg) {
				c.emit(ev)
			}
		case *wire.Left:
			c.mu.Lock()
			delete(c.members, sanitize.NameKey(msg.Name))
			c.mu.Unlock()
			c.emit(Event{Kind: KindLeave, Name: msg.Name, Reason: leaveReason(msg.Reason)})
		case *wire.Notice:
			c.emit(Event{Kind: KindNotice, Text: msg.Text})
		case *wire.End:
			switch {
			case msg.Reason == wire.EndKicked:
				c.emit(Event{Kind: KindEnd, Reason: ReasonKicked, Text: "you were removed from the session by the host"})
			case msg.Reason == wire.EndTooSlow:
				c.emit(Event{Kind: KindEnd, Reason: ReasonTooSlow, Text: "the host removed you: your connection stopped taking messages for several seconds"})
			case c.host != nil:
				c.emit(Event{Kind: KindEnd, Reason: ReasonHostEnded, Text: "you ended the session"})
			default:
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
