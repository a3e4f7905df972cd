package peer

import (
	"time"

	"github.com/ssc-chat/ssc/keys"
)

// Kind names an Event. The strings are the "type" field of --json mode.
type Kind string

const (
	KindWelcome Kind = "welcome" // admitted; Members holds the room, Session its name
	KindMessage Kind = "message" // a chat line; From, Text, Action, Self, Time
	KindJoin    Kind = "join"    // Name joined
	KindLeave   Kind = "leave"   // Name left; Reason says why
	KindNotice  Kind = "notice"  // Text from the host, or command output (Local)
	KindEnd     Kind = "end"     // the last event: Reason and Text say why
	KindError   Kind = "error"   // something the user did could not be done; Text says what
	KindWarning Kind = "warning" // something the host relayed failed a check and was dropped; Text says what
)

// Reasons carried by leave and end events.
const (
	ReasonQuit      = "quit"       // leave: the member said goodbye
	ReasonKicked    = "kicked"     // leave, end: the host removed the member (end: you)
	ReasonLost      = "lost"       // leave, end: the connection broke
	ReasonTooSlow   = "too-slow"   // leave, end: the member's connection stalled (end: yours)
	ReasonHostEnded = "host-ended" // end: the host ended the session
	ReasonLeft      = "left"       // end: you left
)

// Event is one thing that happened in the session, in the order it happened.
type Event struct {
	Kind    Kind
	Time    time.Time
	From    string   // message: the author
	Text    string   // message, notice, error: the text; end: an explanation
	Action  bool     // message: sent with /me
	Self    bool     // message: sent by this client
	To      string   // message: the recipient of a direct message; empty for the room
	Name    string   // join, leave: the member
	Addr    string   // join: where the member connected from (the host's operator only)
	Reason  string   // leave, end: one of the Reason constants
	Members []Member // welcome: everyone present, this client included
	Session string   // welcome: the session's name
	// Fingerprint is, on welcome, the host certificate's fingerprint
	// (empty for the host's own operator), and Pinned whether the link
	// pinned it; unpinned, people should compare it with the host's screen.
	Fingerprint string
	Pinned      bool
	Local       bool // notice: produced by this client (command output), not the host
}

// Member is one entry of the roster.
type Member struct {
	Name     string
	Since    time.Time           // when the member joined, by the host's clock
	Host     bool                // the member is the host's operator
	Identity keys.PublicIdentity // the keys the member signs with and receives direct messages on
	Verified bool                // this client's user compared safety numbers with the member
}
