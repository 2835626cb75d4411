//go:build ignore

// Exercise 1: giving every connection the whole rate, where the connections share it (4 connections at 1,000 a second send 4,000)

package bench

import "time"

func dueTime(start time.Time, rate float64, conns, id, i int) time.Time {
	interval := float64(time.Second) / rate
	return start.Add(time.Duration(interval * (float64(i) + float64(id)/float64(conns))))
}
