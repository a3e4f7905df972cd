package wire

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Message is one decoded frame body. Each concrete type is one message type.
type Message interface {
	Type() Type
	// check enforces the limits of §2.3 beyond what CBOR decoding does.
	check() error
}

// AdmitInit opens admission: the joiner's CPace share (§3.2, message 1).
type AdmitInit struct {
	Share []byte `cbor:"1,keyasint"`
}

// AdmitReply is the host's CPace share and its confirmation tag (§3.2, message 2).
type AdmitReply struct {
	Share []byte `cbor:"1,keyasint"`
	Tag   []byte `cbor:"2,keyasint"`
}

// AdmitConfirm is the joiner's confirmation tag (§3.2, message 3).
type AdmitConfirm struct {
	Tag []byte `cbor:"1,keyasint"`
}

// Refused ends an attempt to join (§3.4). RetryAfter is in seconds, used with RefuseBusy.
type Refused struct {
	Code       RefuseCode `cbor:"1,keyasint"`
	RetryAfter uint32     `cbor:"2,keyasint,omitempty"`
}

// Identity is a member's public keys for the session as the roster carries
// them, signed by the member itself over the session id and its name
// (§5.1): the signing key, and the HPKE key by its SHA-256 only, so that a
// roster stays small; the key itself is fetched with KeyRequest when
// someone seals to the member. Created is the member's own clock, Unix ms.
type Identity struct {
	SignKey []byte `cbor:"1,keyasint"`
	KEMHash []byte `cbor:"2,keyasint"`
	Created int64  `cbor:"3,keyasint"`
	Sig     []byte `cbor:"4,keyasint"`
}

// Hello names the member once admission has succeeded and carries its keys
// (§3.3): the signed identity and the HPKE key it commits to.
type Hello struct {
	Name     string   `cbor:"1,keyasint"`
	Identity Identity `cbor:"2,keyasint"`
	KEMKey   []byte   `cbor:"3,keyasint"`
}

// Member is one entry of the roster (§4.2). Since is Unix milliseconds.
type Member struct {
	Name     string   `cbor:"1,keyasint"`
	Since    int64    `cbor:"2,keyasint"`
	Host     bool     `cbor:"3,keyasint,omitempty"`
	Identity Identity `cbor:"4,keyasint"`
}

// Welcome admits a named member and shows who is there, itself included
// (§3.3). SessionID is what members sign messages under (§5.2).
type Welcome struct {
	Name      string   `cbor:"1,keyasint"`
	Session   string   `cbor:"2,keyasint"`
	Members   []Member `cbor:"3,keyasint"`
	SessionID []byte   `cbor:"4,keyasint"`
}

// Say is a signed chat line from a member to the host (§4.1, §5.2). Body
// is padded and signed by the sender; the host does not look inside.
type Say struct {
	Body    []byte `cbor:"1,keyasint"`
	Counter uint64 `cbor:"2,keyasint"`
	Sig     []byte `cbor:"3,keyasint"`
}

// ChatMessage is a chat line relayed by the host to everyone (§4.1). From
// is the name of the connection the Say came on; Time is Unix milliseconds.
type ChatMessage struct {
	From    string `cbor:"1,keyasint"`
	Body    []byte `cbor:"2,keyasint"`
	Counter uint64 `cbor:"3,keyasint"`
	Sig     []byte `cbor:"4,keyasint"`
	Time    int64  `cbor:"5,keyasint"`
}

// Direct is a sealed, signed message from a member to one other (§5.4).
type Direct struct {
	To      string `cbor:"1,keyasint"`
	Sealed  []byte `cbor:"2,keyasint"`
	Counter uint64 `cbor:"3,keyasint"`
	Sig     []byte `cbor:"4,keyasint"`
}

// DirectMessage is a Direct as the host relays it, to the recipient and
// back to the sender as its acknowledgement (§5.4).
type DirectMessage struct {
	From    string `cbor:"1,keyasint"`
	To      string `cbor:"2,keyasint"`
	Sealed  []byte `cbor:"3,keyasint"`
	Counter uint64 `cbor:"4,keyasint"`
	Sig     []byte `cbor:"5,keyasint"`
	Time    int64  `cbor:"6,keyasint"`
}

// Joined announces a new member (§4.2). Addr, where the member connected
// from, is sent only to the host's own operator.
type Joined struct {
	Member Member `cbor:"1,keyasint"`
	Addr   string `cbor:"2,keyasint,omitempty"`
}

// Left announces that a member is gone (§4.3).
type Left struct {
	Name   string      `cbor:"1,keyasint"`
	Reason LeaveReason `cbor:"2,keyasint"`
}

// Notice is a line from the host to one member, such as a rate-limit warning (§4.3).
type Notice struct {
	Text string `cbor:"1,keyasint"`
}

// End tells a member its part in the session is over (§4.3).
type End struct {
	Reason EndReason `cbor:"1,keyasint"`
}

// Bye is a member leaving on purpose (§4.3).
type Bye struct{}

// KeyRequest asks the host for a member's HPKE key, to seal to it (§5.4).
type KeyRequest struct {
	Name string `cbor:"1,keyasint"`
}

// Key answers a KeyRequest with the HPKE key the member called Name gave in
// its Hello; KEMKey is empty when nobody by that name is here (§5.4).
type Key struct {
	Name   string `cbor:"1,keyasint"`
	KEMKey []byte `cbor:"2,keyasint,omitempty"`
}

func (*AdmitInit) Type() Type     { return TypeAdmitInit }
func (*AdmitReply) Type() Type    { return TypeAdmitReply }
func (*AdmitConfirm) Type() Type  { return TypeAdmitConfirm }
func (*Refused) Type() Type       { return TypeRefused }
func (*Hello) Type() Type         { return TypeHello }
func (*Welcome) Type() Type       { return TypeWelcome }
func (*Say) Type() Type           { return TypeSay }
func (*ChatMessage) Type() Type   { return TypeMessage }
func (*Joined) Type() Type        { return TypeJoined }
func (*Left) Type() Type          { return TypeLeft }
func (*Notice) Type() Type        { return TypeNotice }
func (*End) Type() Type           { return TypeEnd }
func (*Bye) Type() Type           { return TypeBye }
func (*Direct) Type() Type        { return TypeDirect }
func (*DirectMessage) Type() Type { return TypeDirectMessage }
func (*KeyRequest) Type() Type    { return TypeKeyRequest }
func (*Key) Type() Type           { return TypeKey }

// newMessage returns an empty message of type t, or nil for an unknown type.
func newMessage(t Type) Message {
	switch t {
	case TypeAdmitInit:
		return new(AdmitInit)
	case TypeAdmitReply:
		return new(AdmitReply)
	case TypeAdmitConfirm:
		return new(AdmitConfirm)
	case TypeRefused:
		return new(Refused)
	case TypeHello:
		return new(Hello)
	case TypeWelcome:
		return new(Welcome)
	case TypeSay:
		return new(Say)
	case TypeMessage:
		return new(ChatMessage)
	case TypeJoined:
		return new(Joined)
	case TypeLeft:
		return new(Left)
	case TypeNotice:
		return new(Notice)
	case TypeEnd:
		return new(End)
	case TypeBye:
		return new(Bye)
	case TypeDirect:
		return new(Direct)
	case TypeDirectMessage:
		return new(DirectMessage)
	case TypeKeyRequest:
		return new(KeyRequest)
	case TypeKey:
		return new(Key)
	}
	return nil
}

// ErrInvalid is returned by the decoders when a message breaks a limit of §2.3.
var ErrInvalid = errors.New("wire: invalid message")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

func checkString(field, s string, max int) error {
	if len(s) > max {
		return invalid("%s longer than %d bytes", field, max)
	}
	if !utf8.ValidString(s) {
		return invalid("%s is not UTF-8", field)
	}
	return nil
}

func checkBytes(field string, b []byte, size int) error {
	if len(b) != size {
		return invalid("%s is %d bytes, want %d", field, len(b), size)
	}
	return nil
}

func (m *AdmitInit) check() error { return checkBytes("share", m.Share, ShareSize) }

func (m *AdmitReply) check() error {
	if err := checkBytes("share", m.Share, ShareSize); err != nil {
		return err
	}
	return checkBytes("tag", m.Tag, TagSize)
}

func (m *AdmitConfirm) check() error { return checkBytes("tag", m.Tag, TagSize) }

func (m *Refused) check() error {
	if m.Code < RefuseDenied || m.Code > RefuseSpent {
		return invalid("unknown refusal code %d", m.Code)
	}
	return nil
}

func (m *Identity) check() error {
	if err := checkBytes("signing key", m.SignKey, SignKeySize); err != nil {
		return err
	}
	if err := checkBytes("HPKE key hash", m.KEMHash, KEMHashSize); err != nil {
		return err
	}
	return checkBytes("entry signature", m.Sig, SignatureSize)
}

func (m *Hello) check() error {
	if err := checkString("name", m.Name, MaxNameBytes); err != nil {
		return err
	}
	if err := checkBytes("HPKE key", m.KEMKey, KEMKeySize); err != nil {
		return err
	}
	return m.Identity.check()
}

func (m *KeyRequest) check() error { return checkString("name", m.Name, MaxNameBytes) }

func (m *Key) check() error {
	if err := checkString("name", m.Name, MaxNameBytes); err != nil {
		return err
	}
	if len(m.KEMKey) == 0 {
		return nil
	}
	return checkBytes("HPKE key", m.KEMKey, KEMKeySize)
}

func (m *Member) check() error {
	if err := checkString("name", m.Name, MaxNameBytes); err != nil {
		return err
	}
	return m.Identity.check()
}

func checkMax(field string, b []byte, max int) error {
	if len(b) == 0 || len(b) > max {
		return invalid("%s of %d bytes, want 1 to %d", field, len(b), max)
	}
	return nil
}

func (m *Welcome) check() error {
	if err := checkString("name", m.Name, MaxNameBytes); err != nil {
		return err
	}
	if err := checkString("session", m.Session, MaxReasonBytes); err != nil {
		return err
	}
	if len(m.Members) > MaxMembers {
		return invalid("roster of %d members", len(m.Members))
	}
	for i := range m.Members {
		if err := m.Members[i].check(); err != nil {
			return err
		}
	}
	return checkBytes("session id", m.SessionID, 32)
}

func (m *Say) check() error {
	if err := checkMax("body", m.Body, MaxBody); err != nil {
		return err
	}
	return checkBytes("signature", m.Sig, SignatureSize)
}

func (m *ChatMessage) check() error {
	if err := checkString("from", m.From, MaxNameBytes); err != nil {
		return err
	}
	if err := checkMax("body", m.Body, MaxBody); err != nil {
		return err
	}
	return checkBytes("signature", m.Sig, SignatureSize)
}

func (m *Direct) check() error {
	if err := checkString("to", m.To, MaxNameBytes); err != nil {
		return err
	}
	if err := checkMax("sealed body", m.Sealed, MaxSealed); err != nil {
		return err
	}
	return checkBytes("signature", m.Sig, SignatureSize)
}

func (m *DirectMessage) check() error {
	if err := checkString("from", m.From, MaxNameBytes); err != nil {
		return err
	}
	if err := checkString("to", m.To, MaxNameBytes); err != nil {
		return err
	}
	if err := checkMax("sealed body", m.Sealed, MaxSealed); err != nil {
		return err
	}
	return checkBytes("signature", m.Sig, SignatureSize)
}

func (m *Joined) check() error {
	if err := checkString("addr", m.Addr, MaxNameBytes); err != nil {
		return err
	}
	return m.Member.check()
}

func (m *Left) check() error {
	if m.Reason < LeaveQuit || m.Reason > LeaveTooSlow {
		return invalid("unknown leave reason %d", m.Reason)
	}
	return checkString("name", m.Name, MaxNameBytes)
}

func (m *Notice) check() error { return checkString("text", m.Text, MaxReasonBytes) }

func (m *End) check() error {
	if m.Reason < EndHost || m.Reason > EndTooSlow {
		return invalid("unknown end reason %d", m.Reason)
	}
	return nil
}

func (m *Bye) check() error { return nil }
