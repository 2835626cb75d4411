package bench

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"byoredis/shared/redistest"
	"byoredis/shared/stages"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sampleReport() *Report {
	load := &Workload{Conns: 50, Pipeline: 1, Mix: []string{"set", "get"}, Keyspace: 100, Value: 16, Duration: time.Second}
	latency := []Percentile{{0, 0.1}, {50, 0.4}, {90, 0.8}, {99, 1.5}, {99.9, 3}, {100, 7.5}}
	outcome := Outcome{
		Scenario: Scenario{Name: "set-get-p1", Title: "SET and GET", Load: load},
		Latency:  map[string][]Percentile{"redis": latency, "ours": latency},
	}
	for round, figures := range [][2]float64{{70_000, 63_000}, {71_000, 70_000}, {50_000, 47_000}} {
		outcome.Measurements = append(outcome.Measurements,
			Measurement{Server: "redis", Round: round + 1, Metrics: map[string]float64{"throughput": figures[0], "p99_ms": 1.25}},
			Measurement{Server: "ours", Round: round + 1, Metrics: map[string]float64{"throughput": figures[1], "p99_ms": 1.5}})
	}
	contenders := []Contender{{Name: "redis"}, {Name: "ours"}}
	outcome.Ratios = ratios(outcome.Measurements, contenders)
	memory := Outcome{Scenario: Scenario{Name: "memory", Title: "RSS per key"}, Measurements: []Measurement{
		{Server: "redis", Round: 1, Metrics: map[string]float64{"rss_per_key_bytes": 113}},
		{Server: "ours", Round: 1, Failure: "the server exited"},
	}}
	return &Report{Started: time.Now(), Rounds: 3, Machine: Machine{CPUs: 2, GoVersion: "go"}, Contenders: contenders,
		Outcomes: []Outcome{outcome, memory}}
}

// The HTML report shows the JSON's figures (each server's median over the rounds, and its
// ratio), and its charts are PNG images that decode.
func TestHTMLReportAgreesWithTheJSON(t *testing.T) {
	dir := t.TempDir()
	report := sampleReport()
	require.NoError(t, report.WriteJSON(filepath.Join(dir, "report.json")))
	require.NoError(t, report.WriteHTML(filepath.Join(dir, "report.html")))

	var fromJSON Report
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &fromJSON))
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	require.NoError(t, err)

	cells := regexp.MustCompile(`data-server="([^"]+)" data-metric="([^"]+)" data-median="([^"]+)"`).FindAllStringSubmatch(string(page), -1)
	require.Len(t, cells, 5, "throughput and p99 of both servers, and Redis's memory (ours failed)")
	for _, cell := range cells {
		shown, err := strconv.ParseFloat(cell[3], 64)
		require.NoError(t, err)
		var values []float64
		for _, o := range fromJSON.Outcomes {
			for _, m := range o.Measurements {
				if v, ok := m.Metrics[cell[2]]; ok && m.Server == cell[1] {
					values = append(values, v)
				}
			}
		}
		assert.Equal(t, median(values), shown, "%s %s", cell[1], cell[2])
	}
	assert.Contains(t, string(page), `data-server="redis" data-metric="throughput" data-median="70000"`, "the median of 70,000, 71,000 and 50,000")
	assert.Contains(t, string(page), `data-server="ours" data-metric="throughput" data-median="63000"`, "the median of 63,000, 70,000 and 47,000")
	ratio := regexp.MustCompile(`data-ratio="([^"]+)"`).FindAllStringSubmatch(string(page), -1)
	require.Len(t, ratio, 2)
	for _, r := range ratio {
		shown, _ := strconv.ParseFloat(r[1], 64)
		json := fromJSON.Outcomes[0].Ratios["ours"]
		assert.True(t, shown == json["throughput"].Median || shown == json["p99_ms"].Median, "ratio %v is in the JSON", shown)
	}
	assert.Contains(t, string(page), "round 1, ours: the server exited")

	images := regexp.MustCompile(`src="data:image/png;base64,([^"]+)"`).FindAllStringSubmatch(string(page), -1)
	require.Len(t, images, 3, "the throughput chart, set-get-p1's latency chart, and the memory probe's bars")
	for _, img := range images {
		raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(img[1]))
		require.NoError(t, err)
		picture, err := png.Decode(bytes.NewReader(raw))
		require.NoError(t, err)
		assert.Greater(t, picture.Bounds().Dx(), 500)
	}
	assert.NotRegexp(t, `(src|href)="[a-z]+:`+"//", string(page), "the report opens offline: nothing to fetch")
}

// The table shows each server's median, its paired ratio, and the rounds that failed.
func TestTableShowsMediansRatiosAndFailures(t *testing.T) {
	table := sampleReport().Table()
	assert.Contains(t, table, "set-get-p1: SET and GET")
	assert.Contains(t, table, "70000")
	assert.Contains(t, table, "63000 (")
	assert.Contains(t, table, "round 1, ours: the server exited")
}

// The table names each metric with its unit and which way is better, and says how far to
// trust the figures: rounds whose ratios disagree are marked, and one round is flagged.
func TestTableSaysHowFarToTrustIt(t *testing.T) {
	report := sampleReport()
	table := report.Table()
	assert.Contains(t, table, "throughput (requests/s, higher is better)")
	assert.Contains(t, table, "latency p99 (ms, lower is better)")
	assert.Contains(t, table, "memory per key, settled (bytes, lower is better)")
	assert.NotContains(t, table, "One round")
	report.Outcomes[0].Ratios["ours"]["throughput"] = Spread{Median: 0.94, Min: 0.90, Max: 0.99}
	assert.NotContains(t, report.Table(), "!", "rounds that agree")

	// Rounds that disagree: 0.5× in one round, about 1× in the others.
	report.Outcomes[0].Ratios["ours"]["throughput"] = Spread{Median: 0.94, Min: 0.50, Max: 0.99}
	report.Rounds = 1
	table = report.Table()
	assert.Contains(t, table, "(0.94× 0.50–0.99) !")
	assert.Contains(t, table, "1 ratios marked ! come from rounds that disagree")
	assert.Contains(t, table, "One round: ")
	var page bytes.Buffer
	require.NoError(t, report.HTML(&page))
	assert.Contains(t, page.String(), "⚠ One round: ")
	assert.Contains(t, page.String(), "throughput (requests/s, higher is better)")
}

// Side by side against real Redis: every round of every scenario measures both servers,
// this step's server among them, and the ratios pair them.
func TestBenchmarkAgainstRealRedis(t *testing.T) {
	redis := stages.RealRedis(t)
	contenders := []Contender{
		{Name: "redis", Target: redis, Args: []string{"--save", "", "--appendonly", "no"}},
		{Name: "10-benchmark", Target: stepServer(t), Args: []string{"--save", ""}, Step: 10},
	}
	all := defaultScenarios(Options{Conns: 4, Duration: 100 * time.Millisecond, Keys: 5000,
		Redis: redistest.RequireTool(t, "redis-server"), Settle: 100 * time.Millisecond})
	for _, sc := range all {
		t.Run(sc.Name, func(t *testing.T) {
			sc.RedisBenchmark = nil
			o := compareScenario(context.Background(), sc, contenders, 2, func(string) {})
			require.Len(t, o.Measurements, 4, "2 rounds of 2 servers")
			for i, m := range o.Measurements {
				assert.Equal(t, contenders[i%2].Name, m.Server, "the servers take turns")
				assert.Equal(t, i/2+1, m.Round)
				assert.Empty(t, m.Failure, "%s, round %d", m.Server, m.Round)
				if sc.Load != nil {
					assert.Positive(t, m.Metrics["throughput"])
				}
				switch sc.Name { // the probes' own figures (their latencies count only with exercise 1 done)
				case "bgsave-latency":
					assert.Positive(t, m.Metrics["bgsave_s"])
				case "fullsync-latency":
					assert.Positive(t, m.Metrics["fullsync_s"])
				case "save-load":
					assert.Positive(t, m.Metrics["load_s"])
				}
			}
			if sc.Load != nil {
				assert.Contains(t, o.Ratios["10-benchmark"], "throughput")
				assert.Len(t, o.Latency, 2)
			}
		})
	}
}

// stepServer builds step 10's server, the package above this one, to be measured.
func stepServer(t *testing.T) stages.Target {
	exe := filepath.Join(t.TempDir(), "10-benchmark")
	out, err := exec.Command("go", "build", "-o", exe, "..").CombinedOutput()
	require.NoError(t, err, "building step 10's server: %s", out)
	return stages.Target{Command: exe}
}

// redis-benchmark's CSV (7.0) becomes a figure per test.
func TestRedisBenchmarkCSV(t *testing.T) {
	out := `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"SET","72254.34","0.362","0.096","0.351","0.519","0.687","1.783"
"GET","75414.78","0.346","0.088","0.335","0.495","0.655","1.151"
`
	metrics, err := parseRedisBenchmarkCSV(out)
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"redis_benchmark_set_rps": 72254.34, "redis_benchmark_get_rps": 75414.78}, metrics)
	_, err = parseRedisBenchmarkCSV("")
	assert.Error(t, err)
}

// A server given by its address (--addr) is measured in the loads, and left out, with the
// reason, of the scenarios that must start their servers themselves.
func TestBenchmarkAServerAlreadyRunning(t *testing.T) {
	addr := redistest.StartRedis(t)
	contenders := []Contender{{Name: "running", Addr: addr}}
	for _, sc := range defaultScenarios(Options{Conns: 2, Duration: 100 * time.Millisecond, Keys: 1000}) {
		sc.RedisBenchmark = nil
		switch sc.Name {
		case "set-get-p1":
			o := compareScenario(context.Background(), sc, contenders, 1, func(string) {})
			require.Len(t, o.Measurements, 1)
			assert.Empty(t, o.Measurements[0].Failure)
			assert.Positive(t, o.Measurements[0].Metrics["throughput"])
		case "memory", "aof-always":
			o := compareScenario(context.Background(), sc, contenders, 1, func(string) {})
			require.Len(t, o.Measurements, 1)
			assert.Contains(t, o.Measurements[0].Failure, "not for a server given by its address")
		}
	}
}

// Without redis-server, the servers named are measured alone; with it, Redis comes first (the
// reference of every ratio) and gets the same flags. A step's server is known by its name.
func TestContenders(t *testing.T) {
	alone, err := contendersFrom("no-such-redis-server", []string{"05-aof=/bin/true"}, nil, "--appendonly yes")
	require.NoError(t, err)
	require.Len(t, alone, 1)
	assert.Equal(t, "05-aof", alone[0].Name)
	assert.Equal(t, 5, alone[0].Step)
	assert.Equal(t, []string{"--appendonly", "yes"}, alone[0].Args)

	with, err := contendersFrom("/bin/true", []string{"10-benchmark=/bin/true"}, []string{"mine=127.0.0.1:7000"}, "--appendonly yes")
	require.NoError(t, err)
	require.Len(t, with, 3)
	assert.Equal(t, "redis", with[0].Name)
	assert.Equal(t, []string{"--save", "", "--appendonly", "no", "--appendonly", "yes"}, with[0].Args)
	assert.Equal(t, []string{"--save", "", "--appendonly", "yes"}, with[1].Args, "from step 06 on a server saves by default: not while measured")
	assert.Equal(t, "127.0.0.1:7000", with[2].Addr)

	_, err = contendersFrom("none", nil, nil, "")
	assert.ErrorContains(t, err, "no server to measure")
}

// The report names the Redis it measured, and none when it measured without one.
func TestMachineNamesTheRedisMeasured(t *testing.T) {
	assert.Empty(t, describeMachine("").Redis, "no Redis measured, none named, even where one is installed")
	program := filepath.Join(t.TempDir(), "my-redis-server")
	require.NoError(t, os.WriteFile(program, []byte("#!/bin/sh\necho \"my Redis, asked $1\"\n"), 0o755))
	assert.Equal(t, "my Redis, asked --version", describeMachine(program).Redis, "the program given, asked for its --version")
}

// The progress line says which scenario of how many runs, the time so far and, from the
// second scenario on, about how long the rest will take.
func TestProgressSaysWhatIsLeft(t *testing.T) {
	out, err := os.CreateTemp(t.TempDir(), "progress")
	require.NoError(t, err)
	p := newProgress(out, 4)
	p.scenario = 1
	p.show("set-get-p1: round 1 of 3: redis")
	p.started = time.Now().Add(-time.Minute) // two scenarios done in a minute
	p.scenario = 3
	p.show("large-values: round 2 of 3: redis")
	printed, err := os.ReadFile(out.Name())
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(printed)), "\n")
	require.Len(t, lines, 2)
	assert.Equal(t, "[1 of 4] set-get-p1: round 1 of 3: redis (0s so far)", lines[0])
	assert.Equal(t, "[3 of 4] large-values: round 2 of 3: redis (1m0s so far, about 1m0s left)", lines[1])
}
