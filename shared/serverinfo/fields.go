package serverinfo

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// fields are the fields of INFO's sections, in Redis 7.0's order (genRedisInfoString in
// server.c), each with what a Redis that has nothing of the kind reports: no saves, no forks,
// no replicas, no Lua, zeros. A value that is a func() any is read when the report is made.
// A server reports the fields it has with Fields, and these for the rest.
var fields = map[string][]struct {
	name  string
	value any
}{
	"server": {
		{"redis_version", "7.0.0"}, {"redis_git_sha1", "00000000"}, {"redis_git_dirty", 0},
		{"redis_build_id", "0"}, {"redis_mode", "standalone"}, {"os", OSName}, {"arch_bits", 64},
		{"monotonic_clock", "POSIX clock_gettime"}, {"multiplexing_api", multiplexingAPI},
		{"atomicvar_api", "c11-builtin"}, {"gcc_version", "0.0.0"}, {"process_id", os.Getpid},
		{"process_supervised", "no"}, {"run_id", ""}, {"tcp_port", 6379},
		{"server_time_usec", func() any { return time.Now().UnixMicro() }}, {"uptime_in_seconds", 0},
		{"uptime_in_days", 0}, {"hz", 10}, {"configured_hz", 10},
		{"lru_clock", func() any { return time.Now().Unix() & (1<<24 - 1) }}, {"executable", executable},
		{"config_file", ""}, {"io_threads_active", 0},
	},
	"clients": {
		{"connected_clients", 0}, {"cluster_connections", 0}, {"maxclients", 10000},
		{"client_recent_max_input_buffer", 0}, {"client_recent_max_output_buffer", 0},
		{"blocked_clients", 0}, {"tracking_clients", 0}, {"clients_in_timeout_table", 0},
	},
	"persistence": {
		{"loading", 0}, {"async_loading", 0}, {"current_cow_peak", 0}, {"current_cow_size", 0},
		{"current_cow_size_age", 0}, {"current_fork_perc", "0.00"}, {"current_save_keys_processed", 0},
		{"current_save_keys_total", 0}, {"rdb_changes_since_last_save", 0}, {"rdb_bgsave_in_progress", 0},
		{"rdb_last_save_time", 0}, {"rdb_last_bgsave_status", "ok"},
		{"rdb_last_bgsave_time_sec", -1}, {"rdb_current_bgsave_time_sec", -1}, {"rdb_saves", 0},
		{"rdb_last_cow_size", 0}, {"rdb_last_load_keys_expired", 0}, {"rdb_last_load_keys_loaded", 0},
		{"aof_enabled", 0}, {"aof_rewrite_in_progress", 0}, {"aof_rewrite_scheduled", 0},
		{"aof_last_rewrite_time_sec", -1}, {"aof_current_rewrite_time_sec", -1},
		{"aof_last_bgrewrite_status", "ok"}, {"aof_rewrites", 0}, {"aof_rewrites_consecutive_failures", 0},
		{"aof_last_write_status", "ok"}, {"aof_last_cow_size", 0}, {"module_fork_in_progress", 0},
		{"module_fork_last_cow_size", 0},
	},
	"stats": {
		{"total_connections_received", 0}, {"total_commands_processed", 0}, {"instantaneous_ops_per_sec", 0},
		{"total_net_input_bytes", 0}, {"total_net_output_bytes", 0},
		{"total_net_repl_input_bytes", 0}, {"total_net_repl_output_bytes", 0},
		{"instantaneous_input_kbps", "0.00"}, {"instantaneous_output_kbps", "0.00"},
		{"instantaneous_input_repl_kbps", "0.00"}, {"instantaneous_output_repl_kbps", "0.00"},
		{"rejected_connections", 0}, {"sync_full", 0}, {"sync_partial_ok", 0},
		{"sync_partial_err", 0}, {"expired_keys", 0}, {"expired_stale_perc", "0.00"},
		{"expired_time_cap_reached_count", 0}, {"expire_cycle_cpu_milliseconds", 0}, {"evicted_keys", 0},
		{"evicted_clients", 0}, {"total_eviction_exceeded_time", 0}, {"current_eviction_exceeded_time", 0},
		{"keyspace_hits", 0}, {"keyspace_misses", 0}, {"pubsub_channels", 0}, {"pubsub_patterns", 0},
		{"pubsubshard_channels", 0}, {"latest_fork_usec", 0}, {"total_forks", 0}, {"migrate_cached_sockets", 0},
		{"slave_expires_tracked_keys", 0}, {"active_defrag_hits", 0}, {"active_defrag_misses", 0},
		{"active_defrag_key_hits", 0}, {"active_defrag_key_misses", 0}, {"total_active_defrag_time", 0},
		{"current_active_defrag_time", 0}, {"tracking_total_keys", 0}, {"tracking_total_items", 0},
		{"tracking_total_prefixes", 0}, {"unexpected_error_replies", 0},
		{"total_error_replies", 0}, {"dump_payload_sanitizations", 0},
		{"total_reads_processed", 0}, {"total_writes_processed", 0},
		{"io_threaded_reads_processed", 0}, {"io_threaded_writes_processed", 0},
		{"reply_buffer_shrinks", 0}, {"reply_buffer_expands", 0},
	},
	// A master's, after its role, replicas and their lines (which a server with replicas
	// writes itself, before these).
	"replication": {
		{"master_failover_state", "no-failover"}, {"master_replid", ""},
		{"master_replid2", strings.Repeat("0", 40)}, {"master_repl_offset", 0},
		{"second_repl_offset", -1}, {"repl_backlog_active", 0}, {"repl_backlog_size", 1048576},
		{"repl_backlog_first_byte_offset", 0}, {"repl_backlog_histlen", 0},
	},
}

// Fields writes the fields of a section (its whole list, or for "replication", the part after
// a master's replicas) in Redis's order: the value in values where the server has one,
// Redis's value for a server with nothing of the kind otherwise. A name in values that the
// section does not have is a mistake in the server, and stops it.
func Fields(b *strings.Builder, section string, values map[string]any) {
	used := 0
	for _, f := range fields[section] {
		value, ok := values[f.name]
		if ok {
			used++
		} else {
			value = f.value
		}
		switch live := value.(type) {
		case func() any:
			value = live()
		case func() int:
			value = live()
		case func() string:
			value = live()
		}
		Field(b, f.name, value)
	}
	if used != len(values) {
		panic(fmt.Sprintf("serverinfo: a value for a field that section %q does not have: %v", section, values))
	}
}

func multiplexingAPI() string {
	return map[string]string{"linux": "epoll", "darwin": "kqueue", "freebsd": "kqueue"}[runtime.GOOS]
}

func executable() string {
	path, _ := os.Executable()
	return path
}
