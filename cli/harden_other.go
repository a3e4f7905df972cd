//go:build unix && !linux

package cli

import "syscall"

// harden keeps secrets out of core dumps where the platform allows it.
func harden() {
	syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{Cur: 0, Max: 0})
}
