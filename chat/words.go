package chat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/sanitize"
)

// maxNamesListed caps the names one warning spells out.
const maxNamesListed = 10

// Describe puts into words an event whose meaning is more than its fields:
// a notice, a warning or the end. For other kinds it returns "", and the
// front-end shows the event's fields its own way.
func (ch *Chat) Describe(ev peer.Event) string {
	switch ev.Kind {
	case peer.KindNotice:
		return ev.Text
	case peer.KindWarning:
		return warning(ev)
	case peer.KindEnd:
		return ch.end(ev)
	}
	return ""
}

// warning puts a warning into words. The names in it come from the host, and
// are made safe here so that none can break the sentence into lines.
func warning(ev peer.Event) string {
	ev.From, ev.To, ev.Name = sanitize.Text(ev.From), sanitize.Text(ev.To), sanitize.Text(ev.Name)
	what := "a message"
	if ev.Direct {
		what = "a direct message"
	}
	switch ev.Problem {
	case peer.ProblemNotMember:
		return fmt.Sprintf("dropped %s from %s, who is not in the room", what, ev.From)
	case peer.ProblemForged:
		if ev.Direct {
			return fmt.Sprintf("dropped a direct message claiming to be from %s: it does not verify or open", ev.From)
		}
		return fmt.Sprintf("dropped a message claiming to be from %s: its signature does not verify", ev.From)
	case peer.ProblemReplay:
		return fmt.Sprintf("dropped %s from %s: it was already delivered (a replay)", what, ev.From)
	case peer.ProblemCounterJump:
		return fmt.Sprintf("dropped %s from %s: its counter jumps too far ahead", what, ev.From)
	case peer.ProblemMalformed:
		return fmt.Sprintf("dropped %s from %s: its body is malformed", what, ev.From)
	case peer.ProblemMisdelivered:
		return fmt.Sprintf("the host delivered a direct message from %s to %s here; ignored", ev.From, ev.To)
	case peer.ProblemUnknownEcho:
		return "the host acknowledged a direct message you did not send"
	case peer.ProblemBadEntry:
		return fmt.Sprintf("the host announced %s with a name or keys that do not check out; ignoring it", ev.Name)
	case peer.ProblemBadRoster:
		return fmt.Sprintf("the host listed %s with names or keys that do not check out, or twice; ignoring them", names(ev.Names))
	case peer.ProblemKeysChanged:
		return fmt.Sprintf("%s has new keys since you verified them: compare /verify %s again before trusting them", ev.Name, ev.Name)
	case peer.ProblemKeyReused:
		return fmt.Sprintf("the host announced %s with keys already used in this session (an old entry brought back); ignoring it", ev.Name)
	case peer.ProblemReplaced:
		return fmt.Sprintf("the host announced %s again with other keys while %s was here: it may not be the same person; compare /verify %s", ev.Name, ev.Name, ev.Name)
	case peer.ProblemNotYou:
		return fmt.Sprintf("the host announced someone as %s, which is your own name; ignoring it", ev.Name)
	case peer.ProblemBadKey:
		return fmt.Sprintf("the host sent a key for %s that %s did not sign; nothing was sealed with it", ev.Name, ev.Name)
	}
	return fmt.Sprintf("the host sent something that failed a check (problem %d)", ev.Problem)
}

// names lists names for a sentence, at most maxNamesListed of them.
func names(list []string) string {
	n := min(len(list), maxNamesListed)
	shown := make([]string, n)
	for i, name := range list[:n] {
		shown[i] = sanitize.Text(name)
	}
	if len(list) <= maxNamesListed {
		return strings.Join(shown, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(shown, ", "), len(list)-maxNamesListed)
}

func (ch *Chat) end(ev peer.Event) string {
	switch ev.Reason {
	case peer.ReasonKicked:
		return "you were removed from the session by the host"
	case peer.ReasonTooSlow:
		return "the host removed you: your connection stopped taking messages for several seconds"
	case peer.ReasonHostEnded:
		if ch.IsHost() {
			return "you ended the session"
		}
		return "session ended by the host"
	case peer.ReasonLeft:
		return "you left the session"
	}
	var pe *peer.ProtocolError
	switch {
	case errors.As(ev.Err, &pe):
		return fmt.Sprintf("the host broke the protocol (sent message type %d); disconnected", pe.Type)
	case errors.Is(ev.Err, io.EOF), errors.Is(ev.Err, io.ErrUnexpectedEOF):
		return "connection to the host lost: the host hung up without ending the session (or removed you because this end stopped reading for too long)"
	case ev.Err != nil:
		return "connection to the host lost: " + ev.Err.Error()
	}
	return "connection to the host lost"
}

// wordsError is an error of peer's with the words for the user as its text.
type wordsError struct {
	text string
	err  error
}

func (e *wordsError) Error() string { return e.text }
func (e *wordsError) Unwrap() error { return e.err }

// sendError puts a failure to send into words; nil stays nil.
func sendError(err error) error {
	var long *peer.TooLongError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, peer.ErrEmpty):
		return &wordsError{"message not sent: it is empty", err}
	case errors.As(err, &long):
		return &wordsError{fmt.Sprintf("message not sent: %d bytes, the limit is %d", long.Len, long.Max), err}
	case errors.Is(err, peer.ErrNotUTF8):
		return &wordsError{"message not sent: it is not valid UTF-8", err}
	case errors.Is(err, peer.ErrClosed):
		return &wordsError{"message not sent: the session is over", err}
	case errors.Is(err, peer.ErrNoKey):
		return &wordsError{"message not sent: the host did not give the recipient's key, or gave one the recipient did not sign", err}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return &wordsError{"message not sent: it took too long", err}
	}
	cause := err
	if u := errors.Unwrap(err); u != nil {
		cause = u // what broke under peer's "sending"
	}
	return &wordsError{"message not sent: " + cause.Error(), err}
}

// nameProblem says why name cannot be verified or written to; self is
// what to say when name is the user's own.
func nameProblem(name string, err error, self string) string {
	switch {
	case errors.Is(err, peer.ErrNoMember):
		return fmt.Sprintf("nobody called %q is here", name)
	case errors.Is(err, peer.ErrSelf):
		return self
	}
	return err.Error()
}
