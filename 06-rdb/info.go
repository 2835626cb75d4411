package main

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"byoredis/shared/serverinfo"
)

// INFO reports what Redis 7.0's INFO reports (genRedisInfoString in Redis's server.c): the
// same sections, in the same order, with the same fields. Monitoring tools and the course's
// benchmark read it by field name. A value is real where this server has the thing it
// measures (clients, commands, bytes, memory as the Go runtime sees it, CPU time), and the
// value Redis gives when it has nothing of the kind otherwise (no Lua, no replicas, no
// fork: zeros, as on a fresh Redis).

// infoSections are INFO's sections in Redis's order; the default report leaves out the
// commandstats and latencystats sections, which "all" and "everything" add. Latencystats is
// not reported yet: the percentiles need a latency histogram, which the capstone brings.
func (s *Server) infoSections() []serverinfo.Section {
	return []serverinfo.Section{
		{Name: "server", ByDefault: true, Write: s.infoServer},
		{Name: "clients", ByDefault: true, Write: s.infoClients},
		{Name: "memory", ByDefault: true, Write: s.infoMemory},
		{Name: "persistence", ByDefault: true, Write: s.infoPersistence},
		{Name: "stats", ByDefault: true, Write: s.infoStats},
		{Name: "replication", ByDefault: true, Write: s.infoReplication},
		{Name: "cpu", ByDefault: true, Write: serverinfo.CPU},
		{Name: "modules", ByDefault: true, Write: func(*strings.Builder) {}},
		{Name: "commandstats", Write: s.infoCommandStats},
		{Name: "errorstats", ByDefault: true, Write: s.infoErrorStats},
		{Name: "cluster", ByDefault: true, Write: func(b *strings.Builder) { serverinfo.Field(b, "cluster_enabled", 0) }},
		{Name: "keyspace", ByDefault: true, Write: s.infoKeyspace},
	}
}

// INFO [section ...]: a text report of the sections asked for (serverinfo.Report). RESP3
// clients get it as a verbatim string.
func info(c *client, args [][]byte) {
	c.writer.Verbatim("txt", serverinfo.Report(args[1:], c.server.infoSections()))
}

// serverStats are the counters INFO's stats, commandstats and errorstats sections report.
type serverStats struct {
	connectionsReceived atomic.Int64
	rejectedConnections atomic.Int64
	commandsProcessed   atomic.Int64
	netInputBytes       atomic.Int64
	netOutputBytes      atomic.Int64
	readsProcessed      atomic.Int64
	writesProcessed     atomic.Int64
	errorReplies        atomic.Int64

	mu     sync.Mutex       // guards errors
	errors map[string]int64 // error code ("ERR", "WRONGTYPE") -> replies that carried it
}

// commandStats are one command's calls, as INFO commandstats reports them.
type commandStats struct {
	calls, usec, rejected, failed atomic.Int64
}

// newCommandStats makes the counters of every command and subcommand. The map is never
// written again, so every client reads it without a lock.
func newCommandStats() map[*command]*commandStats {
	stats := map[*command]*commandStats{}
	for _, cmd := range commands {
		stats[cmd] = &commandStats{}
		for _, sub := range cmd.Subcommands {
			stats[sub] = &commandStats{}
		}
	}
	return stats
}

// countError records an error reply by its code, the first word of its message.
func (st *serverStats) countError(message string) {
	st.errorReplies.Add(1)
	code, _, _ := strings.Cut(message, " ")
	st.mu.Lock()
	if st.errors == nil {
		st.errors = map[string]int64{}
	}
	st.errors[code]++
	st.mu.Unlock()
}

// countingConn counts a connection's bytes and system calls for INFO stats.
type countingConn struct {
	net.Conn
	stats *serverStats
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.stats.readsProcessed.Add(1)
	c.stats.netInputBytes.Add(int64(n))
	return n, err
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.stats.writesProcessed.Add(1)
	c.stats.netOutputBytes.Add(int64(n))
	return n, err
}

func (s *Server) infoServer(b *strings.Builder) {
	uptime := time.Since(s.started)
	executable, _ := os.Executable()
	multiplexing := map[string]string{"linux": "epoll", "darwin": "kqueue", "freebsd": "kqueue"}[runtime.GOOS]
	for _, f := range []struct {
		name  string
		value any
	}{
		{"redis_version", redisVersion}, {"redis_git_sha1", "00000000"}, {"redis_git_dirty", 0},
		{"redis_build_id", "0"}, {"redis_mode", "standalone"}, {"os", serverinfo.OSName()}, {"arch_bits", 64},
		{"monotonic_clock", "POSIX clock_gettime"}, {"multiplexing_api", multiplexing},
		{"atomicvar_api", "c11-builtin"}, {"gcc_version", "0.0.0"}, {"process_id", os.Getpid()},
		{"process_supervised", "no"}, {"run_id", s.runID}, {"tcp_port", s.listeners.Port()},
		{"server_time_usec", time.Now().UnixMicro()}, {"uptime_in_seconds", int64(uptime.Seconds())},
		{"uptime_in_days", int64(uptime.Hours() / 24)}, {"hz", s.hz.Load()}, {"configured_hz", s.hz.Load()},
		{"lru_clock", time.Now().Unix() & (1<<24 - 1)}, {"executable", executable}, {"config_file", ""},
		{"io_threads_active", 0},
	} {
		serverinfo.Field(b, f.name, f.value)
	}
}

func (s *Server) infoClients(b *strings.Builder) {
	serverinfo.Field(b, "connected_clients", s.clientCount())
	serverinfo.Field(b, "cluster_connections", 0)
	serverinfo.Field(b, "maxclients", s.maxClients.Load())
	for _, name := range []string{"client_recent_max_input_buffer", "client_recent_max_output_buffer",
		"blocked_clients", "tracking_clients", "clients_in_timeout_table"} {
		serverinfo.Field(b, name, 0)
	}
}

func (s *Server) infoMemory(b *strings.Builder) {
	serverinfo.Memory(b, s.memoryAtStart, &s.memoryPeak, 0, 0) // no replication yet (step 08)
}

// infoPersistence: the snapshots' state, then the append-only file's.
func (s *Server) infoPersistence(b *strings.Builder) {
	s.saveMu.Lock()
	saving, lastSave, lastSaveStatus, saves := 0, s.lastSave.Unix(), "ok", s.saves
	if s.bgsaveFailed.Load() {
		lastSaveStatus = "err"
	}
	if s.saving {
		saving = 1
	}
	s.saveMu.Unlock()
	aofEnabled, rewriting, rewrites, rewriteStatus, writeStatus := 0, 0, 0, "ok", "ok"
	var currentSize, baseSize int64
	if a := s.aof.Load(); a != nil {
		a.mu.Lock()
		aofEnabled, rewrites, rewriteStatus = 1, int(a.rewrites), a.lastRewriteStatus
		if a.rewriting {
			rewriting = 1
		}
		if a.writeErr != nil {
			writeStatus = "err"
		}
		currentSize, baseSize = a.currentSize, a.baseSize
		a.mu.Unlock()
	}
	for _, f := range []struct {
		name  string
		value any
	}{
		{"loading", 0}, {"async_loading", 0}, {"current_cow_peak", 0}, {"current_cow_size", 0},
		{"current_cow_size_age", 0}, {"current_fork_perc", "0.00"}, {"current_save_keys_processed", 0},
		{"current_save_keys_total", 0}, {"rdb_changes_since_last_save", s.store.changes()}, {"rdb_bgsave_in_progress", saving},
		{"rdb_last_save_time", lastSave}, {"rdb_last_bgsave_status", lastSaveStatus},
		{"rdb_last_bgsave_time_sec", -1}, {"rdb_current_bgsave_time_sec", -1}, {"rdb_saves", saves},
		{"rdb_last_cow_size", 0}, {"rdb_last_load_keys_expired", 0}, {"rdb_last_load_keys_loaded", 0},
		{"aof_enabled", aofEnabled}, {"aof_rewrite_in_progress", rewriting}, {"aof_rewrite_scheduled", 0},
		{"aof_last_rewrite_time_sec", -1}, {"aof_current_rewrite_time_sec", -1},
		{"aof_last_bgrewrite_status", rewriteStatus}, {"aof_rewrites", rewrites},
		{"aof_rewrites_consecutive_failures", 0}, {"aof_last_write_status", writeStatus},
		{"aof_last_cow_size", 0}, {"module_fork_in_progress", 0}, {"module_fork_last_cow_size", 0},
	} {
		serverinfo.Field(b, f.name, f.value)
	}
	if aofEnabled == 1 {
		serverinfo.Field(b, "aof_current_size", currentSize)
		serverinfo.Field(b, "aof_base_size", baseSize)
		for _, name := range []string{"aof_pending_rewrite", "aof_buffer_length", "aof_pending_bio_fsync", "aof_delayed_fsync"} {
			serverinfo.Field(b, name, 0)
		}
	}
}

func (s *Server) infoStats(b *strings.Builder) {
	st := &s.stats
	for _, f := range []struct {
		name  string
		value any
	}{
		{"total_connections_received", st.connectionsReceived.Load()},
		{"total_commands_processed", st.commandsProcessed.Load()}, {"instantaneous_ops_per_sec", 0},
		{"total_net_input_bytes", st.netInputBytes.Load()}, {"total_net_output_bytes", st.netOutputBytes.Load()},
		{"total_net_repl_input_bytes", 0}, {"total_net_repl_output_bytes", 0},
		{"instantaneous_input_kbps", "0.00"}, {"instantaneous_output_kbps", "0.00"},
		{"instantaneous_input_repl_kbps", "0.00"}, {"instantaneous_output_repl_kbps", "0.00"},
		{"rejected_connections", st.rejectedConnections.Load()}, {"sync_full", 0}, {"sync_partial_ok", 0},
		{"sync_partial_err", 0}, {"expired_keys", s.store.expiredKeyCount()}, {"expired_stale_perc", "0.00"},
		{"expired_time_cap_reached_count", 0}, {"expire_cycle_cpu_milliseconds", 0}, {"evicted_keys", 0},
		{"evicted_clients", 0}, {"total_eviction_exceeded_time", 0}, {"current_eviction_exceeded_time", 0},
		{"keyspace_hits", 0}, {"keyspace_misses", 0}, {"pubsub_channels", 0}, {"pubsub_patterns", 0},
		{"pubsubshard_channels", 0}, {"latest_fork_usec", 0}, {"total_forks", 0}, {"migrate_cached_sockets", 0},
		{"slave_expires_tracked_keys", 0}, {"active_defrag_hits", 0}, {"active_defrag_misses", 0},
		{"active_defrag_key_hits", 0}, {"active_defrag_key_misses", 0}, {"total_active_defrag_time", 0},
		{"current_active_defrag_time", 0}, {"tracking_total_keys", 0}, {"tracking_total_items", 0},
		{"tracking_total_prefixes", 0}, {"unexpected_error_replies", 0},
		{"total_error_replies", st.errorReplies.Load()}, {"dump_payload_sanitizations", 0},
		{"total_reads_processed", st.readsProcessed.Load()}, {"total_writes_processed", st.writesProcessed.Load()},
		{"io_threaded_reads_processed", 0}, {"io_threaded_writes_processed", 0},
		{"reply_buffer_shrinks", 0}, {"reply_buffer_expands", 0},
	} {
		serverinfo.Field(b, f.name, f.value)
	}
}

// infoReplication: a master without replicas (replication is step 08).
func (s *Server) infoReplication(b *strings.Builder) {
	for _, f := range []struct {
		name  string
		value any
	}{
		{"role", "master"}, {"connected_slaves", 0}, {"master_failover_state", "no-failover"},
		{"master_replid", s.replID}, {"master_replid2", strings.Repeat("0", 40)}, {"master_repl_offset", 0},
		{"second_repl_offset", -1}, {"repl_backlog_active", 0}, {"repl_backlog_size", 1048576},
		{"repl_backlog_first_byte_offset", 0}, {"repl_backlog_histlen", 0},
	} {
		serverinfo.Field(b, f.name, f.value)
	}
}

// infoCommandStats: every command called at least once, as
// cmdstat_get:calls=1,usec=5,usec_per_call=5.00,rejected_calls=0,failed_calls=0.
func (s *Server) infoCommandStats(b *strings.Builder) {
	var lines []string
	for cmd, st := range s.commandStats {
		if calls, rejected, failed := st.calls.Load(), st.rejected.Load(), st.failed.Load(); calls+rejected > 0 {
			usec := st.usec.Load()
			lines = append(lines, fmt.Sprintf("cmdstat_%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d\r\n",
				cmd.Name, calls, usec, float64(usec)/float64(max(calls, 1)), rejected, failed))
		}
	}
	sort.Strings(lines) // Redis's order is its hash table's; sorting makes ours stable
	b.WriteString(strings.Join(lines, ""))
}

// infoErrorStats: each error code replied, errorstat_ERR:count=2, sorted by code as Redis's
// radix tree keeps them.
func (s *Server) infoErrorStats(b *strings.Builder) {
	st := &s.stats
	st.mu.Lock()
	defer st.mu.Unlock()
	codes := make([]string, 0, len(st.errors))
	for code := range st.errors {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		fmt.Fprintf(b, "errorstat_%s:count=%d\r\n", code, st.errors[code])
	}
}

func (s *Server) infoKeyspace(b *strings.Builder) {
	if keys, expires, avgTTL := s.store.keyspaceStats(); keys > 0 {
		fmt.Fprintf(b, "db0:keys=%d,expires=%d,avg_ttl=%d\r\n", keys, expires, avgTTL)
	}
}
