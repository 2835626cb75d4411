// Command 08-replication is step 08 of the course: replication, as a master that real Redis
// replicas follow and as a replica of a real Redis. Run it with `make 08-replication`.
package main

import (
	"context"
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
	// (config.go); the server does not exist yet, so they fill in its Config.
	var cfg Config
	directives(nil, &cfg).Flags(redisVersion)
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

	// Ctrl-C (SIGINT) or SIGTERM: stop accepting, close the clients, fsync the AOF, return.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		slog.Info("shutting down")
		srv.Close()
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
