package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"byoredis/shared/resp"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Workload is what the load generator sends: as redis-benchmark's -c, -P, -t, -r, -d and
// -n, plus a duration, a warm-up and a fixed rate.
type Workload struct {
	Conns    int      `json:"conns"`    // connections, each with its own goroutines
	Pipeline int      `json:"pipeline"` // requests sent before the first reply is read (closed loop)
	Mix      []string `json:"mix"`      // the commands, in turn: "set", "get", "publish", "ping"
	Keyspace int      `json:"keyspace"` // keys are key:000000000000 to key:<Keyspace-1>, at random
	Value    int      `json:"value"`    // bytes of every SET's value and every PUBLISH's message
	// Requests ends the run after this many replies (after the warm-up), Duration after this
	// long: whichever comes first, and at least one of them must be set.
	Requests int64         `json:"requests,omitempty"`
	Duration time.Duration `json:"duration,omitempty"`
	Warmup   time.Duration `json:"warmup,omitempty"` // sent and answered, but not counted
	// Rate, in requests a second across all connections, makes the run open-loop: each
	// request has its time to be sent, and its latency counts from that time, not from when
	// it was sent. 0 sends as fast as the server answers (closed loop, as redis-benchmark).
	Rate float64 `json:"rate,omitempty"`
}

// Result is one run of a workload against one server.
type Result struct {
	Requests int64                     // replies counted (after the warm-up)
	Errors   int64                     // of which error replies
	Elapsed  time.Duration             // from the end of the warm-up to the last reply counted
	Latency  *hdrhistogram.Histogram   // nanoseconds, from the request's send (or intended) time to its reply
	Failure  error                     // a connection that failed, if any
	hist     []*hdrhistogram.Histogram // per connection, merged into Latency
}

// Throughput is the replies counted per second.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Latencies are kept from 1 µs to a minute with three significant digits, as HdrHistogram
// is meant to be used: an error below 0.1 % at every value, in a fixed amount of memory.
func newLatencyHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(int64(time.Microsecond), int64(time.Minute), 3)
}

// record adds one latency; one longer than a minute counts as a minute.
func record(h *hdrhistogram.Histogram, d time.Duration) {
	h.RecordValue(min(max(int64(d), int64(time.Microsecond)), int64(time.Minute)))
}

// run is one run of the load generator (its dialler is replaced in tests, by net.Pipe).
type run struct {
	w    Workload
	dial func() (net.Conn, error)

	counting   atomic.Bool  // the warm-up is over
	claimed    atomic.Int64 // requests claimed for sending after the warm-up, with Requests
	countStart time.Time
	deadline   time.Time
	done       chan struct{}
	doneOnce   sync.Once
}

// Generate runs w against the server at addr and returns what it measured.
func Generate(ctx context.Context, addr string, w Workload) *Result {
	dialer := net.Dialer{Timeout: 5 * time.Second}
	return newRun(w, func() (net.Conn, error) { return dialer.DialContext(ctx, "tcp", addr) }).generate(ctx)
}

func newRun(w Workload, dial func() (net.Conn, error)) *run {
	w.Conns, w.Pipeline, w.Keyspace = max(w.Conns, 1), max(w.Pipeline, 1), max(w.Keyspace, 1)
	if len(w.Mix) == 0 {
		w.Mix = []string{"ping"}
	}
	return &run{w: w, dial: dial, done: make(chan struct{})}
}

func (r *run) stop() { r.doneOnce.Do(func() { close(r.done) }) }

func (r *run) stopped() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

func (r *run) generate(ctx context.Context) *Result {
	result := &Result{}
	if r.w.Requests <= 0 && r.w.Duration <= 0 {
		result.Failure = errors.New("a workload needs a number of requests or a duration, or it never ends")
		return result
	}
	conns := make([]net.Conn, r.w.Conns)
	for i := range conns {
		c, err := r.dial()
		if err != nil {
			result.Failure = err
			for _, c := range conns[:i] {
				c.Close()
			}
			return result
		}
		conns[i] = c
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := time.Now()
	r.countStart = start.Add(r.w.Warmup)
	if r.w.Duration > 0 {
		r.deadline = r.countStart.Add(r.w.Duration)
	}
	r.counting.Store(r.w.Warmup == 0)
	for i, c := range conns {
		wg.Go(func() {
			defer c.Close()
			h := newLatencyHistogram()
			n, errs, err := r.connection(c, i, start, h)
			mu.Lock()
			defer mu.Unlock()
			result.hist = append(result.hist, h)
			result.Requests += n
			result.Errors += errs
			if err != nil && result.Failure == nil {
				result.Failure = err
				r.stop()
			}
		})
	}
	go func() {
		select {
		case <-ctx.Done(): // Ctrl-C, or the caller is done: a server that no longer answers must not hold the run
			r.stop()
			for _, c := range conns {
				c.Close()
			}
		case <-r.done:
		}
	}()
	wg.Wait()
	r.stop()
	result.Elapsed = time.Now().Sub(r.countStart)
	result.Latency = newLatencyHistogram()
	for _, h := range result.hist {
		result.Latency.Merge(h)
	}
	return result
}

// next says whether another request may be sent, and whether it counts: the warm-up's do
// not, and with Requests the counted ones stop there.
func (r *run) next(at time.Time) (send, counted bool) {
	if r.stopped() {
		return false, false
	}
	if !r.counting.Load() {
		if at.Before(r.countStart) {
			return true, false
		}
		r.counting.Store(true)
	}
	if !r.deadline.IsZero() && !at.Before(r.deadline) {
		return false, false
	}
	if r.w.Requests > 0 && r.claimed.Add(1) > r.w.Requests {
		return false, false
	}
	return true, true
}

// sent is one request on its way: when it counts from, and whether it counts.
type sent struct {
	at      time.Time
	counted bool
}

// connection drives one connection until the run ends, and returns its counted replies and
// errors.
func (r *run) connection(c net.Conn, id int, start time.Time, h *hdrhistogram.Histogram) (replies, errs int64, err error) {
	requests := newRequestMaker(r.w, uint64(id))
	count := func(s sent, kind resp.Kind, at time.Time) {
		if s.counted {
			replies++
			if kind == resp.Error {
				errs++
			}
			record(h, at.Sub(s.at))
		}
	}
	in := resp.NewReplyReader(c)
	if r.w.Rate > 0 {
		err = r.openLoop(c, in, start, id, requests, count)
	} else {
		err = r.closedLoop(c, in, requests, count)
	}
	if r.stopped() && err != nil && (errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF)) {
		err = nil // the run ended while this connection was reading
	}
	return replies, errs, err
}

// closedLoop sends Pipeline requests, reads their replies, and again: each request's latency
// counts from the write of its batch, as redis-benchmark counts it.
func (r *run) closedLoop(c net.Conn, in *resp.ReplyReader, requests *requestMaker, count func(sent, resp.Kind, time.Time)) error {
	batch := make([]sent, 0, r.w.Pipeline)
	var out []byte
	for {
		batch, out = batch[:0], out[:0]
		at := time.Now()
		for range r.w.Pipeline {
			send, counted := r.next(at)
			if !send {
				break
			}
			out = requests.append(out)
			batch = append(batch, sent{at, counted})
		}
		if len(batch) == 0 {
			return nil
		}
		if _, err := c.Write(out); err != nil {
			return err
		}
		for _, s := range batch {
			kind, err := in.Skip()
			if err != nil {
				return err
			}
			count(s, kind, time.Now())
		}
	}
}

// openLoop sends request i of this connection at start + i×interval, whatever the replies
// do, and counts each latency from that intended time. A server that stalls for 100 ms
// delays every request meant to go in those 100 ms: a closed loop would stop sending and
// count one slow request (coordinated omission); this counts all of them, as their users
// would have waited.
func (r *run) openLoop(c net.Conn, in *resp.ReplyReader, start time.Time, id int, requests *requestMaker, count func(sent, resp.Kind, time.Time)) error {
	due := func(i int) time.Time { return dueTime(start, r.w.Rate, r.w.Conns, id, i) }
	inFlight := make(chan sent, 1<<16)
	sendErr := make(chan error, 1)
	go func() {
		defer close(inFlight)
		var out []byte
		for i := 0; ; {
			if wait := time.Until(due(i)); wait > 0 {
				select {
				case <-time.After(wait):
				case <-r.done:
					return
				}
			}
			// Every request whose time has come goes in one write (up to a batch's worth): a
			// sender that fell behind catches up at once, and each request keeps its own
			// intended time.
			out = out[:0]
			now := time.Now()
			for n := 0; n < maxBatch && (n == 0 || !due(i).After(now)); n, i = n+1, i+1 {
				at := due(i)
				send, counted := r.next(at)
				if !send {
					break
				}
				out = requests.append(out)
				select {
				case inFlight <- sent{at, counted}:
				case <-r.done:
					return
				}
			}
			if len(out) == 0 {
				return
			}
			if _, err := c.Write(out); err != nil {
				sendErr <- err
				return
			}
		}
	}()
	for s := range inFlight {
		kind, err := in.Skip()
		if err != nil {
			c.Close() // the sender may be blocked writing
			return err
		}
		count(s, kind, time.Now())
	}
	select {
	case err := <-sendErr:
		return err
	default:
		return nil
	}
}

// maxBatch is the most requests one write of the open loop carries.
const maxBatch = 1024

// requestMaker builds the requests of one connection: the mix in turn, each on a random key
// (key:%012d, as redis-benchmark's -r writes them).
type requestMaker struct {
	mix   []string
	turn  int
	rand  *rand.Rand
	keys  int
	value []byte
}

func newRequestMaker(w Workload, seed uint64) *requestMaker {
	value := make([]byte, w.Value)
	for i := range value {
		value[i] = 'x'
	}
	return &requestMaker{mix: w.Mix, rand: rand.New(rand.NewPCG(seed, 42)), keys: w.Keyspace, value: value}
}

// benchChannel is the channel of the publish workload.
const benchChannel = "bench:channel"

func (c *requestMaker) append(out []byte) []byte {
	name := c.mix[c.turn%len(c.mix)]
	c.turn++
	var key [16]byte
	k := appendKey(key[:0], c.rand.IntN(c.keys))
	switch name {
	case "set":
		return resp.AppendCommand(out, []byte("SET"), k, c.value)
	case "get":
		return resp.AppendCommand(out, []byte("GET"), k)
	case "publish":
		return resp.AppendCommand(out, []byte("PUBLISH"), []byte(benchChannel), c.value)
	case "incr":
		return resp.AppendCommand(out, []byte("INCR"), k)
	default:
		return resp.AppendCommand(out, []byte(name))
	}
}

// parseMix reads a comma-separated list of commands, as redis-benchmark's -t.
func parseMix(s string) ([]string, error) {
	var mix []string
	for _, name := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		switch name {
		case "set", "get", "publish", "incr", "ping":
			mix = append(mix, name)
		default:
			return nil, fmt.Errorf("unknown command %q in the mix: set, get, incr, publish or ping", name)
		}
	}
	if len(mix) == 0 {
		return nil, errors.New("the mix is empty: name commands, as set,get")
	}
	return mix, nil
}

// appendKey appends key i's name, key:%012d, without fmt: the load generator shares a core
// with the server it measures, and every cycle it spends is one the server does not get.
func appendKey(dst []byte, i int) []byte {
	var digits [20]byte
	n := strconv.AppendInt(digits[:0], int64(i), 10)
	dst = append(dst, "key:"...)
	for range 12 - len(n) {
		dst = append(dst, '0')
	}
	return append(dst, n...)
}
