package owner

import (
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Jobs from many goroutines never overlap: each sees the state the last one left.
func TestJobsRunOneAtATime(t *testing.T) {
	quit := make(chan struct{})
	l := Start(quit, time.Hour, func(time.Time) {})
	defer close(quit)
	running, most, total := 0, 0, 0 // touched by the jobs only
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			for range 20 {
				require.True(t, l.Do(func() {
					running++
					most = max(most, running)
					runtime.Gosched() // a window for an overlap to show
					total++
					running--
				}))
			}
		})
	}
	wg.Wait()
	l.Do(func() {
		assert.Equal(t, 1, most)
		assert.Equal(t, 1000, total)
	})
}

// The tick runs on the loop, once a period, between jobs.
func TestTickRunsEveryPeriod(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ticks := 0
		quit := make(chan struct{})
		l := Start(quit, time.Second, func(time.Time) { ticks++ })
		time.Sleep(3500 * time.Millisecond)
		synctest.Wait()
		l.Do(func() { assert.Equal(t, 3, ticks) })
		close(quit)
		l.Wait()
	})
}

// Once quit is closed the loop ends after the running job, and nothing runs after it: Do
// says so, and a Post is dropped.
func TestQuitEndsTheLoop(t *testing.T) {
	quit := make(chan struct{})
	l := Start(quit, time.Hour, func(time.Time) {})
	release := make(chan struct{})
	started := make(chan struct{})
	finished := false
	go l.Do(func() { close(started); <-release; finished = true })
	<-started
	close(quit)
	close(release)
	l.Wait()
	assert.True(t, finished, "Wait returned before the running job ended")
	ran := false
	l.Post(func() { ran = true })
	assert.False(t, l.Do(func() { t.Error("a job ran after quit") }))
	l.Wait() // once the dropped Post is gone
	assert.False(t, ran)
}

// A goroutine that a job waits for can hand the loop work with Post without a deadlock.
func TestPostFromAGoroutineAJobWaitsFor(t *testing.T) {
	quit := make(chan struct{})
	l := Start(quit, time.Hour, func(time.Time) {})
	defer close(quit)
	posted := make(chan struct{})
	l.Do(func() {
		done := make(chan struct{})
		go func() {
			l.Post(func() { close(posted) })
			close(done)
		}()
		<-done
	})
	<-posted
}
