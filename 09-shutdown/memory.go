package main

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// Memory the server no longer needs goes back to the operating system promptly, as it does
// in Redis: its allocator unmaps a large allocation the moment it is freed, and clientsCron
// shrinks idle clients' buffers. Go's collector finds garbage only at its next cycle, which
// starts when the heap has grown by GOGC percent: an idle server may not start one for two
// minutes, and its scavenger then returns pages a little at a time. So the server asks for a
// release (debug.FreeOSMemory: a collection, then every free page returned) when
//
//   - a client leaves that held a lot: at once if one argument or reply took bigClient or
//     more, within a second if its buffers grew past their usual size (ten thousand clients
//     leaving within that second share one release);
//   - the server goes quiet after a busy spell: no collection for a second, with garbage (what
//     the last collection did not find alive) and free pages not yet returned adding up to
//     quietGarbage, or to an eighth of the live heap if that is more: a collection costs in
//     proportion to the live heap. Just after a burst of writes (a million SETs) the two come
//     to about a third of it: waiting for half would leave the memory at its peak.
const (
	bigClient    = 1 << 20
	grownClient  = 16 << 10
	quietGarbage = 4 << 20
)

// release runs one release at a time, and another if one was asked for meanwhile.
var release struct {
	sync.Mutex
	running, again, soon bool
}

// freeOSMemory returns the free memory to the operating system (a test counts the calls
// instead). It takes two collections: the first moves the pools' idle buffers (sync.Pool) to
// their victim caches, the second frees them.
var freeOSMemory = func() {
	debug.FreeOSMemory()
	debug.FreeOSMemory()
}

// releaseMemory is called as a client leaves.
func (c *client) releaseMemory() {
	held := max(c.reader.Largest(), int64(c.output.most))
	switch {
	case held >= bigClient:
		releaseNow()
	case held > grownClient:
		releaseSoon()
	}
}

func releaseNow() {
	release.Lock()
	defer release.Unlock()
	if release.running {
		release.again = true
		return
	}
	release.running = true
	for again := true; again; again = release.again {
		release.again = false
		release.Unlock()
		freeOSMemory()
		release.Lock()
	}
	release.running = false
}

func releaseSoon() {
	release.Lock()
	defer release.Unlock()
	if !release.soon {
		release.soon = true
		time.AfterFunc(time.Second, func() {
			release.Lock()
			release.soon = false
			release.Unlock()
			releaseNow()
		})
	}
}

// releaseWhenQuiet checks once a second whether the server has gone quiet with garbage left
// over, for as long as the process runs.
func releaseWhenQuiet() {
	samples := []metrics.Sample{
		{Name: "/gc/cycles/total:gc-cycles"},
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
	}
	var cycles uint64
	for range time.Tick(time.Second) {
		metrics.Read(samples)
		quiet := samples[0].Value.Uint64() == cycles
		cycles = samples[0].Value.Uint64()
		garbage := samples[2].Value.Uint64() - min(samples[1].Value.Uint64(), samples[2].Value.Uint64())
		if quiet && garbage+samples[3].Value.Uint64() >= max(quietGarbage, samples[1].Value.Uint64()/8) {
			releaseNow()
		}
	}
}
