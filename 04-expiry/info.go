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
}

func (s *Server) infoClients(b *strings.Builder) {
	serverinfo.Fields(b, "clients", map[string]any{
		"connected_clients": s.clientCount(),
		"maxclients":        s.maxClients.Load(),
	})
}

func (s *Server) infoMemory(b *strings.Builder) {
	serverinfo.Memory(b, s.memoryAtStart, &s.memoryPeak, 0, 0) // no replication yet (step 08)
}

// infoPersistence: this step saves nothing (the AOF is step 05, RDB step 06), so its fields
// are those of a Redis that has never saved.
func (s *Server) infoPersistence(b *strings.Builder) {
	serverinfo.Fields(b, "persistence", map[string]any{
		"rdb_last_save_time": s.started.Unix(),
	})
}

func (s *Server) infoStats(b *strings.Builder) {
	values := s.stats.Values()
	values["expired_keys"] = s.store.expiredKeyCount()
	serverinfo.Fields(b, "stats", values)
}

// infoReplication: a master without replicas (replication is step 08).
func (s *Server) infoReplication(b *strings.Builder) {
	serverinfo.Field(b, "role", "master")
	serverinfo.Field(b, "connected_slaves", 0)
	serverinfo.Fields(b, "replication", map[string]any{
		"master_replid": s.replID,
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
