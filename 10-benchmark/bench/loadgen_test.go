package bench

import (
	"context"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"byoredis/shared/resp"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeServer answers every command after serviceTime, on the fake clock of a synctest bubble;
// the request numbered stallAt (counting from 1, across connections) waits stall more.
type fakeServer struct {
	serviceTime time.Duration
	stallAt     int
	stall       time.Duration
	serial      bool          // one request at a time across all connections, as Redis's one thread
	busy        chan struct{} // held while serving, when serial
	mu          sync.Mutex
	received    int
	commands    map[string]int
}

func (f *fakeServer) dial() (net.Conn, error) {
	client, server := net.Pipe()
	go func() {
		defer server.Close()
		in := resp.NewReader(server)
		for {
			args, err := in.ReadCommand()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.received++
			f.commands[string(args[0])]++
			stall := f.received == f.stallAt
			f.mu.Unlock()
			if f.serial { // a channel, not a mutex: synctest's clock moves only while every goroutine waits on one
				f.busy <- struct{}{}
			}
			time.Sleep(f.serviceTime)
			if f.serial {
				<-f.busy
			}
			if stall {
				time.Sleep(f.stall)
			}
			reply := "+OK\r\n"
			if string(args[0]) == "GET" {
				reply = "$-1\r\n"
			}
			if _, err := server.Write([]byte(reply)); err != nil {
				return
			}
		}
	}()
	return client, nil
}

func generateOn(f *fakeServer, w Workload) *Result {
	f.commands, f.busy = map[string]int{}, make(chan struct{}, 1)
	return newRun(w, f.dial).generate(context.Background())
}

// A closed loop with one connection counts exactly the requests asked for, each as long as
// the server took, and no more are sent.
func TestClosedLoopCountsEveryReply(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{serviceTime: 100 * time.Microsecond}
		r := generateOn(f, Workload{Conns: 1, Pipeline: 1, Mix: []string{"set", "get"}, Requests: 1000})
		require.NoError(t, r.Failure)
		assert.Equal(t, int64(1000), r.Requests)
		assert.Equal(t, 1000, f.received)
		assert.Equal(t, map[string]int{"SET": 500, "GET": 500}, f.commands)
		assert.Equal(t, 100*time.Millisecond, r.Elapsed)
		assert.InDelta(t, 10_000, r.Throughput(), 0.001)
		assert.True(t, r.Latency.ValuesAreEquivalent(int64(100*time.Microsecond), r.Latency.Min()), "every request took the service time")
		assert.True(t, r.Latency.ValuesAreEquivalent(int64(100*time.Microsecond), r.Latency.Max()))
	})
}

// Pipelined on several connections, the warm-up's requests are answered but not counted,
// and Requests stops the count exactly.
func TestWarmupAndRequestsOnSeveralConnections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{serviceTime: 10 * time.Microsecond}
		r := generateOn(f, Workload{Conns: 4, Pipeline: 16, Mix: []string{"set"}, Requests: 1000, Warmup: 5 * time.Millisecond})
		require.NoError(t, r.Failure)
		assert.Equal(t, int64(1000), r.Requests)
		assert.Equal(t, int64(1000), r.Latency.TotalCount())
		assert.Greater(t, f.received, 1000, "the warm-up's requests were sent too")
	})
}

// A closed loop stops sending while the server stalls, and so counts the stall once: the
// requests its users would have sent meanwhile are never measured (coordinated omission).
// Exercise 1's fixed rate counts them all.
func TestClosedLoopSeesAStallOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{serviceTime: 100 * time.Microsecond, stallAt: 300, stall: 200 * time.Millisecond}
		closed := generateOn(f, Workload{Conns: 1, Pipeline: 1, Mix: []string{"get"}, Requests: 1000})
		require.NoError(t, closed.Failure)
		var slow int64
		for _, bar := range closed.Latency.Distribution() {
			if bar.From >= int64(100*time.Millisecond) {
				slow += bar.Count
			}
		}
		assert.Equal(t, int64(1), slow, "one request waited out the stall")
		assert.Less(t, closed.Latency.ValueAtQuantile(99.8), int64(time.Millisecond))
	})
}

// Error replies are counted as replies, and as errors.
func TestErrorRepliesAreCounted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, server := net.Pipe()
		go func() {
			defer server.Close()
			in := resp.NewReader(server)
			for {
				if _, err := in.ReadCommand(); err != nil {
					return
				}
				server.Write([]byte("-ERR unknown command\r\n"))
			}
		}()
		r := newRun(Workload{Conns: 1, Mix: []string{"ping"}, Requests: 10}, func() (net.Conn, error) { return client, nil }).generate(context.Background())
		require.NoError(t, r.Failure)
		assert.Equal(t, int64(10), r.Requests)
		assert.Equal(t, int64(10), r.Errors)
	})
}

// A server that closes the connection fails the run, with the error.
func TestAClosedConnectionFailsTheRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, server := net.Pipe()
		go func() {
			resp.NewReader(server).ReadCommand()
			server.Close()
		}()
		r := newRun(Workload{Conns: 1, Mix: []string{"ping"}, Requests: 10}, func() (net.Conn, error) { return client, nil }).generate(context.Background())
		assert.Error(t, r.Failure)
	})
}

func TestKeysAreNamedAsRedisBenchmarkNamesThem(t *testing.T) {
	assert.Equal(t, "key:000000000042", string(appendKey(nil, 42)))
	assert.Equal(t, "key:999999999999", string(appendKey(nil, 999_999_999_999)))
	mix, err := parseMix("set, get,publish")
	require.NoError(t, err)
	assert.Equal(t, []string{"set", "get", "publish"}, mix)
	_, err = parseMix("set,lpush")
	assert.EqualError(t, err, `unknown command "lpush" in the mix: set, get, incr, publish or ping`)
}

// A workload with neither a number of requests nor a duration is refused, not run for ever.
func TestAWorkloadMustEnd(t *testing.T) {
	f := &fakeServer{}
	r := generateOn(f, Workload{Conns: 1, Mix: []string{"ping"}})
	assert.EqualError(t, r.Failure, "a workload needs a number of requests or a duration, or it never ends")
	assert.Zero(t, f.received)
}
