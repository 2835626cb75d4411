package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
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
var infoSections = []struct {
	name      string
	byDefault bool
	write     func(s *Server, b *strings.Builder)
}{
	{"server", true, (*Server).infoServer},
	{"clients", true, (*Server).infoClients},
	{"memory", true, (*Server).infoMemory},
	{"persistence", true, (*Server).infoPersistence},
	{"stats", true, (*Server).infoStats},
	{"replication", true, (*Server).infoReplication},
	{"cpu", true, (*Server).infoCPU},
	{"modules", true, func(*Server, *strings.Builder) {}},
	{"commandstats", false, (*Server).infoCommandStats},
	{"errorstats", true, (*Server).infoErrorStats},
	{"cluster", true, func(_ *Server, b *strings.Builder) { field(b, "cluster_enabled", 0) }},
	{"keyspace", true, (*Server).infoKeyspace},
}

// INFO [section ...]: a text report, one "# Section" heading then "field:value" lines per
// section, the sections separated by a blank line, always in Redis's order whatever order
// they were asked in. RESP3 clients get it as a verbatim string.
func info(c *client, args [][]byte) {
	asked := map[string]bool{}
	for _, arg := range args[1:] {
		asked[strings.ToLower(string(arg))] = true
	}
	everything := asked["all"] || asked["everything"]
	byDefault := len(asked) == 0 || asked["default"]
	var report []string
	for _, section := range infoSections {
		if everything || byDefault && section.byDefault || asked[section.name] {
			var b strings.Builder
			heading := strings.ToUpper(section.name[:1]) + section.name[1:]
			if section.name == "cpu" {
				heading = "CPU"
			}
			b.WriteString("# " + heading + "\r\n")
			section.write(c.server, &b)
			report = append(report, b.String())
		}
	}
	c.writer.Verbatim("txt", strings.Join(report, "\r\n"))
}

func field(b *strings.Builder, name string, value any) {
	fmt.Fprintf(b, "%s:%v\r\n", name, value)
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

	mu     sync.Mutex
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
		for _, sub := range cmd.subcommands {
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

// runID is INFO's run_id: 40 random hex characters, new at every start.
func newRunID() string {
	b := make([]byte, 20)
	rand.Read(b)
	return hex.EncodeToString(b)
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
		{"redis_build_id", "0"}, {"redis_mode", "standalone"}, {"os", osName()}, {"arch_bits", 64},
		{"monotonic_clock", "POSIX clock_gettime"}, {"multiplexing_api", multiplexing},
		{"atomicvar_api", "c11-builtin"}, {"gcc_version", "0.0.0"}, {"process_id", os.Getpid()},
		{"process_supervised", "no"}, {"run_id", s.runID}, {"tcp_port", s.listeners.Port()},
		{"server_time_usec", time.Now().UnixMicro()}, {"uptime_in_seconds", int64(uptime.Seconds())},
		{"uptime_in_days", int64(uptime.Hours() / 24)}, {"hz", s.hz.Load()}, {"configured_hz", s.hz.Load()},
		{"lru_clock", time.Now().Unix() & (1<<24 - 1)}, {"executable", executable}, {"config_file", ""},
		{"io_threads_active", 0},
	} {
		field(b, f.name, f.value)
	}
}

// osName is uname's system, release and machine, as Redis prints them ("Linux 6.1.0 x86_64").
func osName() string {
	machine := map[string]string{"amd64": "x86_64", "arm64": "aarch64", "386": "i686"}[runtime.GOARCH]
	if machine == "" {
		machine = runtime.GOARCH
	}
	release := ""
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		release = " " + strings.TrimSpace(string(data))
	}
	return strings.ToUpper(runtime.GOOS[:1]) + runtime.GOOS[1:] + release + " " + machine
}

func (s *Server) infoClients(b *strings.Builder) {
	field(b, "connected_clients", s.clientCount())
	field(b, "cluster_connections", 0)
	field(b, "maxclients", s.maxClients.Load())
	for _, name := range []string{"client_recent_max_input_buffer", "client_recent_max_output_buffer",
		"blocked_clients", "tracking_clients", "clients_in_timeout_table"} {
		field(b, name, 0)
	}
}

// infoMemory reports the Go runtime's view of memory where Redis reports its allocator's:
// used_memory is the live heap, used_memory_rss what the process holds from the OS.
func (s *Server) infoMemory(b *strings.Builder) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	used := int64(m.HeapAlloc)
	rss := residentSetSize(int64(m.Sys))
	peak := s.memoryPeak.Load()
	for used > peak && !s.memoryPeak.CompareAndSwap(peak, used) {
		peak = s.memoryPeak.Load()
	}
	peak = max(peak, used)
	ratio := func(a, b int64) string { return fmt.Sprintf("%.2f", float64(a)/float64(max(b, 1))) }
	for _, f := range []struct {
		name  string
		value any
	}{
		{"used_memory", used}, {"used_memory_human", humanBytes(used)},
		{"used_memory_rss", rss}, {"used_memory_rss_human", humanBytes(rss)},
		{"used_memory_peak", peak}, {"used_memory_peak_human", humanBytes(peak)},
		{"used_memory_peak_perc", fmt.Sprintf("%.2f%%", 100*float64(used)/float64(max(peak, 1)))},
		{"used_memory_overhead", int64(m.HeapSys - m.HeapInuse + m.StackSys)},
		{"used_memory_startup", s.memoryAtStart}, {"used_memory_dataset", max(used-s.memoryAtStart, 0)},
		{"used_memory_dataset_perc", fmt.Sprintf("%.2f%%", 100*float64(max(used-s.memoryAtStart, 0))/float64(max(used, 1)))},
		{"allocator_allocated", int64(m.HeapAlloc)}, {"allocator_active", int64(m.HeapInuse)},
		{"allocator_resident", int64(m.HeapSys)}, {"total_system_memory", totalSystemMemory()},
		{"total_system_memory_human", humanBytes(totalSystemMemory())},
		{"used_memory_lua", 0}, {"used_memory_vm_eval", 0}, {"used_memory_lua_human", "0B"},
		{"used_memory_scripts_eval", 0}, {"number_of_cached_scripts", 0}, {"number_of_functions", 0},
		{"number_of_libraries", 0}, {"used_memory_vm_functions", 0}, {"used_memory_vm_total", 0},
		{"used_memory_vm_total_human", "0B"}, {"used_memory_functions", 0}, {"used_memory_scripts", 0},
		{"used_memory_scripts_human", "0B"}, {"maxmemory", 0}, {"maxmemory_human", "0B"},
		{"maxmemory_policy", "noeviction"},
		{"allocator_frag_ratio", ratio(int64(m.HeapInuse), int64(m.HeapAlloc))},
		{"allocator_frag_bytes", int64(m.HeapInuse - m.HeapAlloc)},
		{"allocator_rss_ratio", ratio(int64(m.HeapSys), int64(m.HeapInuse))},
		{"allocator_rss_bytes", int64(m.HeapSys - m.HeapInuse)},
		{"rss_overhead_ratio", ratio(rss, int64(m.HeapSys))}, {"rss_overhead_bytes", rss - int64(m.HeapSys)},
		{"mem_fragmentation_ratio", ratio(rss, used)}, {"mem_fragmentation_bytes", rss - used},
		{"mem_not_counted_for_evict", 0}, {"mem_replication_backlog", 0}, {"mem_total_replication_buffers", 0},
		{"mem_clients_slaves", 0}, {"mem_clients_normal", 0}, {"mem_cluster_links", 0}, {"mem_aof_buffer", 0},
		{"mem_allocator", "go-" + runtime.Version()}, {"active_defrag_running", 0},
		{"lazyfree_pending_objects", 0}, {"lazyfreed_objects", 0},
	} {
		field(b, f.name, f.value)
	}
}

// heapInUse is INFO's used_memory: the bytes of live Go objects.
func heapInUse() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// residentSetSize is the process's resident memory from /proc on Linux; elsewhere, what the
// Go runtime holds from the OS.
func residentSetSize(fallback int64) int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return fallback
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 {
		return fallback
	}
	pages, _ := strconv.ParseInt(fields[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

func totalSystemMemory() int64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	var kb int64
	fmt.Sscanf(string(data), "MemTotal: %d kB", &kb)
	return kb * 1024
}

// humanBytes formats a size as Redis's bytesToHuman does: "967.20K", "11.84M", "0B".
func humanBytes(n int64) string {
	f := float64(n)
	for _, unit := range []struct {
		suffix string
		size   float64
	}{{"P", 1 << 50}, {"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}} {
		if f >= unit.size {
			return fmt.Sprintf("%.2f%s", f/unit.size, unit.suffix)
		}
	}
	return fmt.Sprintf("%dB", n)
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
		field(b, f.name, f.value)
	}
	if aofEnabled == 1 {
		field(b, "aof_current_size", currentSize)
		field(b, "aof_base_size", baseSize)
		for _, name := range []string{"aof_pending_rewrite", "aof_buffer_length", "aof_pending_bio_fsync", "aof_delayed_fsync"} {
			field(b, name, 0)
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
		field(b, f.name, f.value)
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
		field(b, f.name, f.value)
	}
}

// infoCPU reports the process's CPU time (getrusage). Redis runs commands on one main
// thread and reports it apart; every goroutine here runs commands, so the process's time is
// the main thread's too.
func (s *Server) infoCPU(b *strings.Builder) {
	var self, children syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	seconds := func(t syscall.Timeval) string { return fmt.Sprintf("%d.%06d", t.Sec, t.Usec) }
	field(b, "used_cpu_sys", seconds(self.Stime))
	field(b, "used_cpu_user", seconds(self.Utime))
	field(b, "used_cpu_sys_children", seconds(children.Stime))
	field(b, "used_cpu_user_children", seconds(children.Utime))
	field(b, "used_cpu_sys_main_thread", seconds(self.Stime))
	field(b, "used_cpu_user_main_thread", seconds(self.Utime))
}

// infoCommandStats: every command called at least once, as
// cmdstat_get:calls=1,usec=5,usec_per_call=5.00,rejected_calls=0,failed_calls=0.
func (s *Server) infoCommandStats(b *strings.Builder) {
	var lines []string
	for cmd, st := range s.commandStats {
		if calls, rejected, failed := st.calls.Load(), st.rejected.Load(), st.failed.Load(); calls+rejected > 0 {
			usec := st.usec.Load()
			lines = append(lines, fmt.Sprintf("cmdstat_%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d\r\n",
				cmd.name, calls, usec, float64(usec)/float64(max(calls, 1)), rejected, failed))
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
