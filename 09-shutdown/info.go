package main

import (
	"fmt"
	"strings"
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
		{Name: "errorstats", ByDefault: true, Write: s.stats.ErrorStats},
		{Name: "cluster", ByDefault: true, Write: func(b *strings.Builder) { serverinfo.Field(b, "cluster_enabled", 0) }},
		{Name: "keyspace", ByDefault: true, Write: s.infoKeyspace},
	}
}

// INFO [section ...]: a text report of the sections asked for (serverinfo.Report). RESP3
// clients get it as a verbatim string.
func info(c *client, args [][]byte) {
	c.writer.Verbatim("txt", serverinfo.Report(args[1:], c.server.infoSections()))
}

// newCommandStats makes the counters of every command and subcommand. The map is never
// written again, so every client reads it without a lock.
func newCommandStats() map[*command]*serverinfo.CommandStats {
	stats := map[*command]*serverinfo.CommandStats{}
	for _, cmd := range commands {
		stats[cmd] = &serverinfo.CommandStats{}
		for _, sub := range cmd.Subcommands {
			stats[sub] = &serverinfo.CommandStats{}
		}
	}
	return stats
}

func (s *Server) infoServer(b *strings.Builder) {
	uptime := time.Since(s.started)
	serverinfo.Fields(b, "server", map[string]any{
		"redis_version":     redisVersion,
		"run_id":            s.runID,
		"tcp_port":          s.listeners.Port(),
		"uptime_in_seconds": int64(uptime.Seconds()),
		"uptime_in_days":    int64(uptime.Hours() / 24),
		"hz":                s.hz.Load(),
		"configured_hz":     s.hz.Load(),
	})
	if left, waiting := s.shutdownWaitLeft(); waiting { // a shutdown waiting for its replicas
		serverinfo.Field(b, "shutdown_in_milliseconds", left.Milliseconds())
	}
}

func (s *Server) infoClients(b *strings.Builder) {
	s.repl.mu.Lock()
	replicas := len(s.repl.replicas)
	s.repl.mu.Unlock()
	serverinfo.Fields(b, "clients", map[string]any{
		"connected_clients": s.clientCount() - replicas, // replicas' links are not counted, as in Redis
		"maxclients":        s.maxClients.Load(),
		"blocked_clients":   s.blocked.Load(),
	})
}

func (s *Server) infoMemory(b *strings.Builder) {
	backlog, replicationBuffers := s.repl.bufferMemory()
	serverinfo.Memory(b, s.memoryAtStart, &s.memoryPeak, backlog, replicationBuffers)
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
	serverinfo.Fields(b, "persistence", map[string]any{
		"rdb_changes_since_last_save": s.store.changes(),
		"rdb_bgsave_in_progress":      saving,
		"rdb_last_save_time":          lastSave,
		"rdb_last_bgsave_status":      lastSaveStatus,
		"rdb_saves":                   saves,
		"aof_enabled":                 aofEnabled,
		"aof_rewrite_in_progress":     rewriting,
		"aof_last_bgrewrite_status":   rewriteStatus,
		"aof_rewrites":                rewrites,
		"aof_last_write_status":       writeStatus,
	})
	if aofEnabled == 1 {
		serverinfo.Field(b, "aof_current_size", currentSize)
		serverinfo.Field(b, "aof_base_size", baseSize)
		for _, name := range []string{"aof_pending_rewrite", "aof_buffer_length", "aof_pending_bio_fsync", "aof_delayed_fsync"} {
			serverinfo.Field(b, name, 0)
		}
	}
}

func (s *Server) infoStats(b *strings.Builder) {
	full, partialOK, partialErr := s.repl.syncStats()
	values := s.stats.Values()
	values["sync_full"] = full
	values["sync_partial_ok"] = partialOK
	values["sync_partial_err"] = partialErr
	values["expired_keys"] = s.store.expiredKeyCount()
	serverinfo.Fields(b, "stats", values)
}

// infoReplication: this server's role, its replicas or its master, and the offsets, with
// Redis's field names (genRedisInfoString in server.c).
func (s *Server) infoReplication(b *strings.Builder) {
	if m := s.currentMaster(); m != nil {
		status, lastIO := "down", int64(-1)
		if m.up.Load() {
			status = "up"
		}
		if t := m.lastIO.Load(); t > 0 {
			lastIO = time.Now().Unix() - t
		}
		syncing := 0
		if m.syncing.Load() {
			syncing = 1
		}
		serverinfo.Field(b, "role", "slave")
		serverinfo.Field(b, "master_host", m.host)
		serverinfo.Field(b, "master_port", m.port)
		serverinfo.Field(b, "master_link_status", status)
		serverinfo.Field(b, "master_last_io_seconds_ago", lastIO)
		serverinfo.Field(b, "master_sync_in_progress", syncing)
		serverinfo.Field(b, "slave_read_repl_offset", m.offsetNow())
		serverinfo.Field(b, "slave_repl_offset", m.offsetNow())
		if status == "down" {
			serverinfo.Field(b, "master_link_down_since_seconds", -1)
		}
		serverinfo.Field(b, "slave_priority", 100)
		serverinfo.Field(b, "slave_read_only", 1)
		serverinfo.Field(b, "replica_announced", 1)
	} else {
		serverinfo.Field(b, "role", "master")
	}
	r := s.repl
	r.mu.Lock()
	defer r.mu.Unlock()
	serverinfo.Field(b, "connected_slaves", len(r.replicas))
	for i, link := range r.replicas {
		lag := int64(0)
		if !link.ackTime.IsZero() {
			lag = int64(time.Since(link.ackTime) / time.Second)
		}
		fmt.Fprintf(b, "slave%d:ip=%s,port=%d,state=%s,offset=%d,lag=%d\r\n", i, link.addr, link.port, link.state, link.ackOffset, lag)
	}
	active, first, histlen := 0, int64(0), 0
	if r.hasBacklog {
		active, first, histlen = 1, r.backlogFirst, len(r.backlog)
	}
	serverinfo.Fields(b, "replication", map[string]any{
		"master_replid":                  r.replID,
		"master_replid2":                 r.replID2,
		"master_repl_offset":             r.offset,
		"second_repl_offset":             r.secondOffset,
		"repl_backlog_active":            active,
		"repl_backlog_size":              r.backlogSize.Load(),
		"repl_backlog_first_byte_offset": first,
		"repl_backlog_histlen":           histlen,
	})
}

// infoCommandStats: every command called at least once, as
// cmdstat_get:calls=1,usec=5,usec_per_call=5.00,rejected_calls=0,failed_calls=0.
func (s *Server) infoCommandStats(b *strings.Builder) {
	byName := map[string]*serverinfo.CommandStats{}
	for cmd, stats := range s.commandStats {
		byName[cmd.Name] = stats
	}
	serverinfo.WriteCommandStats(b, byName)
}

func (s *Server) infoKeyspace(b *strings.Builder) {
	if keys, expires, avgTTL := s.store.keyspaceStats(); keys > 0 {
		fmt.Fprintf(b, "db0:keys=%d,expires=%d,avg_ttl=%d\r\n", keys, expires, avgTTL)
	}
}
