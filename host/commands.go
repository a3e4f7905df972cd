package host

import (
	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/sanitize"
	"github.com/ssc-chat/ssc/wire"
)

// The operator's commands. main wires them to the operator's console; no
// connection can reach them, so no remote member can ever run one.

// Kick removes the member called name; the others see it leave.
func (s *Session) Kick(name string) error {
	key := sanitize.NameKey(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.members[key]
	switch {
	case m == nil:
		return ErrNoMember
	case m.local:
		return ErrKickSelf
	}
	m.out.push(mustFrame(&wire.End{Reason: wire.EndKicked}))
	s.removeLocked(m)
	s.broadcastLocked(mustFrame(&wire.Left{Name: m.name, Reason: wire.LeaveKicked}), nil)
	return nil
}

// Lock stops admitting joiners; members stay. It reports whether anything changed.
func (s *Session) Lock() bool { return s.setLocked(true) }

// Unlock resumes admitting joiners. It reports whether anything changed.
func (s *Session) Unlock() bool { return s.setLocked(false) }

// Locked reports whether the session turns joiners away.
func (s *Session) Locked() bool {
	s.secretMu.Lock()
	defer s.secretMu.Unlock()
	return s.locked
}

func (s *Session) setLocked(locked bool) bool {
	s.secretMu.Lock()
	defer s.secretMu.Unlock()
	changed := s.locked != locked
	s.locked = locked
	return changed
}

// Passphrase returns the current passphrase for the operator's screen.
func (s *Session) Passphrase() string {
	s.secretMu.Lock()
	defer s.secretMu.Unlock()
	return string(s.passphrase)
}

// RotatePassphrase replaces the passphrase with a fresh one and restores the
// guess budget. Members already admitted stay; only new joiners need it.
func (s *Session) RotatePassphrase() (string, error) {
	fresh, err := keys.GeneratePassphrase()
	if err != nil {
		return "", err
	}
	s.secretMu.Lock()
	keys.Wipe(s.passphrase)
	s.passphrase = []byte(fresh)
	s.secretMu.Unlock()
	s.guard.reset()
	return fresh, nil
}

// Members is how many members are seated, the operator included.
func (s *Session) Members() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seated)
}
