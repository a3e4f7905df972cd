package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ssc-chat/ssc/host"
	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/peer"
	"github.com/ssc-chat/ssc/wire"
)

// hostStats is what the host process reports about itself.
type hostStats struct {
	CPU     time.Duration // user and system time so far
	Heap    uint64        // heap and goroutine stacks in use, after a GC
	RSS     uint64        // resident set size
	Members int           // members seated, the operator included
}

// hostProc is a host running in a process of its own, so that its CPU time
// and memory are its own and not the load generator's.
type hostProc struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Scanner
	addr  string
	stats func() (hostStats, error)
}

// startHost runs this program again as a host (see serve) and waits for
// its address. The passphrase goes through a pipe, never argv.
func startHost(passphrase []byte, unlimited bool, cpuProfile string) (*hostProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-serve", "-unlimited="+strconv.FormatBool(unlimited), "-cpuprofile="+cpuProfile)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	h := &hostProc{cmd: cmd, in: in, out: bufio.NewScanner(outPipe)}
	h.stats = h.ask
	if _, err := fmt.Fprintf(in, "%s\n", passphrase); err != nil {
		h.stop()
		return nil, err
	}
	if !h.out.Scan() {
		h.stop()
		return nil, fmt.Errorf("the host process ended before it listened")
	}
	h.addr = strings.TrimPrefix(h.out.Text(), "listening ")
	return h, nil
}

func (h *hostProc) ask() (hostStats, error) {
	var st hostStats
	if _, err := io.WriteString(h.in, "stats\n"); err != nil {
		return st, err
	}
	if !h.out.Scan() {
		return st, fmt.Errorf("the host process ended")
	}
	return st, json.Unmarshal(h.out.Bytes(), &st)
}

// stop ends the host's session and waits for its process.
func (h *hostProc) stop() error {
	h.in.Close()
	return h.cmd.Wait()
}

// serve is the host process: a session on 127.0.0.1 with an operator that
// reads and discards what the host sends it, as a terminal that keeps up
// would. It answers "stats" lines on stdin and ends at EOF.
func serve(unlimited bool, cpuProfile string) error {
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	in := bufio.NewScanner(os.Stdin)
	if !in.Scan() {
		return fmt.Errorf("no passphrase on stdin")
	}
	pass := []byte(in.Text())
	id, err := keys.GenerateHostIdentity()
	if err != nil {
		return err
	}
	s, err := host.New(host.Config{SessionName: "loadtest", Passphrase: pass, Identity: id, NoRateLimit: unlimited})
	keys.Wipe(pass)
	if err != nil {
		return err
	}
	defer s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.Listen(ln)
	op, err := s.ConnectLocal()
	if err != nil {
		return err
	}
	if err := hello(op, s.Fingerprint(), "operator"); err != nil {
		return err
	}
	go io.Copy(io.Discard, op)
	fmt.Printf("listening %s\n", ln.Addr())
	for in.Scan() {
		if in.Text() != "stats" {
			continue
		}
		st := selfStats()
		st.Members = s.Members()
		b, _ := json.Marshal(st)
		fmt.Printf("%s\n", b)
	}
	return nil
}

// hello names a member on an admitted connection with fresh keys.
func hello(conn net.Conn, session keys.Fingerprint, name string) error {
	id, err := keys.GenerateIdentity()
	if err != nil {
		return err
	}
	return wire.Write(conn, peer.NewHello(id, session, name))
}

func selfStats() hostStats {
	var st hostStats
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		st.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st.Heap = ms.HeapInuse + ms.StackInuse
	st.RSS = rss("self")
	return st
}

// externalStats reads an external host's CPU time and resident memory from
// /proc; the heap is not visible from outside.
func externalStats(pid int) func() (hostStats, error) {
	return func() (hostStats, error) {
		var st hostStats
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return st, err
		}
		// Fields after the command name, which may hold spaces.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) < 13 {
			return st, fmt.Errorf("unexpected /proc/%d/stat", pid)
		}
		utime, _ := strconv.ParseInt(f[11], 10, 64)
		stime, _ := strconv.ParseInt(f[12], 10, 64)
		st.CPU = time.Duration(utime+stime) * (time.Second / 100) // USER_HZ is 100 on Linux
		st.RSS = rss(strconv.Itoa(pid))
		return st, nil
	}
}

// rss reads VmRSS of a process from /proc, in bytes.
func rss(pid string) uint64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
