package peer

import (
	"errors"
	"fmt"
	"time"

	"github.com/ssc-chat/ssc/wire"
)

// Errors of admission, returned by Join (and Admit).
var (
	// ErrWrongPassphrase means key confirmation failed: the passphrase is
	// wrong, or something between you and the host terminated TLS. The two
	// cannot be told apart, by design.
	ErrWrongPassphrase = errors.New("peer: admission failed")
	// ErrHostMismatch means the host's certificate is not the one the link pins.
	ErrHostMismatch = errors.New("peer: host certificate does not match the link")
	// ErrHungUp means the host closed the connection before TLS completed:
	// a host turning connections away under load does that, and so does a
	// server that is not ssc at all. It costs no guess to try again.
	ErrHungUp = errors.New("peer: the host closed the connection before admission began")
)

// Refusals, returned by Join and Attach inside a *RefusedError: test for
// them with errors.Is, and read RetryAfter with errors.As.
var (
	ErrLocked    = errors.New("peer: the session is not admitting anyone now")                   // the host's operator locked it
	ErrBusy      = errors.New("peer: the host is slowing down admissions after failed attempts") // RetryAfter says when to come back
	ErrNameTaken = errors.New("peer: that name is taken in this session")
	ErrBadName   = errors.New("peer: the host refused that name")
	ErrFull      = errors.New("peer: the session is full")
	ErrLoad      = errors.New("peer: the host is busy with too many joiners at once") // RetryAfter says when to come back
	ErrSpent     = errors.New("peer: the host stopped admitting anyone after too many failed attempts")
)

// Errors of a seated client.
var (
	// ErrClosed is returned by Say, Act and Direct once the client has left
	// or the session is over.
	ErrClosed = errors.New("peer: not connected")
	// ErrNoMember is returned by Direct, SafetyNumber and MarkVerified for a
	// name nobody in the room has.
	ErrNoMember = errors.New("peer: nobody by that name is here")
	// ErrSelf is returned by SafetyNumber and MarkVerified for this client's own name.
	ErrSelf = errors.New("peer: that is this member")
	// ErrEmpty, ErrNotUTF8 and *TooLongError are returned by Say, Act and
	// Direct for text that cannot be sent.
	ErrEmpty = errors.New("peer: the message is empty")
	// ErrNoKey is returned by Direct when the host did not send the
	// recipient's HPKE key, or sent one the recipient did not sign.
	ErrNoKey   = errors.New("peer: the host did not provide the recipient's key")
	ErrNotUTF8 = errors.New("peer: the message is not valid UTF-8")
	// ErrNotYou is returned by Join and Attach when the host's welcome lists
	// this member with keys that are not its own.
	ErrNotYou = errors.New("peer: the host lists this member with keys that are not its own")
	// ErrSessionID is returned by Join when the host's session id is not its
	// certificate's fingerprint.
	ErrSessionID = errors.New("peer: the host's session id is not its certificate fingerprint")
)

// RefusedError is the host's refusal to admit this client.
type RefusedError struct {
	Code       wire.RefuseCode
	RetryAfter time.Duration // with ErrBusy and ErrLoad
}

var refusals = map[wire.RefuseCode]error{
	wire.RefuseLocked:    ErrLocked,
	wire.RefuseBusy:      ErrBusy,
	wire.RefuseNameTaken: ErrNameTaken,
	wire.RefuseBadName:   ErrBadName,
	wire.RefuseFull:      ErrFull,
	wire.RefuseLoad:      ErrLoad,
	wire.RefuseSpent:     ErrSpent,
}

func (e *RefusedError) Error() string {
	if err, ok := refusals[e.Code]; ok {
		return err.Error()
	}
	return fmt.Sprintf("peer: refused (code %d)", e.Code)
}

// Is makes errors.Is(err, ErrLocked) and the like match the refusal.
func (e *RefusedError) Is(target error) bool { return refusals[e.Code] == target }

// refusal turns a Refused message into the error Join returns.
func refusal(m *wire.Refused) error {
	if m.Code == wire.RefuseDenied {
		return ErrWrongPassphrase
	}
	return &RefusedError{Code: m.Code, RetryAfter: time.Duration(m.RetryAfter) * time.Second}
}

// DialError is a failure to reach the host at all.
type DialError struct {
	Addr string
	Err  error
}

func (e *DialError) Error() string { return fmt.Sprintf("peer: cannot reach %s: %v", e.Addr, e.Err) }
func (e *DialError) Unwrap() error { return e.Err }

// TooLongError is returned by Say, Act and Direct for text over the limit.
type TooLongError struct{ Len, Max int }

func (e *TooLongError) Error() string {
	return fmt.Sprintf("peer: the message is %d bytes, the limit is %d", e.Len, e.Max)
}

// ProtocolError is the Err of an end event when the host sent something
// the protocol does not allow at that point.
type ProtocolError struct{ Type wire.Type }

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("peer: the host sent message type %d, which the protocol does not allow here", e.Type)
}
