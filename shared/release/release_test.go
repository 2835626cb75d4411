package release

import (
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
)

// countReleases replaces FreeOSMemory with a counter for the test.
func countReleases(t *testing.T) *atomic.Int64 {
	var releases atomic.Int64
	free := FreeOSMemory
	FreeOSMemory = func() { releases.Add(1) }
	t.Cleanup(func() { FreeOSMemory = free })
	return &releases
}

// A client that held a lot gives it back at once; one whose buffers merely grew, within a
// second, shared with every such client leaving in that second; a small one not at all.
func TestAfterClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		releases := countReleases(t)
		AfterClient(grownClient)
		assert.Zero(t, releases.Load(), "a client of the usual size")
		AfterClient(bigClient)
		assert.Equal(t, int64(1), releases.Load(), "a client that held a megabyte, at once")
		for range 3 {
			AfterClient(grownClient + 1)
		}
		assert.Equal(t, int64(1), releases.Load(), "grown clients wait")
		time.Sleep(time.Second)
		synctest.Wait()
		assert.Equal(t, int64(2), releases.Load(), "three grown clients, one release a second later")
	})
}

// Releases asked for while one runs make one more release, not one each.
func TestNowRunsOneMoreForAllThatWaited(t *testing.T) {
	releases := countReleases(t)
	started, finish := make(chan struct{}), make(chan struct{})
	FreeOSMemory = func() {
		if releases.Add(1) == 1 {
			close(started)
			<-finish
		}
	}
	done := make(chan struct{})
	go func() { Now(); close(done) }()
	<-started
	Now() // both return at once: the running release will go again
	Now()
	close(finish)
	<-done
	assert.Equal(t, int64(2), releases.Load())
}
