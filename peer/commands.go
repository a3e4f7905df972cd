package peer

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// HostControl is what the host's operator can do beyond chatting. The host
// session implements it; main hands it to Attach. Remote members never have
// one, so host commands cannot travel over any connection.
type HostControl interface {
	Kick(name string) error
	Lock() bool
	Unlock() bool
	Passphrase() string
	RotatePassphrase() (string, error)
	// Links lists every way to join, one line each, for /link.
	Links() []string
}

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
	{Name: "who", Help: "who is here, for how long, who is verified, and the group fingerprint"},
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

// ErrQuit is returned by Do after /quit: the client has left.
var ErrQuit = errors.New("peer: left the session")

// Do carries out one line a person or a bot typed: a chat message, or a
// /command whose output arrives as a notice event marked Local. A line
// starting with "//" sends the rest with one slash, for talking about commands.
func (c *Client) Do(line string) error {
	line = strings.TrimRight(line, "\r\n")
	if strings.TrimSpace(line) == "" {
		return nil
	}
	if !strings.HasPrefix(line, "/") {
		return c.Say(line)
	}
	if strings.HasPrefix(line, "//") {
		return c.Say(line[1:])
	}
	name, arg, _ := strings.Cut(line[1:], " ")
	arg = strings.TrimSpace(arg)
	cmd, ok := lookup(strings.ToLower(name))
	if !ok {
		c.note("unknown command /%s; /help lists them", name)
		return nil
	}
	if cmd.HostOnly && c.host == nil {
		c.note("only the host can %s", hostVerb[cmd.Name])
		return nil
	}
	switch cmd.Name {
	case "help":
		c.note("%s", c.help())
	case "who":
		c.note("%s", c.who(time.Now()))
	case "count":
		n := len(c.Members())
		c.note("%d %s here", n, plural(n, "member", "members"))
	case "me":
		if arg == "" {
			c.note("usage: /me ACTION")
			return nil
		}
		return c.Act(arg)
	case "msg":
		to, text, _ := strings.Cut(arg, " ")
		if to == "" || strings.TrimSpace(text) == "" {
			c.note("usage: /msg NAME TEXT")
			return nil
		}
		if err := c.Direct(to, text); err != nil {
			c.note("%s", strings.TrimPrefix(err.Error(), "peer: "))
		}
	case "verify":
		if arg == "" {
			c.note("usage: /verify NAME")
			return nil
		}
		number, err := c.SafetyNumber(arg)
		if err != nil {
			c.note("%v", err)
			return nil
		}
		c.note("safety number with %s:\n  %s\ncompare it with %s in person or by phone (not through this chat); if it matches, type /verified %s", arg, number, arg, arg)
	case "verified":
		if arg == "" {
			c.note("usage: /verified NAME")
			return nil
		}
		name, err := c.MarkVerified(arg)
		if err != nil {
			c.note("%v", err)
			return nil
		}
		c.note("%s is marked verified; if their keys ever change, you will be told", name)
	case "quit", "end":
		// The host leaving ends the session; the host relays everything
		// sent before this first.
		c.Leave()
		return ErrQuit
	case "link":
		c.note("ways to join:\n  %s", strings.Join(c.host.Links(), "\n  "))
	case "kick":
		if arg == "" {
			c.note("usage: /kick NAME")
			return nil
		}
		if err := c.host.Kick(arg); err != nil {
			c.note("cannot kick %q: %s", arg, strings.TrimPrefix(err.Error(), "host: "))
		}
	case "lock":
		if c.host.Lock() {
			c.note("session locked: nobody new is admitted; /unlock to admit again")
		} else {
			c.note("the session is already locked")
		}
	case "unlock":
		if c.host.Unlock() {
			c.note("session unlocked: joiners with the passphrase are admitted again")
		} else {
			c.note("the session is not locked")
		}
	case "passphrase":
		switch arg {
		case "":
			c.note("passphrase: %s", c.host.Passphrase())
		case "new":
			p, err := c.host.RotatePassphrase()
			if err != nil {
				c.note("cannot make a new passphrase: %v", err)
				return nil
			}
			c.note("new passphrase: %s (members stay; only new joiners need it)", p)
		default:
			c.note("usage: /passphrase [new]")
		}
	}
	return nil
}

var hostVerb = map[string]string{
	"kick":       "remove members",
	"link":       "show the links (ask the host for one)",
	"lock":       "lock the session",
	"unlock":     "unlock the session",
	"passphrase": "see or change the passphrase",
	"end":        "end the session",
}

func lookup(name string) (Command, bool) {
	for _, cmd := range Commands {
		if cmd.Name == name {
			return cmd, true
		}
	}
	return Command{}, false
}

// note queues command output as a local notice.
func (c *Client) note(format string, args ...any) {
	c.emit(Event{Kind: KindNotice, Text: fmt.Sprintf(format, args...), Local: true})
}

func (c *Client) help() string {
	var b strings.Builder
	b.WriteString("commands:")
	for _, cmd := range Commands {
		if cmd.HostOnly && c.host == nil {
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

func (c *Client) who(now time.Time) string {
	members := c.Members()
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s here:", len(members), plural(len(members), "member", "members"))
	for _, m := range members {
		fmt.Fprintf(&b, "\n  %s", m.Name)
		var tags []string
		if m.Host {
			tags = append(tags, "host")
		}
		switch {
		case m.Name == c.name:
			tags = append(tags, "you")
		case m.Verified:
			tags = append(tags, "verified")
		default:
			tags = append(tags, "not verified")
		}
		tags = append(tags, "for "+Since(now, m.Since))
		fmt.Fprintf(&b, " (%s)", strings.Join(tags, ", "))
	}
	fmt.Fprintf(&b, "\ngroup fingerprint: %s (all see the same unless keys were swapped)", c.GroupFingerprint())
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
// word that ends at the end of line.
func (c *Client) Complete(line string) (prefix string, candidates []string) {
	start := strings.LastIndexByte(line, ' ') + 1
	word := line[start:]
	if start == 0 && strings.HasPrefix(word, "/") {
		for _, cmd := range Commands {
			if (!cmd.HostOnly || c.host != nil) && strings.HasPrefix("/"+cmd.Name, strings.ToLower(word)) {
				candidates = append(candidates, "/"+cmd.Name)
			}
		}
		return line[:start], candidates
	}
	for _, m := range c.Members() {
		if word != "" && strings.HasPrefix(strings.ToLower(m.Name), strings.ToLower(word)) {
			candidates = append(candidates, m.Name)
		}
	}
	sort.Strings(candidates)
	return line[:start], candidates
}
