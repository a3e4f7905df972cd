// Package sessiontest holds the tests that run whole sessions: a real host
// and real members over TCP on 127.0.0.1, the way people use ssc, plus a
// man in the middle. It has no code of its own.
package sessiontest
