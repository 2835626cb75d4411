// Command 04-expiry is step 04 of the course: keys that expire, the way Redis expires
// them. Run it with `make 04-expiry`, then `redis-cli -p 6380`.
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
	// Flags are named after Redis's config directives, so `--port 6380 --hz 100` starts this
	// server just as it starts a redis-server. They come from the configuration table
	// (config.go); the server does not exist yet, so they only fill in its Config.
	var cfg Config
	directives(nil, &cfg).Flags(redisVersion)

	addresses, _ := listen.Addresses(cfg.Bind)        // checked with the flags
	listeners, err := listen.TCP(addresses, cfg.Port) // logs each address that fails, in Redis's words
	if err != nil {
		slog.Error("Failed listening on port " + strconv.Itoa(cfg.Port) + " (TCP), aborting.")
		os.Exit(1)
	}
	srv := NewServer(cfg)

	// Ctrl-C (SIGINT) or SIGTERM: stop accepting, close the clients, and return from Serve.
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
		slog.Error("server stopped", "err", err)
		os.Exit(1)
	}
}
