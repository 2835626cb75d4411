package main

import (
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memoryFile is an incr file in memory. Its disk can run out of room, and its fsync can be
// held until the test lets it go.
type memoryFile struct {
	mu      sync.Mutex
	data    []byte
	room    int           // bytes the disk has left; -1: no limit
	syncing chan struct{} // when set, each Sync announces itself here...
	release chan struct{} // ...and waits for this
}

func (f *memoryFile) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.room >= 0 && len(p) > f.room {
		n := f.room
		f.data, f.room = append(f.data, p[:n]...), 0
		return n, &os.PathError{Op: "write", Path: "appendonly.aof.1.incr.aof", Err: syscall.ENOSPC}
	}
	f.data = append(f.data, p...)
	if f.room >= 0 {
		f.room -= len(p)
	}
	return len(p), nil
}

func (f *memoryFile) Sync() error {
	if f.syncing != nil {
		f.syncing <- struct{}{}
		<-f.release
	}
	return nil
}

func (f *memoryFile) Truncate(size int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.room >= 0 {
		f.room += len(f.data) - int(size)
	}
	f.data = f.data[:size]
	return nil
}

func (f *memoryFile) Close() error { return nil }

func (f *memoryFile) setRoom(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.room = n
}

func (f *memoryFile) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return string(f.data)
}

// startWithFile makes a server inside the current synctest bubble whose append-only file is
// file, with its once-a-second background flush running. exits collects what the server
// would exit with.
func startWithFile(t *testing.T, fsync string, file incrFile) (srv *Server, exits func() []string) {
	srv = newServer(t, Config{Bind: "127.0.0.1", MaxClients: 10, AOF: aofConfig(t.TempDir(), fsync)})
	srv.aof.Load().incr.Close()
	srv.aof.Load().incr, srv.aof.Load().selected = file, true
	var messages []string
	srv.aof.Load().exit = func(message string) { messages = append(messages, message) } // called with srv.aof.Load().mu held
	go srv.aof.Load().background(srv.stop)
	t.Cleanup(func() { close(srv.stop) })
	return srv, func() []string {
		srv.aof.Load().mu.Lock()
		defer srv.aof.Load().mu.Unlock()
		return append([]string{}, messages...)
	}
}

// With appendfsync always, no reply that depends on a write leaves before the write is on
// disk: not the writer's +OK, and not another client's GET of the key. It holds from the
// moment CONFIG SET turns it on, too.
func TestAlwaysNoReplyBeforeTheFsync(t *testing.T) {
	for _, started := range []string{"always", "no"} {
		t.Run("started with "+started, func(t *testing.T) { synctest.Test(t, func(t *testing.T) { noReplyBeforeTheFsync(t, started) }) })
	}
}

func noReplyBeforeTheFsync(t *testing.T, started string) {
	file := &memoryFile{room: -1, syncing: make(chan struct{}), release: make(chan struct{})}
	srv, _ := startWithFile(t, started, file)
	writer, reader := dialInBubble(t, srv), dialInBubble(t, srv)
	if started != "always" {
		writer.send("CONFIG", "SET", "appendfsync", "always")
		assert.Equal(t, "+OK\r\n", writer.replyWithin(time.Second))
	}

	writer.send("SET", "k", "v")
	<-file.syncing // the SET is in memory and in the file, and its fsync is in flight
	reader.send("GET", "k")
	synctest.Wait() // the GET has run: every goroutine is waiting
	assert.Equal(t, "", writer.replyWithin(time.Second), "the writer was told OK before the fsync")
	assert.Equal(t, "", reader.replyWithin(time.Second), "another client read the value before the fsync")

	file.release <- struct{}{}
	assert.Equal(t, "+OK\r\n", writer.replyWithin(time.Second))
	assert.Equal(t, "$1\r\nv\r\n", reader.replyWithin(time.Second))
}

// With appendfsync always, a write the file cannot take ends the server, with Redis's
// message, before any reply that depends on it leaves; the short write is cut off the file.
func TestAlwaysWriteErrorExits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		file := &memoryFile{room: -1}
		srv, exits := startWithFile(t, "always", file)
		writer, reader := dialInBubble(t, srv), dialInBubble(t, srv)
		require.Equal(t, "+OK\r\n", writer.raw("SET", "a", "1"))
		logged := file.String()

		file.setRoom(10) // the disk is full after 10 more bytes
		writer.send("SET", "b", "2")
		synctest.Wait()
		assert.Equal(t, []string{"Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting..."}, exits())
		reader.send("GET", "b")
		assert.Equal(t, "closed", writer.replyWithin(time.Second), "the writer got a reply")
		assert.Equal(t, "closed", reader.replyWithin(time.Second), "another client read the write the file does not hold")
		assert.Equal(t, logged, file.String(), "the short write is cut off")
	})
}

// With appendfsync everysec, a write error refuses writes (and PING) with MISCONF in the C
// library's words, keeps the data, writes it again once a second, and accepts writes again
// once that succeeds. The write acknowledged while the disk was full is not lost.
func TestEverysecWriteErrorRecovers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		file := &memoryFile{room: -1}
		srv, _ := startWithFile(t, "everysec", file)
		c := dialInBubble(t, srv)
		require.Equal(t, "+OK\r\n", c.raw("SET", "a", "1"))

		file.setRoom(10)
		misconf := "-MISCONF Errors writing to the AOF file: No space left on device\r\n"
		assert.Equal(t, "+OK\r\n", c.raw("SET", "b", "2"), "Redis acknowledges it: the data waits in memory")
		assert.Equal(t, misconf, c.raw("SET", "c", "3"))
		assert.Equal(t, misconf, c.raw("PING"))
		assert.Equal(t, "$1\r\n2\r\n", c.raw("GET", "b"), "reads go on")
		assert.Contains(t, c.raw("INFO", "persistence"), "aof_last_write_status:err\r\n")
		assert.Contains(t, c.raw("INFO", "commandstats"), "cmdstat_set:calls=2,usec=")
		assert.Contains(t, c.raw("INFO", "commandstats"), ",rejected_calls=1,failed_calls=0\r\n")

		// The background flush runs on the second; sleeping between ticks keeps the test and
		// the flush from waking at the same fake instant.
		time.Sleep(1500 * time.Millisecond) // the background flush tried again, and failed again
		assert.Equal(t, misconf, c.raw("SET", "c", "3"))
		file.setRoom(-1)        // space is freed
		time.Sleep(time.Second) // and the background flush wrote the data
		assert.Equal(t, "+OK\r\n", c.raw("SET", "c", "3"))
		assert.Contains(t, c.raw("INFO", "persistence"), "aof_last_write_status:ok\r\n")
		time.Sleep(time.Second)
		assert.Equal(t, cmd("SET", "a", "1")+cmd("SET", "b", "2")+cmd("SET", "c", "3"),
			file.String(), "every acknowledged write is in the file, once, in order")
	})
}

func (p *pipeClient) raw(args ...string) string {
	p.send(args...)
	reply := p.replyWithin(time.Second)
	require.NotEmpty(p.t, reply, "no reply to %s", strings.Join(args, " "))
	return reply
}
