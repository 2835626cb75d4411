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
		// Redis keeps the rate between 1 and 500 (updateHZ); the expiry cycle takes it from its
		// next tick.
		config.Setting[int64]{Name: "hz", Default: "10", Usage: "how many times a second background tasks such as active expiry run",
			Parse: config.Int(0, math.MaxInt32), Start: func(n int64) error { cfg.Hz = int(n); return nil },
			Set: func(n int64) { s.hz.Store(min(max(n, 1), 500)) }, Get: func() string { return strconv.FormatInt(s.hz.Load(), 10) }},
		config.Setting[string]{Name: "save", Get: config.Fixed("")}, // no snapshots yet (step 06)
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
		// Redis writes the base as an RDB snapshot by default (yes); this step has no RDB yet
		// (step 06 adds it), so its base is always commands, as Redis's is with "no".
		config.Setting[bool]{Name: "aof-use-rdb-preamble", Default: "no", Usage: `only "no" in this step: the base holds commands`,
			Parse: config.YesNo, Start: func(on bool) error {
				if on {
					return errors.New("aof-use-rdb-preamble yes needs RDB snapshots, which step 06 adds")
				}
				return nil
			},
			Get: config.Fixed("no")},
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
