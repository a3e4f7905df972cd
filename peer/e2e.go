package peer

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/sanitize"
	"github.com/ssc-chat/ssc/wire"
)

// The end-to-end level (docs/protocol.md §5): what this client checks on
// everything the host relays, trusting the host for nothing but delivery.

const (
	// maxCounterJump bounds how far ahead of the last accepted counter a
	// sender's next message may be; only the newest counter is stored, so
	// nothing grows with what a sender or a host sends.
	maxCounterJump = 1 << 20
	// maxPendingDirect bounds own direct messages awaiting their echo.
	maxPendingDirect = 1024
	// flagAction marks a body sent with /me.
	flagAction = 1
)

// encodeBody is the plaintext of a chat or direct message: a flags byte and
// the text, padded to a size bucket so that lengths leak less.
func encodeBody(text string, action bool) ([]byte, error) {
	if strings.TrimSpace(text) == "" {
		return nil, errors.New("message not sent: it is empty")
	}
	if len(text) > wire.MaxText {
		return nil, fmt.Errorf("message not sent: %d bytes, the limit is %d", len(text), wire.MaxText)
	}
	if !utf8.ValidString(text) {
		return nil, errors.New("message not sent: it is not valid UTF-8")
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
		return "", false, errors.New("malformed body")
	}
	return string(b[1:]), b[0]&flagAction != 0, nil
}

func warning(format string, args ...any) Event {
	return Event{Kind: KindWarning, Text: fmt.Sprintf(format, args...)}
}

// accept checks a relayed message's counter against the sender's last one:
// a replay or a reordering by the host is refused, and so is a jump no
// honest sender makes.
func (c *Client) accept(from *seen, counter uint64) error {
	switch {
	case counter <= from.last:
		return errors.New("it was already delivered (a replay)")
	case counter-from.last > maxCounterJump:
		return errors.New("its counter jumps too far ahead")
	}
	from.last = counter
	return nil
}

// chat verifies a relayed chat message and turns it into an event: a
// message, or a warning saying why it was dropped.
func (c *Client) chat(msg *wire.ChatMessage) Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	from := c.members[sanitize.NameKey(msg.From)]
	if from == nil || from.Name != msg.From {
		return warning("dropped a message from %s, who is not in the room", msg.From)
	}
	if err := keys.VerifyMessage(c.sessionID, from.Identity, msg.Counter, msg.Body, msg.Sig); err != nil {
		return warning("dropped a message claiming to be from %s: its signature does not verify", msg.From)
	}
	if err := c.accept(from, msg.Counter); err != nil {
		return warning("dropped a message from %s: %v", msg.From, err)
	}
	text, action, err := decodeBody(msg.Body)
	if err != nil {
		return warning("dropped a message from %s: %v", msg.From, err)
	}
	return Event{Kind: KindMessage, Time: time.UnixMilli(msg.Time), From: msg.From, Text: text, Action: action, Self: msg.From == c.name}
}

// directMessage opens a direct message sealed to this member, or shows the
// host's acknowledgement of one this member sent.
func (c *Client) directMessage(msg *wire.DirectMessage) Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	at := time.UnixMilli(msg.Time)
	if msg.From == c.name {
		// The echo of our own: the host could not have made it up, as it
		// cannot read what we sealed; it only says the message went out.
		sent, ok := c.sent[msg.Counter]
		if !ok {
			return warning("the host acknowledged a direct message you did not send")
		}
		delete(c.sent, msg.Counter)
		return Event{Kind: KindMessage, Time: at, From: c.name, To: sent.to, Text: sent.text, Self: true}
	}
	if msg.To != c.name {
		return warning("the host delivered a direct message from %s to %s here; ignored", msg.From, msg.To)
	}
	from := c.members[sanitize.NameKey(msg.From)]
	if from == nil || from.Name != msg.From {
		return warning("dropped a direct message from %s, who is not in the room", msg.From)
	}
	body, err := c.id.OpenDirect(c.sessionID, from.Identity, msg.Counter, msg.Sealed, msg.Sig)
	if err != nil {
		return warning("dropped a direct message claiming to be from %s: it does not verify or open", msg.From)
	}
	if err := c.accept(from, msg.Counter); err != nil {
		return warning("dropped a direct message from %s: %v", msg.From, err)
	}
	text, action, err := decodeBody(body)
	if err != nil {
		return warning("dropped a direct message from %s: %v", msg.From, err)
	}
	return Event{Kind: KindMessage, Time: at, From: msg.From, To: c.name, Text: text, Action: action}
}

// joined checks a new member's keys and records them. A name whose keys
// differ from the ones this user verified loses its mark, loudly.
func (c *Client) joined(msg *wire.Joined) []Event {
	m, err := member(msg.Member)
	if err != nil {
		return []Event{warning("the host announced %s with keys that do not verify; ignoring them", msg.Member.Name)}
	}
	key := sanitize.NameKey(m.Name)
	events := []Event{{Kind: KindJoin, Name: m.Name, Addr: msg.Addr}}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.verified[key]; ok && !bytes.Equal(v, m.Identity.SignKey) {
		delete(c.verified, key)
		events = append(events, warning("%s has new keys since you verified them: compare /verify %s again before trusting them", m.Name, m.Name))
	}
	c.members[key] = &seen{Member: m}
	return events
}

// SafetyNumber is the number this member and name compare, face to face or
// by phone, to be sure no one substituted keys between them.
func (c *Client) SafetyNumber(name string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.members[sanitize.NameKey(name)]
	switch {
	case m == nil:
		return "", fmt.Errorf("nobody called %q is here", name)
	case m.Name == c.name:
		return "", errors.New("that is you; /verify someone else")
	}
	return keys.SafetyNumber(c.sessionID, c.id.Public, m.Identity), nil
}

// MarkVerified records that the user compared the safety number with name.
func (c *Client) MarkVerified(name string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := sanitize.NameKey(name)
	m := c.members[key]
	switch {
	case m == nil:
		return "", fmt.Errorf("nobody called %q is here", name)
	case m.Name == c.name:
		return "", errors.New("that is you")
	}
	c.verified[key] = bytes.Clone(m.Identity.SignKey)
	return m.Name, nil
}

// GroupFingerprint summarises every member's keys: all honest members see
// the same one, so comparing it checks the whole room at once.
func (c *Client) GroupFingerprint() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	roster := make([]keys.RosterEntry, 0, len(c.members))
	for _, m := range c.members {
		roster = append(roster, keys.RosterEntry{Name: m.Name, Identity: m.Identity})
	}
	return keys.GroupFingerprint(c.sessionID, roster)
}
