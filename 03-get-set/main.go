// Command 03-get-set is step 03 of the course: an in-memory key-value server that real
// Redis clients use unmodified. Run it with `make 03-get-set`, then `redis-cli -p 6380`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"byoredis/shared/fdlimit"
	"byoredis/shared/listen"
	"byoredis/shared/release"
)

func main() {
	// Flags are named after Redis's config directives, so `--port 6380 --bind 127.0.0.1`
	// starts this server just as it starts a redis-server.
	port := flag.Int("port", 6380, "TCP port to listen on")
	bind := flag.String("bind", "127.0.0.1", `addresses to listen on, as Redis's bind: "127.0.0.1 ::1"; "*" for every IPv4 address`)
	maxClients := flag.Int("maxclients", 10000, "most clients connected at once")
	outputLimit := flag.String("client-output-buffer-limit", defaultOutputLimits.String(),
		`the most a client's unread replies may hold, per class: "<class> <hard> <soft> <soft-seconds> ..."`)
	queryLimit := flag.String("client-query-buffer-limit", "1gb", "the most a client's unfinished request may hold")
	requirePass := flag.String("requirepass", "", `the password clients give with AUTH; "" for none`)
	protectedMode := flag.String("protected-mode", "yes", "yes: with no password, serve clients of the loopback interface only")
	flag.Parse()
	// As many clients as the file descriptor limit allows, less a reserve, as Redis does.
	*maxClients = fdlimit.Fit(*maxClients)

	if !yes(*protectedMode) && !strings.EqualFold(*protectedMode, "no") {
		fatalConfig("protected-mode", *protectedMode, errors.New("argument must be 'yes' or 'no'"))
	}
	config := Config{Port: *port, Bind: *bind, MaxClients: *maxClients, RequirePass: *requirePass, ProtectedMode: yes(*protectedMode)}
	var err error
	if config.OutputLimits, err = parseOutputLimits(*outputLimit, defaultOutputLimits); err != nil {
		fatalConfig("client-output-buffer-limit", *outputLimit, err)
	}
	config.QueryBufferLimit = memoryConfig("client-query-buffer-limit", *queryLimit, 1<<20)

	addresses, err := listen.Addresses(*bind)
	if err != nil {
		fatalConfig("bind", *bind, err)
	}
	listeners, err := listen.TCP(addresses, *port) // logs each address that fails, in Redis's words
	if err != nil {
		slog.Error("Failed listening on port " + strconv.Itoa(*port) + " (TCP), aborting.")
		os.Exit(1)
	}
	srv := NewServer(config)

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

// yes parses Redis's yes/no booleans.
func yes(s string) bool { return strings.EqualFold(s, "yes") }

// fatalConfig stops the start as Redis does for a directive it cannot apply, with the C
// library's words for the error ("No such file or directory").
func fatalConfig(name, value string, err error) {
	fmt.Fprintf(os.Stderr, "\n*** FATAL CONFIG FILE ERROR (Redis %s) ***\n>>> '%s %q'\n%s\n", redisVersion, name, value, strerror(err))
	os.Exit(1)
}

// strerror is the C library's text for a system error, as Redis prints it: "No such file or
// directory" where Go says "no such file or directory".
func strerror(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	text := errno.Error()
	return strings.ToUpper(text[:1]) + text[1:]
}

// memoryConfig parses a size directive that must be at least least bytes, or stops the
// start as Redis does.
func memoryConfig(name, value string, least int64) int64 {
	n, err := parseMemoryAtLeast(value, least)
	if err != nil {
		fatalConfig(name, value, err)
	}
	return n
}

// parseMemoryAtLeast parses a size that must be at least least bytes, with Redis's errors.
func parseMemoryAtLeast(value string, least int64) (int64, error) {
	n, ok := parseMemory(value)
	if !ok {
		return 0, errors.New("argument must be a memory value")
	}
	if n < least {
		return 0, fmt.Errorf("argument must be between %d and 9223372036854775807 inclusive", least)
	}
	return n, nil
}

// parseMemory parses a size the way Redis's config does (memtoull in util.c): digits, then
// an optional unit: 1k = 1000 bytes, 1kb = 1024 bytes, and so on for m, mb, g, gb.
func parseMemory(s string) (int64, bool) {
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	units := map[string]int64{"": 1, "b": 1, "k": 1e3, "kb": 1 << 10, "m": 1e6, "mb": 1 << 20, "g": 1e9, "gb": 1 << 30}
	unit, known := units[strings.ToLower(s[digits:])]
	n, err := strconv.ParseInt(s[:digits], 10, 64)
	if !known || err != nil || n > (1<<63-1)/unit {
		return 0, false
	}
	return n * unit, true
}
