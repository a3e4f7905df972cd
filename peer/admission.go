package peer

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/wire"
)

// Admit runs the joiner's side of docs/protocol.md §3.2: TLS 1.3 (pinned
// when a link carries the fingerprint), then CPace with sid taken from this
// very TLS connection and CI naming the host's fingerprint, then key
// confirmation both ways. The host's tag is verified before this side
// reveals its own. It returns the admitted TLS connection and the host's
// fingerprint; Join goes on to name the member. A load generator that
// speaks the session protocol itself starts from here.
func Admit(ctx context.Context, raw net.Conn, pin *keys.Fingerprint, passphrase []byte) (*tls.Conn, keys.Fingerprint, error) {
	var fp keys.Fingerprint
	conn := tls.Client(raw, keys.ClientTLSConfig(pin))
	if err := conn.HandshakeContext(ctx); err != nil {
		if errors.Is(err, keys.ErrFingerprintMismatch) {
			return nil, fp, ErrHostMismatch
		}
		if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
			return nil, fp, fmt.Errorf("%w: %w", ErrHungUp, err)
		}
		return nil, fp, fmt.Errorf("peer: tls handshake: %w", err)
	}
	cs := conn.ConnectionState()
	fp, err := keys.PeerFingerprint(cs)
	if err != nil {
		return nil, fp, err
	}
	sid, err := keys.ExporterSID(cs)
	if err != nil {
		return nil, fp, err
	}
	cp, err := keys.NewCPace(keys.Initiator, passphrase, keys.AdmissionCI(fp), sid, nil, rand.Reader)
	if err != nil {
		return nil, fp, err
	}
	defer cp.Wipe()
	if err := wire.Write(conn, &wire.AdmitInit{Share: cp.Share()}); err != nil {
		return nil, fp, fmt.Errorf("peer: sending admission: %w", err)
	}
	r := wire.NewReader(conn, wire.MaxHandshakeFrame)
	msg, err := r.Next()
	if err != nil {
		return nil, fp, fmt.Errorf("peer: waiting for the host's answer: %w", err)
	}
	var reply *wire.AdmitReply
	switch msg := msg.(type) {
	case *wire.AdmitReply:
		reply = msg
	case *wire.Refused:
		return nil, fp, refusal(msg)
	default:
		return nil, fp, fmt.Errorf("peer: host sent message type %d during admission", msg.Type())
	}
	if err := cp.Finish(reply.Share, nil); err != nil {
		return nil, fp, ErrWrongPassphrase
	}
	if err := cp.VerifyTag(reply.Tag); err != nil {
		return nil, fp, ErrWrongPassphrase
	}
	if err := wire.Write(conn, &wire.AdmitConfirm{Tag: cp.Tag()}); err != nil {
		return nil, fp, fmt.Errorf("peer: sending confirmation: %w", err)
	}
	return conn, fp, nil
}
