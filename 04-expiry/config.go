package main

import (
	"fmt"
	"math"
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
		config.Setting[string]{Name: "save", Get: config.Fixed("")},         // no snapshots yet (step 06)
		config.Setting[string]{Name: "appendonly", Get: config.Fixed("no")}, // no append-only file yet (step 05)
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
