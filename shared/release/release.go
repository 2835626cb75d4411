// Package release gives memory a Redis server built with Go no longer needs back to the
// operating system promptly, as Redis's allocator and clientsCron do.
package release

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

// state runs one release at a time, and one more if others were asked for meanwhile.
var state struct {
	sync.Mutex
	running, again, soon bool
}

// FreeOSMemory returns the free memory to the operating system (a test may count the calls
// instead). It takes two collections: the first moves the pools' idle buffers (sync.Pool) to
// their victim caches, the second frees them.
var FreeOSMemory = func() {
	debug.FreeOSMemory()
	debug.FreeOSMemory()
}

// AfterClient is called as a client leaves, with the most it held at once: its largest
// argument or reply, or its buffers grown past their usual size.
func AfterClient(held int64) {
	switch {
	case held >= bigClient:
		Now()
	case held > grownClient:
		Soon()
	}
}

// Now releases at once, or once more after the release running now.
func Now() {
	state.Lock()
	defer state.Unlock()
	if state.running {
		state.again = true
		return
	}
	state.running = true
	for again := true; again; again = state.again {
		state.again = false
		state.Unlock()
		FreeOSMemory()
		state.Lock()
	}
	state.running = false
}

// Soon releases within a second: ten thousand clients leaving within it share one release.
func Soon() {
	state.Lock()
	defer state.Unlock()
	if !state.soon {
		state.soon = true
		time.AfterFunc(time.Second, func() {
			state.Lock()
			state.soon = false
			state.Unlock()
			Now()
		})
	}
}

// WhenQuiet checks once a second whether the server has gone quiet with garbage left over,
// for as long as the process runs. Quiet means no collection for a second and, where
// commands counts the commands served (step 10), no command either: a release collects and
// returns every free page with the heap locked, tens of milliseconds for a large keyspace,
// and a server that serves without allocating is busy all the same; its clients would wait.
func WhenQuiet(commands func() int64) {
	if commands == nil {
		commands = func() int64 { return 0 }
	}
	samples := []metrics.Sample{
		{Name: "/gc/cycles/total:gc-cycles"},
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
	}
	var cycles uint64
	var served int64
	for range time.Tick(time.Second) {
		metrics.Read(samples)
		quiet := samples[0].Value.Uint64() == cycles && commands() == served
		cycles, served = samples[0].Value.Uint64(), commands()
		garbage := samples[2].Value.Uint64() - min(samples[1].Value.Uint64(), samples[2].Value.Uint64())
		if quiet && garbage+samples[3].Value.Uint64() >= max(quietGarbage, samples[1].Value.Uint64()/8) {
			Now()
		}
	}
}
