package keys

import "errors"

var (
	// ErrBadFingerprint is returned by ParseFingerprint for anything but the
	// 52-character base32 form of a Fingerprint.
	ErrBadFingerprint = errors.New("keys: malformed fingerprint")

	// ErrFingerprintMismatch is returned, wrapped, from the TLS handshake of a
	// connection made with ClientTLSConfig when the host's certificate does not
	// match the pinned fingerprint.
	ErrFingerprintMismatch = errors.New("keys: host fingerprint does not match the link")

	// ErrInvalidShare is returned by CPace.Finish when the peer's share is not
	// a valid non-identity ristretto255 encoding; the draft requires aborting.
	ErrInvalidShare = errors.New("keys: invalid cpace share")

	// ErrConfirmation is returned by CPace.VerifyTag when the peer's key
	// confirmation tag does not match, which is what a wrong passphrase or a
	// man in the middle looks like.
	ErrConfirmation = errors.New("keys: cpace key confirmation failed")
)
