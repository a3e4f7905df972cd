package host

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ssc-chat/ssc/wire"
)

// received is what one reader saw: chat lines per sender in order, and
// anyone who left.
type received struct {
	mu    sync.Mutex
	lines map[string][]string
	left  []*wire.Left
	end   *wire.End
	done  chan struct{} // closed when the connection has ended
}

// record reads r until it ends, pausing for delay before each frame, as a
// slow terminal or a slow link would.
func record(r *wire.Reader, delay time.Duration) *received {
	rec := &received{lines: make(map[string][]string), done: make(chan struct{})}
	go func() {
		defer close(rec.done)
		for {
			if delay > 0 {
				time.Sleep(delay)
			}
			msg, err := r.Next()
			if err != nil {
				return
			}
			rec.mu.Lock()
			switch msg := msg.(type) {
			case *wire.ChatMessage:
				rec.lines[msg.From] = append(rec.lines[msg.From], string(msg.Body))
			case *wire.Left:
				rec.left = append(rec.left, msg)
			case *wire.End:
				rec.end = msg
			}
			rec.mu.Unlock()
		}
	}()
	return rec
}

// closeAndWait ends the session and waits for every recorder, which a
// synctest bubble needs before it may end.
func closeAndWait(s *Session, recs ...*received) {
	s.Close()
	for _, rec := range recs {
		<-rec.done
	}
}

// check fails unless rec saw every talker's lines, all of them in order,
// nobody but the gone leave, and no end.
func (rec *received) check(t *testing.T, who string, talkers []string, lines int, gone ...string) {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, l := range rec.left {
		if !slices.Contains(gone, l.Name) {
			t.Errorf("%s saw %s leave (reason %d)", who, l.Name, l.Reason)
		}
	}
	if rec.end != nil {
		t.Errorf("%s saw the session end (reason %d)", who, rec.end.Reason)
	}
	for _, talker := range talkers {
		got := rec.lines[talker]
		if len(got) != lines {
			t.Errorf("%s got %d of %s's %d lines", who, len(got), talker, lines)
			continue
		}
		for i, line := range got {
			if !strings.HasPrefix(line, fmt.Sprintf("%d ", i)) {
				t.Errorf("%s got %s's line %q in place %d", who, talker, line[:min(len(line), 10)], i)
				break
			}
		}
	}
}

// talk seats n talkers who each send lines lines of the given size at once
// and read what comes back, and returns their names once all is sent.
func talk(t *testing.T, s *Session, n, lines, size int) []string {
	t.Helper()
	var names []string
	var wg sync.WaitGroup
	for i := range n {
		name := fmt.Sprintf("talker%d", i)
		names = append(names, name)
		conn, r := seat(t, s, name)
		go drain(r, nil)
		wg.Go(func() {
			for j := range lines {
				text := fmt.Sprintf("%d %s", j, strings.Repeat("x", size))
				if wire.Write(conn, say(text)) != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	return names
}

// A room where everyone pastes a full burst at once, watched by a slow
// operator and slow members, loses nothing and removes nobody.
func TestBurstWithinLimitsRemovesNobody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newTestSession(t)
		_, opR := seatOperator(t, s)
		operator := record(opR, 2*time.Millisecond)
		var slow []*received
		for i := range 3 {
			_, r := seat(t, s, fmt.Sprintf("slow%d", i))
			slow = append(slow, record(r, time.Millisecond))
		}
		talkers := talk(t, s, 50, wire.MessageBurst, 200)
		synctest.Wait()
		time.Sleep(time.Minute) // every reader catches up
		synctest.Wait()
		operator.check(t, "the operator", talkers, wire.MessageBurst)
		for i, rec := range slow {
			rec.check(t, fmt.Sprintf("slow%d", i), talkers, wire.MessageBurst)
		}
		closeAndWait(s, append(slow, operator)...)
	})
}

// An operator whose terminal stops for longer than any member may stall is
// not removed: the host stops reading from members until it catches up, and
// holds no more for it than its queue limit and a frame per member.
func TestSlowOperatorSlowsTheRoomInsteadOfEndingIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newTestSessionWith(t, Config{NoRateLimit: true})
		opConn, opR := seatOperator(t, s)
		_, watcherR := seat(t, s, "watcher")
		watcher := record(watcherR, 0)
		const n, lines, size = 4, 400, 4000 // 6.4 MB, over queueLimit
		var talkers []string
		done := make(chan struct{})
		go func() {
			talkers = talk(t, s, n, lines, size)
			close(done)
		}()
		// The operator reads nothing for a minute, far past stallTimeout.
		time.Sleep(time.Minute)
		synctest.Wait()
		q := s.operator.Load()
		q.mu.Lock()
		held := q.size
		q.mu.Unlock()
		if limit := queueLimit + (n+1)*wire.MaxFrame; held > limit {
			t.Errorf("the host holds %d bytes for the operator, over %d", held, limit)
		}
		select {
		case <-done:
			t.Error("every line was read while the operator read nothing")
		default:
		}
		operator := record(opR, 0)
		<-done
		time.Sleep(time.Second)
		synctest.Wait()
		operator.check(t, "the operator", talkers, lines)
		watcher.check(t, "the watcher", talkers, lines)
		opConn.Close()
		closeAndWait(s, operator, watcher)
	})
}

// A member that stops reading is removed once it has been behind for
// stallTimeout, everyone is told why, and so is the member, ahead of what
// it fell behind on. A member that is merely slow catches up and stays.
func TestStalledMemberIsRemovedAndTold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newTestSessionWith(t, Config{NoRateLimit: true})
		_, watcherR := seat(t, s, "watcher")
		watcher := record(watcherR, 0)
		_, slowR := seat(t, s, "slow")
		slow := record(slowR, 10*time.Millisecond)
		stuck, stuckR := seat(t, s, "stuck")
		defer stuck.Close()

		talkers := talk(t, s, 1, 600, 8000) // 4.8 MB: both fall behind
		time.Sleep(stallTimeout + time.Second)
		talk2, r := seat(t, s, "late")
		go drain(r, nil)
		wire.Write(talk2, say("600 the last line"))
		synctest.Wait()

		watcher.mu.Lock()
		left := watcher.left
		watcher.mu.Unlock()
		if len(left) != 1 || left[0].Name != "stuck" || left[0].Reason != wire.LeaveTooSlow {
			t.Fatalf("the watcher saw %v leave, want stuck as too slow", left)
		}
		// The stuck member reads again before its write times out: at most
		// the batch that was already on its way, then why it was removed.
		var got []wire.Message
		for {
			msg, err := stuckR.Next()
			if err != nil {
				break
			}
			got = append(got, msg)
		}
		if len(got) == 0 || len(got) > maxBatch/8000+2 {
			t.Fatalf("the stuck member read %d frames after it was removed", len(got))
		}
		if end, ok := got[len(got)-1].(*wire.End); !ok || end.Reason != wire.EndTooSlow {
			t.Fatalf("the stuck member's last frame is %#v, want End too slow", got[len(got)-1])
		}

		time.Sleep(time.Minute) // the slow member catches up
		synctest.Wait()
		slow.check(t, "the slow member", talkers, 600, "stuck")
		closeAndWait(s, watcher, slow)
	})
}
