package peer

import (
	"bytes"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/wire"
)

// The end-to-end level (docs/protocol.md §5): what this client checks on
// everything the host relays, trusting the host for nothing but delivery.
// What to believe about members is the roster's to decide (roster.go).

const (
	// maxPendingDirect bounds own direct messages awaiting their echo.
	maxPendingDirect = 1024
	// flagAction marks a body sent with /me.
	flagAction = 1
)

// errMalformed is decodeBody's refusal.
var errMalformed = errors.New("peer: malformed body")

// encodeBody is the plaintext of a chat or direct message: a flags byte and
// the text, padded to a size bucket so that lengths leak less.
func encodeBody(text string, action bool) ([]byte, error) {
	if strings.TrimSpace(text) == "" {
		return nil, ErrEmpty
	}
	if len(text) > wire.MaxText {
		return nil, &TooLongError{Len: len(text), Max: wire.MaxText}
	}
	if !utf8.ValidString(text) {
		return nil, ErrNotUTF8
	}
	flags := byte(0)
	if action {
		flags |= flagAction
	}
	return keys.Pad(append([]byte{flags}, text...))
}

func decodeBody(padded []byte) (text string, action bool, err error) {
	b, err := keys.Unpad(padded)
	if err != nil {
		return "", false, err
	}
	// Exactly what encodeBody produces, so that one text has one body.
	if len(b) < 2 || b[0]&^flagAction != 0 || len(b)-1 > wire.MaxText || !utf8.Valid(b[1:]) || len(bytes.TrimSpace(b[1:])) == 0 {
		return "", false, errMalformed
	}
	return string(b[1:]), b[0]&flagAction != 0, nil
}

// chat verifies a relayed chat message and turns it into an event: a
// message, or a warning saying what was wrong with it.
func (c *Client) chat(msg *wire.ChatMessage) Event {
	_, problem := c.roster.accept(msg.From, msg.Counter, func(from Member) error {
		return keys.VerifyMessage(c.sessionID, from.Identity, msg.Counter, msg.Body, msg.Sig)
	})
	if problem != 0 {
		return Event{Kind: KindWarning, Problem: problem, From: msg.From}
	}
	text, action, err := decodeBody(msg.Body)
	if err != nil {
		return Event{Kind: KindWarning, Problem: ProblemMalformed, From: msg.From}
	}
	return Event{Kind: KindMessage, Time: time.UnixMilli(msg.Time), From: msg.From, Text: text, Action: action, Self: msg.From == c.name}
}

// directMessage opens a direct message sealed to this member, or shows the
// host's acknowledgement of one this member sent.
func (c *Client) directMessage(msg *wire.DirectMessage) Event {
	at := time.UnixMilli(msg.Time)
	if msg.From == c.name {
		// The echo of our own: the host could not have made it up, as it
		// cannot read what we sealed; it only says the message went out.
		sent, ok := c.takeSent(msg.Counter)
		if !ok {
			return Event{Kind: KindWarning, Problem: ProblemUnknownEcho, Direct: true}
		}
		return Event{Kind: KindMessage, Time: at, From: c.name, To: sent.to, Text: sent.text, Self: true}
	}
	if msg.To != c.name {
		return Event{Kind: KindWarning, Problem: ProblemMisdelivered, Direct: true, From: msg.From, To: msg.To}
	}
	var body []byte
	_, problem := c.roster.accept(msg.From, msg.Counter, func(from Member) error {
		var err error
		body, err = c.openDirect(from, msg)
		return err
	})
	if problem != 0 {
		return Event{Kind: KindWarning, Problem: problem, Direct: true, From: msg.From}
	}
	text, action, err := decodeBody(body)
	if err != nil {
		return Event{Kind: KindWarning, Problem: ProblemMalformed, Direct: true, From: msg.From}
	}
	return Event{Kind: KindMessage, Time: at, From: msg.From, To: c.name, Text: text, Action: action}
}

// openDirect opens a direct message with this member's keys. Only the
// reader calls it, and the reader is also what wipes the keys at the end.
func (c *Client) openDirect(from Member, msg *wire.DirectMessage) ([]byte, error) {
	return c.id.OpenDirect(c.sessionID, from.Identity, msg.Counter, msg.Sealed, msg.Sig)
}

// joined checks a new member's keys and records them: a join event, and a
// warning when a name the user verified comes with other keys.
func (c *Client) joined(msg *wire.Joined) []Event {
	m, err := c.roster.memberOf(msg.Member)
	if err != nil {
		return []Event{{Kind: KindWarning, Problem: ProblemBadEntry, Name: msg.Member.Name}}
	}
	switch problem := c.roster.join(m); problem {
	case 0:
		return []Event{{Kind: KindJoin, Name: m.Name, Addr: msg.Addr}}
	case ProblemKeyReused, ProblemNotYou:
		return []Event{{Kind: KindWarning, Problem: problem, Name: m.Name}}
	default:
		return []Event{{Kind: KindJoin, Name: m.Name, Addr: msg.Addr}, {Kind: KindWarning, Problem: problem, Name: m.Name}}
	}
}

// Fingerprint is the fingerprint of the member called name, this member
// included: 30 digits computed from that member's own name and keys alone
// (docs/protocol.md §5.6). Everyone in the room should see the same digits
// for a member as that member reads out for itself; a host that swapped the
// member's keys cannot make them match. ErrNoMember for a name nobody here has.
func (c *Client) Fingerprint(name string) (string, error) {
	return c.roster.fingerprint(name)
}

// SafetyNumber is the number this member and name compare, face to face or
// by phone, to be sure no one substituted keys between them: the two
// members' fingerprints side by side, 60 digits. It is ErrNoMember for a
// name nobody here has and ErrSelf for this member's own.
func (c *Client) SafetyNumber(name string) (string, error) {
	m, err := c.roster.other(name)
	if err != nil {
		return "", err
	}
	theirs, err := c.roster.fingerprint(m.Name)
	if err != nil {
		return "", err
	}
	ours, err := c.roster.fingerprint(c.name)
	if err != nil {
		return "", err
	}
	return keys.PairSafetyNumber(ours, theirs), nil
}

// MarkVerified records that the user compared the safety number with name,
// and returns the name as the room spells it. If name ever comes back with
// other keys, the mark goes and a ProblemKeysChanged warning says so.
func (c *Client) MarkVerified(name string) (string, error) {
	return c.roster.markVerified(name)
}
