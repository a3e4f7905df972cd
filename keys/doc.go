// Package keys holds all of ssc's cryptography: the host's TLS identity, the CPace admission PAKE with key confirmation, passphrase generation and wiping of secrets. It performs no networking and never prints or logs.
//
// It also holds the end-to-end layer: members' per-session identities, signed chat messages, direct messages sealed with HPKE (RFC 9180) and signed with Ed25519 (RFC 8032), padding of message bodies, and the member fingerprints and safety numbers that expose a host substituting keys.
package keys
