//go:build !solution

// This file holds the exercises of EXERCISES.md, each a stub for you to replace. Run
// `make check STEP=10` to see which pass.

package bench

import "time"

// dueTime is when request i (0, 1, 2 ...) of connection id (0 to conns-1) is due, in a run
// that sends rate requests a second across its conns connections from start. Exercise 1:
// until then every request is due the moment it is asked about, which makes the fixed rate a
// closed loop again.
func dueTime(start time.Time, rate float64, conns, id, i int) time.Time {
	return time.Now()
}

// pairedRatio is how a server compares with the reference over the rounds: ours[r] and
// theirs[r] were measured in the same round r. Exercise 2: until then it says 1×.
func pairedRatio(ours, theirs []float64) Spread {
	return Spread{Median: 1, Min: 1, Max: 1}
}

// residentBytes reads a process's resident memory, in bytes, from its /proc/PID/status.
// Exercise 3: until then it says 0.
func residentBytes(status []byte) (int64, error) {
	return 0, nil
}
