// Command 10-benchmark is step 10 of the course: the server of step 09, tuned, and with
// snapshots taken without a fork. `10-benchmark --port 6380` runs it. The benchmark that
// measures it, or any server, against real Redis is a program of its own: package bench,
// built from cmd/bench (make 10-benchmark, make bench).
package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // --pprof
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
	// Flags are named after Redis's config directives, so `--port 6380 --save ""` starts this
	// server just as it starts a redis-server.
	port := flag.Int("port", 6380, "TCP port to listen on")
	bind := flag.String("bind", "127.0.0.1", `addresses to listen on, as Redis's bind: "127.0.0.1 ::1"; "*" for every IPv4 address`)
	maxClients := flag.Int("maxclients", 10000, "most clients connected at once")
	outputLimit := flag.String("client-output-buffer-limit", defaultOutputLimits.String(),
		`the most a client's unread replies may hold, per class: "<class> <hard> <soft> <soft-seconds> ..."`)
	queryLimit := flag.String("client-query-buffer-limit", "1gb", "the most a client's unfinished request may hold")
	requirePass := flag.String("requirepass", "", `the password clients give with AUTH; "" for none`)
	protectedMode := flag.String("protected-mode", "yes", "yes: with no password, serve clients of the loopback interface only")
	keyspaceEvents := flag.String("notify-keyspace-events", "", `the keyspace events to publish, as Redis's class letters: "KEA" for all`)
	hz := flag.Int("hz", 10, "how many times a second background tasks such as active expiry run")
	appendOnly := flag.String("appendonly", "no", "yes: log every write to the append-only file, and load it at start")
	appendFsync := flag.String("appendfsync", "everysec", "when to fsync the append-only file: always, everysec or no")
	dir := flag.String("dir", ".", "the directory the server's files are in")
	appendDirName := flag.String("appenddirname", "appendonlydir", "the append-only file's directory, inside --dir")
	appendFileName := flag.String("appendfilename", "appendonly.aof", "the prefix of the append-only file's names")
	loadTruncated := flag.String("aof-load-truncated", "yes", "yes: start even if the last command in the file was cut short")
	rewritePercent := flag.Int64("auto-aof-rewrite-percentage", 100, "rewrite when the file has grown by this percentage since the last rewrite (0: never)")
	rewriteMinSize := flag.String("auto-aof-rewrite-min-size", "64mb", "but not before it is this large")
	rdbPreamble := flag.String("aof-use-rdb-preamble", "yes", "yes: write the append-only file's base as an RDB snapshot")
	saveParams := flag.String("save", "3600 1 300 100 60 10000", `snapshot after SECONDS if CHANGES writes happened, as "SECONDS CHANGES ..." ("" for never)`)
	dbFileName := flag.String("dbfilename", "dump.rdb", "the snapshot's file name, inside --dir")
	rdbCompression := flag.String("rdbcompression", "yes", "yes: LZF-compress long strings in snapshots")
	rdbChecksum := flag.String("rdbchecksum", "yes", "yes: end snapshots with a CRC-64 checksum")
	stopWrites := flag.String("stop-writes-on-bgsave-error", "yes", "yes: refuse writes while the last background save failed")
	replicaOf := flag.String("replicaof", "", `"host port" of a master to follow as its replica`)
	backlogSize := flag.String("repl-backlog-size", "1mb", "how much of the replication stream is kept for replicas that reconnect")
	disklessSync := flag.String("repl-diskless-sync", "yes", "yes: stream snapshots to replicas that can take them, without a file")
	disklessDelay := flag.Int("repl-diskless-sync-delay", 5, "seconds to wait for more replicas before a diskless sync starts")
	pingPeriod := flag.Int("repl-ping-replica-period", 10, "seconds between the PINGs a master sends down the stream")
	replTimeout := flag.Int("repl-timeout", 60, "seconds a replica waits for its master in any phase of the link before it tries again")
	masterAuth := flag.String("masterauth", "", "the password this replica gives a master that has requirepass")
	masterUser := flag.String("masteruser", "", `the user it gives it as, if not "default"`)
	shutdownTimeout := flag.Int64("shutdown-timeout", 10, "seconds a shutdown waits for lagging replicas")
	onSigterm := flag.String("shutdown-on-sigterm", "default", "SIGTERM's shutdown: default, or save, nosave, now, force")
	onSigint := flag.String("shutdown-on-sigint", "default", "SIGINT's shutdown: default, or save, nosave, now, force")
	pprofAddr := flag.String("pprof", "", `serve Go's profiles (net/http/pprof) on this address, as "127.0.0.1:6060": not a Redis directive`)
	flag.Parse()
	// As many clients as the file descriptor limit allows, less a reserve, as Redis does.
	*maxClients = fdlimit.Fit(*maxClients)
	if *pprofAddr != "" {
		go func() { slog.Error("pprof", "err", http.ListenAndServe(*pprofAddr, nil)) }()
	}

	// Like Redis, the server moves into --dir and works there: every file it writes is in it,
	// and CONFIG GET dir answers the absolute path. A directory that is not there stops the
	// start with Redis's error.
	if err := os.Chdir(*dir); err != nil {
		fatalConfig("dir", *dir, err)
	}
	if wd, err := os.Getwd(); err == nil {
		*dir = wd
	}

	if !yes(*protectedMode) && !strings.EqualFold(*protectedMode, "no") {
		fatalConfig("protected-mode", *protectedMode, errors.New("argument must be 'yes' or 'no'"))
	}
	config := Config{Port: *port, Bind: *bind, MaxClients: *maxClients, RequirePass: *requirePass, ProtectedMode: yes(*protectedMode), Hz: *hz, AOF: AOFConfig{
		Enabled: yes(*appendOnly), Fsync: *appendFsync, Dir: *dir, DirName: *appendDirName, FileName: *appendFileName,
		LoadTruncated: yes(*loadTruncated), RewritePercent: *rewritePercent, RewriteMinSize: memoryConfig("auto-aof-rewrite-min-size", *rewriteMinSize, 0),
		RDBPreamble: yes(*rdbPreamble),
	}, RDB: RDBConfig{
		Dir: *dir, FileName: *dbFileName, Compression: yes(*rdbCompression), Checksum: yes(*rdbChecksum),
		StopWritesOnBgsaveError: yes(*stopWrites),
	}}
	config.Repl = ReplConfig{ReplicaOf: *replicaOf, BacklogSize: int(memoryConfig("repl-backlog-size", *backlogSize, 16<<10)),
		DisklessSync: yes(*disklessSync), DisklessSyncDelay: *disklessDelay, PingPeriod: *pingPeriod, Timeout: *replTimeout,
		MasterAuth: *masterAuth, MasterUser: *masterUser}
	var err error
	if config.OutputLimits, err = parseOutputLimits(*outputLimit, defaultOutputLimits); err != nil {
		fatalConfig("client-output-buffer-limit", *outputLimit, err)
	}
	if config.KeyspaceEvents, err = parseKeyspaceEvents(*keyspaceEvents); err != nil {
		fatalConfig("notify-keyspace-events", *keyspaceEvents, err)
	}
	config.QueryBufferLimit = memoryConfig("client-query-buffer-limit", *queryLimit, 1<<20)
	savePoints, err := parseSavePoints(*saveParams)
	if err != nil {
		fatal(err)
	}
	config.RDB.SavePoints = savePoints
	// Redis's isValidAOFfilename and isValidAOFdirname: a name inside --dir, no path.
	for _, d := range []struct{ name, value, kind string }{{"appendfilename", *appendFileName, "filename"}, {"appenddirname", *appendDirName, "dirname"}} {
		if d.value == "" {
			fatalConfig(d.name, d.value, fmt.Errorf("%s can't be empty", d.name))
		}
		if !isBaseName(d.value) {
			fatalConfig(d.name, d.value, fmt.Errorf("%s can't be a path, just a %s", d.name, d.kind))
		}
	}
	if f := config.AOF.Fsync; f != "always" && f != "everysec" && f != "no" {
		fatal(fmt.Errorf("appendfsync must be always, everysec or no, not %q", f))
	}
	srv, err := NewServer(config)
	if err != nil {
		fatal(err)
	}
	addresses, err := listen.Addresses(*bind)
	if err != nil {
		fatalConfig("bind", *bind, err)
	}
	listeners, err := listen.TCP(addresses, *port) // logs each address that fails, in Redis's words
	if err != nil {
		slog.Error("Failed listening on port " + strconv.Itoa(*port) + " (TCP), aborting.")
		os.Exit(1)
	}

	srv.shutdownTimeout.Store(*shutdownTimeout)
	signalFlags := func(name, value string) int32 {
		flags, err := parseShutdownFlags(value)
		if err != nil {
			fatalConfig(name, value, err)
		}
		return int32(flags)
	}
	srv.onSigterm.Store(signalFlags("shutdown-on-sigterm", *onSigterm))
	srv.onSigint.Store(signalFlags("shutdown-on-sigint", *onSigint))

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

	go release.WhenQuiet(srv.stats.CommandsProcessed.Load) // memory goes back to the system when the server is quiet
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
