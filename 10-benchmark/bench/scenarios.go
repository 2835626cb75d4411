package bench

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"byoredis/shared/resp"
	"byoredis/shared/stages"
)

// Scenario is one thing measured on every server: a load, or a probe of what a load cannot
// show (memory, the time a save takes).
type Scenario struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	// Explain says, under the scenario in the report, what drives the difference between
	// the servers, and Guide names the GUIDE.md section that tells more.
	Explain string    `json:"-"`
	Guide   string    `json:"-"`
	Args    []string  `json:"args,omitempty"` // the servers' settings, as Redis's directives
	Load    *Workload `json:"load,omitempty"`
	// Subscribers listen on the publish load's channel while it runs.
	Subscribers int `json:"subscribers,omitempty"`
	// RedisBenchmark, when set, runs redis-benchmark with these arguments after the load, in
	// the same round: a figure people recognise, beside ours.
	RedisBenchmark []string `json:"redis_benchmark,omitempty"`
	// FromStep is the first step of the course that can run it (05 logs, 06 saves, 07
	// publishes); earlier steps are left out of it.
	FromStep int `json:"from_step,omitempty"`
	// Fresh starts every server anew for every round: memory and load times are only
	// measured from a fresh start.
	Fresh   bool                                                            `json:"fresh,omitempty"`
	Prepare func(ctx context.Context, addr string) error                    `json:"-"`
	Probe   func(ctx context.Context, p *probe) (map[string]float64, error) `json:"-"`
}

// probe is what a scenario's probe can do with the server it measures.
type probe struct {
	addr    string
	pid     int                    // 0 for a server the benchmark did not start
	restart func() (string, error) // stop it and start it again, in the same folder; its new address
}

// Options are the knobs of the default scenarios.
type Options struct {
	Conns    int
	Duration time.Duration
	Keys     int           // the keys filled for the memory, save, BGSAVE and full-sync scenarios
	Redis    string        // redis-server, for the full sync's replica ("" if it is not installed)
	Settle   time.Duration // how long the memory scenario lets a server rest before it reads its memory again
}

func defaultScenarios(o Options) []Scenario {
	load := func(pipeline int, mix []string, keyspace, value int) *Workload {
		return &Workload{Conns: o.Conns, Pipeline: pipeline, Mix: mix, Keyspace: keyspace, Value: value,
			Duration: o.Duration, Warmup: o.Duration / 5}
	}
	redisBenchmark := func(pipeline int) []string {
		return []string{"-c", strconv.Itoa(o.Conns), "-P", strconv.Itoa(pipeline), "-t", "set,get", "-r", "100000", "-d", "16",
			"-n", strconv.Itoa(max(100_000, 200_000*pipeline/4))}
	}
	keys := o.Keys
	return []Scenario{
		{Name: "set-get-p1", Guide: "the-request-path",
			Explain: "One request per round trip: each costs a read and a write system call, so the figure is mostly the cost of waking a goroutine (ours) or an event-loop turn (Redis) per request. On one core the load generator shares the core.",
			Title:   fmt.Sprintf("SET and GET, %d connections, one request at a time, 16-byte values", o.Conns),
			Load:    load(1, []string{"set", "get"}, 100_000, 16), RedisBenchmark: redisBenchmark(1)},
		{Name: "set-get-p16", Guide: "the-request-path",
			Explain: "Sixteen requests per read: parsing and the keyspace matter more than system calls. Writes take the store's lock once per command, which a pipeline pays sixteen times.",
			Title:   fmt.Sprintf("SET and GET, %d connections, pipelines of 16", o.Conns),
			Load:    load(16, []string{"set", "get"}, 100_000, 16), RedisBenchmark: redisBenchmark(16)},
		{Name: "large-values", Guide: "the-request-path",
			Explain: "16 KiB values: copying bytes dominates, into the reply buffer and through the socket. Both servers write large replies straight from the stored value.",
			Title:   "SET and GET of 16 KiB values, one request at a time",
			Load:    load(1, []string{"set", "get"}, 1000, 16<<10)},
		{Name: "publish-fanout", Guide: "the-request-path",
			Explain: "One PUBLISH becomes 100 messages: the cost is writing to 100 subscribers, which both servers batch per subscriber.",
			Title:   "PUBLISH to 100 subscribers of one channel, one request at a time",
			Load:    load(1, []string{"publish"}, 1, 16), Subscribers: 100, FromStep: 7},
		{Name: "aof-always", Guide: "the-request-path",
			Explain: "Every write waits for fsync before its reply: the disk sets the pace, and many clients' writes share one fsync (group commit) in both servers.",
			Title:   "SET with appendfsync always: every write on disk before its reply",
			Args:    []string{"--appendonly", "yes", "--appendfsync", "always"}, Load: load(1, []string{"set"}, 100_000, 16), FromStep: 5},
		{Name: "memory", Guide: "what-memory-costs",
			Explain: "What a key costs: Redis packs a small key and value into a few allocations; a Go map of strings keeps headers, a map slot and a separate allocation, and a garbage-collected heap holds garbage until it is collected, hence two figures.",
			Title:   fmt.Sprintf("Resident memory per key, %d keys of 16-byte values, from a fresh start: just after the writes, and %v later", keys, o.Settle),
			Fresh:   true, Probe: func(ctx context.Context, p *probe) (map[string]float64, error) {
				return memoryPerKey(ctx, p, keys, o.Settle)
			}},
		{Name: "save-load", Guide: "snapshots-without-fork-snapshotgo",
			Explain: "Writing and reading the keys in the RDB format: CPU-bound encoding and decoding, and for the load, building the keyspace again.",
			Title:   fmt.Sprintf("SAVE of %d keys, and the next start's load of them", keys),
			Fresh:   true, FromStep: 6, Probe: func(ctx context.Context, p *probe) (map[string]float64, error) { return saveAndLoad(ctx, p, keys) }},
		{Name: "bgsave-latency", Guide: "snapshots-without-fork-snapshotgo",
			Explain:  "Redis forks and the child writes the snapshot; ours copies nothing up front and keeps old values for the snapshot as keys change. The maximum latency shows what a client waits while it starts.",
			Title:    fmt.Sprintf("GET at a fixed rate of 10,000 a second while a BGSAVE of %d keys runs", keys),
			FromStep: 6, Prepare: func(ctx context.Context, addr string) error { return fillKeys(ctx, addr, keys, 16) },
			Probe: func(ctx context.Context, p *probe) (map[string]float64, error) {
				return latencyDuringBgsave(ctx, p, keys)
			}},
		{Name: "fullsync-latency", Guide: "snapshots-without-fork-snapshotgo",
			Explain:  "The same snapshot, sent to a replica: the master goes on serving while it streams the keys.",
			Title:    fmt.Sprintf("GET at a fixed rate of 10,000 a second while a redis-server replica syncs %d keys in full", keys),
			FromStep: 8, Args: []string{"--repl-diskless-sync-delay", "0"},
			Prepare: func(ctx context.Context, addr string) error { return fillKeys(ctx, addr, keys, 16) },
			Probe: func(ctx context.Context, p *probe) (map[string]float64, error) {
				return latencyDuringFullSync(ctx, p, o.Redis, keys)
			}},
	}
}

// fillKeys writes keys 0 to n-1 with values of size bytes, in pipelined batches.
func fillKeys(ctx context.Context, addr string, n, size int) error {
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	in := resp.NewReplyReader(c)
	value := []byte(strings.Repeat("x", size))
	var batch []byte
	for from := 0; from < n; from += 1000 {
		batch = batch[:0]
		to := min(from+1000, n)
		for i := from; i < to; i++ {
			batch = resp.AppendCommand(batch, []byte("SET"), appendKey(nil, i), value)
		}
		if _, err := c.Write(batch); err != nil {
			return err
		}
		for range to - from {
			kind, err := in.Skip()
			if err != nil {
				return err
			}
			if kind == resp.Error {
				return errors.New("SET answered an error")
			}
		}
	}
	return nil
}

// ask sends one command and returns its reply.
func ask(addr string, args ...string) (resp.Value, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return resp.Value{}, err
	}
	defer c.Close()
	if _, err := c.Write([]byte(resp.Command(args...))); err != nil {
		return resp.Value{}, err
	}
	v, err := resp.NewReplyReader(c).ReadReply()
	if err == nil && v.Kind == resp.Error {
		err = fmt.Errorf("%s: %s", args[0], v.Str)
	}
	return v, err
}

// memoryPerKey is the growth of the server's resident memory (VmRSS in /proc/PID/status)
// from its start to after n keys are written, per key: at once, and after settleTime with
// nothing to do. A garbage-collected server holds, just after the writes, the garbage they
// left; what it holds once it has settled is what the keys cost it.
func memoryPerKey(ctx context.Context, p *probe, n int, settleTime time.Duration) (map[string]float64, error) {
	before, err := residentMemory(p.pid)
	if err != nil {
		return nil, err
	}
	if err := fillKeys(ctx, p.addr, n, 16); err != nil {
		return nil, err
	}
	filled, err := residentMemory(p.pid)
	if err != nil {
		return nil, err
	}
	select {
	case <-time.After(settleTime):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	settled, err := residentMemory(p.pid)
	if err != nil {
		return nil, err
	}
	return map[string]float64{
		"rss_per_key_bytes":         float64(settled-before) / float64(n),
		"rss_per_key_at_fill_bytes": float64(filled-before) / float64(n),
	}, nil
}

// residentMemory is a process's resident memory: VmRSS from /proc on Linux, and where there
// is no /proc (macOS), the same figure from `ps -o rss=`, in KiB.
func residentMemory(pid int) (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if errors.Is(err, fs.ErrNotExist) && runtime.GOOS != "linux" {
		out, err := exec.Command("ps", "-o", "rss=", "-p", strconv.Itoa(pid)).Output()
		if err != nil {
			return 0, fmt.Errorf("ps -o rss= -p %d: %w", pid, err)
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
		return kb << 10, err
	}
	if err != nil {
		return 0, err
	}
	return residentBytes(status)
}

// saveAndLoad times SAVE of n keys, then a restart's load of the snapshot, until the server
// answers (Redis answers -LOADING meanwhile; the start waits that out).
func saveAndLoad(ctx context.Context, p *probe, n int) (map[string]float64, error) {
	if err := fillKeys(ctx, p.addr, n, 16); err != nil {
		return nil, err
	}
	start := time.Now()
	if _, err := ask(p.addr, "SAVE"); err != nil {
		return nil, err
	}
	saved := since(start)
	start = time.Now()
	addr, err := p.restart()
	if err != nil {
		return nil, err
	}
	loaded := since(start)
	size, err := ask(addr, "DBSIZE")
	if err != nil {
		return nil, err
	}
	if size.Int != int64(n) {
		return nil, fmt.Errorf("after the restart DBSIZE is %d, not %d", size.Int, n)
	}
	return map[string]float64{"save_s": saved, "load_s": loaded}, nil
}

// latencyDuringBgsave sends GETs at a fixed rate, starts a BGSAVE, and measures the GETs'
// latency until it has finished: a server that copies its keyspace, or forks, stops its
// clients for that long.
func latencyDuringBgsave(ctx context.Context, p *probe, n int) (map[string]float64, error) {
	return latencyDuring(ctx, p.addr, n, "bgsave_s", func() (func() (bool, error), func(), error) {
		if _, err := ask(p.addr, "BGSAVE"); err != nil {
			return nil, nil, err
		}
		done := func() (bool, error) {
			info, err := ask(p.addr, "INFO", "persistence")
			return strings.Contains(info.Str, "rdb_bgsave_in_progress:0"), err
		}
		return done, func() {}, nil
	})
}

// latencyDuringFullSync does the same while a real Redis replica connects and syncs in full.
func latencyDuringFullSync(ctx context.Context, p *probe, redis string, n int) (map[string]float64, error) {
	if redis == "" {
		return nil, errors.New("this scenario's replica is a redis-server, and it is not installed")
	}
	return latencyDuring(ctx, p.addr, n, "fullsync_s", func() (func() (bool, error), func(), error) {
		dir, err := os.MkdirTemp("", "bench-replica-")
		if err != nil {
			return nil, nil, err
		}
		host, port, _ := net.SplitHostPort(p.addr)
		replica, err := stages.Start(stages.Target{Command: redis + " --bind 127.0.0.1"}, dir,
			"--replicaof", host, port, "--save", "", "--appendonly", "no")
		if err != nil {
			os.RemoveAll(dir)
			return nil, nil, err
		}
		done := func() (bool, error) {
			info, err := ask(replica.Addr(), "INFO", "replication")
			return strings.Contains(info.Str, "master_link_status:up"), err
		}
		return done, func() { replica.Stop(); os.RemoveAll(dir) }, nil
	})
}

// latencyDuring sends GETs at a fixed rate (10,000 a second, over the keys 0 to n-1), starts
// something, and measures the GETs' latency until it is done, and how long it took (as
// metric). The latency counts from when each GET was due: a server that stalls is charged
// for every GET it held back.
func latencyDuring(ctx context.Context, addr string, n int, metric string,
	begin func() (done func() (bool, error), cleanup func(), err error)) (map[string]float64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan *Result, 1)
	go func() {
		results <- Generate(ctx, addr, Workload{Conns: 10, Mix: []string{"get"}, Keyspace: n, Rate: 10_000, Duration: time.Minute})
	}()
	stop := func() *Result { cancel(); return <-results }
	time.Sleep(200 * time.Millisecond) // the load is under way
	start := time.Now()
	done, cleanup, err := begin()
	if err != nil {
		stop()
		return nil, err
	}
	defer cleanup()
	for {
		finished, err := done()
		if err != nil {
			stop()
			return nil, err
		}
		if finished {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	took := since(start)
	time.Sleep(200 * time.Millisecond)
	r := stop()
	return map[string]float64{metric: took, "max_ms": float64(r.Latency.Max()) / 1e6,
		"p99.9_ms": float64(r.Latency.ValueAtQuantile(99.9)) / 1e6}, nil
}

// subscribers connects n subscribers to the publish load's channel, which read whatever
// comes; the function returned disconnects them.
func subscribers(ctx context.Context, addr string, n int) (stop func()) {
	var wg sync.WaitGroup
	var conns []net.Conn
	for range n {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err != nil {
			break
		}
		c.Write([]byte(resp.Command("SUBSCRIBE", benchChannel)))
		in := resp.NewReplyReader(c)
		if _, err := in.Skip(); err != nil { // subscribed: the messages will come
			c.Close()
			break
		}
		conns = append(conns, c)
		wg.Go(func() {
			for {
				if _, err := in.Skip(); err != nil {
					return
				}
			}
		})
	}
	return func() {
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
	}
}

// runRedisBenchmark runs redis-benchmark against addr and returns its requests per second
// per test, as redis_benchmark_set_rps and redis_benchmark_get_rps.
func runRedisBenchmark(ctx context.Context, addr string, args []string) (map[string]float64, error) {
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.CommandContext(ctx, "redis-benchmark", append([]string{"-h", host, "-p", port, "--csv"}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("redis-benchmark: %v", err)
	}
	return parseRedisBenchmarkCSV(string(out))
}

// parseRedisBenchmarkCSV reads redis-benchmark --csv: a header, then one line per test,
// "test","rps",... (redis-benchmark 7.0).
func parseRedisBenchmarkCSV(out string) (map[string]float64, error) {
	rows, err := csv.NewReader(bufio.NewReader(strings.NewReader(out))).ReadAll()
	if err != nil {
		return nil, err
	}
	metrics := map[string]float64{}
	for _, row := range rows {
		if len(row) < 2 || row[0] == "test" {
			continue
		}
		rps, err := strconv.ParseFloat(row[1], 64)
		if err != nil {
			return nil, fmt.Errorf("redis-benchmark printed %q", strings.Join(row, ","))
		}
		metrics["redis_benchmark_"+strings.ToLower(row[0])+"_rps"] = rps
	}
	if len(metrics) == 0 {
		return nil, fmt.Errorf("redis-benchmark printed no results: %q", out)
	}
	return metrics, nil
}
