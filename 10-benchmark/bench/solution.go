//go:build solution

// Reference solutions to EXERCISES.md, built only with `-tags solution`. Try the exercises
// before you read them.

package bench

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"time"
)

// The rate is shared by the connections: each sends every conns/rate seconds, and
// connection id starts id/conns of that interval after the first, so that the requests are
// spread evenly instead of arriving conns at a time.
func dueTime(start time.Time, rate float64, conns, id, i int) time.Time {
	interval := float64(time.Second) * float64(conns) / rate
	return start.Add(time.Duration(interval * (float64(i) + float64(id)/float64(conns))))
}

// Each round gives one ratio, measured while the machine was in one state; the median of
// those ratios holds when the machine drifts, where a ratio of two medians pairs figures
// from different rounds.
func pairedRatio(ours, theirs []float64) Spread {
	ratios := make([]float64, len(ours))
	for r := range ours {
		ratios[r] = ours[r] / theirs[r]
	}
	slices.Sort(ratios)
	median := ratios[len(ratios)/2]
	if len(ratios)%2 == 0 {
		median = (ratios[len(ratios)/2-1] + ratios[len(ratios)/2]) / 2
	}
	return Spread{Median: median, Min: ratios[0], Max: ratios[len(ratios)-1]}
}

// VmRSS is the memory the process has in RAM, in kB (KiB, in fact); VmSize counts address
// space it reserved and never touched, which a Go runtime has gigabytes of.
func residentBytes(status []byte) (int64, error) {
	for line := range bytes.Lines(status) {
		if value, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			fields := bytes.Fields(value)
			if len(fields) != 2 || string(fields[1]) != "kB" {
				return 0, errors.New("VmRSS is not in kB: " + string(line))
			}
			kb, err := strconv.ParseInt(string(fields[0]), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS line: is this /proc/PID/status?")
}
