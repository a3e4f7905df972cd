// Package discovery finds sessions: it parses and formats join links. It
// imports no other ssc package and never decides whom to trust: a
// fingerprint it reads is either pinned by the user's own link or only shown.
package discovery
