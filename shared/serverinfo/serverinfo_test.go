package serverinfo

import (
	"io"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"byoredis/shared/redistest"
)

func sections() []Section {
	write := func(name string) func(b *strings.Builder) {
		return func(b *strings.Builder) { Field(b, name+"_field", 1) }
	}
	return []Section{
		{Name: "server", ByDefault: true, Write: write("server")},
		{Name: "cpu", ByDefault: true, Write: write("cpu")},
		{Name: "commandstats", Write: write("commandstats")},
	}
}

// Sections come in their own order whatever order they were asked in; the default report
// leaves out those not in it by default, which "all" and "everything" add.
func TestReportPicksAndOrdersSections(t *testing.T) {
	asked := func(args ...string) string {
		var bs [][]byte
		for _, a := range args {
			bs = append(bs, []byte(a))
		}
		return Report(bs, sections())
	}
	assert.Equal(t, "# Server\r\nserver_field:1\r\n\r\n# CPU\r\ncpu_field:1\r\n", asked())
	assert.Equal(t, asked(), asked("default"))
	assert.Equal(t, "# CPU\r\ncpu_field:1\r\n\r\n# Commandstats\r\ncommandstats_field:1\r\n", asked("COMMANDSTATS", "cpu"))
	assert.Contains(t, asked("all"), "# Commandstats")
	assert.Contains(t, asked("everything"), "# Commandstats")
	assert.Empty(t, asked("nosuchsection"))
}

// Sizes read as Redis's bytesToHuman writes them.
func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0B", 1023: "1023B", 1024: "1.00K", 990413: "967.20K", 12416 << 10: "12.12M", 3 << 30: "3.00G"} {
		assert.Equal(t, want, HumanBytes(n), "%d", n)
	}
}

// The peak only rises.
func TestMemoryRaisesThePeak(t *testing.T) {
	var peak atomic.Int64
	var b strings.Builder
	Memory(&b, 0, &peak, 0, 0)
	assert.Positive(t, peak.Load())
	peak.Store(1 << 50)
	Memory(&b, 0, &peak, 0, 0)
	assert.Equal(t, int64(1<<50), peak.Load())
	assert.Contains(t, b.String(), "used_memory_peak:1125899906842624\r\n")
}

// A section's fields come in Redis's order, with the server's values where it gives them
// and Redis's idle ones elsewhere; a value for a field the section lacks stops the server.
func TestFieldsFillInRedisValues(t *testing.T) {
	var b strings.Builder
	Fields(&b, "clients", map[string]any{"connected_clients": 3, "blocked_clients": func() int { return 2 }})
	assert.Equal(t, "connected_clients:3\r\ncluster_connections:0\r\nmaxclients:10000\r\n"+
		"client_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\n"+
		"blocked_clients:2\r\ntracking_clients:0\r\nclients_in_timeout_table:0\r\n", b.String())
	assert.Panics(t, func() { Fields(&b, "clients", map[string]any{"connected_client": 3}) })
}

// Stats count what goes through a CountingConn, and error replies by code, sorted.
func TestStatsCount(t *testing.T) {
	var st Stats
	ours, theirs := net.Pipe()
	defer theirs.Close()
	conn := CountingConn{ours, &st}
	go func() {
		buf := make([]byte, 5)
		io.ReadFull(theirs, buf)
		theirs.Write([]byte("+OK\r\n"))
	}()
	_, err := conn.Write([]byte("PING\n"))
	require.NoError(t, err)
	_, err = io.ReadFull(conn, make([]byte, 5))
	require.NoError(t, err)
	st.CountError("WRONGTYPE Operation against a key holding the wrong kind of value")
	st.CountError("ERR syntax error")
	st.CountError("ERR value is not an integer or out of range")
	values := st.Values()
	assert.Equal(t, int64(5), values["total_net_input_bytes"])
	assert.Equal(t, int64(5), values["total_net_output_bytes"])
	assert.Equal(t, int64(1), values["total_writes_processed"])
	assert.Equal(t, int64(3), values["total_error_replies"])
	var b strings.Builder
	st.ErrorStats(&b)
	assert.Equal(t, "errorstat_ERR:count=2\r\nerrorstat_WRONGTYPE:count=1\r\n", b.String())
}

func TestWriteCommandStats(t *testing.T) {
	get, set, del := &CommandStats{}, &CommandStats{}, &CommandStats{}
	get.Calls.Store(2)
	get.Usec.Store(5)
	set.Rejected.Store(1)
	var b strings.Builder
	WriteCommandStats(&b, map[string]*CommandStats{"set": set, "get": get, "del": del})
	assert.Equal(t, "cmdstat_get:calls=2,usec=5,usec_per_call=2.50,rejected_calls=0,failed_calls=0\r\n"+
		"cmdstat_set:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0\r\n", b.String())
}

// The field lists are Redis's: each section of a fresh real server has every field listed
// here, in the same order (later versions add fields of their own between them).
func TestFieldsAreRedisOwn(t *testing.T) {
	conn := redistest.Dial(t, redistest.StartRedis(t))
	for section, list := range fields {
		report := conn.Do("INFO", section).Str
		var theirs []string
		for _, line := range strings.Split(report, "\r\n") {
			if name, _, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "#") {
				theirs = append(theirs, name)
			}
		}
		next := 0
		for _, f := range list {
			at := slices.Index(theirs[next:], f.name)
			require.GreaterOrEqual(t, at, 0, "INFO %s: %s, after %v", section, f.name, theirs[:next])
			next += at + 1
		}
	}
}
