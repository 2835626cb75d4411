package bench

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"byoredis/shared/redistest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCoreCounts(t *testing.T) {
	counts, err := coreCounts("all", 16, 8)
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2, 4, 8}, counts)
	counts, err = coreCounts("all", 16, 4)
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2, 4, 8, 12}, counts, "up to what is left, the last count included")
	counts, err = coreCounts("1, 3", 4, 1)
	require.NoError(t, err)
	assert.Equal(t, []int{1, 3}, counts)
	for _, bad := range []struct {
		value        string
		cpus, client int
	}{{"4", 4, 1}, {"0", 4, 1}, {"two", 4, 1}, {"all", 2, 2}} {
		_, err := coreCounts(bad.value, bad.cpus, bad.client)
		assert.Error(t, err, "%+v", bad)
	}
	assert.Equal(t, "0", cpuRange(0, 1))
	assert.Equal(t, "2-5", cpuRange(2, 4))
}

// A run of the scaling mode takes the user's flags, less those the parent keeps.
func TestChildArgs(t *testing.T) {
	args := []string{"--server", "a=./a", "--server-cores", "1,2", "--client-cores=2", "--json", "out.json", "--html=out.html", "--no-pin", "--rounds", "5"}
	assert.Equal(t, []string{"--server", "a=./a", "--rounds", "5", "--no-pin", "--json", "run.json"}, childArgs(args, "run.json"))
}

// scalingSample is two runs, on 1 and 2 cores: Redis stays where it is, ours doubles; at 2
// cores the load generator is busy on 95 % of its core while it measures ours.
func scalingSample() *Scaling {
	load := &Workload{Conns: 50, Pipeline: 1, Mix: []string{"set", "get"}}
	run := func(cores int, redis, ours, busy float64) ScalingRun {
		contenders := []Contender{{Name: "redis"}, {Name: "ours"}}
		o := Outcome{Scenario: Scenario{Name: "set-get-p1", Load: load}, Measurements: []Measurement{
			{Server: "redis", Round: 1, Metrics: map[string]float64{"throughput": redis, "loadgen_busy": 0.5}},
			{Server: "ours", Round: 1, Metrics: map[string]float64{"throughput": ours, "loadgen_busy": busy}},
		}}
		o.Ratios = ratios(o.Measurements, contenders)
		return ScalingRun{ServerCores: cores, Report: Report{Rounds: 1, Contenders: contenders, Outcomes: []Outcome{o}}}
	}
	return &Scaling{ClientCores: 1, Runs: []ScalingRun{run(1, 100_000, 100_000, 0.5), run(2, 100_000, 200_000, 0.95)}}
}

func TestScalingTableAndWarnings(t *testing.T) {
	s := scalingSample()
	table := s.Table()
	assert.Regexp(t, `redis\s+100000\s+100000`, table)
	assert.Regexp(t, `ours\s+100000 \(1\.00×\)\s+200000 \(2\.00×\)`, table)
	warnings := s.Warnings()
	require.Len(t, warnings, 2)
	assert.Contains(t, warnings[0], "servers on 1 core(s): every server reached the same throughput")
	assert.Contains(t, warnings[1], "servers on 2 core(s): the load generator was busy on 95% of its 1 core(s) while it measured ours")
	assert.NotContains(t, s.Runs[1].Report.Outcomes[0].Ratios["ours"], "loadgen_busy", "the load generator's share is no server's ratio")
	var page bytes.Buffer
	require.NoError(t, s.HTML(&page))
	assert.Contains(t, page.String(), `<img src="data:image/png;base64,`)
}

// The scaling mode runs on a machine of two cores, the least it needs: one for the server,
// one for the load generator, each run pinned (Linux, taskset).
func TestScalingModeRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers and loads them for a second")
	}
	if runtime.GOOS != "linux" || runtime.NumCPU() < 2 {
		t.Skip("the scaling mode pins with taskset (Linux), a core for the server and one for the load generator")
	}
	_, err := exec.LookPath("taskset") // util-linux: on every Linux
	require.NoError(t, err)
	redis := redistest.RequireTool(t, "redis-server")
	dir := t.TempDir()
	bench := filepath.Join(dir, "bench")
	build := exec.Command("go", "build", "-tags", "solution", "-o", bench, "./cmd/bench")
	build.Dir = ".."
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	jsonPath := filepath.Join(dir, "scaling.json")
	run := exec.Command(bench, "--redis", redis, "--server-cores", "1", "--client-cores", "1", "--scenarios", "set-get-p1",
		"--rounds", "1", "--duration", (500 * time.Millisecond).String(), "--json", jsonPath)
	out, err = run.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "the servers on 1 core(s) (0), the load generator on 1 (1)")
	assert.Contains(t, string(out), "Throughput against the servers' cores")
	data, err := os.ReadFile(jsonPath)
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(data), `"server_cpus": "0"`), "each run records where its servers ran")
}
