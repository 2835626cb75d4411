package bench

import (
	"os"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Exercise 1: at a fixed rate the requests are due on a schedule shared by the connections:
// 1,000 a second over 4 connections is 1,000 in a second, not 4,000; a stall counts for every
// request due during it; and the connections take turns, so that a server that answers one
// request at a time (as Redis does) never has two waiting at once when it keeps up.
func TestExercise1FixedRateSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{serviceTime: 100 * time.Microsecond, serial: true}
		r := generateOn(f, Workload{Conns: 4, Mix: []string{"get"}, Rate: 1000, Duration: time.Second})
		require.NoError(t, r.Failure)
		assert.Equal(t, int64(1000), r.Requests, "1,000 requests a second across all the connections, for a second")
		assert.True(t, r.Latency.ValuesAreEquivalent(int64(100*time.Microsecond), r.Latency.Max()),
			"a server that keeps up answers each request in its service time: no two were due at once (the slowest took %v)", time.Duration(r.Latency.Max()))
	})
	synctest.Test(t, func(t *testing.T) {
		f := &fakeServer{serviceTime: 100 * time.Microsecond, stallAt: 300, stall: 200 * time.Millisecond}
		r := generateOn(f, Workload{Conns: 1, Mix: []string{"get"}, Rate: 1000, Duration: time.Second})
		require.NoError(t, r.Failure)
		assert.GreaterOrEqual(t, r.Latency.ValueAtQuantile(90), int64(100*time.Millisecond),
			"the requests due during a 200 ms stall count from when they were due")
	})
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, start, dueTime(start, 1000, 4, 0, 0))
	assert.Equal(t, start.Add(time.Millisecond), dueTime(start, 1000, 4, 1, 0), "connection 1 starts a quarter of its 4 ms interval later")
	assert.Equal(t, start.Add(9*time.Millisecond), dueTime(start, 1000, 4, 1, 2))
}

// Exercise 2: a ratio over rounds is the median of each round's own ratio. Here the machine
// slowed down in round 2 and both servers with it: the paired ratios say 0.8× every round,
// where a ratio of the medians (or of the means) says otherwise.
func TestExercise2PairedRatio(t *testing.T) {
	ours := []float64{80, 40, 72}
	redis := []float64{100, 50, 90}
	assert.Equal(t, Spread{Median: 0.8, Min: 0.8, Max: 0.8}, pairedRatio(ours, redis))

	ours = []float64{110, 50, 90, 100}
	redis = []float64{100, 50, 100, 80}
	assert.Equal(t, Spread{Median: 1.05, Min: 0.9, Max: 1.25}, pairedRatio(ours, redis), "an even count of rounds: the mean of the middle two")
	assert.Equal(t, Spread{Median: 2, Min: 2, Max: 2}, pairedRatio([]float64{4}, []float64{2}))

	ms := []Measurement{
		{Server: "redis", Round: 1, Metrics: map[string]float64{"throughput": 100}},
		{Server: "ours", Round: 1, Metrics: map[string]float64{"throughput": 80}},
		{Server: "redis", Round: 2, Metrics: map[string]float64{"throughput": 50}},
		{Server: "ours", Round: 2, Metrics: map[string]float64{"throughput": 40}},
		{Server: "redis", Round: 3, Metrics: map[string]float64{"throughput": 90}},
		{Server: "ours", Round: 3, Failure: "refused"},
	}
	assert.Equal(t, map[string]map[string]Spread{"ours": {"throughput": {Median: 0.8, Min: 0.8, Max: 0.8}}},
		ratios(ms, []Contender{{Name: "redis"}, {Name: "ours"}}), "a round that failed pairs with nothing")
}

// Exercise 3: resident memory is VmRSS, in kB of 1,024 bytes; VmSize and VmHWM are not it.
func TestExercise3ResidentBytes(t *testing.T) {
	status := "Name:\tredis-server\nVmPeak:\t  160184 kB\nVmSize:\t  160184 kB\nVmHWM:\t    9876 kB\nVmRSS:\t    8460 kB\nThreads:\t5\n"
	n, err := residentBytes([]byte(status))
	require.NoError(t, err)
	assert.Equal(t, int64(8460*1024), n)

	_, err = residentBytes([]byte("Name:\tx\n"))
	assert.Error(t, err, "a status without VmRSS")

	// This test's own process: 64 MiB mapped and touched (outside Go's heap, which may
	// already hold freed pages) show in its RSS.
	mine, err := residentMemory(os.Getpid())
	require.NoError(t, err)
	ballast, err := syscall.Mmap(-1, 0, 64<<20, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	require.NoError(t, err)
	defer syscall.Munmap(ballast)
	for i := 0; i < len(ballast); i += 4096 {
		ballast[i] = 1
	}
	after, err := residentMemory(os.Getpid())
	require.NoError(t, err)
	assert.Greater(t, after-mine, int64(32<<20), "touching 64 MiB shows in the RSS")
}
