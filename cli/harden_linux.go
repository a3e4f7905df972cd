package cli

import "golang.org/x/sys/unix"

// harden keeps secrets out of core dumps and away from other processes of
// the same user: no core file is written, and ptrace attach and
// /proc/PID/mem need privileges once the process is not dumpable.
func harden() {
	unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0})
	unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
}
