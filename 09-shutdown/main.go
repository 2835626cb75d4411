// Command 09-shutdown is step 09 of the course: a shutdown that loses nothing, on SIGTERM,
// SIGINT or SHUTDOWN, as Redis does it. Run it with `make 09-shutdown`.
package main

import (
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"byoredis/shared/listen"
	"byoredis/shared/release"
)

func main() {
	// Flags are named after Redis's config directives, so `--port 6380 --save ""` starts this
	// server just as it starts a redis-server. They come from the configuration table
	// (config.go); the server does not exist yet, so they fill in its Config, and the
	// server takes the rest once it is made (Late).
	var cfg Config
	values := directives(nil, &cfg).Flags(redisVersion)
	srv, err := NewServer(cfg)
	if err != nil {
		fatal(err)
	}
	addresses, _ := listen.Addresses(cfg.Bind)        // checked with the flags
	listeners, err := listen.TCP(addresses, cfg.Port) // logs each address that fails, in Redis's words
	if err != nil {
		slog.Error("Failed listening on port " + strconv.Itoa(cfg.Port) + " (TCP), aborting.")
		os.Exit(1)
	}
	srv.directives.Late(values, redisVersion)

	// SIGTERM and SIGINT (Ctrl-C) shut down as SHUTDOWN does, with shutdown-on-sigterm's and
	// shutdown-on-sigint's flags. A second SIGINT during a shutdown exits at once, as in
	// Redis: "you insist".
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		for sig := range signals {
			flags, name := srv.onSigterm.Load(), "SIGTERM"
			if sig == os.Interrupt {
				if srv.shutdownStarted() {
					slog.Warn("You insist... exiting now.")
					os.Exit(1)
				}
				flags, name = srv.onSigint.Load(), "SIGINT"
			}
			slog.Warn("Received " + name + " scheduling shutdown...")
			srv.requestShutdown(int(flags), nil)
		}
	}()

	go release.WhenQuiet(nil) // memory goes back to the system when the server is quiet
	for _, ln := range listeners {
		slog.Info("ready to accept connections", "addr", ln.Addr().String())
	}
	if err := srv.serve(listeners); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	slog.Error("cannot start", "err", err)
	os.Exit(1)
}
