// Package wire encodes and decodes ssc frames and the messages they carry.
//
// It performs no I/O beyond io.Reader and io.Writer, holds no keys and never
// logs. Every limit a hostile peer could abuse is checked here, before any
// allocation that depends on the peer's input. docs/protocol.md is the
// specification; the section numbers in comments point into it.
package wire
