package serverinfo

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Stats are the counters of INFO's stats and errorstats sections that every server keeps:
// connections, commands, bytes and system calls, and error replies by code.
type Stats struct {
	ConnectionsReceived atomic.Int64 // total_connections_received
	RejectedConnections atomic.Int64 // rejected_connections: maxclients, protected mode
	CommandsProcessed   atomic.Int64 // total_commands_processed

	netInputBytes, netOutputBytes   atomic.Int64
	readsProcessed, writesProcessed atomic.Int64
	errorReplies                    atomic.Int64

	mu     sync.Mutex       // guards errors
	errors map[string]int64 // error code ("ERR", "WRONGTYPE") -> replies that carried it
}

// CountError records an error reply by its code, the first word of its message.
func (st *Stats) CountError(message string) {
	st.errorReplies.Add(1)
	code, _, _ := strings.Cut(message, " ")
	st.mu.Lock()
	if st.errors == nil {
		st.errors = map[string]int64{}
	}
	st.errors[code]++
	st.mu.Unlock()
}

// CountRead counts a read's system call and its bytes.
func (st *Stats) CountRead(n int) {
	st.readsProcessed.Add(1)
	st.netInputBytes.Add(int64(n))
}

// CountWrite counts a write's system call and its bytes.
func (st *Stats) CountWrite(n int) {
	st.writesProcessed.Add(1)
	st.netOutputBytes.Add(int64(n))
}

// Values are the stats section's fields these counters count, for Fields.
func (st *Stats) Values() map[string]any {
	return map[string]any{
		"total_connections_received": st.ConnectionsReceived.Load(),
		"total_commands_processed":   st.CommandsProcessed.Load(),
		"total_net_input_bytes":      st.netInputBytes.Load(),
		"total_net_output_bytes":     st.netOutputBytes.Load(),
		"rejected_connections":       st.RejectedConnections.Load(),
		"total_error_replies":        st.errorReplies.Load(),
		"total_reads_processed":      st.readsProcessed.Load(),
		"total_writes_processed":     st.writesProcessed.Load(),
	}
}

// ErrorStats writes the errorstats section: each error code replied, errorstat_ERR:count=2,
// sorted by code as Redis's radix tree keeps them.
func (st *Stats) ErrorStats(b *strings.Builder) {
	st.mu.Lock()
	defer st.mu.Unlock()
	codes := make([]string, 0, len(st.errors))
	for code := range st.errors {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		fmt.Fprintf(b, "errorstat_%s:count=%d\r\n", code, st.errors[code])
	}
}

// CountingConn counts a connection's reads and writes, and their bytes, in Stats.
type CountingConn struct {
	net.Conn
	Stats *Stats
}

func (c CountingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.Stats.CountRead(n)
	return n, err
}

func (c CountingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.Stats.CountWrite(n)
	return n, err
}

// CommandStats are one command's calls, as INFO commandstats reports them (Redis keeps them
// in its command table: redisCommand's calls, microseconds, rejected_calls, failed_calls).
type CommandStats struct {
	Calls, Usec, Rejected, Failed atomic.Int64
}

// WriteCommandStats writes the commandstats section from each command's counters, by full
// name: a line for every command called or refused at least once,
// cmdstat_get:calls=1,usec=5,usec_per_call=5.00,rejected_calls=0,failed_calls=0.
func WriteCommandStats(b *strings.Builder, stats map[string]*CommandStats) {
	var lines []string
	for name, st := range stats {
		if calls, rejected, failed := st.Calls.Load(), st.Rejected.Load(), st.Failed.Load(); calls+rejected > 0 {
			usec := st.Usec.Load()
			lines = append(lines, fmt.Sprintf("cmdstat_%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d\r\n",
				name, calls, usec, float64(usec)/float64(max(calls, 1)), rejected, failed))
		}
	}
	slices.Sort(lines) // Redis's order is its hash table's; sorting makes ours stable
	b.WriteString(strings.Join(lines, ""))
}
