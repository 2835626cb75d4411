package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

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

// appendOnlyFile logs every change to the keyspace as the command that makes it, so that
// replaying the log at start rebuilds the data. It is Redis 7's multi-part AOF: a directory
// holding a manifest, one base file and incremental files (see manifest.go).
//
// Commands are appended to an in-memory buffer while the store is locked, in the order they
// change the keyspace. The buffer reaches the file when a client is about to wait for its
// next command, once a second in the background, and at shutdown; how often the file is
// fsynced depends on appendfsync.
type appendOnlyFile struct {
	config AOFConfig
	dir    string // <dir>/<appenddirname>

	mu       sync.Mutex
	idle     *sync.Cond // signalled when a write to the file finishes
	pending  []byte     // commands logged but not written to the file yet
	logged   int64      // bytes ever logged: the log offset after the last command
	written  int64      // bytes of the log written to the file
	synced   int64      // bytes of the log known to be on disk
	writing  bool       // a goroutine is writing or fsyncing outside the lock
	failure  error      // a write or fsync failed: no more writes are accepted
	incr     incrFile   // the incremental file commands are appended to
	fsyncs   int64      // how many times the file was fsynced (group commit makes it few)
	selected bool       // the incr file starts with SELECT 0, as Redis writes it
	manifest manifest
	// sizes for automatic rewrites: the base's size after the last rewrite, and the size of
	// the base and incr files now (Redis's aof_rewrite_base_size and aof_current_size)
	baseSize, currentSize int64
	rewriting             bool
	rewrites              int64  // completed rewrites, for INFO
	lastRewriteStatus     string // "ok" or "err", for INFO
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
	a.pending = appendCommandBytes(a.pending, args)
	a.logged += int64(len(a.pending) - before)
	a.currentSize += int64(len(a.pending) - before)
}

// appendCommandBytes is resp.AppendCommand for arguments that are byte slices.
func appendCommandBytes(dst []byte, args [][]byte) []byte {
	strs := make([]string, len(args))
	for i, a := range args {
		strs[i] = string(a)
	}
	return resp.AppendCommand(dst, strs...)
}

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
func (a *appendOnlyFile) flush(upTo int64, sync bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for a.failure == nil && (a.written < upTo || sync && a.synced < upTo) {
		if a.writing {
			a.idle.Wait()
			continue
		}
		data, end, file := a.pending, a.logged, a.incr
		a.pending = nil
		a.writing = true
		a.mu.Unlock()
		_, err := file.Write(data)
		if err == nil && sync {
			err = file.Sync()
			a.fsyncs++ // safe: only the one writer (writing == true) touches it
		}
		a.mu.Lock()
		a.writing = false
		a.idle.Broadcast()
		if err != nil {
			a.failure = err
			slog.Error("writing the append-only file failed", "err", err)
			break
		}
		a.written = end
		if sync {
			a.synced = end
		}
	}
	return a.failure
}

// failed returns the error that stopped the file, if any: write commands are then refused.
func (a *appendOnlyFile) failed() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.failure
}

// background writes what was logged, once a second, and for appendfsync everysec also fsyncs
// it: that is everysec's promise, at most about a second of writes lost in a crash. It runs
// until stop is closed, and checks whether an automatic rewrite is due.
func (a *appendOnlyFile) background(stop <-chan struct{}, rewrite func()) {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			a.flush(a.offset(), a.config.Fsync == "everysec")
			if a.rewriteDue() {
				rewrite()
			}
		case <-stop:
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
	if a.rewriting || a.config.RewritePercent <= 0 || a.currentSize < a.config.RewriteMinSize {
		return false
	}
	base := max(a.baseSize, 1)
	return (a.currentSize*100/base)-100 >= a.config.RewritePercent
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
	}
	return err
}

// fileName returns the name Redis gives the seq-th base or incr file:
// appendonly.aof.1.base.aof (or .base.rdb with the RDB preamble), appendonly.aof.1.incr.aof.
func (a *appendOnlyFile) fileName(seq int64, kind string) string {
	extension := "aof"
	if kind == "base" && a.config.RDBPreamble {
		extension = "rdb"
	}
	return fmt.Sprintf("%s.%d.%s.%s", a.config.FileName, seq, kind, extension)
}

// incrFile is what the log is written to: an *os.File, or in tests a file that can pause.
type incrFile interface {
	Write(p []byte) (int, error)
	Sync() error
	Close() error
}

// openIncr opens an incr file for appending, creating it if needed.
func (a *appendOnlyFile) openIncr(name string) (*os.File, error) {
	return os.OpenFile(filepath.Join(a.dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
}
