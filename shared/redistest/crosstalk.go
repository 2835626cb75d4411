package redistest

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"byoredis/shared/resp"

	"github.com/stretchr/testify/require"
)

// CrossTalk is what RepliesUnderResets counted.
type CrossTalk struct {
	Replies int64 // replies the owners read and checked
	Wrong   int64 // replies that were not the one the command asked for
	Foreign int64 // of those, replies holding bytes that belong to another client
	Killed  int64 // connections reset or killed in the middle of a reply
	First   string
}

// RepliesUnderResets checks that every client gets its own replies and no one else's while
// other connections die in the middle of theirs: the class of bug where a buffer freed for a
// dead client is handed, still in use, to another one.
//
// Owners (8 of them) each SET their own keys to values that name the owner and a sequence
// number, from 10 bytes to several reply chunks long, and GET them back in pipelines; only an
// owner writes its keys, so every reply is known exactly. Meanwhile killers ask for large
// values in pipelines they never finish reading, and leave: by a reset (SO_LINGER 0) or by
// CLIENT KILL ADDR from another connection. It runs until the owners have read count replies in
// all, and returns the counts; a reply that does not come within the hang guard fails the test.
func RepliesUnderResets(t testing.TB, addr string, count int) CrossTalk {
	t.Helper()
	const owners, killers, keysPerOwner, pipeline = 8, 6, 64, 16
	var report CrossTalk
	var first sync.Once
	wrong := func(owner int, cmd, want string, got []byte) {
		atomic.AddInt64(&report.Wrong, 1)
		if bytes.Contains(got, []byte("KILLER-")) || foreignOwner(got, owner) {
			atomic.AddInt64(&report.Foreign, 1)
		}
		first.Do(func() {
			report.First = fmt.Sprintf("owner %d sent %s and read %q, want %q", owner, cmd, short(string(got)), short(want))
		})
	}

	// The killers' values: large, so that a reply spans many chunks and writes.
	admin := Dial(t, addr)
	for k := range killers {
		admin.Do("SET", fmt.Sprintf("crosstalk:big:%d", k), strings.Repeat(fmt.Sprintf("KILLER-%d-", k), 2000))
	}

	done := make(chan struct{})
	var killing sync.WaitGroup
	var adminMu sync.Mutex
	for k := range killers {
		killing.Go(func() {
			request := strings.Repeat(resp.Command("GET", fmt.Sprintf("crosstalk:big:%d", k)), 20)
			buf := make([]byte, 16<<10)
			for round := 0; ; round++ {
				select {
				case <-done:
					return
				default:
				}
				conn, err := net.Dial("tcp", addr)
				if err != nil {
					continue // the server may be briefly out of connections; the owners fail on a real fault
				}
				conn.SetDeadline(time.Now().Add(hangGuard))
				conn.Write([]byte(request))
				for range 1 + round%5 { // the replies have started: read a little of them
					if _, err := conn.Read(buf); err != nil {
						break
					}
				}
				if round%3 == 0 {
					adminMu.Lock()
					admin.conn.SetDeadline(time.Now().Add(hangGuard))
					admin.Send(resp.Command("CLIENT", "KILL", "ADDR", conn.LocalAddr().String()))
					admin.replies.ReadReply() // +OK, or an error if it had gone already
					adminMu.Unlock()
				}
				if tcp, ok := conn.(*net.TCPConn); ok {
					tcp.SetLinger(0) // a reset, not an orderly close: the server's next write fails
				}
				conn.Close()
				atomic.AddInt64(&report.Killed, 1)
			}
		})
	}

	var owning sync.WaitGroup
	errs := make(chan error, owners)
	for o := range owners {
		owning.Go(func() {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			replies := resp.NewReplyReader(conn)
			var batch strings.Builder
			values := make([]string, pipeline/2)
			for seq := 0; atomic.LoadInt64(&report.Replies) < int64(count); seq++ {
				batch.Reset()
				for j := range values {
					key := fmt.Sprintf("crosstalk:owner:%d:%d", o, (seq*len(values)+j)%keysPerOwner)
					values[j] = ownerValue(o, seq*len(values)+j)
					batch.WriteString(resp.Command("SET", key, values[j]))
					batch.WriteString(resp.Command("GET", key))
				}
				conn.SetDeadline(time.Now().Add(hangGuard))
				if _, err := conn.Write([]byte(batch.String())); err != nil {
					errs <- fmt.Errorf("owner %d: %w", o, err)
					return
				}
				for j := range values {
					for _, want := range []string{"+OK\r\n", fmt.Sprintf("$%d\r\n%s\r\n", len(values[j]), values[j])} {
						if _, err := replies.ReadReply(); err != nil {
							// Not a reply at all: another reply's bytes cut in, or none came.
							wrong(o, "SET and GET of its own key", want, replies.Raw())
							errs <- fmt.Errorf("owner %d: no reply, or not RESP: %w", o, err)
							return
						}
						if got := replies.Raw(); string(got) != want {
							wrong(o, "SET and GET of its own key", want, got)
						}
						atomic.AddInt64(&report.Replies, 1)
					}
				}
			}
		})
	}
	owning.Wait()
	close(done)
	killing.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err, "the first wrong reply: %s", report.First)
	}
	return report
}

// UnderResetsReplies is how many replies a test of RepliesUnderResets checks: 320,000, or
// 20,000 under the race detector, where the same run takes seven times as long. A server that
// hands one client's buffer to another fails within the first few thousand.
func UnderResetsReplies() int {
	if Race {
		return 20_000
	}
	return 320_000
}

// ownerValue is the value owner o writes in its n-th SET: its identity repeated, from 10 bytes
// to about 40 KB, so that replies end anywhere in a chunk and span several.
func ownerValue(owner, n int) string {
	id := fmt.Sprintf("OWNER-%d-%d.", owner, n)
	sizes := [...]int{1, 3, 20, 70, 400, 1500, 3000}
	return strings.Repeat(id, sizes[n%len(sizes)])
}

// foreignOwner reports whether got holds another owner's identity.
func foreignOwner(got []byte, owner int) bool {
	mine := []byte(fmt.Sprintf("OWNER-%d-", owner))
	for rest := got; ; {
		i := bytes.Index(rest, []byte("OWNER-"))
		if i < 0 {
			return false
		}
		if !bytes.HasPrefix(rest[i:], mine) {
			return true
		}
		rest = rest[i+len(mine):]
	}
}
