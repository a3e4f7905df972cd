package chat

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/sanitize"
)

// HostControl is what the host's operator can do beyond chatting. The CLI
// hands the host session's commands to New for its own operator; remote
// members never have one, so host commands cannot travel over any
// connection.
type HostControl interface {
	// Kick removes the member called name; ErrNoMember or ErrKickSelf say why it cannot.
	Kick(name string) error
	// Lock and Unlock report whether anything changed; Locked whether
	// joiners are turned away now.
	Lock() bool
	Unlock() bool
	Locked() bool
	Passphrase() string
	RotatePassphrase() (string, error)
	// Links lists every way to join, one line each, for /link.
	Links() []string
}

// Errors a HostControl's Kick returns.
var (
	ErrNoMember = errors.New("chat: no member by that name")
	ErrKickSelf = errors.New("chat: the host cannot kick itself")
)

// ErrQuit is returned by Do after /quit (or /end): the client has left.
var ErrQuit = errors.New("chat: left the session")

// Command describes one /command for help and completion.
type Command struct {
	Name     string // without the slash
	Args     string // e.g. "NAME"
	Help     string
	HostOnly bool
}

// Commands lists every command, in the order /help shows them.
var Commands = []Command{
	{Name: "help", Help: "list the commands"},
	{Name: "who", Help: "who is here, for how long, who is verified, and everyone's fingerprint"},
	{Name: "count", Help: "how many are here"},
	{Name: "me", Args: "ACTION", Help: "say what you are doing, e.g. /me waves"},
	{Name: "msg", Args: "NAME TEXT", Help: "a direct message only NAME can read; the host cannot"},
	{Name: "verify", Args: "NAME", Help: "show the safety number to compare with NAME in person or by phone"},
	{Name: "verified", Args: "NAME", Help: "mark NAME verified once the safety numbers matched"},
	{Name: "quit", Help: "leave the session (Ctrl-D or Ctrl-C too); the host leaving ends it"},
	{Name: "link", Help: "show every way to join: links, addresses, fingerprint", HostOnly: true},
	{Name: "kick", Args: "NAME", Help: "remove a member", HostOnly: true},
	{Name: "lock", Help: "stop admitting anyone new", HostOnly: true},
	{Name: "unlock", Help: "admit joiners again", HostOnly: true},
	{Name: "passphrase", Args: "[new]", Help: "show the passphrase, or replace it with a new one", HostOnly: true},
	{Name: "end", Help: "end the session for everyone", HostOnly: true},
}

var hostVerb = map[string]string{
	"kick":       "remove members",
	"link":       "show the links (ask the host for one)",
	"lock":       "lock the session",
	"unlock":     "unlock the session",
	"passphrase": "see or change the passphrase",
	"end":        "end the session",
}

// Chat is the chat language for one member.
type Chat struct {
	c    *peer.Client
	host HostControl // nil unless this member is the host's operator
	now  func() time.Time
	// hostName is the name of the host's operator, "" when the roster did
	// not flag exactly one member as the host. It never changes: see FromHost.
	hostName string
}

// New returns the chat language over c. host is non-nil only for the
// host's own operator, whose host commands it carries out.
func New(c *peer.Client, host HostControl) *Chat {
	ch := &Chat{c: c, host: host, now: time.Now}
	if c != nil {
		ch.hostName = operator(c.Members())
	}
	return ch
}

// operator returns the name of the one member flagged as the host, or ""
// when none or several are.
func operator(members []peer.Member) string {
	name := ""
	for _, m := range members {
		if !m.Host {
			continue
		}
		if name != "" {
			return ""
		}
		name = m.Name
	}
	return name
}

// FromHost reports whether name is the host's operator's, so that the host's
// mark (sanitize.HostMark) goes before it: on the host's messages, in /who.
// It compares with the one member the roster flagged as the host when this
// member was welcomed (the operator is seated before anyone joins and its
// leaving ends the session), one string comparison per call. It depends on
// nothing a member sends: no name can hold the mark (sanitize.Name), and a
// message's text never comes before its author's name.
func (ch *Chat) FromHost(name string) bool {
	return name != "" && name == ch.hostName
}

// Client is the member this chat speaks for.
func (ch *Chat) Client() *peer.Client { return ch.c }

// IsHost reports whether this member is the host's operator.
func (ch *Chat) IsHost() bool { return ch.host != nil }

// Do carries out one line a person or a bot typed: a chat message, or a
// /command whose output it returns, for the front-end to show as a notice.
// A line starting with "//" sends the rest with one slash, for talking
// about commands. A message that cannot be sent is an error whose text is
// the words for the user; it wraps peer's error (peer.ErrClosed once the
// session is over). After /quit or /end the client has left and Do
// returns ErrQuit.
func (ch *Chat) Do(ctx context.Context, line string) (string, error) {
	line = strings.TrimRight(line, "\r\n")
	if strings.TrimSpace(line) == "" {
		return "", nil
	}
	if !strings.HasPrefix(line, "/") {
		return "", sendError(ch.c.Say(ctx, line))
	}
	if strings.HasPrefix(line, "//") {
		return "", sendError(ch.c.Say(ctx, line[1:]))
	}
	name, arg, _ := strings.Cut(line[1:], " ")
	arg = strings.TrimSpace(arg)
	cmd, ok := lookup(strings.ToLower(name))
	if !ok {
		return fmt.Sprintf("unknown command /%s; /help lists them", name), nil
	}
	if cmd.HostOnly && ch.host == nil {
		return "only the host can " + hostVerb[cmd.Name], nil
	}
	if cmd.Args != "" && !strings.HasPrefix(cmd.Args, "[") && arg == "" {
		return "usage: /" + cmd.Name + " " + cmd.Args, nil
	}
	switch cmd.Name {
	case "help":
		return ch.help(), nil
	case "who":
		return ch.who(), nil
	case "count":
		n := len(ch.c.Members())
		return fmt.Sprintf("%d %s here", n, plural(n, "member", "members")), nil
	case "me":
		return "", sendError(ch.c.Act(ctx, arg))
	case "msg":
		return ch.direct(ctx, arg)
	case "verify":
		number, err := ch.c.SafetyNumber(arg)
		if err != nil {
			return nameProblem(arg, err, "that is you; /verify someone else"), nil
		}
		return ch.verify(arg, number), nil
	case "verified":
		name, err := ch.c.MarkVerified(arg)
		if err != nil {
			return nameProblem(arg, err, "that is you"), nil
		}
		return name + " is marked verified; if their keys ever change, you will be told", nil
	case "quit", "end":
		// The host leaving ends the session; the host relays everything
		// sent before this first.
		ch.c.Close()
		return "", ErrQuit
	}
	return ch.hostCommand(cmd.Name, arg), nil
}

func (ch *Chat) direct(ctx context.Context, arg string) (string, error) {
	to, text := ch.recipient(arg)
	if strings.TrimSpace(text) == "" {
		return "usage: /msg NAME TEXT", nil
	}
	return ch.Direct(ctx, to, text)
}

// Direct sends text to the member called exactly to, as /msg does and in
// its words. A front-end that knows whom the user chose calls it rather
// than writing "/msg NAME TEXT", which reads the name back from the text.
func (ch *Chat) Direct(ctx context.Context, to, text string) (string, error) {
	err := ch.c.Direct(ctx, to, text)
	switch {
	case err == nil:
		return "", nil
	case errors.Is(err, peer.ErrNoMember):
		return nameProblem(to, err, "that is you"), nil
	case errors.Is(err, peer.ErrClosed), ctx.Err() != nil:
		return "", sendError(err)
	}
	return sendError(err).Error(), nil
}

// hostCommand carries out the operator's commands.
// recipient splits "/msg" arguments into a name and the text. Names may
// hold single spaces ("Ann Marie"), so the longest run of leading words
// that names someone in the room wins; with none, the first word is the
// name, and Direct says nobody has it.
func (ch *Chat) recipient(arg string) (name, text string) {
	words := strings.Split(arg, " ")
	for n := min(len(words)-1, maxNameWords); n > 1; n-- {
		candidate := strings.Join(words[:n], " ")
		if _, ok := ch.c.Member(candidate); ok {
			return candidate, strings.Join(words[n:], " ")
		}
	}
	name, text, _ = strings.Cut(arg, " ")
	return name, text
}

// maxNameWords bounds the words a name can have: 32 characters, single
// spaces.
const maxNameWords = 16

func (ch *Chat) hostCommand(name, arg string) string {
	h := ch.host
	switch name {
	case "link":
		return "ways to join:\n  " + strings.Join(h.Links(), "\n  ")
	case "kick":
		err := h.Kick(arg)
		switch {
		case err == nil:
			return ""
		case errors.Is(err, ErrNoMember):
			return fmt.Sprintf("cannot kick %q: no member by that name", arg)
		case errors.Is(err, ErrKickSelf):
			return fmt.Sprintf("cannot kick %q: the host cannot kick itself", arg)
		}
		return fmt.Sprintf("cannot kick %q: %v", arg, err)
	case "lock":
		if h.Lock() {
			return "session locked: nobody new is admitted; /unlock to admit again"
		}
		return "the session is already locked"
	case "unlock":
		if h.Unlock() {
			return "session unlocked: joiners with the passphrase are admitted again"
		}
		return "the session is not locked"
	case "passphrase":
		switch arg {
		case "":
			return "passphrase: " + h.Passphrase()
		case "new":
			p, err := h.RotatePassphrase()
			if err != nil {
				return fmt.Sprintf("cannot make a new passphrase: %v", err)
			}
			return fmt.Sprintf("new passphrase: %s (members stay; only new joiners need it)", p)
		}
		return "usage: /passphrase [new]"
	}
	panic("chat: command " + name + " has no case") // Commands and this switch disagree
}

func lookup(name string) (Command, bool) {
	for _, cmd := range Commands {
		if cmd.Name == name {
			return cmd, true
		}
	}
	return Command{}, false
}

func (ch *Chat) help() string {
	var b strings.Builder
	b.WriteString("commands:")
	for _, cmd := range Commands {
		if cmd.HostOnly && ch.host == nil {
			continue
		}
		usage := "/" + cmd.Name
		if cmd.Args != "" {
			usage += " " + cmd.Args
		}
		fmt.Fprintf(&b, "\n  %-18s %s", usage, cmd.Help)
	}
	b.WriteString("\n  //TEXT             send TEXT starting with a slash")
	return b.String()
}

// verify is /verify's answer: the safety number with name, in the two rows
// both screens show, and what to do with it.
func (ch *Chat) verify(name, number string) string {
	name = sanitize.Text(ch.spelling(name))
	return fmt.Sprintf("safety number with %s:\n  %s\n  %s\n"+
		"compare these 60 digits with %s in person or by phone, not in this chat: %s's /verify %s\n"+
		"shows the same two rows. If they match, type /verified %s; if not, someone swapped keys between you",
		name, keys.FormatDigits(number[:keys.MemberFingerprintDigits]), keys.FormatDigits(number[keys.MemberFingerprintDigits:]),
		name, name, sanitize.Text(ch.c.Name()), name)
}

// spelling returns name as the room spells it, or name itself when nobody
// here has it.
func (ch *Chat) spelling(name string) string {
	key := sanitize.NameKey(name)
	for _, m := range ch.c.Members() {
		if sanitize.NameKey(m.Name) == key {
			return m.Name
		}
	}
	return name
}

func (ch *Chat) who() string {
	now := ch.now()
	members := ch.c.Members()
	self := ch.c.Name()
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s here:", len(members), plural(len(members), "member", "members"))
	for _, m := range members {
		host := ch.FromHost(m.Name)
		b.WriteString("\n  ")
		if host {
			b.WriteString(sanitize.HostMark + " ")
		}
		b.WriteString(sanitize.Text(m.Name))
		var tags []string
		if host {
			tags = append(tags, "host")
		}
		switch {
		case m.Name == self:
			tags = append(tags, "you")
		case m.Verified:
			tags = append(tags, "verified")
		default:
			tags = append(tags, "not verified")
		}
		tags = append(tags, "for "+Since(now, m.Since))
		fmt.Fprintf(&b, " (%s)", strings.Join(tags, ", "))
		if fp, err := ch.c.Fingerprint(m.Name); err == nil {
			label := "fingerprint"
			if m.Name == self {
				label = "your fingerprint"
			}
			fmt.Fprintf(&b, "\n    %s %s", label, keys.FormatDigits(fp))
		}
	}
	b.WriteString("\nread your fingerprint out to the others, in person or by phone (not in this chat):\n" +
		"everyone should see the same digits next to your name; if someone does not, your keys were\n" +
		"swapped on their screen. /verify NAME shows the number to compare with one member")
	return b.String()
}

// Since says how long ago t was, coarsely, as people say it.
func Since(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(0, int(d.Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	default:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Complete proposes completions for a partly typed line: command names
// after a slash, member names elsewhere. It returns the candidates for the
// word that ends at the end of line, and the part of line before that word.
func (ch *Chat) Complete(line string) (prefix string, candidates []string) {
	start := strings.LastIndexByte(line, ' ') + 1
	word := line[start:]
	if start == 0 && strings.HasPrefix(word, "/") {
		for _, cmd := range Commands {
			if (!cmd.HostOnly || ch.host != nil) && strings.HasPrefix("/"+cmd.Name, strings.ToLower(word)) {
				candidates = append(candidates, "/"+cmd.Name)
			}
		}
		return line[:start], candidates
	}
	for _, m := range ch.c.Members() {
		if word != "" && strings.HasPrefix(strings.ToLower(m.Name), strings.ToLower(word)) {
			candidates = append(candidates, m.Name)
		}
	}
	sort.Strings(candidates)
	return line[:start], candidates
}
