package peer

import (
	"time"

	"github.com/ssc-chat/ssc/keys"
)

// Kind names an Event. The strings are the "type" field of --json mode.
type Kind string

const (
	KindWelcome Kind = "welcome" // admitted; Members holds the room, Session its name
	KindMessage Kind = "message" // a chat line; From, Text, Action, Self, To, Time
	KindJoin    Kind = "join"    // Name joined
	KindLeave   Kind = "leave"   // Name left; Reason says why
	KindNotice  Kind = "notice"  // Text from the host
	KindWarning Kind = "warning" // something the host sent failed a check and was dropped; Problem says what
	KindEnd     Kind = "end"     // the last event: Reason (and Err) say why
)

// Reason says why a member left or why the session ended for this client.
// The strings are the "reason" field of --json mode.
type Reason string

const (
	ReasonQuit      Reason = "quit"       // leave: the member said goodbye
	ReasonKicked    Reason = "kicked"     // leave, end: the host removed the member (end: you)
	ReasonLost      Reason = "lost"       // leave, end: the connection broke (end: Err says how)
	ReasonTooSlow   Reason = "too-slow"   // leave, end: the member's connection stalled (end: yours)
	ReasonHostEnded Reason = "host-ended" // end: the host ended the session
	ReasonLeft      Reason = "left"       // end: this client closed
)

// Problem says what was wrong with something the host sent, on a warning.
type Problem int

const (
	// ProblemNotMember: a message (Direct for a direct one) from From, who
	// is not in the room.
	ProblemNotMember Problem = iota + 1
	// ProblemForged: a message claiming to be from From whose signature does
	// not verify (for a direct message: which does not verify or open).
	ProblemForged
	// ProblemReplay: a message from From that was already delivered.
	ProblemReplay
	// ProblemCounterJump: a message from From whose counter jumps too far ahead.
	ProblemCounterJump
	// ProblemMalformed: a message from From whose body is not well formed.
	ProblemMalformed
	// ProblemMisdelivered: a direct message from From to To delivered here.
	ProblemMisdelivered
	// ProblemUnknownEcho: the host acknowledged a direct message this client did not send.
	ProblemUnknownEcho
	// ProblemBadEntry: the host announced Name with keys that do not verify.
	ProblemBadEntry
	// ProblemBadRoster: the welcome listed Names with keys that do not
	// verify; they are left out of the roster.
	ProblemBadRoster
	// ProblemKeysChanged: Name, whom this client's user verified, joined
	// with different keys; the verified mark is gone.
	ProblemKeysChanged
	// ProblemKeyReused: the host announced Name with a signing key that
	// was already seated in this session: a recorded entry brought back, so
	// that old messages would count again. The announcement is ignored.
	ProblemKeyReused
	// ProblemReplaced: the host announced Name, who is in the room and has
	// not left, again with other keys. The new keys replace the old ones,
	// and everyone is told, verified or not.
	ProblemReplaced
	// ProblemBadKey: the host answered a request for Name's HPKE key with
	// a key that is not the one Name signed; nothing was sealed with it.
	ProblemBadKey
	// ProblemNotYou: the host announced someone as Name, which is this
	// member's own name in some spelling; ignored.
	ProblemNotYou
)

// Event is one thing the host sent, in the order it sent it. It carries
// what happened, never words for people: those are the chat layer's.
type Event struct {
	Kind    Kind
	Time    time.Time
	From    string   // message, warning: the author
	To      string   // message, warning: the recipient of a direct message; empty for the room
	Text    string   // message: the text; notice: the host's words
	Action  bool     // message: sent with /me
	Self    bool     // message: sent by this client
	Direct  bool     // warning: the problem is with a direct message
	Name    string   // join, leave, warning: the member
	Names   []string // warning (ProblemBadRoster): the entries left out
	Addr    string   // join: where the member connected from (the host's operator only)
	Reason  Reason   // leave, end
	Problem Problem  // warning
	Err     error    // end with ReasonLost: what broke the connection
	Members []Member // welcome: everyone present, this client included
	Session string   // welcome: the session's name
	// Fingerprint is, on welcome, the host certificate's fingerprint (zero
	// for the host's own operator), and Pinned whether the link pinned it;
	// unpinned, people should compare it with the host's screen.
	Fingerprint keys.Fingerprint
	Pinned      bool
}

// Member is one entry of the roster.
type Member struct {
	Name     string
	Since    time.Time           // when the member joined, by the host's clock
	Host     bool                // the member is the host's operator
	Identity keys.PublicIdentity // the keys the member signs with and receives direct messages on
	Verified bool                // this client's user compared safety numbers with the member
}
