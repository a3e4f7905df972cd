package sessiontest

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/ssc-chat/ssc/peer"
)

// BenchmarkRoom runs a real room over TLS on 127.0.0.1 with N members, each
// a full peer.Client that verifies every signature, and measures the time
// from one member sending a line to every member having shown it, plus the
// host-and-members heap per member. Members, host and sender share the
// machine's cores, so the latency is an upper bound for the host's part.
//
//	go test -run='^$' -bench=Room -benchtime=50x ./sessiontest
func BenchmarkRoom(b *testing.B) {
	for _, n := range []int{50, 200} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			r := startRoomB(b)
			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			inboxes := make([]chan peer.Event, n)
			for i := range n {
				c, err := r.tryJoin(fmt.Sprintf("m%03d", i), passphrase)
				if err != nil {
					b.Fatal(err)
				}
				inbox := make(chan peer.Event, 64)
				inboxes[i] = inbox
				go func() {
					for ev := range c.Events() {
						if ev.Kind == peer.KindMessage {
							inbox <- ev
						}
					}
					close(inbox)
				}()
				b.Cleanup(func() { c.Close() })
			}
			var after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&after)
			perMember := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(n) / 1024

			b.ResetTimer()
			var worst time.Duration
			for i := range b.N {
				start := time.Now()
				if err := r.operator.Say(context.Background(), fmt.Sprintf("line %d", i)); err != nil {
					b.Fatal(err)
				}
				for _, inbox := range inboxes {
					select {
					case <-inbox:
					case <-time.After(30 * time.Second):
						b.Fatal("a member never got the line")
					}
				}
				worst = max(worst, time.Since(start))
			}
			b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
			b.ReportMetric(perMember, "KiB/member")
		})
	}
}
