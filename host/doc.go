// Package host runs an ssc session: it accepts connections, admits members
// with TLS 1.3 and the CPace PAKE, keeps the roster, relays messages to
// everyone and carries out the host's commands.
//
// It never reads the terminal and never prints: everything the host's
// operator should know reaches them as Notice messages on their own
// in-process member connection, the same path as everyone else's chat. A
// slow or hostile member can cost the room nothing but its own queue.
package host
