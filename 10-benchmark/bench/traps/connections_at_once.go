//go:build ignore

// Exercise 1: starting every connection at the same instant, so that their requests arrive together and queue behind each other, where spread over the interval none waits

package bench

import "time"

func dueTime(start time.Time, rate float64, conns, id, i int) time.Time {
	interval := float64(time.Second) * float64(conns) / rate
	return start.Add(time.Duration(interval * float64(i)))
}
