package bench

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"time"

	"byoredis/shared/stages"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Contender is a server to measure: real Redis, a step of the course, or any command.
type Contender struct {
	Name    string        `json:"name"`
	Command string        `json:"command"`
	Args    []string      `json:"args,omitempty"` // added to every start, before the scenario's
	Step    int           `json:"step,omitempty"` // the course's step it is, if it is one
	Addr    string        `json:"addr,omitempty"` // a server already running, which the benchmark does not start
	Target  stages.Target `json:"-"`
}

// Measurement is what one round measured of one server in one scenario.
type Measurement struct {
	Server  string             `json:"server"`
	Round   int                `json:"round"`
	Metrics map[string]float64 `json:"metrics"`
	Failure string             `json:"failure,omitempty"`
	latency *hdrhistogram.Histogram
}

// Spread is a ratio to the reference server over the rounds: the median of the rounds'
// ratios, and the lowest and highest.
type Spread struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// Outcome is one scenario's measurements, and each server's ratios to the reference (the
// first contender) per metric.
type Outcome struct {
	Scenario     Scenario                     `json:"scenario"`
	Measurements []Measurement                `json:"measurements"`
	Ratios       map[string]map[string]Spread `json:"ratios"`  // server → metric → ratio
	Latency      map[string][]Percentile      `json:"latency"` // server → percentiles, all rounds merged
}

// Percentile is one point of a latency distribution.
type Percentile struct {
	Percentile float64 `json:"percentile"`
	Ms         float64 `json:"ms"`
}

// compareScenario starts every contender with the scenario's settings, prepares each, then
// measures them in rounds that interleave them (A B A B ...): whatever the machine does
// meanwhile (another job, a warmer cache, a CPU throttled) falls on both alike, and each
// round's ratio is fair even when the absolute figures drift from round to round.
func compareScenario(ctx context.Context, sc Scenario, contenders []Contender, rounds int, progress func(string)) Outcome {
	out := Outcome{Scenario: sc, Ratios: map[string]map[string]Spread{}, Latency: map[string][]Percentile{}}
	var taking []Contender
	for _, c := range contenders {
		if c.Step == 0 || c.Step >= sc.FromStep {
			taking = append(taking, c)
		}
	}
	servers := make([]*contenderServer, len(taking))
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	merged := map[string]*hdrhistogram.Histogram{}
	for round := 1; round <= rounds && ctx.Err() == nil; round++ {
		for i, c := range taking {
			if sc.Fresh || servers[i] == nil {
				servers[i].stop()
				progress(fmt.Sprintf("%s: round %d of %d: starting %s", sc.Name, round, rounds, c.Name))
				s, err := startContender(ctx, c, sc)
				servers[i] = s
				if err != nil {
					out.Measurements = append(out.Measurements, Measurement{Server: c.Name, Round: round, Failure: err.Error()})
					continue
				}
			}
			if servers[i].failed != nil {
				continue
			}
			progress(fmt.Sprintf("%s: round %d of %d: %s", sc.Name, round, rounds, c.Name))
			m := measure(ctx, sc, servers[i])
			m.Server, m.Round = c.Name, round
			if m.latency != nil {
				if merged[c.Name] == nil {
					merged[c.Name] = newLatencyHistogram()
				}
				merged[c.Name].Merge(m.latency)
			}
			out.Measurements = append(out.Measurements, m)
		}
	}
	for name, h := range merged {
		out.Latency[name] = percentiles(h)
	}
	out.Ratios = ratios(out.Measurements, taking)
	return out
}

// contenderServer is a contender running with a scenario's settings, in a folder of its own.
type contenderServer struct {
	*stages.Running
	addr   string // of a server the benchmark did not start
	target stages.Target
	dir    string
	args   []string
	failed error
}

func startContender(ctx context.Context, c Contender, sc Scenario) (*contenderServer, error) {
	if c.Addr != "" {
		s := &contenderServer{addr: c.Addr}
		if len(sc.Args) > 0 || sc.Fresh {
			s.failed = errors.New("this scenario starts its servers with settings of its own, or anew: not for a server given by its address")
			return s, s.failed
		}
		if sc.Prepare != nil {
			if err := sc.Prepare(ctx, s.address()); err != nil {
				s.failed = fmt.Errorf("preparing: %v", err)
			}
		}
		return s, s.failed
	}
	dir, err := os.MkdirTemp("", "bench-")
	if err != nil {
		return &contenderServer{failed: err}, err
	}
	s := &contenderServer{target: c.Target, dir: dir, args: append(slices.Clone(c.Args), sc.Args...)}
	if s.Running, err = stages.Start(s.target, dir, s.args...); err != nil {
		s.failed = err
		return s, err
	}
	if sc.Prepare != nil {
		if err := sc.Prepare(ctx, s.address()); err != nil {
			s.failed = fmt.Errorf("preparing: %v", err)
			return s, s.failed
		}
	}
	return s, nil
}

func (s *contenderServer) address() string {
	if s.Running == nil {
		return s.addr
	}
	return s.Running.Addr()
}

// restart stops the server and starts it again in the same folder, with its files.
func (s *contenderServer) restart() (string, error) {
	if err := s.Running.Stop(); err != nil {
		return "", err
	}
	var err error
	if s.Running, err = stages.Start(s.target, s.dir, s.args...); err != nil {
		return "", err
	}
	return s.Running.Addr(), nil
}

func (s *contenderServer) stop() {
	if s == nil {
		return
	}
	if s.Running != nil {
		s.Running.Stop()
	}
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}

// measure runs the scenario's load (or its probe) once against a server.
func measure(ctx context.Context, sc Scenario, s *contenderServer) Measurement {
	m := Measurement{Metrics: map[string]float64{}}
	if sc.Probe != nil {
		p := &probe{addr: s.address(), restart: s.restart}
		if s.Running != nil {
			p.pid = s.Running.PID()
		}
		metrics, err := sc.Probe(ctx, p)
		if err != nil {
			m.Failure = err.Error()
		}
		maps.Copy(m.Metrics, metrics)
	}
	if sc.Load != nil {
		stopSubscribers := subscribers(ctx, s.address(), sc.Subscribers)
		busy := loadgenUsage()
		r := Generate(ctx, s.address(), *sc.Load)
		if busy != nil {
			m.Metrics["loadgen_busy"] = busy()
		}
		stopSubscribers()
		if r.Failure != nil {
			m.Failure = r.Failure.Error()
			return m
		}
		if r.Errors > 0 {
			m.Failure = fmt.Sprintf("%d of %d replies were errors", r.Errors, r.Requests)
		}
		m.latency = r.Latency
		m.Metrics["throughput"] = r.Throughput()
		for _, p := range reportedPercentiles {
			m.Metrics[p.metric] = float64(r.Latency.ValueAtQuantile(p.quantile)) / 1e6
		}
		m.Metrics["max_ms"] = float64(r.Latency.Max()) / 1e6
	}
	if len(sc.RedisBenchmark) > 0 {
		if _, err := exec.LookPath("redis-benchmark"); err == nil {
			metrics, err := runRedisBenchmark(ctx, s.address(), sc.RedisBenchmark)
			if err != nil && m.Failure == "" {
				m.Failure = err.Error()
			}
			maps.Copy(m.Metrics, metrics)
		}
	}
	return m
}

// The percentiles reported for every load, as metrics named p50_ms ... p99.9_ms.
var reportedPercentiles = []struct {
	metric   string
	quantile float64
}{{"p50_ms", 50}, {"p90_ms", 90}, {"p99_ms", 99}, {"p99.9_ms", 99.9}}

// percentiles is a latency distribution at the percentiles a chart shows: 0, 50, 75, 90 ...
// up to 99.999, and the maximum.
func percentiles(h *hdrhistogram.Histogram) []Percentile {
	var out []Percentile
	for _, q := range []float64{0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999} {
		out = append(out, Percentile{q, float64(h.ValueAtQuantile(q)) / 1e6})
	}
	return append(out, Percentile{100, float64(h.Max()) / 1e6})
}

// ratios pairs each round's measurement of every server with the reference's (the first
// contender) in the same round.
func ratios(ms []Measurement, contenders []Contender) map[string]map[string]Spread {
	out := map[string]map[string]Spread{}
	if len(contenders) < 2 {
		return out
	}
	ref := contenders[0].Name
	byRound := map[int]map[string]Measurement{}
	for _, m := range ms {
		if m.Failure != "" {
			continue
		}
		if byRound[m.Round] == nil {
			byRound[m.Round] = map[string]Measurement{}
		}
		byRound[m.Round][m.Server] = m
	}
	rounds := slices.Sorted(maps.Keys(byRound))
	for _, c := range contenders[1:] {
		metrics := map[string]Spread{}
		for _, metric := range metricNames(ms) {
			if metric == "loadgen_busy" { // the load generator's, not the server's: no ratio
				continue
			}
			var ours, theirs []float64
			for _, round := range rounds {
				a, okA := byRound[round][c.Name]
				b, okB := byRound[round][ref]
				va, hasA := a.Metrics[metric]
				vb, hasB := b.Metrics[metric]
				if okA && okB && hasA && hasB && vb != 0 {
					ours, theirs = append(ours, va), append(theirs, vb)
				}
			}
			if len(ours) > 0 {
				metrics[metric] = pairedRatio(ours, theirs)
			}
		}
		out[c.Name] = metrics
	}
	return out
}

func metricNames(ms []Measurement) []string {
	seen := map[string]bool{}
	for _, m := range ms {
		for k := range m.Metrics {
			seen[k] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// since is a duration in seconds, for the probes' metrics.
func since(t time.Time) float64 { return time.Since(t).Seconds() }
