package main

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"byoredis/shared/resp"
)

// BGREWRITEAOF: the incr files only grow (a counter incremented a million times is a million
// INCRs), so from time to time the log is rewritten as the shortest list of commands that
// rebuilds the dataset: one SET per key, and a PEXPIREAT for each key with an expiry.
//
// Redis forks: the child process writes the new base file from its copy-on-write view of
// memory while the parent keeps serving. Go cannot fork a running program, so this server
// copies the keyspace map while holding the lock: values are never changed in place, so the
// copy shares them and costs one map entry per key (step 06's guide measures it). Either way
// the rewrite works from a snapshot taken at one instant, and every write after that instant
// goes to a new incr file. When the new base is on disk, the manifest is swapped to "new base
// + the incr files since the snapshot" in one atomic rename. A crash at any moment leaves a
// manifest that describes all the data: either the old files plus the new incr, or the new.
func bgrewriteaof(c *client, args [][]byte) {
	switch err := c.server.startRewrite(); {
	case errors.Is(err, errRewriteInProgress):
		c.writer.Error("ERR Background append only file rewriting already in progress")
	case err != nil:
		c.writer.Error("ERR " + err.Error())
	default:
		c.writer.SimpleString("Background append only file rewriting started")
	}
}

var errRewriteInProgress = errors.New("rewrite in progress")

// startRewrite takes the snapshot and opens the new incr file, then writes the new base in
// the background. It runs on the owner.
func (s *Server) startRewrite() error {
	a := s.aof.Load()
	if a == nil {
		return errors.New("the append only file is off (start the server with --appendonly yes)")
	}
	var snapshot *snapshot
	var err error
	var baseSeq int64
	s.store.Write(func(k *Keyspace) { // no command runs while the files switch and the snapshot begins
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.rewriting {
			err = errRewriteInProgress
			return
		}
		if err = a.switchIncr(); err != nil {
			return
		}
		snapshot = k.store.beginSnapshot()
		baseSeq = a.manifest.base.seq + 1
		a.rewriting = true
	})
	if err != nil {
		return err
	}
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		if err := a.finishRewrite(snapshot, baseSeq); err != nil {
			slog.Error("background AOF rewrite failed", "err", err)
		}
	}()
	return nil
}

// startAppendOnly turns the append-only file on while the server runs (CONFIG SET appendonly
// yes), as Redis's startAppendOnly does: a rewrite writes the dataset as it is at one instant
// as the new base, and every change from that instant goes to a new incr file. Until the
// rewrite ends, the manifest on disk is the old one and the new incr file has a temporary
// name, so a crash in between leaves the directory as it was. It runs on the owner.
func (s *Server) startAppendOnly() error {
	if s.aof.Load() != nil {
		return nil
	}
	a, err := newAppendOnlyFile(s.config.AOF, s)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		return err
	}
	a.tempIncr = "temp-" + a.config.FileName + ".incr"
	file, err := os.OpenFile(filepath.Join(a.dir, a.tempIncr), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	seq := int64(1)
	if n := len(a.manifest.incrs); n > 0 {
		seq = a.manifest.incrs[n-1].seq + 1
	}
	for _, f := range append([]aofFile{a.manifest.base}, a.manifest.incrs...) {
		a.currentSize += a.sizeOf(f.name) // the old files, which the rewrite replaces
	}
	a.manifest.incrs = append(a.manifest.incrs, aofFile{a.fileName(seq, "incr"), seq})
	a.incr, a.rewriting = file, true
	baseSeq := a.manifest.base.seq + 1
	var snapshot *snapshot
	s.store.Write(func(k *Keyspace) {
		snapshot = k.store.beginSnapshot()
		s.aof.Store(a) // propagate logs to it from now on
	})
	slog.Info("Background append only file rewriting started", "incr", a.tempIncr)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runInBackground(a)
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		if err := a.finishRewrite(snapshot, baseSeq); err != nil {
			slog.Error("background AOF rewrite failed: the append only file is off again", "err", err)
			s.owner.Post(func() { s.stopAppendOnly(a) }) // not Do: the owner may be waiting for this rewrite
		}
	}()
	return nil
}

// stopAppendOnly turns the append-only file a off (CONFIG SET appendonly no), as Redis's
// stopAppendOnly does: what was logged is written and fsynced, and the files stay as they
// are. A rewrite in progress finishes first. It runs on the owner.
func (s *Server) stopAppendOnly(a *appendOnlyFile) error {
	if a == nil || s.aof.Load() != a {
		return nil
	}
	s.store.Write(func(k *Keyspace) {
		s.aof.Store(nil)
	})
	a.mu.Lock()
	for a.rewriting {
		a.idle.Wait()
	}
	a.mu.Unlock()
	return a.close()
}

// runInBackground starts a's once-a-second flush. It stops at shutdown or when a is closed.
// Called with s.mu held.
func (s *Server) runInBackground(a *appendOnlyFile) {
	if s.closed {
		return
	}
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		a.background(s.stop)
	}()
}

// switchIncr makes everything logged so far durable in the current incr file, then opens the
// next incr file and records it in the manifest. Called with a.mu held.
func (a *appendOnlyFile) switchIncr() error {
	for a.writing {
		a.idle.Wait()
	}
	if _, err := a.incr.Write(a.pending); err != nil {
		return err
	}
	if err := a.incr.Sync(); err != nil {
		return err
	}
	a.pending = nil
	a.written, a.synced = a.logged, a.logged
	last := a.manifest.incrs[len(a.manifest.incrs)-1]
	next := aofFile{a.fileName(last.seq+1, "incr"), last.seq + 1}
	file, err := a.openIncr(next.name)
	if err != nil {
		return err
	}
	updated := a.manifest
	updated.incrs = append(append([]aofFile{}, a.manifest.incrs...), next)
	if err := writeFileAtomically(a.manifestPath(), []byte(updated.String())); err != nil {
		file.Close()
		os.Remove(filepath.Join(a.dir, next.name))
		return err
	}
	slog.Info("creating AOF incr file on background rewrite", "file", next.name)
	a.incr.Close()
	a.incr, a.incrSize, a.manifest, a.selected = file, 0, updated, false
	return nil
}

// finishRewrite writes the snapshot as the new base file and swaps the manifest to it.
func (a *appendOnlyFile) finishRewrite(snapshot *snapshot, baseSeq int64) (err error) {
	defer snapshot.end() // if the base could not be written
	defer func() {
		if err != nil {
			a.mu.Lock()
			a.rewriting, a.lastRewriteStatus = false, "err"
			a.idle.Broadcast()
			a.mu.Unlock()
		}
	}()
	base := aofFile{a.fileName(baseSeq, "base"), baseSeq}
	temp := filepath.Join(a.dir, fmt.Sprintf("temp-rewriteaof-bg-%d.aof", os.Getpid()))
	var size int64
	if a.live.rdbPreamble.Load() {
		err = writeFileSynced(temp, func(f *os.File) error {
			return writeRDB(f, snapshot, time.Now().UnixMilli(), rdbOptions{compression: true, checksum: true, aofBase: true})
		})
		if info, statErr := os.Stat(temp); err == nil && statErr == nil {
			size = info.Size()
		}
	} else {
		size, err = writeBase(temp, snapshot)
	}
	if err != nil {
		os.Remove(temp)
		return err
	}
	if err := os.Rename(temp, filepath.Join(a.dir, base.name)); err != nil {
		return err
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tempIncr != "" { // the first rewrite of a file CONFIG SET turned on: its incr file gets its name
		if err := os.Rename(filepath.Join(a.dir, a.tempIncr), filepath.Join(a.dir, a.manifest.incrs[len(a.manifest.incrs)-1].name)); err != nil {
			return err
		}
		a.tempIncr = ""
	}
	// The new base replaces the old base and every incr file but the one opened at the
	// snapshot (and any after it: there are none, as one rewrite runs at a time).
	old := append([]aofFile{a.manifest.base}, a.manifest.incrs[:len(a.manifest.incrs)-1]...)
	updated := manifest{base: base, incrs: a.manifest.incrs[len(a.manifest.incrs)-1:]}
	if err := writeFileAtomically(a.manifestPath(), []byte(updated.String())); err != nil {
		return err
	}
	a.manifest = updated
	for _, f := range old {
		if f.name != "" {
			a.currentSize -= a.sizeOf(f.name) // the old base and incr files no longer count...
			os.Remove(filepath.Join(a.dir, f.name))
		}
	}
	a.currentSize += size // ...the new base does
	a.baseSize = size
	a.rewriting, a.lastRewriteStatus = false, "ok"
	a.rewrites++
	a.idle.Broadcast() // for anyone waiting for the rewrite to end
	slog.Info("background AOF rewrite finished successfully", "base", base.name, "bytes", size)
	return syncDir(a.dir)
}

// writeBase writes a keyspace snapshot as commands, the way Redis's rewrite writes a RESP
// base: SELECT 0, then SET for every key and PEXPIREAT for every key with an expiry. Keys
// that have already expired are left out. The file is fsynced before it is used.
func writeBase(path string, snapshot keyspaceImage) (int64, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	var size int64
	write := func(args ...[]byte) {
		buf := resp.AppendCommand(nil, args...)
		size += int64(len(buf))
		w.Write(buf)
	}
	now := time.Now().UnixMilli()
	if keys, _ := snapshot.size(); keys > 0 {
		write([]byte("SELECT"), []byte("0"))
	}
	snapshot.each(func(key string, e entry) error {
		if e.expireAt != 0 && e.expireAt < now {
			return nil
		}
		write([]byte("SET"), []byte(key), e.value)
		if e.expireAt != 0 {
			write([]byte("PEXPIREAT"), []byte(key), itoa(e.expireAt))
		}
		return nil
	})
	if err := w.Flush(); err != nil {
		return 0, err
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	return size, f.Close()
}
