package main

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"byoredis/shared/config"
	"byoredis/shared/fdlimit"
	"byoredis/shared/listen"
)

// directives is the server's configuration table, one row per Redis directive, in the order
// CONFIG GET lists them: its default (the flag's), how a value is parsed, where it goes when
// the server starts (cfg), and, for what CONFIG SET may change while clients are connected,
// how it changes the running server s. The flags, CONFIG GET and CONFIG SET come from it
// (shared/config). main calls it before the server exists (s is nil) for the flags alone.
func directives(s *Server, cfg *Config) *config.Table {
	return config.NewTable(
		// Where the server listens: parsed here, changed by s.listeners.Apply (shared/listen).
		config.Setting[int64]{Name: "port", Default: "6380", Usage: "TCP port to listen on",
			Parse: config.Int(0, 65535), Start: func(n int64) error { cfg.Port = int(n); return nil }, Set: func(int64) {},
			Get: func() string { return strconv.FormatInt(s.listeners.Port(), 10) }},
		config.Setting[string]{Name: "bind", Default: "127.0.0.1",
			Usage: `addresses to listen on, as Redis's bind: "127.0.0.1 ::1"; "*" for every IPv4 address`,
			Parse: parseBind, Start: func(v string) error { cfg.Bind = v; return nil }, Set: func(string) {},
			Get: func() string { return s.listeners.Bind() }},
		// As many clients as the file descriptor limit allows at start, less a reserve; more
		// later only if the limit can be raised (updateMaxclients in Redis's config.c).
		// Clients already connected stay.
		config.Setting[int64]{Name: "maxclients", Default: "10000", Usage: "most clients connected at once",
			Parse: config.Int(1, math.MaxUint32), Start: func(n int64) error { cfg.MaxClients = fdlimit.Fit(int(n)); return nil },
			Check: func(n int64) error {
				if allowed := fdlimit.Raise(int(n)); allowed < int(n) {
					return fmt.Errorf("The operating system is not able to handle the specified number of clients, try with %d", allowed)
				}
				return nil
			},
			Set: func(n int64) { s.maxClients.Store(n) }, Get: func() string { return strconv.FormatInt(s.maxClients.Load(), 10) }},
		config.Setting[outputLimits]{Name: "client-output-buffer-limit", Default: defaultOutputLimits.String(),
			Usage: `the most a client's unread replies may hold, per class: "<class> <hard> <soft> <soft-seconds> ..."`,
			Parse: func(v string) (outputLimits, error) { return parseOutputLimits(v, s.currentOutputLimits()) },
			Start: func(l outputLimits) error { cfg.OutputLimits = l; return nil },
			Set:   func(l outputLimits) { s.outputLimits.Store(&l) }, Get: func() string { return s.outputLimits.Load().String() }},
		config.Setting[int64]{Name: "client-query-buffer-limit", Default: "1gb", Usage: "the most a client's unfinished request may hold",
			Parse: config.Memory(1 << 20), Start: func(n int64) error { cfg.QueryBufferLimit = n; return nil },
			Set: func(n int64) { s.queryBufferLimit.Store(n) }, Get: func() string { return strconv.FormatInt(s.queryBufferLimit.Load(), 10) }},
		// Clients already connected keep what they had: authenticated, or not.
		config.Setting[string]{Name: "requirepass", Usage: `the password clients give with AUTH; "" for none`,
			Parse: config.String, Start: func(v string) error { cfg.RequirePass = v; return nil },
			Set: func(v string) { s.requirePass.Store(&v) }, Get: func() string { return *s.requirePass.Load() }},
		config.Setting[bool]{Name: "protected-mode", Default: "yes", Usage: "yes: with no password, serve clients of the loopback interface only",
			Parse: config.YesNo, Start: func(on bool) error { cfg.ProtectedMode = on; return nil },
			Set: func(on bool) { s.protectedMode.Store(on) }, Get: func() string { return config.FormatYesNo(s.protectedMode.Load()) }},
		// What tools ask about and this server does not have, as a Redis without it says.
		config.Setting[string]{Name: "databases", Get: config.Fixed("1")},
		config.Setting[int32]{Name: "notify-keyspace-events", Usage: `the keyspace events to publish, as Redis's class letters: "KEA" for all`,
			Parse: parseKeyspaceEvents, Start: func(flags int32) error { cfg.KeyspaceEvents = flags; return nil },
			Set: func(flags int32) { s.store.keyspaceEvents.Store(flags) }, Get: func() string { return formatKeyspaceEvents(s.store.keyspaceEvents.Load()) }},
		// Redis keeps the rate between 1 and 500 (updateHZ); the expiry cycle takes it from its
		// next tick.
		config.Setting[int64]{Name: "hz", Default: "10", Usage: "how many times a second background tasks such as active expiry run",
			Parse: config.Int(0, math.MaxInt32), Start: func(n int64) error { cfg.Hz = int(n); return nil },
			Set: func(n int64) { s.hz.Store(min(max(n, 1), 500)) }, Get: func() string { return strconv.FormatInt(s.hz.Load(), 10) }},
		// Snapshots: each applies from the next time it is used (the next save point check, the
		// next snapshot), as in Redis.
		config.Setting[[]savePoint]{Name: "save", Default: "3600 1 300 100 60 10000",
			Usage: `snapshot after SECONDS if CHANGES writes happened, as "SECONDS CHANGES ..." ("" for never)`,
			Parse: parseSaveDirective, Start: func(points []savePoint) error { cfg.RDB.SavePoints = points; return nil },
			Set: func(points []savePoint) { s.savePoints.Store(&points) }, Get: func() string { return formatSavePoints(*s.savePoints.Load()) }},
		config.Setting[bool]{Name: "stop-writes-on-bgsave-error", Default: "yes", Usage: "yes: refuse writes while the last background save failed",
			Parse: config.YesNo, Start: func(on bool) error { cfg.RDB.StopWritesOnBgsaveError = on; return nil },
			Set: func(on bool) { s.stopWritesOnBgsaveError.Store(on) }, Get: func() string { return config.FormatYesNo(s.stopWritesOnBgsaveError.Load()) }},
		// Replication: the backlog keeps at least 16 KiB (resizeReplicationBacklog); the others
		// apply from the next sync, ping or wait.
		config.Setting[string]{Name: "replicaof", Alias: "slaveof", Usage: `"host port" of a master to follow as its replica`,
			Parse: config.String, Start: func(v string) error { cfg.Repl.ReplicaOf = v; return nil },
			Get: func() string { return s.config.Repl.ReplicaOf }},
		config.Setting[int64]{Name: "repl-backlog-size", Default: "1mb", Usage: "how much of the replication stream is kept for replicas that reconnect",
			Parse: config.Memory(1), Start: func(n int64) error { cfg.Repl.BacklogSize = int(max(n, 16<<10)); return nil },
			Set: func(n int64) { s.repl.backlogSize.Store(max(n, 16<<10)) }, Get: func() string { return strconv.FormatInt(s.repl.backlogSize.Load(), 10) }},
		config.Setting[bool]{Name: "repl-diskless-sync", Default: "yes", Usage: "yes: stream snapshots to replicas that can take them, without a file",
			Parse: config.YesNo, Start: func(on bool) error { cfg.Repl.DisklessSync = on; return nil },
			Set: func(on bool) { s.replDisklessSync.Store(on) }, Get: func() string { return config.FormatYesNo(s.replDisklessSync.Load()) }},
		config.Setting[int64]{Name: "repl-diskless-sync-delay", Default: "5", Usage: "seconds to wait for more replicas before a diskless sync starts",
			Parse: config.Int(0, math.MaxInt32), Start: func(n int64) error { cfg.Repl.DisklessSyncDelay = int(n); return nil },
			Set: func(n int64) { s.replDisklessSyncDelay.Store(n) }, Get: func() string { return strconv.FormatInt(s.replDisklessSyncDelay.Load(), 10) }},
		config.Setting[int64]{Name: "repl-ping-replica-period", Alias: "repl-ping-slave-period", Default: "10", Usage: "seconds between the PINGs a master sends down the stream",
			Parse: config.Int(1, math.MaxInt32), Start: func(n int64) error { cfg.Repl.PingPeriod = int(n); return nil },
			Set: func(n int64) { s.replPingPeriod.Store(n) }, Get: func() string { return strconv.FormatInt(s.replPingPeriod.Load(), 10) }},
		config.Setting[int64]{Name: "repl-timeout", Default: "60", Usage: "seconds a replica waits for its master in any phase of the link before it tries again",
			Parse: config.Int(1, math.MaxInt32), Start: func(n int64) error { cfg.Repl.Timeout = int(n); return nil },
			Set: func(n int64) { s.replTimeoutSeconds.Store(n) }, Get: func() string { return strconv.FormatInt(s.replTimeoutSeconds.Load(), 10) }},
		config.Setting[string]{Name: "masterauth", Usage: "the password this replica gives a master that has requirepass",
			Parse: config.String, Start: func(v string) error { cfg.Repl.MasterAuth = v; return nil },
			Set: func(v string) { s.masterAuth.Store(&v) }, Get: func() string { return *s.masterAuth.Load() }},
		config.Setting[string]{Name: "masteruser", Usage: `the user it gives it as, if not "default"`,
			Parse: config.String, Start: func(v string) error { cfg.Repl.MasterUser = v; return nil },
			Set: func(v string) { s.masterUser.Store(&v) }, Get: func() string { return *s.masterUser.Load() }},
		config.Setting[string]{Name: "dbfilename", Default: "dump.rdb", Usage: "the snapshot's file name, inside --dir", Protected: true,
			Parse: config.String, Start: func(v string) error { cfg.RDB.FileName = v; return nil },
			Get: func() string { return s.config.RDB.FileName }},
		config.Setting[bool]{Name: "rdbcompression", Default: "yes", Usage: "yes: LZF-compress long strings in snapshots",
			Parse: config.YesNo, Start: func(on bool) error { cfg.RDB.Compression = on; return nil },
			Set: func(on bool) { s.rdbCompression.Store(on) }, Get: func() string { return config.FormatYesNo(s.rdbCompression.Load()) }},
		config.Setting[bool]{Name: "rdbchecksum", Default: "yes", Usage: "yes: end snapshots with a CRC-64 checksum",
			Parse: config.YesNo, Start: func(on bool) error { cfg.RDB.Checksum = on; return nil },
			Get: func() string { return config.FormatYesNo(s.config.RDB.Checksum) }},
		// The append-only file: each applies from the next write or fsync, as in Redis.
		// appendonly yes starts the file with a rewrite of the keyspace, once its directory is
		// known to be there; no stops it.
		config.Setting[bool]{Name: "appendonly", Default: "no", Usage: "yes: log every write to the append-only file, and load it at start",
			Parse: config.YesNo, Start: func(on bool) error { cfg.AOF.Enabled = on; return nil },
			Check: func(on bool) error {
				if on && s.aof.Load() == nil {
					if err := os.MkdirAll(filepath.Join(s.config.AOF.Dir, s.config.AOF.DirName), 0o755); err != nil {
						slog.Warn("Can't open or create append-only dir " + s.config.AOF.DirName + ": " + config.Strerror(err))
						return errors.New("Unable to turn on AOF. Check server logs.")
					}
				}
				return nil
			},
			Set: func(on bool) {
				if !on {
					s.stopAppendOnly(s.aof.Load())
				} else if err := s.startAppendOnly(); err != nil {
					slog.Warn("Unable to turn on AOF", "err", err)
				}
			},
			Get: func() string { return config.FormatYesNo(s.aof.Load() != nil) }},
		config.Setting[string]{Name: "appendfsync", Default: "everysec", Usage: "when to fsync the append-only file: always, everysec or no",
			Parse: config.OneOf("everysec", "always", "no"), Start: func(v string) error { cfg.AOF.Fsync = v; return nil },
			Set: func(v string) { s.aofSettings.fsync.Store(&v) }, Get: func() string { return *s.aofSettings.fsync.Load() }},
		// Like Redis, the server moves into dir and works there: every file it writes is in it,
		// and CONFIG GET dir answers the absolute path. A directory that is not there stops the
		// start with Redis's error.
		config.Setting[string]{Name: "dir", Default: ".", Usage: "the directory the server's files are in", Protected: true,
			Parse: config.String, Start: func(v string) error {
				if err := os.Chdir(v); err != nil {
					return err
				}
				cfg.AOF.Dir, _ = os.Getwd()
				cfg.RDB.Dir = cfg.AOF.Dir
				return nil
			},
			Get: func() string { return s.config.AOF.Dir }},
		config.Setting[string]{Name: "appenddirname", Default: "appendonlydir", Usage: "the append-only file's directory, inside --dir",
			Parse: aofName("appenddirname", "dirname"), Start: func(v string) error { cfg.AOF.DirName = v; return nil },
			Get: func() string { return s.config.AOF.DirName }},
		config.Setting[string]{Name: "appendfilename", Default: "appendonly.aof", Usage: "the prefix of the append-only file's names",
			Parse: aofName("appendfilename", "filename"), Start: func(v string) error { cfg.AOF.FileName = v; return nil },
			Get: func() string { return s.config.AOF.FileName }},
		config.Setting[bool]{Name: "aof-load-truncated", Default: "yes", Usage: "yes: start even if the last command in the file was cut short",
			Parse: config.YesNo, Start: func(on bool) error { cfg.AOF.LoadTruncated = on; return nil },
			Set: func(on bool) { s.aofSettings.loadTruncated.Store(on) }, Get: func() string { return config.FormatYesNo(s.aofSettings.loadTruncated.Load()) }},
		config.Setting[int64]{Name: "auto-aof-rewrite-percentage", Default: "100", Usage: "rewrite when the file has grown by this percentage since the last rewrite (0: never)",
			Parse: config.Int(0, math.MaxInt32), Start: func(n int64) error { cfg.AOF.RewritePercent = n; return nil },
			Set: func(n int64) { s.aofSettings.rewritePercent.Store(n) }, Get: func() string { return strconv.FormatInt(s.aofSettings.rewritePercent.Load(), 10) }},
		config.Setting[int64]{Name: "auto-aof-rewrite-min-size", Default: "64mb", Usage: "but not before it is this large",
			Parse: config.Memory(0), Start: func(n int64) error { cfg.AOF.RewriteMinSize = n; return nil },
			Set: func(n int64) { s.aofSettings.rewriteMinSize.Store(n) }, Get: func() string { return strconv.FormatInt(s.aofSettings.rewriteMinSize.Load(), 10) }},
		config.Setting[bool]{Name: "aof-use-rdb-preamble", Default: "yes", Usage: "yes: write the append-only file's base as an RDB snapshot",
			Parse: config.YesNo, Start: func(on bool) error { cfg.AOF.RDBPreamble = on; return nil },
			Set: func(on bool) { s.aofSettings.rdbPreamble.Store(on) }, Get: func() string { return config.FormatYesNo(s.aofSettings.rdbPreamble.Load()) }},
	)
}

// parseBind checks a bind directive's addresses.
func parseBind(value string) (string, error) {
	_, err := listen.Addresses(value)
	return value, err
}

// currentOutputLimits are the limits a client-output-buffer-limit value changes: it names the
// classes it changes, and the others keep theirs. Before the server exists (the flags), the
// defaults.
func (s *Server) currentOutputLimits() outputLimits {
	if s == nil {
		return defaultOutputLimits
	}
	return *s.outputLimits.Load()
}

// parseSaveDirective parses save's "SECONDS CHANGES ..." pairs, with Redis's error.
func parseSaveDirective(value string) ([]savePoint, error) {
	points, err := parseSavePoints(value)
	if err != nil {
		return nil, errors.New("Invalid save parameters")
	}
	return points, nil
}

// aofName checks appendfilename and appenddirname as Redis does (isValidAOFfilename,
// isValidAOFdirname): a name inside dir, not a path.
func aofName(directive, kind string) func(string) (string, error) {
	return func(value string) (string, error) {
		if value == "" {
			return "", fmt.Errorf("%s can't be empty", directive)
		}
		if !isBaseName(value) {
			return "", fmt.Errorf("%s can't be a path, just a %s", directive, kind)
		}
		return value, nil
	}
}
