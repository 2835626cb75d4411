package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"byoredis/shared/config"
	"byoredis/shared/resp"
)

// AOFConfig holds the append-only file's settings, named after Redis's directives.
type AOFConfig struct {
	Enabled        bool   // appendonly yes|no
	Fsync          string // appendfsync always|everysec|no
	Dir            string // dir
	DirName        string // appenddirname
	FileName       string // appendfilename
	LoadTruncated  bool   // aof-load-truncated yes|no
	RewritePercent int64  // auto-aof-rewrite-percentage (0: no automatic rewrite)
	RewriteMinSize int64  // auto-aof-rewrite-min-size, in bytes
	RDBPreamble    bool   // aof-use-rdb-preamble: write the base file as an RDB snapshot
}

// aofSettings are the append-only file's settings that CONFIG SET may change while the
// server runs. The server holds them whether the file is on or not.
type aofSettings struct {
	fsync          atomic.Pointer[string] // appendfsync
	loadTruncated  atomic.Bool            // aof-load-truncated
	rewritePercent atomic.Int64           // auto-aof-rewrite-percentage
	rewriteMinSize atomic.Int64           // auto-aof-rewrite-min-size
	rdbPreamble    atomic.Bool            // aof-use-rdb-preamble
}

func newAOFSettings(config AOFConfig) *aofSettings {
	s := &aofSettings{}
	s.fsync.Store(&config.Fsync)
	s.loadTruncated.Store(config.LoadTruncated)
	s.rewritePercent.Store(config.RewritePercent)
	s.rewriteMinSize.Store(config.RewriteMinSize)
	s.rdbPreamble.Store(config.RDBPreamble)
	return s
}

// appendOnlyFile logs every change to the keyspace as the command that makes it, so that
// replaying the log at start rebuilds the data. It is Redis 7's multi-part AOF: a directory
// holding a manifest, one base file and incremental files (see manifest.go).
//
// Commands are appended to an in-memory buffer while the store is locked, in the order they
// change the keyspace. The buffer reaches the file when a client is about to wait for its
// next command, once a second in the background, and at shutdown; how often the file is
// fsynced depends on appendfsync.
type appendOnlyFile struct {
	config AOFConfig    // as the server started
	live   *aofSettings // what CONFIG SET may have changed since
	dir    string       // <dir>/<appenddirname>

	mu       sync.Mutex // guards the state below; what is set once, at creation, is read without it
	idle     *sync.Cond // signalled when a write to the file finishes
	pending  []byte     // commands logged but not written to the file yet
	logged   int64      // bytes ever logged: the log offset after the last command
	written  int64      // bytes of the log written to the file
	synced   int64      // bytes of the log known to be on disk
	writing  bool       // a goroutine is writing or fsyncing outside the lock
	incr     incrFile   // the incremental file commands are appended to
	incrSize int64      // its size, which a short write is cut back to
	// writeErr and syncErr are the last write's and fsync's failures (Redis's
	// aof_last_write_status and aof_bio_fsync_status): write commands are refused while either
	// is set, and the next write or fsync that succeeds clears it.
	writeErr, syncErr error
	// exit ends the server when the file cannot be written with appendfsync always. It logs
	// and calls os.Exit; a test replaces it, and exited then stops every later flush.
	exit     func(message string)
	exited   bool
	fsyncs   int64 // how many times the file was fsynced (group commit makes it few)
	selected bool  // the incr file starts with SELECT 0, as Redis writes it
	manifest manifest
	// sizes for automatic rewrites: the base's size after the last rewrite, and the size of
	// the base and incr files now (Redis's aof_rewrite_base_size and aof_current_size)
	baseSize, currentSize int64
	rewriting             bool
	tempIncr              string        // the incr file's name on disk until the first rewrite ends, when turned on by CONFIG SET
	done                  chan struct{} // closed when the file is closed: its background flush stops
	rewrites              int64         // completed rewrites, for INFO
	lastRewriteStatus     string        // "ok" or "err", for INFO
}

// manifestPath is <dir>/<appenddirname>/<appendfilename>.manifest.
func (a *appendOnlyFile) manifestPath() string {
	return filepath.Join(a.dir, a.config.FileName+".manifest")
}

// append logs one command. It is called with the store locked (Store.log).
func (a *appendOnlyFile) append(args [][]byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	before := len(a.pending)
	if !a.selected {
		// Each incr file starts by selecting the database, so it can be replayed alone.
		a.pending = resp.AppendCommand(a.pending, "SELECT", "0")
		a.selected = true
	}
	a.pending = resp.AppendCommand(a.pending, args...)
	a.logged += int64(len(a.pending) - before)
	a.currentSize += int64(len(a.pending) - before)
}

// fsyncPolicy is appendfsync: always, everysec or no.
func (a *appendOnlyFile) fsyncPolicy() string { return *a.live.fsync.Load() }

// offset returns the log offset after the last command logged so far.
func (a *appendOnlyFile) offset() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.logged
}

// flush writes the log to the file up to offset upTo, and with sync also fsyncs it. It is
// how a client waits for its writes to be on disk before it is told they succeeded
// (appendfsync always).
//
// Group commit: only one goroutine writes at a time. A client that finds a write in progress
// waits for it; when it finishes, the next writer takes *everything* logged meanwhile, by any
// client, and writes and fsyncs it at once. Fifty clients writing at the same moment share a
// few fsyncs instead of queueing for fifty.
//
// A write or fsync that fails is handled as Redis handles it (flushAppendOnlyFile in aof.c).
// With appendfsync always the server exits: the change is in memory already, other clients
// may have read it, and the promise was that nothing is acknowledged or seen before it is on
// disk, so it stops before any reply that depends on it leaves. With everysec or no, the data
// stays in memory to be written again on the next flush, and write commands are refused with
// MISCONF until a write succeeds ("AOF write error looks solved"). The error is returned only
// once the server has exited (in a test).
func (a *appendOnlyFile) flush(upTo int64, sync bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	upTo = min(upTo, a.logged) // an offset of a file CONFIG SET has since turned off and on again
	for a.written < upTo || sync && a.synced < upTo {
		if a.exited {
			return errExited
		}
		if a.writing {
			a.idle.Wait()
			continue
		}
		data, end, file := a.pending, a.logged, a.incr
		a.pending = nil
		a.writing = true
		a.mu.Unlock()
		// Only the goroutine that set writing touches incrSize and fsyncs.
		n, writeErr := file.Write(data)
		if writeErr != nil && n > 0 && file.Truncate(a.incrSize) == nil {
			n = 0 // the short write is undone: the file never ends halfway through a command
		}
		a.incrSize += int64(n)
		var syncErr error
		if writeErr == nil && sync {
			syncErr = file.Sync()
			a.fsyncs++
		}
		a.mu.Lock()
		a.writing = false
		a.idle.Broadcast()
		if writeErr != nil {
			a.pending = append(data[n:len(data):len(data)], a.pending...) // to be written again
			a.written = end - int64(len(data)-n)
			if a.fsyncPolicy() == "always" {
				a.die("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...")
				continue
			}
			if a.writeErr == nil {
				slog.Warn("Error writing to the AOF file: " + config.Strerror(writeErr))
			}
			a.writeErr = writeErr
			return nil
		}
		a.written = end
		if a.writeErr != nil {
			slog.Warn("AOF write error looks solved, Redis can write again.")
			a.writeErr = nil
		}
		if syncErr != nil {
			if a.fsyncPolicy() == "always" {
				a.die("Can't persist AOF for fsync error when the AOF fsync policy is 'always': " + config.Strerror(syncErr) + ". Exiting...")
				continue
			}
			if a.syncErr == nil {
				slog.Warn("Fail to fsync the AOF file: " + config.Strerror(syncErr))
			}
			a.syncErr = syncErr
			return nil
		}
		if sync {
			a.synced = end
			a.syncErr = nil
		}
	}
	return nil
}

var errExited = errors.New("the server exited: the append-only file could not be written")

// die ends the server with Redis's message. Called with a.mu held.
func (a *appendOnlyFile) die(message string) {
	a.exited = true
	a.exit(message)
}

// writeError returns the error that makes write commands refused, if any.
func (a *appendOnlyFile) writeError() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.writeErr != nil {
		return a.writeErr
	}
	return a.syncErr
}

// background writes what was logged, once a second, and for appendfsync everysec also fsyncs
// it: that is everysec's promise, at most about a second of writes lost in a crash. It runs
// until stop is closed.
func (a *appendOnlyFile) background(stop <-chan struct{}) {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			a.flush(a.offset(), a.fsyncPolicy() == "everysec")
		case <-stop:
			return
		case <-a.done:
			return
		}
	}
}

// rewriteDue reports whether the files have grown enough for an automatic rewrite: past
// auto-aof-rewrite-min-size, and by auto-aof-rewrite-percentage over their size after the
// last rewrite.
func (a *appendOnlyFile) rewriteDue() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	percent := a.live.rewritePercent.Load()
	if a.rewriting || percent <= 0 || a.currentSize < a.live.rewriteMinSize.Load() {
		return false
	}
	base := max(a.baseSize, 1)
	return (a.currentSize*100/base)-100 >= percent
}

// close writes and fsyncs everything logged and closes the file (at shutdown: Redis's
// "Calling fsync() on the AOF file").
func (a *appendOnlyFile) close() error {
	err := a.flush(a.offset(), true)
	a.mu.Lock()
	defer a.mu.Unlock()
	for a.writing {
		a.idle.Wait()
	}
	if a.incr != nil {
		if closeErr := a.incr.Close(); err == nil {
			err = closeErr
		}
		a.incr = nil
		close(a.done)
	}
	return err
}

// fileName returns the name Redis gives the seq-th base or incr file:
// appendonly.aof.1.base.aof (or .base.rdb with the RDB preamble), appendonly.aof.1.incr.aof.
func (a *appendOnlyFile) fileName(seq int64, kind string) string {
	extension := "aof"
	if kind == "base" && a.live.rdbPreamble.Load() {
		extension = "rdb"
	}
	return fmt.Sprintf("%s.%d.%s.%s", a.config.FileName, seq, kind, extension)
}

// incrFile is what the log is written to: an *os.File, or in tests a file that can pause or
// fail.
type incrFile interface {
	Write(p []byte) (int, error)
	Sync() error
	Truncate(size int64) error
	Close() error
}

// openIncr opens an incr file for appending, creating it if needed.
func (a *appendOnlyFile) openIncr(name string) (*os.File, error) {
	return os.OpenFile(filepath.Join(a.dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
}
