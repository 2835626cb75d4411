package main

import (
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// Active expiry. Passive expiry (Keyspace.Get) removes an expired key when somebody asks for
// it; a key nobody asks for again would stay in memory forever. So, like Redis, the server
// also looks for expired keys in the background.
//
// Redis's activeExpireCycle, with its default settings (hz 10, active-expire-effort 1):
//   - it runs hz = 10 times a second;
//   - each run samples 20 keys from the keys that have an expiry, and deletes the expired ones;
//   - it repeats while more than 10% of a sample had expired, since then many more probably
//     have too, and stops when the sample looks clean;
//   - it spends at most 25% of the CPU on it: 25 ms per run at hz 10.
//
// This server does the same, with two differences. Redis walks its hash table from a saved
// cursor; Go's map iteration already starts at a random position, so ranging over the first
// 20 keys is a random sample. And Redis runs the cycle on its only thread, so clients wait
// while it runs; here it locks one stripe at a time, and clients' commands run meanwhile.
const (
	expireSampleSize    = 20 // ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP
	expireAcceptedStale = 10 // percent: stop when no more of a sample had expired
	expireCPUPercent    = 25 // ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC
)

// expireCycleBudget is how long one cycle may run: 25% of the time between two cycles.
func expireCycleBudget(hz int) time.Duration {
	return time.Second / time.Duration(hz) * expireCPUPercent / 100
}

// activeExpireCycle deletes expired keys until a sample shows few of them, or the time budget
// is spent, and returns how many it deleted.
func (s *Store) activeExpireCycle(budget time.Duration) int {
	if s.replica.Load() {
		return 0 // a replica waits for its master's DEL
	}
	start := time.Now()
	deleted := 0
	for {
		sampled, expired := s.expireSample()
		deleted += expired
		if sampled == 0 || expired*100/sampled <= expireAcceptedStale {
			return deleted
		}
		if time.Since(start) > budget {
			return deleted
		}
	}
}

// expireSample looks at up to expireSampleSize keys that have an expiry and deletes the
// expired ones. It takes them from the shards' expiry maps, stripe after stripe from a random
// one, each stripe locked in turn: the keys without an expiry are never looked at.
func (s *Store) expireSample() (sampled, expired int) {
	first := rand.IntN(stripeCount)
	for n := 0; n < stripeCount && sampled < expireSampleSize; n++ {
		stripe := (first + n) % stripeCount
		s.write([]int{stripe}, func(k *Keyspace) {
			now := time.Now().UnixMilli()
			for i := stripe * stripeShards; i < (stripe+1)*stripeShards; i++ {
				for key, expireAt := range s.shards[i].expires {
					if sampled == expireSampleSize {
						return
					}
					sampled++
					if now > expireAt {
						k.expire(key) // deleting during range is allowed in Go
						expired++
					}
				}
			}
		})
	}
	return sampled, expired
}

// expireLoop runs activeExpireCycle hz times a second until stop is closed. A rate changed by
// CONFIG SET applies from the next tick.
func (s *Store) expireLoop(hz *atomic.Int64, stop <-chan struct{}) {
	rate := hz.Load()
	ticker := time.NewTicker(time.Second / time.Duration(rate))
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			if now := hz.Load(); now != rate {
				rate = now
				ticker.Reset(time.Second / time.Duration(rate))
			}
			s.activeExpireCycle(expireCycleBudget(int(rate)))
		case <-stop:
			return
		}
	}
}
