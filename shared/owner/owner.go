// Package owner runs a server's background work on one goroutine, as Redis's main thread
// runs it: saves, rewrites of the append-only file, changes of replication role, CONFIG SET
// and the checks of serverCron happen one at a time, in the order they were asked for, so
// that two of them can never overlap (two saves writing one temporary file, two REPLICAOF
// commands each starting a link).
//
// The rules that keep it free of deadlocks: a job never calls Do (it would wait for itself),
// and a job may wait for another goroutine only if that goroutine never waits for the loop;
// such a goroutine hands the loop work with Post.
package owner

import (
	"sync"
	"time"
)

// Loop is the goroutine that owns the background work.
type Loop struct {
	jobs    chan func()
	quit    <-chan struct{} // closed to stop the loop: the server's stop
	stopped chan struct{}   // closed when the goroutine returns
	posts   sync.WaitGroup  // the Posts not yet run or dropped
}

// Start starts the loop, which runs until quit is closed. It calls tick once every period
// (serverCron's checks: is a save point reached, is a rewrite due), between the jobs.
func Start(quit <-chan struct{}, period time.Duration, tick func(now time.Time)) *Loop {
	l := &Loop{jobs: make(chan func()), quit: quit, stopped: make(chan struct{})}
	go l.run(period, tick)
	return l
}

func (l *Loop) run(period time.Duration, tick func(now time.Time)) {
	defer close(l.stopped)
	ticker := time.NewTicker(period)
	defer ticker.Stop()
	for {
		select {
		case job := <-l.jobs:
			job()
		case now := <-ticker.C:
			tick(now)
		case <-l.quit:
			return
		}
	}
}

// Do runs job on the loop and returns once it has run. It returns false, job not run, once
// quit is closed. A job must not call Do.
func (l *Loop) Do(job func()) bool {
	done := make(chan struct{})
	select {
	case l.jobs <- func() { defer close(done); job() }:
		<-done
		return true
	case <-l.quit:
		return false
	}
}

// Post runs job on the loop later and returns at once: the way for a goroutine that a job
// may wait for to hand the loop work. Once quit is closed, what was not run is dropped.
func (l *Loop) Post(job func()) {
	l.posts.Add(1)
	go func() {
		defer l.posts.Done()
		l.Do(job)
	}()
}

// Wait returns once the loop has ended, after quit was closed and the job it was running
// returned: from then on the caller alone may touch what the loop owned (the server's
// Close). It must not be called from a job.
func (l *Loop) Wait() {
	<-l.stopped
	l.posts.Wait()
}
