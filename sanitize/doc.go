// Package sanitize makes text that came from another peer safe to show on a terminal, and checks and normalises member names. It holds no state and performs no I/O.
package sanitize
