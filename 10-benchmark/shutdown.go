package main

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"byoredis/shared/config"
)

// Shutting down as Redis does (prepareForShutdown and finishShutdown in src/server.c): on
// SHUTDOWN, SIGTERM or SIGINT,
//
//  1. if a replica has not acknowledged every write yet, pause writes, ask the replicas
//     for their offsets (REPLCONF GETACK) and give them up to shutdown-timeout seconds;
//  2. flush and fsync the append-only file;
//  3. save the RDB snapshot if save points are set or SAVE was asked, and not NOSAVE;
//  4. then, and only if the save worked (or FORCE), stop: stop accepting, let every client's
//     replies go out, close the connections, exit 0.
//
// A failed save cancels the shutdown: the server goes on, writes resume, and the SHUTDOWN
// callers get "-ERR Errors trying to SHUTDOWN. Check logs.". SHUTDOWN ABORT cancels one that is
// waiting for replicas.

// The SHUTDOWN flags, as Redis's SHUTDOWN_* (also the values of shutdown-on-sigterm and
// shutdown-on-sigint).
const (
	shutdownNoSave = 1 << iota
	shutdownSave
	shutdownNow
	shutdownForce
)

var errShutdownFailed = errors.New("ERR Errors trying to SHUTDOWN. Check logs.")

// shutdown is the state of a shutdown in progress.
type shutdown struct {
	mu        sync.Mutex // guards the fields down to abort
	initiated bool
	flags     int
	deadline  time.Time
	// waiting are the SHUTDOWN callers, blocked until the shutdown fails or is aborted (then
	// they get errShutdownFailed) or succeeds (then nil, and their connection just closes).
	waiting []chan error
	paused  bool          // writes are held: writesMu is locked
	abort   chan struct{} // closed by SHUTDOWN ABORT while waiting for replicas

	// Every write command holds writesMu for reading while it runs; a shutdown locks it from
	// its start until it fails or the server stops, so that no write runs meanwhile and none
	// is halfway when the files are made final (Redis runs one command at a time). exiting is
	// set as the server stops: a write that was held is then dropped, never run after the
	// final fsync.
	writesMu sync.RWMutex
	exiting  atomic.Bool
}

func newShutdown() *shutdown { return &shutdown{} }

// requestShutdown starts a shutdown, or joins the one in progress. done, if not nil, receives
// its outcome.
func (s *Server) requestShutdown(flags int, done chan error) {
	sd := s.shutdown
	sd.mu.Lock()
	if done != nil {
		sd.waiting = append(sd.waiting, done)
	}
	if sd.initiated {
		sd.mu.Unlock()
		return
	}
	sd.initiated, sd.flags = true, flags
	sd.abort = make(chan struct{})
	sd.mu.Unlock()
	sd.writesMu.Lock() // waits for the writes under way
	sd.mu.Lock()
	sd.paused = true
	sd.mu.Unlock()
	go s.runShutdown(flags)
}

// runShutdown waits for the replicas if it must, then finishes.
func (s *Server) runShutdown(flags int) {
	slog.Warn("User requested shutdown...")
	sd := s.shutdown
	timeout := time.Duration(s.shutdownTimeout.Load()) * time.Second
	if flags&shutdownNow == 0 && timeout > 0 && !s.replicasInSync() { // step 09's exercise 2
		sd.mu.Lock()
		sd.deadline = time.Now().Add(timeout)
		abort := sd.abort
		sd.mu.Unlock()
		s.repl.feed([]byte("REPLCONF"), []byte("GETACK"), []byte("*"))
		slog.Info("Waiting for replicas before shutting down.")
		// Redis looks again at every serverCron, ten times a second.
		ticker := time.NewTicker(100 * time.Millisecond)
		defer ticker.Stop()
		for waiting := true; waiting; {
			select {
			case <-abort:
				return // SHUTDOWN ABORT: cancelShutdown has run
			case <-ticker.C:
				waiting = time.Now().Before(sd.deadline) && !s.replicasInSync()
			}
		}
	}
	// The files are made final on the owner: no save or rewrite starts after the last one.
	// Close, which stops the owner, runs here, not there.
	var err error
	if !s.owner.Do(func() { err = s.finishShutdown(flags) }) {
		s.cancelShutdown(errShutdownFailed) // Close got there first
		return
	}
	if err != nil {
		slog.Warn("Errors trying to shut down the server. Check the logs for more information.")
		s.cancelShutdown(errShutdownFailed)
		return
	}
	s.exit()
}

// finishShutdown logs the replicas that are behind, makes the files final, and says whether
// the server may stop.
func (s *Server) finishShutdown(flags int) error {
	r := s.repl
	r.mu.Lock()
	lagging := 0
	for _, link := range r.replicas {
		if link.ackOffset != r.offset {
			lagging++
			lag := int64(0)
			if link.state == "online" {
				lag = int64(time.Since(link.ackTime) / time.Second)
			}
			slog.Warn(fmt.Sprintf("Lagging replica %s:%d reported offset %d behind master, lag=%d, state=%s.",
				link.addr, link.port, r.offset-link.ackOffset, lag, link.state))
		}
	}
	if len(r.replicas) > 0 {
		slog.Info(fmt.Sprintf("%d of %d replicas are in sync when shutting down.", len(r.replicas)-lagging, len(r.replicas)))
	}
	r.mu.Unlock()

	s.waitForBackgroundSave() // whose older snapshot would be renamed over the final one

	if aof := s.aof.Load(); aof != nil {
		slog.Info("Calling fsync() on the AOF file.")
		if err := aof.flush(aof.offset(), true); err != nil {
			slog.Warn("Fail to fsync the AOF file: " + config.Strerror(err) + ".")
		}
	}
	if s.finalSave(flags) { // step 09's exercise 3
		slog.Info("Saving the final RDB snapshot before exiting.")
		snapshot, dirty := s.snapshot()
		if err := s.saveRDB(snapshot, dirty); err != nil {
			if flags&shutdownForce == 0 {
				slog.Warn("Error trying to save the DB, can't exit.")
				return err
			}
			slog.Warn("Error trying to save the DB. Exit anyway.")
		}
	}
	slog.Warn("Redis is now ready to exit, bye bye...")
	return nil
}

// cancelShutdown ends a shutdown that will not happen: the callers get err, writes resume.
func (s *Server) cancelShutdown(err error) {
	sd := s.shutdown
	sd.mu.Lock()
	defer sd.mu.Unlock()
	for _, done := range sd.waiting {
		done <- err
	}
	sd.waiting, sd.initiated, sd.flags, sd.deadline = nil, false, 0, time.Time{}
	if sd.paused {
		sd.paused = false
		sd.writesMu.Unlock()
	}
}

// abortShutdown is SHUTDOWN ABORT: it cancels a shutdown waiting for its replicas.
func (s *Server) abortShutdown() bool {
	sd := s.shutdown
	sd.mu.Lock()
	if !sd.initiated || !sd.paused {
		sd.mu.Unlock()
		return false
	}
	select {
	case <-sd.abort: // Close got there first
	default:
		close(sd.abort)
	}
	sd.mu.Unlock()
	s.cancelShutdown(errShutdownFailed)
	slog.Info("Shutdown manually aborted.")
	return true
}

// startWrite holds a write command while a shutdown is under way (writeDone ends it). It
// returns false if the server stopped meanwhile: the write is then not run at all.
func (s *Server) startWrite() bool {
	sd := s.shutdown
	sd.writesMu.RLock()
	if sd.exiting.Load() {
		sd.writesMu.RUnlock()
		return false
	}
	return true
}

func (s *Server) writeDone() { s.shutdown.writesMu.RUnlock() }

// releaseWrites lets held writes go on (an exiting server drops them), and the SHUTDOWN
// callers and the wait for replicas end: no goroutine stays blocked when Close stops the
// server in the middle of a shutdown.
func (s *Server) releaseWrites() {
	sd := s.shutdown
	sd.mu.Lock()
	defer sd.mu.Unlock()
	if sd.abort != nil && !sd.exiting.Load() { // a shutdown waiting for replicas stops waiting
		select {
		case <-sd.abort:
		default:
			close(sd.abort)
		}
	}
	for _, done := range sd.waiting { // their connections are closing
		done <- nil
	}
	sd.waiting = nil
	if sd.paused {
		sd.paused = false
		sd.writesMu.Unlock()
	}
}

// stopping reports whether the server is stopping for good.
func (s *Server) stopping() bool { return s.shutdown.exiting.Load() }

// shutdownWaitLeft is how long a shutdown waiting for its replicas will still wait.
func (s *Server) shutdownWaitLeft() (time.Duration, bool) {
	sd := s.shutdown
	sd.mu.Lock()
	defer sd.mu.Unlock()
	if !sd.initiated || sd.deadline.IsZero() {
		return 0, false
	}
	return max(time.Until(sd.deadline), 0), true
}

// shutdownStarted reports whether a shutdown is under way (a second SIGINT then exits at
// once).
func (s *Server) shutdownStarted() bool {
	sd := s.shutdown
	sd.mu.Lock()
	defer sd.mu.Unlock()
	return sd.initiated
}

// exit stops the server for good: the SHUTDOWN callers' connections close without a reply,
// paused writes are dropped, every client's replies go out, and Serve returns.
func (s *Server) exit() {
	sd := s.shutdown
	sd.mu.Lock()
	sd.exiting.Store(true)
	for _, done := range sd.waiting {
		done <- nil
	}
	sd.waiting = nil
	if sd.paused {
		sd.paused = false
		sd.writesMu.Unlock() // the held writes see exiting, and are dropped
	}
	sd.mu.Unlock()
	s.stopServing(true)
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]
func shutdownCommand(c *client, args [][]byte) {
	flags, abort := 0, false
	for _, arg := range args[1:] {
		switch strings.ToLower(string(arg)) {
		case "nosave":
			flags |= shutdownNoSave
		case "save":
			flags |= shutdownSave
		case "now":
			flags |= shutdownNow
		case "force":
			flags |= shutdownForce
		case "abort":
			abort = true
		default:
			c.writer.Error(errSyntax)
			return
		}
	}
	if abort && flags != 0 || flags&shutdownNoSave != 0 && flags&shutdownSave != 0 {
		c.writer.Error(errSyntax)
		return
	}
	if abort {
		if c.server.abortShutdown() {
			c.writer.SimpleString("OK")
		} else {
			c.writer.Error("ERR No shutdown in progress.")
		}
		return
	}
	done := make(chan error, 1)
	c.server.blocked.Add(1)
	c.server.requestShutdown(flags, done)
	err := <-done
	c.server.blocked.Add(-1)
	if err != nil {
		c.writer.Error(err.Error())
		return
	}
	c.closing = true // the server is stopping: the caller sees the connection close, no reply
}

// formatShutdownFlags is what CONFIG GET shows for shutdown-on-sigterm and -sigint.
func formatShutdownFlags(flags int) string {
	var words []string
	for _, f := range []struct {
		flag int
		word string
	}{{shutdownSave, "save"}, {shutdownNoSave, "nosave"}, {shutdownNow, "now"}, {shutdownForce, "force"}} {
		if flags&f.flag != 0 {
			words = append(words, f.word)
		}
	}
	if len(words) == 0 {
		return "default"
	}
	return strings.Join(words, " ")
}

// shutdown-on-sigterm and shutdown-on-sigint take several words ("nosave now"), each one of
// Redis's; "default" adds nothing. SAVE and NOSAVE contradict each other, with Redis's own
// error.
func parseShutdownFlags(value string) (int, error) {
	flags := 0
	for _, word := range strings.Fields(strings.ToLower(value)) {
		switch word {
		case "default":
		case "save":
			flags |= shutdownSave
		case "nosave":
			flags |= shutdownNoSave
		case "now":
			flags |= shutdownNow
		case "force":
			flags |= shutdownForce
		default:
			return 0, errors.New("argument(s) must be one of the following: default, save, nosave, now, force")
		}
	}
	if flags&shutdownSave != 0 && flags&shutdownNoSave != 0 {
		return 0, errors.New("shutdown options SAVE and NOSAVE can't be used simultaneously")
	}
	return flags, nil
}

// Every replica must have acknowledged the whole stream: its ACK offset is the master's
// offset. One replica behind is enough to wait (isReadyToShutdown in server.c).
func (s *Server) replicasInSync() bool {
	r := s.repl
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, link := range r.replicas {
		if link.ackOffset != r.offset {
			return false
		}
	}
	return true
}

// The final snapshot is saved when save points are set, unless NOSAVE, and always with SAVE
// (finishShutdown in server.c).
func (s *Server) finalSave(flags int) bool {
	return s.hasSavePoints() && flags&shutdownNoSave == 0 || flags&shutdownSave != 0
}
