package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/wire"
)

// member is one load-generating member, light or full.
type member struct {
	i      int
	name   string
	run    *run
	credit chan struct{} // one per message that may be in flight

	light   *lightConn
	client  *peer.Client
	welcome int // bytes of the Welcome it received

	sent, notices atomic.Int64 // notices: the host's words to this member, which a load test should not draw
	received      int64        // messages from others and itself
	last          []int64      // last number seen from each sender, for order
	outOfOrder    int64
	warnings      int64    // messages a full member refused as failing a check
	removed       []string // members this one saw removed
	ended         string   // why its session ended early, if it did
	quitting      atomic.Bool
	hist          histogram
	done          chan struct{}
}

// join admits a member, retrying while the host asks to come back later.
func (r *run) join(ctx context.Context, i int) (*member, error) {
	m := &member{i: i, name: fmt.Sprintf("m%d", i), run: r, credit: make(chan struct{}, r.window),
		last: make([]int64, r.n), done: make(chan struct{})}
	for range r.window {
		m.credit <- struct{}{}
	}
	for attempt := 0; ; attempt++ {
		err := m.connect(ctx)
		var refused *peer.RefusedError
		if err == nil || attempt == 5 || !errors.As(err, &refused) ||
			!(errors.Is(err, peer.ErrLoad) || errors.Is(err, peer.ErrBusy)) {
			return m, err
		}
		select {
		case <-time.After(refused.RetryAfter):
		case <-ctx.Done():
			return m, ctx.Err()
		}
	}
}

func (m *member) connect(ctx context.Context) error {
	pass := append([]byte(nil), m.run.passphrase...)
	if !m.run.light {
		// Unpaced: send paces every member itself (run.pacer), and latency
		// is counted from there.
		c, err := peer.Join(ctx, m.run.addr, peer.Config{Name: m.name, Passphrase: pass, Unpaced: true})
		m.client = c
		return err
	}
	defer keys.Wipe(pass)
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", m.run.addr)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	conn, fp, err := peer.Admit(ctx, raw, nil, pass)
	if err != nil {
		raw.Close()
		return err
	}
	lc, n, err := newLightConn(conn, fp, m.name)
	if err != nil {
		conn.Close()
		return err
	}
	m.light, m.welcome = lc, n
	return nil
}

// lightConn is a member that is admitted and signs exactly as a real one,
// but reads only what it needs of what it receives and checks nothing.
type lightConn struct {
	conn      net.Conn
	r         *bufio.Reader
	id        *keys.Identity
	sessionID []byte
	counter   uint64
	buf       []byte
}

func newLightConn(conn net.Conn, session keys.Fingerprint, name string) (*lightConn, int, error) {
	id, err := keys.GenerateIdentity()
	if err != nil {
		return nil, 0, err
	}
	if err := wire.Write(conn, peer.NewHello(id, session, name)); err != nil {
		return nil, 0, err
	}
	lc := &lightConn{conn: conn, r: bufio.NewReaderSize(conn, 64<<10), id: id}
	t, body, err := lc.next()
	if err != nil {
		return nil, 0, err
	}
	if t == wire.TypeRefused {
		msg, err := wire.Parse(frame(t, body))
		if err != nil {
			return nil, 0, err
		}
		return nil, 0, &peer.RefusedError{Code: msg.(*wire.Refused).Code}
	}
	msg, err := wire.Parse(frame(t, body))
	if err != nil {
		return nil, 0, err
	}
	w, ok := msg.(*wire.Welcome)
	if !ok {
		return nil, 0, fmt.Errorf("host sent %T instead of a welcome", msg)
	}
	lc.sessionID = w.SessionID
	return lc, len(body) + wire.HeaderSize, nil
}

// frame rebuilds a whole frame from its type and body, for wire.Parse.
func frame(t wire.Type, body []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(2+len(body)))
	return append(append(b, wire.Version, byte(t)), body...)
}

// next reads one frame's type and CBOR body; the body is valid until the
// next call.
func (lc *lightConn) next() (wire.Type, []byte, error) {
	var head [wire.HeaderSize]byte
	if _, err := io.ReadFull(lc.r, head[:]); err != nil {
		return 0, nil, err
	}
	n := int(binary.BigEndian.Uint32(head[:]))
	if n < 2 || n > wire.MaxWelcomeFrame {
		return 0, nil, fmt.Errorf("frame of %d bytes", n)
	}
	if cap(lc.buf) < n-2 {
		lc.buf = make([]byte, n-2)
	}
	body := lc.buf[:n-2]
	if _, err := io.ReadFull(lc.r, body); err != nil {
		return 0, nil, err
	}
	return wire.Type(head[5]), body, nil
}

// say signs and sends one line as a real member does: padded body,
// signature over session, key, counter and body.
func (lc *lightConn) say(text string) error {
	body, err := keys.Pad(append([]byte{0}, text...))
	if err != nil {
		return err
	}
	lc.counter++
	return wire.Write(lc.conn, &wire.Say{Body: body, Counter: lc.counter, Sig: lc.id.SignMessage(lc.sessionID, lc.counter, body)})
}

// relayed is the part of a relayed chat message a light member reads.
type relayed struct {
	From    string `cbor:"1,keyasint"`
	Counter uint64 `cbor:"3,keyasint"`
}

// left is the part of a Left a light member reads.
type left struct {
	Name   string           `cbor:"1,keyasint"`
	Reason wire.LeaveReason `cbor:"2,keyasint"`
}

// send sends count lines, each when the pacing allows and a credit is free.
func (m *member) send(ctx context.Context, count int) error {
	text := strings.Repeat("x", m.run.size)
	pace := m.run.pacer()
	if m.run.rate > 0 {
		// Members that start in step would send in step: spread them over
		// one interval, as people typing are.
		select {
		case <-time.After(time.Duration(rand.Int64N(int64(float64(time.Second) / m.run.rate)))):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for k := 1; k <= count; k++ {
		if err := pace(ctx); err != nil {
			return err
		}
		select {
		case <-m.credit:
		case <-ctx.Done():
			return ctx.Err()
		case <-m.done:
			return fmt.Errorf("%s: session ended: %s", m.name, m.ended)
		}
		m.run.sent[m.i][k].Store(int64(time.Since(m.run.start)))
		line := strconv.Itoa(k) + " " + text
		var err error
		if m.light != nil {
			err = m.light.say(line)
		} else {
			err = m.client.Say(ctx, line)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		m.sent.Add(1)
	}
	return nil
}

// got records message number k from sender i.
func (m *member) got(i int, k int64) {
	if i < 0 || i >= m.run.n || k <= 0 || k >= int64(len(m.run.sent[i])) {
		return
	}
	m.hist.add(time.Since(m.run.start) - time.Duration(m.run.sent[i][k].Load()))
	atomic.AddInt64(&m.received, 1)
	if k <= m.last[i] {
		m.outOfOrder++
	}
	m.last[i] = k
	if i == m.i {
		m.credit <- struct{}{}
	}
}

// receive reads until the session ends for this member.
func (m *member) receive() {
	defer close(m.done)
	if m.light != nil {
		m.receiveLight()
	} else {
		m.receiveFull()
	}
	if m.quitting.Load() {
		m.ended = ""
	}
}

func (m *member) receiveLight() {
	for {
		t, body, err := m.light.next()
		if err != nil {
			m.ended = "connection: " + err.Error()
			return
		}
		switch t {
		case wire.TypeMessage:
			var msg relayed
			if cbor.Unmarshal(body, &msg) == nil {
				m.got(senderIndex(msg.From), int64(msg.Counter))
			}
		case wire.TypeNotice:
			m.notices.Add(1)
		case wire.TypeLeft:
			var l left
			if cbor.Unmarshal(body, &l) == nil && l.Reason != wire.LeaveQuit && !m.run.leaving.Load() {
				m.removed = append(m.removed, fmt.Sprintf("%s (reason %d)", l.Name, l.Reason))
			}
		case wire.TypeEnd:
			m.ended = "the host ended it"
			return
		}
	}
}

func (m *member) receiveFull() {
	for ev := range m.client.Events() {
		switch ev.Kind {
		case peer.KindMessage:
			num, _, _ := strings.Cut(ev.Text, " ")
			k, _ := strconv.ParseInt(num, 10, 64)
			m.got(senderIndex(ev.From), k)
		case peer.KindNotice:
			m.notices.Add(1)
		case peer.KindLeave:
			if ev.Reason != peer.ReasonQuit && !m.run.leaving.Load() {
				m.removed = append(m.removed, ev.Name+" ("+string(ev.Reason)+")")
			}
		case peer.KindWarning:
			m.warnings++
		case peer.KindEnd:
			if m.ended == "" {
				m.ended = string(ev.Reason)
			}
			return
		}
	}
}

func senderIndex(name string) int {
	i, err := strconv.Atoi(strings.TrimPrefix(name, "m"))
	if err != nil || !strings.HasPrefix(name, "m") {
		return -1
	}
	return i
}

// leave says goodbye and waits for the receiver to finish.
func (m *member) leave() {
	m.quitting.Store(true)
	if m.light != nil {
		wire.Write(m.light.conn, &wire.Bye{})
		m.light.conn.Close()
		m.light.id.Wipe()
	} else if m.client != nil {
		m.client.Close()
	}
	<-m.done
}
