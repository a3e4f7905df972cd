package peer

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/sanitize"
	"github.com/ssc-chat/ssc/wire"
)

// maxCounterJump bounds how far ahead of the last accepted counter a
// sender's next message may be; only the newest counter is stored, so
// nothing grows with what a sender or a host sends.
const maxCounterJump = 1 << 20

// signKey is a member's signing key as a map key.
type signKey [keys.SignKeySize]byte

func signKeyOf(pub keys.PublicIdentity) signKey {
	var k signKey
	copy(k[:], pub.SignKey)
	return k
}

// roster is this client's view of the room and the one place that decides
// what to believe about members (docs/protocol.md §5): who is in the room
// and with which keys, whom this client's user verified, and the last
// counter accepted under each signing key. Nothing else reads or changes
// any of it.
//
// Counters are kept by signing key, not by name, and outlive a member's
// leaving: a host that announces the same keys again cannot make an old
// message new. Only keys that signed a message that verified get a
// counter, so the map grows with what genuine members sent, not with what
// a host announces.
type roster struct {
	self      keys.PublicIdentity // this member's own keys
	sessionID []byte              // what entries are signed under

	mu       sync.Mutex
	selfName string             // this member's name as the host accepted it
	members  map[string]Member  // by sanitize.NameKey
	verified map[string]signKey // NameKey -> the signing key the user verified
	last     map[signKey]uint64 // the last counter accepted under each signing key
	// seated holds every signing key seen in the room this session: a key
	// gets one seat, ever, so a host cannot bring a recorded entry back.
	seated map[signKey]bool
	// kem holds the HPKE keys fetched from the host, each checked against
	// the hash its owner signed.
	kem map[signKey][]byte
	// fingerprints caches keys.MemberFingerprint by signing key; a signing
	// key belongs to one name and one HPKE key (the entry signs all three).
	fingerprints map[signKey]string
}

func newRoster(self keys.PublicIdentity, sessionID []byte) *roster {
	return &roster{
		self:      self,
		sessionID: sessionID,
		seated:    make(map[signKey]bool),
		kem:       make(map[signKey][]byte),
		members:   make(map[string]Member),
		verified:  make(map[string]signKey),
		last:      make(map[signKey]uint64),

		fingerprints: make(map[signKey]string),
	}
}

// memberOf checks a roster entry's keys and its self-signature over this
// session and returns it.
func (r *roster) memberOf(m wire.Member) (Member, error) {
	// A name the host itself would refuse is no member's: it may carry
	// line breaks or the host's mark.
	if name, err := sanitize.Name(m.Name); err != nil || name != m.Name {
		return Member{}, ErrBadName
	}
	pub := keys.PublicIdentity{SignKey: m.Identity.SignKey, KEMHash: m.Identity.KEMHash}
	// VerifyEntry checks the keys themselves too.
	if err := keys.VerifyEntry(r.sessionID, pub, m.Name, m.Identity.Created, m.Identity.Sig); err != nil {
		return Member{}, err
	}
	return Member{Name: m.Name, Since: time.UnixMilli(m.Since), Host: m.Host, Identity: pub}, nil
}

// seat fills the roster from a welcome addressed to name. Entries whose
// keys do not verify, and entries that repeat a name or a signing key, are
// left out and named in ignored, all at once. The welcome must list this
// member under exactly its name and keys, and nobody else under that name
// in any spelling: otherwise it is ErrNotYou, for a host that seats someone
// in this member's place could show everyone its keys as this member's. It
// stops when ctx ends, however long the list.
func (r *roster) seat(ctx context.Context, name string, entries []wire.Member) (ignored []string, err error) {
	seated := make(map[string]Member, len(entries))
	keysSeen := make(map[signKey]bool, len(entries))
	own := sanitize.NameKey(name)
	hosts := 0
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if e.Name != name && sanitize.SameName(e.Name, name) {
			return nil, ErrNotYou // another spelling of this member, or a look-alike
		}
		m, err := r.memberOf(e)
		key, sk := sanitize.NameKey(m.Name), signKeyOf(m.Identity)
		if key == own && (err != nil || !m.Identity.Equal(r.self)) {
			return nil, ErrNotYou
		}
		if err != nil || keysSeen[sk] || seated[key].Name != "" {
			ignored = append(ignored, e.Name)
			continue
		}
		if m.Host {
			hosts++
		}
		seated[key], keysSeen[sk] = m, true
	}
	if seated[own].Name != name {
		return nil, ErrNotYou
	}
	if hosts > 1 {
		// One host per session: a welcome that says otherwise marks nobody.
		for key, m := range seated {
			m.Host = false
			seated[key] = m
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.selfName = name
	r.members = seated
	r.seated = keysSeen
	return ignored, nil
}

// join records a member the host announced and says what about it is
// suspect, if anything: a signing key seated before in this session
// (ProblemKeyReused: ignored), a name already here with other keys
// (ProblemReplaced: told to everyone), or a name the user verified with
// other keys (ProblemKeysChanged: the mark goes).
func (r *roster) join(m Member) Problem {
	m.Host = false // the host is in the welcome; nobody joins as the host
	key, sk := sanitize.NameKey(m.Name), signKeyOf(m.Identity)
	r.mu.Lock()
	defer r.mu.Unlock()
	if sanitize.SameName(m.Name, r.selfName) {
		return ProblemNotYou // nobody takes this member's place, nor looks like it, while it is here
	}
	if r.seated[sk] {
		return ProblemKeyReused
	}
	r.seated[sk] = true
	_, present := r.members[key]
	r.members[key] = m
	if v, ok := r.verified[key]; ok && v != sk {
		delete(r.verified, key)
		return ProblemKeysChanged
	}
	if present {
		return ProblemReplaced
	}
	return 0
}

// kemKey returns the HPKE key of m if it was fetched already.
func (r *roster) kemKey(m Member) ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k, ok := r.kem[signKeyOf(m.Identity)]
	return k, ok
}

// setKEMKey records the HPKE key the host sent for name, if it is the one
// name's entry signs; it reports false when it is not.
func (r *roster) setKEMKey(name string, kemKey []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.members[sanitize.NameKey(name)]
	if !ok || m.Name != name {
		return true // nobody to seal to, so nothing to be fooled with
	}
	if keys.CheckKEMKey(m.Identity, kemKey) != nil {
		return false
	}
	r.kem[signKeyOf(m.Identity)] = kemKey
	return true
}

// leave removes name from the room. Its verified mark stays, to be checked
// against the keys of whoever takes the name next.
func (r *roster) leave(name string) {
	key := sanitize.NameKey(name)
	r.mu.Lock()
	defer r.mu.Unlock()
	if key != sanitize.NameKey(r.selfName) { // this member leaves by its own Close, not by the host's word
		delete(r.members, key)
	}
}

// find returns the member called name, in any spelling of it.
func (r *roster) find(name string) (Member, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.members[sanitize.NameKey(name)]
	return m, ok
}

// other returns the member called name for a comparison of keys: ErrNoMember
// when nobody is, ErrSelf when it is this member.
func (r *roster) other(name string) (Member, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.otherLocked(name)
}

func (r *roster) otherLocked(name string) (Member, error) {
	m, ok := r.members[sanitize.NameKey(name)]
	switch {
	case !ok:
		return Member{}, ErrNoMember
	case m.Name == r.selfName:
		return Member{}, ErrSelf
	}
	return m, nil
}

// markVerified records that the user compared safety numbers with name
// and returns the name as the room spells it.
func (r *roster) markVerified(name string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, err := r.otherLocked(name)
	if err != nil {
		return "", err
	}
	r.verified[sanitize.NameKey(m.Name)] = signKeyOf(m.Identity)
	return m.Name, nil
}

// list returns the room, oldest member first, with verified marks.
func (r *roster) list() []Member {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Member, 0, len(r.members))
	for key, m := range r.members {
		v, ok := r.verified[key]
		m.Verified = ok && v == signKeyOf(m.Identity)
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Since.Before(out[j].Since) })
	return out
}

// fingerprint returns the fingerprint of the member called name, computing
// it once per key: it is deliberately slow to compute (keys.MemberFingerprint).
func (r *roster) fingerprint(name string) (string, error) {
	r.mu.Lock()
	m, ok := r.members[sanitize.NameKey(name)]
	if sanitize.NameKey(name) == sanitize.NameKey(r.selfName) {
		// This member's own, from its own keys, whatever the host sent.
		m, ok = Member{Name: r.selfName, Identity: r.self}, true
	}
	fp, cached := r.fingerprints[signKeyOf(m.Identity)]
	r.mu.Unlock()
	if !ok {
		return "", ErrNoMember
	}
	if cached {
		return fp, nil
	}
	fp = keys.MemberFingerprint(m.Identity, m.Name)
	r.mu.Lock()
	r.fingerprints[signKeyOf(m.Identity)] = fp
	r.mu.Unlock()
	return fp, nil
}

// accept decides whether a message the host relays as from, numbered
// counter, is to be believed: from must be in the room under exactly that
// name, verify must accept the message under from's keys, and the counter
// must be new for from's signing key and not jump too far. Only then is
// the counter recorded. A zero Problem means accepted.
func (r *roster) accept(from string, counter uint64, verify func(Member) error) (Member, Problem) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.members[sanitize.NameKey(from)]
	if !ok || m.Name != from {
		return Member{}, ProblemNotMember
	}
	if err := verify(m); err != nil {
		return Member{}, ProblemForged
	}
	if p := r.acceptCounterLocked(signKeyOf(m.Identity), counter); p != 0 {
		return Member{}, p
	}
	return m, 0
}

// acceptCounterLocked checks counter against the last one accepted under
// k: a replay or a reordering by the host is refused, and so is a jump no
// honest sender makes. It records counter when it accepts it.
func (r *roster) acceptCounterLocked(k signKey, counter uint64) Problem {
	last := r.last[k]
	switch {
	case counter <= last:
		return ProblemReplay
	case counter-last > maxCounterJump:
		return ProblemCounterJump
	}
	r.last[k] = counter
	return 0
}
