package wire

// Protocol constants. Each names the section of docs/protocol.md that defines it.

// Version is the protocol version carried in every frame header (§2).
const Version = 2

// HeaderSize is the length prefix plus the version and type bytes (§2).
const HeaderSize = 6

const (
	// MaxHandshakeFrame caps frames before admission completes (§3): the
	// largest admission message is a share plus a tag, far below this.
	MaxHandshakeFrame = 512
	// MaxFrame caps frames after admission (§4).
	MaxFrame = 64 << 10
	// MaxText caps the UTF-8 bytes of one chat message (§4.1).
	MaxText = 4096
	// MaxNameBytes caps a name's encoding; sanitize checks the 32-character
	// rule, this only bounds what a decoder accepts (§4.2).
	MaxNameBytes = 128
	// MaxMembers bounds the roster a Welcome may carry (§4.2).
	MaxMembers = 4096
	// MaxReasonBytes caps notice and end texts (§4.3).
	MaxReasonBytes = 1024
	// MaxHelloFrame caps the frames of naming (§3.3): a Hello carries a
	// member's public keys, too large for the admission limit.
	MaxHelloFrame = 4096
	// MaxWelcomeFrame caps a Welcome, whose roster carries an entry per
	// member (§3.3): MaxMembers entries of at most about 300 bytes each.
	MaxWelcomeFrame = 2 << 20
	// MaxBody caps a padded message body, the largest padding bucket (§5.5).
	MaxBody = 8192
	// MaxSealed caps a sealed direct message: a padded body plus the HPKE
	// encapsulation and tag (§5.4).
	MaxSealed = MaxBody + 2048
)

// Per-member message rate (§4.4): the host relays a burst of MessageBurst
// chat lines (Say and Direct) from one member at once, then MessageRate a
// second, and drops the rest with a Notice.
const (
	MessageRate  = 5  // lines per second, sustained
	MessageBurst = 40 // lines at once
)

// Sizes of the end-to-end layer's public values (§5.1).
const (
	SignKeySize   = 32
	SignatureSize = 64
	// KEMKeySize is an HPKE MLKEM768X25519 public key: ML-KEM-768's 1184
	// bytes and X25519's 32.
	KEMKeySize = 1216
	// KEMHashSize is the SHA-256 of an HPKE key, as roster entries carry it.
	KEMHashSize = 32
)

// Sizes fixed by the admission PAKE (§3.2).
const (
	ShareSize = 32
	TagSize   = 64
)

// Type identifies the message a frame carries (§2.1).
type Type uint8

// Admission messages (§3).
const (
	TypeAdmitInit    Type = 1
	TypeAdmitReply   Type = 2
	TypeAdmitConfirm Type = 3
	TypeRefused      Type = 4
	TypeHello        Type = 5
	TypeWelcome      Type = 6
)

// Session messages (§4).
const (
	TypeSay           Type = 16
	TypeMessage       Type = 17
	TypeJoined        Type = 18
	TypeLeft          Type = 19
	TypeNotice        Type = 20
	TypeEnd           Type = 21
	TypeBye           Type = 22
	TypeDirect        Type = 23
	TypeDirectMessage Type = 24
	TypeKeyRequest    Type = 25
	TypeKey           Type = 26
)

// RefuseCode says why the host refused a joiner. It stays coarse on purpose:
// the remote learns little, the host's operator sees the details (§3.4).
type RefuseCode uint8

const (
	RefuseDenied    RefuseCode = 1 // admission failed: wrong passphrase or a man in the middle
	RefuseLocked    RefuseCode = 2 // the host's operator locked the session
	RefuseBusy      RefuseCode = 3 // too many failed guesses; RetryAfter says when to come back
	RefuseNameTaken RefuseCode = 4 // another member has that name
	RefuseBadName   RefuseCode = 5 // the name breaks the naming rules
	RefuseFull      RefuseCode = 6 // the host admits no more members
	RefuseLoad      RefuseCode = 7 // too many joiners at once; RetryAfter says when to come back
	RefuseSpent     RefuseCode = 8 // the guess budget is spent until the host sets a new passphrase
)

// LeaveReason says why a member left the room (§4.3).
type LeaveReason uint8

const (
	LeaveQuit    LeaveReason = 1 // the member said goodbye
	LeaveKicked  LeaveReason = 2 // the host removed the member
	LeaveLost    LeaveReason = 3 // the connection broke
	LeaveTooSlow LeaveReason = 4 // the member could not keep up and was dropped
)

// EndReason says why the session ended for a member (§4.3).
type EndReason uint8

const (
	EndHost    EndReason = 1 // the host ended the session
	EndKicked  EndReason = 2 // the host removed this member
	EndTooSlow EndReason = 3 // this member's connection stalled and the host removed it
)
