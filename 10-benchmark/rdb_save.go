package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// RDBConfig holds the snapshot settings, named after Redis's directives.
type RDBConfig struct {
	Dir         string      // dir
	FileName    string      // dbfilename
	SavePoints  []savePoint // save "3600 1 300 100": snapshot when either point is reached
	Compression bool        // rdbcompression
	Checksum    bool        // rdbchecksum
	// stop-writes-on-bgsave-error: refuse writes while the last background save failed
	// (and save points are set), so that nobody goes on writing to a server that cannot
	// persist without noticing.
	StopWritesOnBgsaveError bool
}

// bgsaveRetryDelay is how long a failed background save holds off the next one that a save
// point would start (Redis's CONFIG_BGSAVE_RETRY_DELAY): a full disk is not retried, with a
// copy of the whole keyspace, every second.
const bgsaveRetryDelay = 5 // seconds

// errBgsaveFailed is what Redis refuses writes with while stop-writes-on-bgsave-error holds.
const errBgsaveFailed = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
	"Commands that may modify the data set are disabled, because this instance is configured to report errors during writes " +
	"if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."

// savePoint is one "seconds changes" pair of the save directive: take a snapshot if at least
// changes writes happened and seconds have passed since the last snapshot.
type savePoint struct{ seconds, changes int64 }

// parseSavePoints reads the save directive: pairs of numbers, or "" for no snapshots.
func parseSavePoints(s string) ([]savePoint, error) {
	fields := strings.Fields(s)
	if len(fields)%2 != 0 {
		return nil, fmt.Errorf("invalid save parameters %q", s)
	}
	var points []savePoint
	for i := 0; i < len(fields); i += 2 {
		seconds, err1 := strconv.ParseInt(fields[i], 10, 64)
		changes, err2 := strconv.ParseInt(fields[i+1], 10, 64)
		if err1 != nil || err2 != nil || seconds < 1 || changes < 0 {
			return nil, fmt.Errorf("invalid save parameters %q", s)
		}
		points = append(points, savePoint{seconds, changes})
	}
	return points, nil
}

// hasSavePoints reports whether any save point is set (save is not ""). CONFIG SET may
// change it while the server runs.
func (s *Server) hasSavePoints() bool { return len(*s.savePoints.Load()) > 0 }

func formatSavePoints(points []savePoint) string {
	var parts []string
	for _, p := range points {
		parts = append(parts, fmt.Sprintf("%d %d", p.seconds, p.changes))
	}
	return strings.Join(parts, " ")
}

func (s *Server) rdbPath() string { return filepath.Join(s.config.RDB.Dir, s.config.RDB.FileName) }

// loadRDB loads the dump file at start, if there is one.
func (s *Server) loadRDB() error {
	f, err := os.Open(s.rdbPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	history := &historyLoader{}
	err = s.store.replaceWith(func(keys keyspaceLoader) error {
		history.keyspaceLoader = keys
		return readRDBInto(f, start.UnixMilli(), history)
	})
	if err != nil {
		return fmt.Errorf("loading %s: %w", s.rdbPath(), err)
	}
	slog.Info("DB loaded from disk", "keys", s.store.Len(), "seconds", time.Since(start).Seconds())
	if s.config.Repl.ReplicaOf != "" && history.replID != "" {
		// A replica restarted from its own dump goes on from where the dump is: its first PSYNC
		// names the master's history and the offset after it, and the master sends only what
		// came since (loadDataFromDisk and replicationCacheMasterUsingMyself in Redis).
		r := s.repl
		r.mu.Lock()
		r.replID, r.offset = history.replID, history.offset
		r.hasBacklog, r.backlog, r.backlogFirst = true, nil, history.offset+1
		r.mu.Unlock()
		slog.Info("Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.")
	} else if history.replID != "" {
		// A master restarted from its dump keeps the history of the dump as its second one,
		// as Redis 7.0 does (loadDataFromDisk): a replica that followed it before the restart
		// asks for what came after the dump and goes on with +CONTINUE and the new ID.
		r := s.repl
		r.mu.Lock()
		r.replID2, r.secondOffset, r.offset = history.replID, history.offset+1, history.offset
		r.hasBacklog, r.backlog, r.backlogFirst = true, nil, history.offset+1
		r.mu.Unlock()
	}
	return nil
}

// snapshot begins a snapshot of the keyspace (snapshot.go), and returns it with the count of
// changes since the last save at that moment. It takes no time: the keyspace is copied a
// shard at a time as the snapshot is written.
//
// The snapshot also holds the replication history and offset of that moment, once the
// server has one (a replica that has synced, a master that has had replicas), as Redis's
// rdbPopulateSaveInfo: restarted from the dump, a replica asks its master only for what came
// after. On a replica, the offset counts a command of the master's stream once it is applied,
// after the keyspace has it: the snapshot begins between two (streamApply).
func (s *Server) snapshot() (*snapshot, int64) {
	s.streamApply.Lock()
	defer s.streamApply.Unlock()
	var sn *snapshot
	s.store.Write(func(k *Keyspace) {
		sn = k.store.beginSnapshot()
		r := s.repl
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.hasBacklog {
			sn.history = dumpHistory{r.replID, r.offset}
		}
	})
	return sn, sn.dirty
}

// saveRDB writes a snapshot to the dump file so that a crash at any moment leaves either the
// old file or the new one: write a temporary file, fsync it, rename it over the dump, fsync
// the directory.
func (s *Server) saveRDB(snapshot *snapshot, dirtyAtSnapshot int64) error {
	defer snapshot.end() // if the file could not be written
	options := rdbOptions{compression: s.rdbCompression.Load(), checksum: s.config.RDB.Checksum,
		replID: snapshot.history.replID, replOffset: snapshot.history.offset}
	temp := filepath.Join(s.config.RDB.Dir, fmt.Sprintf("temp-%d.rdb", os.Getpid()))
	err := writeFileSynced(temp, func(f *os.File) error { return writeRDB(f, snapshot, time.Now().UnixMilli(), options) })
	if err == nil {
		err = os.Rename(temp, s.rdbPath())
	}
	if err == nil {
		err = syncDir(s.config.RDB.Dir)
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if err != nil {
		os.Remove(temp)
		slog.Error("saving the DB failed", "err", err)
		return err
	}
	// A save that succeeds, SAVE or BGSAVE, clears a background save's failure; a SAVE that
	// fails does not set it (rdbSave in rdb.c).
	s.lastSave = time.Now()
	s.bgsaveFailed.Store(false)
	s.store.dirty.Add(-dirtyAtSnapshot) // changes made since the snapshot still count
	keys, _ := snapshot.size()
	slog.Info("DB saved on disk", "keys", keys)
	return nil
}

// writeFileSynced creates path, lets write fill it, and fsyncs and closes it.
func writeFileSynced(path string, write func(f *os.File) error) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// SAVE: write a snapshot now, and reply when it is on disk. It runs on the owner (command_table.go),
// as Redis's SAVE runs on its one thread: no other save can start until it ends.
func save(c *client, args [][]byte) {
	s := c.server
	s.saveMu.Lock()
	busy := s.saving
	if !busy {
		s.saves++
	}
	s.saveMu.Unlock()
	if busy {
		c.writer.Error("ERR Background save already in progress")
		return
	}
	snapshot, dirty := s.snapshot()
	if err := s.saveRDB(snapshot, dirty); err != nil {
		c.writer.Error("ERR")
		return
	}
	c.writer.SimpleString("OK")
}

// BGSAVE: write a snapshot in the background.
func bgsave(c *client, args [][]byte) {
	if len(args) > 2 || len(args) == 2 && !strings.EqualFold(string(args[1]), "SCHEDULE") {
		c.writer.Error(errSyntax)
		return
	}
	if !c.server.startBackgroundSave() {
		c.writer.Error("ERR Background save already in progress")
		return
	}
	c.writer.SimpleString("Background saving started")
}

// startBackgroundSave takes a snapshot and writes it in a goroutine, unless a save is
// already running. It runs on the owner: one save at a time, and one temporary file.
func (s *Server) startBackgroundSave() bool {
	s.saveMu.Lock()
	if s.saving {
		s.saveMu.Unlock()
		return false
	}
	s.saving = true
	s.saves++
	s.lastBgsaveTry = time.Now()
	s.saveMu.Unlock()
	snapshot, dirty := s.snapshot()
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		if err := s.saveRDB(snapshot, dirty); err != nil {
			slog.Warn("Background saving error")
			s.bgsaveFailed.Store(true)
		}
		s.saveMu.Lock()
		s.saving = false
		s.saveDone.Broadcast()
		s.saveMu.Unlock()
	}()
	return true
}

// waitForBackgroundSave waits until no background save is running, so that a save the owner
// makes now is not followed by the older snapshot of one still being written (Redis kills
// that child instead). It runs on the owner: no save can start meanwhile.
func (s *Server) waitForBackgroundSave() {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	for s.saving {
		s.saveDone.Wait()
	}
}

// LASTSAVE: the Unix time of the last successful save.
func lastsave(c *client, args [][]byte) {
	c.server.saveMu.Lock()
	defer c.server.saveMu.Unlock()
	c.writer.Integer(c.server.lastSave.Unix())
}

// savePointReached reports whether a save point's time and changes have both been reached,
// and no failed background save holds off the next one. Like Redis's serverCron, it counts
// in whole seconds: "save 60 1" saves once more than 60 of them have passed.
func (s *Server) savePointReached(now time.Time) bool {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if s.saving || s.bgsaveFailed.Load() && now.Unix()-s.lastBgsaveTry.Unix() <= bgsaveRetryDelay {
		return false
	}
	dirty := s.store.changes()
	for _, p := range *s.savePoints.Load() {
		if dirty >= p.changes && now.Unix()-s.lastSave.Unix() > p.seconds && dirty > 0 {
			return true
		}
	}
	return false
}

// Redis's FLUSHALL saves an (empty) snapshot when save points are set, so that the dump on
// disk does not bring back the data after a restart.
func (s *Server) saveAfterFlushall() {
	if !s.hasSavePoints() {
		return
	}
	snapshot, dirty := s.snapshot()
	s.saveRDB(snapshot, dirty)
}
