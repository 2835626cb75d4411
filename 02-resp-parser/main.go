// Command 02-resp-parser is step 02 of the course: a server that speaks RESP, the Redis
// protocol. Run it with `make 02-resp-parser` and talk to it with `redis-cli -p 6380`.
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"byoredis/shared/fdlimit"
	"byoredis/shared/release"
)

func main() {
	// Flags are named after Redis's config directives, so `--port 6380 --bind 127.0.0.1`
	// starts this server just as it starts a redis-server.
	port := flag.Int("port", 6380, "TCP port to listen on")
	bind := flag.String("bind", "127.0.0.1", "address to listen on")
	maxClients := flag.Int("maxclients", 10000, "most clients connected at once")
	flag.Parse()
	// As many clients as the file descriptor limit allows, less a reserve, as Redis does.
	*maxClients = fdlimit.Fit(*maxClients)

	ln, err := net.Listen("tcp", net.JoinHostPort(*bind, strconv.Itoa(*port)))
	if err != nil {
		listenFailed(net.JoinHostPort(*bind, strconv.Itoa(*port)), err)
	}
	srv := NewServer(*maxClients)

	// Ctrl-C (SIGINT) or SIGTERM: stop accepting, close the clients, and return from Serve.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		slog.Info("shutting down")
		srv.Close()
	}()

	go release.WhenQuiet(nil) // memory goes back to the system when the server is quiet
	slog.Info("ready to accept connections", "addr", ln.Addr().String())
	if err := srv.Serve(ln); err != nil {
		slog.Error("server stopped", "err", err)
		os.Exit(1)
	}
}

// listenFailed stops the start as Redis does when its port is taken, in Redis's words:
// "Warning: Could not create server TCP listening socket 127.0.0.1:6380: bind: Address already in use".
func listenFailed(addr string, err error) {
	reason := err.Error()
	var syscallErr *os.SyscallError
	if errors.As(err, &syscallErr) { // the C library's words: "bind: Address already in use"
		text := syscallErr.Err.Error()
		reason = syscallErr.Syscall + ": " + strings.ToUpper(text[:1]) + text[1:]
	}
	_, port, _ := net.SplitHostPort(addr)
	slog.Error("Warning: Could not create server TCP listening socket " + addr + ": " + reason)
	slog.Error("Failed listening on port " + port + " (TCP), aborting.")
	os.Exit(1)
}
