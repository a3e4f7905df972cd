package host

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/wire"
)

// Limits of a session (docs/protocol.md §3.5 and §4.4).
const (
	// DefaultMaxMembers caps the room when Config.MaxMembers is zero.
	DefaultMaxMembers = 1000
	// writeTimeout bounds one write to a member, so a peer that stops
	// reading cannot hold its writer forever.
	writeTimeout = 10 * time.Second
	// endGrace is how long Close lets writers deliver the final frames.
	endGrace = 2 * time.Second
)

// Errors returned by the host's commands.
var (
	ErrNoMember  = errors.New("host: no member by that name")                     // Kick
	ErrKickSelf  = errors.New("host: the host cannot kick itself")                // Kick
	ErrEnded     = errors.New("host: the session has ended")                      // ConnectLocal
	ErrLocalUsed = errors.New("host: the host's own member is already connected") // ConnectLocal
)

// Config is what a session needs to start.
type Config struct {
	// SessionName is shown to joiners, e.g. "alice's session".
	SessionName string
	// Passphrase admits members. The session keeps its own copy and wipes it on Close.
	Passphrase []byte
	// Identity is the host's TLS identity; the session wipes it on Close.
	Identity *keys.HostIdentity
	// MaxMembers caps the room; zero means DefaultMaxMembers.
	MaxMembers int
	// Now is the clock of the guess budget and of timestamps; nil means
	// time.Now. Socket deadlines and flow control use the real clock.
	Now func() time.Time
	// NoRateLimit lifts the per-member message rate limit. ssc never sets
	// it; a load test does, to measure how much the host can relay.
	NoRateLimit bool
}

// String keeps the passphrase and the host's key out of logs and panics.
func (cfg Config) String() string {
	return fmt.Sprintf("host.Config{SessionName: %q, Passphrase: redacted, Identity: redacted, MaxMembers: %d, NoRateLimit: %v}", cfg.SessionName, cfg.MaxMembers, cfg.NoRateLimit)
}

// GoString keeps them out of %#v too.
func (cfg Config) GoString() string { return cfg.String() }

// Session is one running ssc session.
type Session struct {
	cfg       Config
	tlsConfig *tls.Config
	ci        []byte // CPace channel identifier: version, roles, our fingerprint

	ctx    context.Context // cancelled by Close: every connection closes
	cancel context.CancelFunc
	accept context.Context // cancelled by End: listeners close
	stop   context.CancelFunc
	wg     sync.WaitGroup // every goroutine the session starts

	lobby    lobby         // connections not admitted yet
	guessing chan struct{} // one token per guess in flight
	guard    guard

	secretMu   sync.Mutex
	passphrase []byte
	locked     bool

	operator atomic.Pointer[queue] // the operator's queue while seated, read without mu

	mu      sync.Mutex
	members map[string]*member // by sanitize.NameKey
	// capitals holds the same members by sanitize.CapitalKey: a name that
	// shares either key with a member's looks like that member's.
	capitals map[string]*member
	seated   []*member // the same members, for fan-out
	// signKeys holds every signing key ever seated in this session.
	signKeys map[string]bool
	local    *member // the operator's own member, once connected
	ended    bool
	writers  sync.WaitGroup // member writers, so Close can let them finish
}

// New starts a session that admits members with cfg.Passphrase. It listens
// nowhere until Listen is called.
func New(cfg Config) (*Session, error) {
	if len(cfg.Passphrase) == 0 {
		return nil, errors.New("host: empty passphrase")
	}
	if cfg.Identity == nil {
		return nil, errors.New("host: no identity")
	}
	if cfg.MaxMembers == 0 {
		cfg.MaxMembers = DefaultMaxMembers
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Session{
		cfg:        cfg,
		tlsConfig:  keys.ServerTLSConfig(cfg.Identity),
		ci:         keys.AdmissionCI(cfg.Identity.Fingerprint),
		passphrase: append([]byte(nil), cfg.Passphrase...),
		members:    make(map[string]*member),
		capitals:   make(map[string]*member),
		signKeys:   make(map[string]bool),
		guessing:   make(chan struct{}, maxGuessing),
	}
	s.cfg.Passphrase = nil
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.accept, s.stop = context.WithCancel(s.ctx)
	return s, nil
}

// Fingerprint is the host certificate's fingerprint, which links pin.
func (s *Session) Fingerprint() keys.Fingerprint { return s.cfg.Identity.Fingerprint }

// sessionID is what members sign under (docs/protocol.md §5.2): the
// certificate fingerprint, fresh for every session and already known to
// every joiner from TLS, who can check the host sent the same.
func (s *Session) sessionID() []byte {
	fp := s.cfg.Identity.Fingerprint
	return fp[:]
}

// Done is closed when the session has ended.
func (s *Session) Done() <-chan struct{} { return s.accept.Done() }

// Listen has the session accept joiners on ln until it ends, in a goroutine
// the session owns; the session closes ln. It may be called for several
// listeners (the LAN and a tunnel). A listener that fails for good is
// reported to the operator; the others keep serving.
func (s *Session) Listen(ln net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		ln.Close()
		return
	}
	s.wg.Go(func() {
		if err := s.serve(ln); err != nil {
			s.tellOperator(fmt.Sprintf("no longer accepting joiners on %s: %v", ln.Addr(), err))
		}
	})
}

// serve accepts on ln until the session ends or ln fails for good.
func (s *Session) serve(ln net.Listener) error {
	stop := context.AfterFunc(s.accept, func() { ln.Close() })
	defer stop()
	defer ln.Close()
	var delay time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			if s.accept.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// Anything else, such as running out of file descriptors, may
			// pass: back off and try again rather than end the session.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			time.Sleep(delay)
			continue
		}
		delay = 0
		st := newStranger(conn, time.Now())
		a, notice := s.lobby.enter(st, st.accepted)
		if notice != "" {
			s.tellOperator(notice)
		}
		switch a {
		case admitted:
			s.wg.Go(func() { s.serveRemote(st) })
		case refusing:
			s.wg.Go(func() { s.refuseLoad(conn) })
		default:
			conn.Close()
		}
	}
}

// ConnectLocal connects the operator's own member to the session through an
// in-process pipe: it skips TLS and the PAKE, which protect links between
// machines, and is otherwise an ordinary member. The operator's commands
// come through the Session's methods, never over any connection.
func (s *Session) ConnectLocal() (net.Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return nil, ErrEnded
	}
	if s.local != nil {
		return nil, ErrLocalUsed
	}
	ours, theirs := net.Pipe()
	s.wg.Go(func() {
		stop := context.AfterFunc(s.ctx, func() { ours.Close() })
		defer stop()
		r := wire.NewReader(ours, wire.MaxHelloFrame)
		m, err := s.hello(ours, r, "this machine", true)
		if err != nil {
			ours.Close()
			return
		}
		s.serveMember(m, r)
	})
	return theirs, nil
}

// End ends the session for everyone: each member is told, listeners close
// and no one else is admitted. It does not wait; Close does.
func (s *Session) End() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endLocked()
}

func (s *Session) endLocked() {
	if s.ended {
		return
	}
	s.ended = true
	s.stop()
	frame := mustFrame(&wire.End{Reason: wire.EndHost})
	for len(s.seated) > 0 {
		m := s.seated[len(s.seated)-1]
		m.out.push(frame)
		s.removeLocked(m)
	}
	s.local = nil
}

// Close ends the session if it is running, gives writers a moment to
// deliver the final frames, closes every connection, waits for every
// goroutine and wipes the passphrase and host key. It is idempotent.
func (s *Session) Close() error {
	s.End()
	flushed := make(chan struct{})
	go func() { s.writers.Wait(); close(flushed) }()
	select {
	case <-flushed:
	case <-time.After(endGrace):
	}
	s.cancel()
	s.wg.Wait()
	s.secretMu.Lock()
	keys.Wipe(s.passphrase)
	s.secretMu.Unlock()
	s.cfg.Identity.Wipe()
	return nil
}

// mustFrame encodes a message the host builds itself; failing would be a
// bug in the host, never something a peer caused.
func mustFrame(m wire.Message) []byte {
	frame, err := wire.Append(nil, m)
	if err != nil {
		panic(fmt.Sprintf("host: encoding own %T: %v", m, err))
	}
	return frame
}
