package peer

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/sanitize"
	"github.com/ssc-chat/ssc/wire"
)

const (
	// handshakeTimeout bounds dialling, admission and the welcome together.
	handshakeTimeout = 20 * time.Second
	// writeTimeout bounds one write to the host.
	writeTimeout = 10 * time.Second
	// eventBuffer is how many events may wait for a slow consumer before
	// the client stops reading from the host (and the host, in time, drops it).
	eventBuffer = 1024
)

// paceBurst is how many chat lines a client sends at once before pacing
// them at wire.MessageRate (docs/protocol.md §4.4). The host counts a line
// when it reads it, so lines held up on the way (a slow link, a host busy
// with its operator's queue) can reach it closer together than they were
// sent. Keeping the client's burst 8 below the host's leaves the host's
// bucket at least 8 lines fuller than the client's: that many lines may
// bunch up before the host would drop one.
const paceBurst = wire.MessageBurst - 8

// Config is what joining needs. It prints without the passphrase.
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
	// Unpaced sends every line at once instead of pacing Say, Act and
	// Direct to the host's rate: for load generators that pace themselves
	// or whose host has its limit lifted. ssc never sets it. An unpaced
	// client far over the rate waits for the host to read its lines, and
	// so may its Close: past writeTimeout the connection is cut, and what
	// the host had not read is lost.
	Unpaced bool
}

// String describes cfg with the passphrase redacted.
func (cfg Config) String() string {
	pin := "none"
	if cfg.Pin != nil {
		pin = cfg.Pin.Short()
	}
	return fmt.Sprintf("peer.Config{Name: %q, Passphrase: redacted, Pin: %s, Unpaced: %v}", cfg.Name, pin, cfg.Unpaced)
}

// GoString is String, so that %#v does not print the passphrase either.
func (cfg Config) GoString() string { return cfg.String() }

// Client is a seated member of a session: it sends what its user says and
// delivers what the host relays, checked end to end, as events.
type Client struct {
	conn        net.Conn
	name        string
	session     string
	fingerprint keys.Fingerprint // the host's; zero for the in-process operator
	id          *keys.Identity   // this member's keys for the session
	sessionID   []byte           // what every member signs under
	roster      *roster          // the one owner of what this client believes about members
	reader      *wire.Reader     // frames from the host; only the reader goroutine uses it
	pace        *rate.Limiter    // chat lines, below the host's limit; waited on outside wmu

	wmu     sync.Mutex // serialises writes and guards the keys' use
	counter uint64     // last counter this member signed; guarded by wmu
	wiped   bool       // the keys are gone: the session is over; guarded by wmu

	events chan Event
	quit   chan struct{} // closed by Close: stop delivering events
	once   sync.Once
	done   chan struct{} // closed when the reader has finished

	mu      sync.Mutex
	sent    map[uint64]sentDirect      // own direct messages awaiting the host's echo
	keyWait map[string][]chan struct{} // Direct calls waiting for the host to send a name's HPKE key
	leaving bool
}

type sentDirect struct{ to, text string }

// Join dials addr, runs admission (docs/protocol.md §3) and returns a
// seated member. A wrong passphrase gives ErrWrongPassphrase, a pinned
// fingerprint mismatch ErrHostMismatch, a refusal a *RefusedError (see
// ErrLocked and the other refusals), an unreachable host a *DialError.
// Join gives up when ctx ends or after 20 seconds, whatever the host sends.
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
	c, err := handshake(ctx, raw, func(ctx context.Context) (net.Conn, keys.Fingerprint, error) {
		return Admit(ctx, raw, cfg.Pin, cfg.Passphrase)
	}, name, cfg.Pin != nil, false)
	if err != nil {
		if cerr := ended(ctx); cerr != nil {
			return nil, fmt.Errorf("peer: admission to %s: %w", addr, cerr)
		}
		return nil, err
	}
	if cfg.Unpaced {
		c.pace.SetLimit(rate.Inf)
	}
	return c, nil
}

// ended is ctx's error, or DeadlineExceeded once its deadline has passed:
// the connection's deadline, which is the same, may fire first.
func ended(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// Attach seats the host's operator over the in-process connection the host
// returned, skipping TLS and admission, which protect links between
// machines. session is the host's certificate fingerprint, which is the
// session id entries are signed under. It gives up when ctx ends or after
// 20 seconds.
func Attach(ctx context.Context, conn net.Conn, name string, session keys.Fingerprint) (*Client, error) {
	name, err := sanitize.Name(name)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	defer cancel()
	c, err := handshake(ctx, conn, func(context.Context) (net.Conn, keys.Fingerprint, error) {
		return conn, session, nil
	}, name, false, true)
	if cerr := ended(ctx); err != nil && cerr != nil {
		return nil, fmt.Errorf("peer: attaching: %w", cerr)
	}
	return c, err
}

// handshake runs admit over raw, then says hello and waits for the
// welcome, all bounded by ctx: its end closes raw, which stops any read or
// write. On success the reader runs and the client is seated.
// local is the operator's in-process link, which has no TLS certificate to
// show as the host's fingerprint.
func handshake(ctx context.Context, raw net.Conn, admit func(context.Context) (net.Conn, keys.Fingerprint, error), name string, pinned, local bool) (*Client, error) {
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	if d, ok := ctx.Deadline(); ok {
		raw.SetDeadline(d)
	}
	fail := func(err error) (*Client, error) {
		stop()
		raw.Close()
		return nil, err
	}
	conn, fp, err := admit(ctx)
	if err != nil {
		return fail(err)
	}
	id, err := keys.GenerateIdentity()
	if err != nil {
		return fail(err)
	}
	c, welcome, err := greet(ctx, conn, name, id, fp)
	if err != nil {
		id.Wipe()
		return fail(err)
	}
	if !stop() {
		// ctx ended as the welcome came: the connection is closed.
		id.Wipe()
		return fail(ctx.Err())
	}
	raw.SetDeadline(time.Time{})
	welcome[0].Pinned = pinned
	if local {
		c.fingerprint, welcome[0].Fingerprint = keys.Fingerprint{}, keys.Fingerprint{}
	}
	go c.read(welcome)
	return c, nil
}

// NewHello is the Hello that names a member with identity id in the session
// whose host certificate has fingerprint session (docs/protocol.md §3.3,
// §5.1): its keys, signed over the session id and its name.
func NewHello(id *keys.Identity, session keys.Fingerprint, name string) *wire.Hello {
	created := time.Now().UnixMilli()
	return &wire.Hello{Name: name, KEMKey: id.KEMKey, Identity: wire.Identity{
		SignKey: id.Public.SignKey, KEMHash: id.Public.KEMHash, Created: created, Sig: id.SignEntry(session[:], name, created),
	}}
}

// greet says hello and reads the welcome (docs/protocol.md §3.3). It
// returns the client and the events to deliver first: the welcome, and a
// single warning naming every roster entry that did not verify. fp is the
// host's certificate fingerprint, the session id.
func greet(ctx context.Context, conn net.Conn, name string, id *keys.Identity, fp keys.Fingerprint) (*Client, []Event, error) {
	if err := wire.Write(conn, NewHello(id, fp, name)); err != nil {
		return nil, nil, fmt.Errorf("peer: sending hello: %w", err)
	}
	r := wire.NewReader(conn, wire.MaxWelcomeFrame)
	msg, err := r.Next()
	if err != nil {
		return nil, nil, fmt.Errorf("peer: waiting for welcome: %w", err)
	}
	var w *wire.Welcome
	switch msg := msg.(type) {
	case *wire.Welcome:
		w = msg
	case *wire.Refused:
		return nil, nil, refusal(msg)
	default:
		return nil, nil, &ProtocolError{Type: msg.Type()}
	}
	if w.Name != name {
		return nil, nil, ErrNotYou // the host seats this member under no other name
	}
	// The session id must be the certificate's fingerprint: a host that
	// tells members different ids would split the room silently.
	if string(w.SessionID) != string(fp[:]) {
		return nil, nil, ErrSessionID
	}
	ros := newRoster(id.Public, w.SessionID)
	ignored, err := ros.seat(ctx, w.Name, w.Members)
	if err != nil {
		return nil, nil, err
	}
	r.SetLimit(wire.MaxFrame)
	c := &Client{
		conn:        conn,
		name:        w.Name,
		session:     w.Session,
		fingerprint: fp,
		id:          id,
		sessionID:   w.SessionID,
		roster:      ros,
		reader:      r,
		pace:        rate.NewLimiter(wire.MessageRate, paceBurst),
		events:      make(chan Event, eventBuffer),
		quit:        make(chan struct{}),
		done:        make(chan struct{}),
		sent:        make(map[uint64]sentDirect),
		keyWait:     make(map[string][]chan struct{}),
	}
	first := []Event{{Kind: KindWelcome, Members: ros.list(), Session: w.Session, Fingerprint: fp}}
	if len(ignored) > 0 {
		first = append(first, Event{Kind: KindWarning, Problem: ProblemBadRoster, Names: ignored})
	}
	return c, first, nil
}

// Name is this member's name as the host accepted it.
func (c *Client) Name() string { return c.name }

// Session is the session's name as the host announced it.
func (c *Client) Session() string { return c.session }

// HostFingerprint is the fingerprint of the host's certificate; zero for
// the host's own operator.
func (c *Client) HostFingerprint() keys.Fingerprint { return c.fingerprint }

// Events delivers what the host sends, checked, in order, ending with one
// KindEnd event, after which the channel is closed. Nothing but the
// connection puts events here, so a program may call any method of the
// client while it handles an event.
func (c *Client) Events() <-chan Event { return c.events }

// Done is closed when the connection has ended and the final event is queued.
func (c *Client) Done() <-chan struct{} { return c.done }

// Members returns the roster, oldest member first.
func (c *Client) Members() []Member { return c.roster.list() }

// Member returns the member called name, in any spelling of it, without
// copying the room.
func (c *Client) Member(name string) (Member, bool) { return c.roster.find(name) }

// Say sends a chat line, signed with this member's key. It comes back as
// a message event with Self set once the host has relayed it. Say, Act and
// Direct share one pace: a burst of lines goes at once, then they wait
// their turn at the rate the host accepts (see SendDelay), so that a pasted
// block arrives whole. Waiting ends with ctx, or with ErrClosed.
func (c *Client) Say(ctx context.Context, text string) error { return c.say(ctx, text, false) }

// Act sends an action, as /me does.
func (c *Client) Act(ctx context.Context, text string) error { return c.say(ctx, text, true) }

func (c *Client) say(ctx context.Context, text string, action bool) error {
	body, err := encodeBody(text, action)
	if err != nil {
		return err
	}
	return c.sendSigned(ctx, func(counter uint64) (wire.Message, error) {
		return &wire.Say{Body: body, Counter: counter, Sig: c.id.SignMessage(c.sessionID, counter, body)}, nil
	})
}

// Direct sends text to the member called to only, sealed to that member's
// key so the host relays what it cannot read, and signed so it cannot be
// forged. It is ErrNoMember when nobody here has that name.
func (c *Client) Direct(ctx context.Context, to, text string) error {
	m, ok := c.roster.find(to)
	if !ok {
		return ErrNoMember
	}
	body, err := encodeBody(text, false)
	if err != nil {
		return err
	}
	kemKey, err := c.kemKey(ctx, m)
	if err != nil {
		return err
	}
	return c.sendSigned(ctx, func(counter uint64) (wire.Message, error) {
		sealed, sig, err := c.id.SealDirect(c.sessionID, m.Identity, kemKey, counter, body)
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

// kemKey returns m's HPKE key, asking the host for it the first time: rosters
// carry only its hash (docs/protocol.md §5.4), which the key must match.
// It waits at most writeTimeout for the answer; the reader delivers it, so a
// caller that stops reading Events for that long gets ErrNoKey.
func (c *Client) kemKey(ctx context.Context, m Member) ([]byte, error) {
	if k, ok := c.roster.kemKey(m); ok {
		return k, nil
	}
	answered := make(chan struct{})
	c.mu.Lock()
	asked := len(c.keyWait[m.Name]) > 0 // one request per name at a time
	c.keyWait[m.Name] = append(c.keyWait[m.Name], answered)
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		waiting := slices.DeleteFunc(c.keyWait[m.Name], func(ch chan struct{}) bool { return ch == answered })
		if len(waiting) == 0 {
			delete(c.keyWait, m.Name)
		} else {
			c.keyWait[m.Name] = waiting
		}
	}()
	if !asked {
		c.wmu.Lock()
		err := c.writeLocked(ctx, &wire.KeyRequest{Name: m.Name})
		c.wmu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	timeout := time.NewTimer(writeTimeout)
	defer timeout.Stop()
	select {
	case <-answered:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.done:
		return nil, ErrClosed
	case <-timeout.C:
	}
	if k, ok := c.roster.kemKey(m); ok {
		return k, nil
	}
	return nil, ErrNoKey
}

// gotKey takes the host's answer to a KeyRequest and wakes whoever waits
// for it.
func (c *Client) gotKey(msg *wire.Key) []Event {
	var events []Event
	if len(msg.KEMKey) > 0 && !c.roster.setKEMKey(msg.Name, msg.KEMKey) {
		events = append(events, Event{Kind: KindWarning, Problem: ProblemBadKey, Name: msg.Name})
	}
	c.mu.Lock()
	for _, ch := range c.keyWait[msg.Name] {
		close(ch)
	}
	delete(c.keyWait, msg.Name)
	c.mu.Unlock()
	return events
}

// takeSent returns and forgets the direct message sent with counter.
func (c *Client) takeSent(counter uint64) (sentDirect, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sent, ok := c.sent[counter]
	delete(c.sent, counter)
	return sent, ok
}

// SendDelay is how long a line sent now would wait for its turn: zero
// within the burst, then 1/wire.MessageRate of a second for each line
// already waiting.
func (c *Client) SendDelay() time.Duration {
	if c.pace.Limit() == rate.Inf {
		return 0
	}
	short := 1 - c.pace.Tokens()
	if short <= 0 {
		return 0
	}
	return time.Duration(short / float64(c.pace.Limit()) * float64(time.Second))
}

// wait holds a chat line until the pace lets it go. It takes no lock, so
// that Close and other writes proceed meanwhile.
func (c *Client) wait(ctx context.Context) error {
	r := c.pace.Reserve()
	d := r.Delay()
	if d == 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		// Gives the turn back when no later line reserved one since;
		// otherwise later lines keep their times, which only errs slow.
		r.Cancel()
		return ctx.Err()
	case <-c.quit:
		return ErrClosed
	case <-c.done:
		return ErrClosed
	}
}

// sendSigned waits for the line's turn, then numbers it with the next
// counter, has build sign (and seal) it, and sends it, all under wmu:
// counters go out in order and the keys are not wiped meanwhile.
func (c *Client) sendSigned(ctx context.Context, build func(counter uint64) (wire.Message, error)) error {
	if err := c.wait(ctx); err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.wiped {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c.counter++
	m, err := build(c.counter)
	if err != nil {
		return err
	}
	return c.writeLocked(ctx, m)
}

// writeLocked writes one frame within writeTimeout, or ctx's deadline
// when that is sooner.
func (c *Client) writeLocked(ctx context.Context, m wire.Message) error {
	select {
	case <-c.quit:
		return ErrClosed
	default:
	}
	deadline := time.Now().Add(writeTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.conn.SetWriteDeadline(deadline)
	if err := wire.Write(c.conn, m); err != nil {
		return fmt.Errorf("peer: sending: %w", err)
	}
	return nil
}

// Close says goodbye to the host and closes the connection. Whatever was
// sent before it is delivered first. For the host's operator, leaving ends
// the session for everyone. It is idempotent and waits for the reader to
// finish, so the final event (ReasonLeft, unless the session ended first)
// has been queued when it returns.
func (c *Client) Close() error {
	c.once.Do(func() {
		c.mu.Lock()
		c.leaving = true
		c.mu.Unlock()
		c.wmu.Lock()
		c.writeLocked(context.Background(), &wire.Bye{})
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

// read delivers first, then turns frames from the host into events until
// the connection ends. It is the only goroutine a Client starts; Close
// waits for it.
func (c *Client) read(first []Event) {
	defer close(c.done)
	defer close(c.events)
	defer c.wipe()
	defer c.conn.Close()
	for _, ev := range first {
		c.emit(ev)
	}
	for {
		msg, err := c.reader.Next()
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
			c.roster.leave(msg.Name)
			c.emit(Event{Kind: KindLeave, Name: msg.Name, Reason: leaveReason(msg.Reason)})
		case *wire.Notice:
			c.emit(Event{Kind: KindNotice, Text: msg.Text})
		case *wire.Key:
			for _, ev := range c.gotKey(msg) {
				c.emit(ev)
			}
		case *wire.End:
			c.emit(Event{Kind: KindEnd, Reason: endReason(msg.Reason)})
			return
		default:
			c.emit(Event{Kind: KindEnd, Reason: ReasonLost, Err: &ProtocolError{Type: msg.Type()}})
			return
		}
	}
}

// lost is the end event for a connection that ended without an End.
func (c *Client) lost(err error) Event {
	c.mu.Lock()
	leaving := c.leaving
	c.mu.Unlock()
	if leaving {
		return Event{Kind: KindEnd, Reason: ReasonLeft}
	}
	return Event{Kind: KindEnd, Reason: ReasonLost, Err: err}
}

func leaveReason(r wire.LeaveReason) Reason {
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

func endReason(r wire.EndReason) Reason {
	switch r {
	case wire.EndKicked:
		return ReasonKicked
	case wire.EndTooSlow:
		return ReasonTooSlow
	}
	return ReasonHostEnded
}
