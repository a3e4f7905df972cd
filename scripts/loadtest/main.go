// Command loadtest measures an ssc host under load: it joins N members over
// real TCP on 127.0.0.1, with full TLS and admission, has each send M
// messages, and reports deliveries per second (one message reaching one
// member), latency from send to receipt, how long joining took, the host's
// CPU time and memory per member, and what was lost. It exits 1 if any
// message was lost or any member removed.
//
//	go run ./scripts/loadtest -n 20 -m 20                      # full members, paced as the host allows
//	go run ./scripts/loadtest -n 50 -m 4000 -light -unlimited  # the host's relay ceiling
//	go run ./scripts/loadtest -n 200 -m 20 -light -rate 2      # latency of a busy room
//	go run ./scripts/loadtest -n 1000 -m 0 -light              # a join storm and idle members
//
// By default it starts the host itself, in a process of its own so that the
// host's CPU time and memory are measured apart from the generator's; -addr
// and -passphrase-file point it at a running 'ssc start' instead (-host-pid
// then lets it read that host's CPU time and memory from /proc).
//
// Full members are real peer clients that verify every signature they
// receive. -light members are admitted and sign exactly like real ones but
// read only the sender and number of what they receive, so that the host's
// ceiling can be measured apart from receivers sharing its cores.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/ssc-chat/ssc/keys"
	"github.com/ssc-chat/ssc/wire"
)

// run is one load test.
type run struct {
	n, m, size, window int
	rate               float64 // messages per second per member; 0: as fast as allowed
	light, unlimited   bool
	addr               string
	passphrase         []byte
	start              time.Time
	leaving            atomic.Bool // members are leaving: who leaves how no longer counts
	// sent[i][k] is when member i sent its message numbered k (from 1), in
	// nanoseconds since start; receivers subtract it from their own clock.
	sent [][]atomic.Int64
}

func main() {
	var (
		r        run
		serveFlg = flag.Bool("serve", false, "internal: run as the host process")
		passFile = flag.String("passphrase-file", "", "with -addr: read the session passphrase from `FILE`")
		hostPID  = flag.Int("host-pid", 0, "with -addr: the host's process id, to read its CPU time and memory")
		parallel = flag.Int("join-parallel", 16, "members joining at once")
		timeout  = flag.Duration("timeout", 5*time.Minute, "give up after this long")
		profile  = flag.String("cpuprofile", "", "write the host's CPU profile to `FILE` (go tool pprof FILE)")
	)
	flag.IntVar(&r.n, "n", 20, "members")
	flag.IntVar(&r.m, "m", 20, "messages each member sends")
	flag.IntVar(&r.size, "size", 100, "bytes of text per message")
	flag.IntVar(&r.window, "window", 16, "messages a member may have in flight before its own copy comes back")
	flag.Float64Var(&r.rate, "rate", 0, "messages per second per member (0: as fast as the host allows)")
	flag.BoolVar(&r.light, "light", false, "light members: sign like real ones, check nothing they receive")
	flag.BoolVar(&r.unlimited, "unlimited", false, "lift the host's per-member rate limit (the host this tool starts only)")
	flag.StringVar(&r.addr, "addr", "", "join the running host at `HOST:PORT` instead of starting one")
	flag.Parse()

	if *serveFlg {
		if err := serve(r.unlimited, *profile); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest host:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	code, err := r.main(ctx, *passFile, *hostPID, *parallel, *profile)
	cancel()
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
	}
	os.Exit(code)
}

func (r *run) main(ctx context.Context, passFile string, hostPID, parallel int, profile string) (int, error) {
	if r.n < 1 || r.m < 0 || r.window < 1 || r.size < 1 {
		return 2, errors.New("-n, -window and -size must be positive, -m at least 0")
	}
	stats := func() (hostStats, error) { return hostStats{}, errors.ErrUnsupported }
	if r.addr == "" {
		p, err := keys.GeneratePassphrase()
		if err != nil {
			return 1, err
		}
		r.passphrase = []byte(p)
		h, err := startHost(r.passphrase, r.unlimited, profile)
		if err != nil {
			return 1, err
		}
		defer h.stop()
		r.addr, stats = h.addr, h.stats
	} else {
		if r.unlimited {
			return 2, errors.New("-unlimited needs the host this tool starts: ssc itself has no such option")
		}
		if passFile == "" {
			return 2, errors.New("-addr needs -passphrase-file")
		}
		b, err := os.ReadFile(passFile)
		if err != nil {
			return 2, err
		}
		r.passphrase = []byte(strings.TrimRight(string(b), "\r\n"))
		if hostPID != 0 {
			stats = externalStats(hostPID)
		}
	}
	defer keys.Wipe(r.passphrase)
	r.sent = make([][]atomic.Int64, r.n)
	for i := range r.sent {
		r.sent[i] = make([]atomic.Int64, r.m+1)
	}
	r.start = time.Now()

	before, _ := stats()
	members, joinTime, err := r.joinAll(ctx, parallel)
	leaveAll := func() {
		r.leaving.Store(true)
		for _, m := range members {
			m.leave()
		}
	}
	if err != nil {
		leaveAll()
		return 1, err
	}
	joined, _ := stats()
	welcome := 0
	for _, m := range members {
		welcome += m.welcome
	}
	fmt.Printf("joined     %d members in %s", r.n, joinTime.Round(time.Millisecond))
	if welcome > 0 { // light members measure what their welcome cost
		fmt.Printf("; welcomes %s in all (%s for the last)", bytesOf(uint64(welcome)), bytesOf(uint64(members[len(members)-1].welcome)))
	}
	if joined.CPU > 0 {
		fmt.Printf("; host CPU %.2f s", (joined.CPU - before.CPU).Seconds())
	}
	fmt.Println()
	if joined.Heap > 0 {
		fmt.Printf("memory     host heap+stacks %s per member, RSS %s per member (%s in all)\n",
			bytesOf((joined.Heap-min(before.Heap, joined.Heap))/uint64(r.n)), bytesOf((joined.RSS-min(before.RSS, joined.RSS))/uint64(r.n)), bytesOf(joined.RSS))
	} else if joined.RSS > 0 {
		fmt.Printf("memory     host RSS %s per member (%s in all)\n", bytesOf((joined.RSS-min(before.RSS, joined.RSS))/uint64(r.n)), bytesOf(joined.RSS))
	}
	if r.m == 0 {
		leaveAll()
		return 0, nil
	}

	sendStart := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(members))
	for i, m := range members {
		wg.Go(func() { errs[i] = m.send(ctx, r.m) })
	}
	wg.Wait()
	// Everything sent; wait until every member has every accepted line, or
	// until nothing has arrived for a while.
	r.settle(ctx, members)
	elapsed := time.Since(sendStart)
	after, _ := stats()
	leaveAll() // every receiver has finished once this returns
	return r.report(members, elapsed, after.CPU-joined.CPU, errors.Join(errs...))
}

// joinAll joins r.n members, parallel at a time, and starts their receivers.
func (r *run) joinAll(ctx context.Context, parallel int) ([]*member, time.Duration, error) {
	start := time.Now()
	members := make([]*member, r.n)
	errs := make([]error, r.n)
	sem := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for i := range r.n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			members[i], errs[i] = r.join(ctx, i)
		})
	}
	wg.Wait()
	took := time.Since(start)
	var joined []*member
	for i, m := range members {
		if errs[i] != nil {
			continue
		}
		go m.receive()
		joined = append(joined, m)
	}
	if err := errors.Join(errs...); err != nil {
		return joined, took, fmt.Errorf("joining: %w", err)
	}
	return joined, took, nil
}

// pacer returns what a member waits on before each message.
func (r *run) pacer() func(context.Context) error {
	switch {
	case r.rate > 0:
		return rate.NewLimiter(rate.Limit(r.rate), 1).Wait
	case r.unlimited:
		return func(context.Context) error { return nil }
	}
	return rate.NewLimiter(wire.MessageRate, wire.MessageBurst).Wait
}

// settle waits until every member has received every line that the host
// accepted, or until nothing has arrived for five seconds.
func (r *run) settle(ctx context.Context, members []*member) {
	var last int64
	quiet := time.Now()
	for ctx.Err() == nil && time.Since(quiet) < 5*time.Second {
		time.Sleep(10 * time.Millisecond)
		want, got := r.expected(members), int64(0)
		for _, m := range members {
			got += atomic.LoadInt64(&m.received)
		}
		if got >= want*int64(len(members)) {
			return
		}
		if got != last {
			last, quiet = got, time.Now()
		}
	}
}

// expected is how many lines the host accepted: every member should get each.
func (r *run) expected(members []*member) int64 {
	var n int64
	for _, m := range members {
		n += m.sent.Load()
	}
	return n
}

func (r *run) report(members []*member, elapsed, cpu time.Duration, sendErr error) (int, error) {
	var all histogram
	var received, outOfOrder, warnings int64
	removed := map[string]bool{}
	var ended []string
	for _, m := range members {
		received += atomic.LoadInt64(&m.received)
		outOfOrder += m.outOfOrder
		warnings += m.warnings
		all.merge(&m.hist)
		for _, name := range m.removed {
			removed[name] = true
		}
		if m.ended != "" {
			ended = append(ended, m.name+": "+m.ended)
		}
	}
	var notices int64
	for _, m := range members {
		notices += m.notices.Load()
	}
	want := r.expected(members) * int64(len(members))
	lost := max(want-received, 0)
	// The host refuses no line for the rate (it waits for the line's turn);
	// a notice means something else went wrong, and is shown.
	fmt.Printf("sent       %d lines (%d notices from the host) in %s\n", r.expected(members), notices, elapsed.Round(time.Millisecond))
	fmt.Printf("delivered  %d of %d (%.0f deliveries/s)\n", received, want, float64(received)/elapsed.Seconds())
	fmt.Printf("latency    p50 %s  p95 %s  p99 %s  max %s\n",
		round(all.quantile(0.50)), round(all.quantile(0.95)), round(all.quantile(0.99)), round(all.max))
	if cpu > 0 {
		fmt.Printf("host CPU   %.2f s, %.2f µs per delivery\n", cpu.Seconds(), float64(cpu.Microseconds())/float64(max(received, 1)))
	}
	names := make([]string, 0, len(removed))
	for name := range removed {
		names = append(names, name)
	}
	sort.Strings(names)
	fmt.Printf("lost       %d deliveries; %d out of order; %d failed checks; %d members removed %v\n", lost, outOfOrder, warnings, len(names), names)
	for _, e := range ended {
		fmt.Println("ended     ", e)
	}
	if lost > 0 || outOfOrder > 0 || warnings > 0 || len(names) > 0 || sendErr != nil {
		return 1, sendErr
	}
	return 0, nil
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

func bytesOf(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
