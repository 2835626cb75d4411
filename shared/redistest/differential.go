package redistest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Exchange is one request and the exact replies real Redis gives to it.
type Exchange struct {
	// Send is written to the connection as it is: one command, a pipelined batch, or
	// deliberately malformed bytes.
	Send string
	// Want is the exact bytes of each reply, in order, as real Redis sends them.
	Want []string
	// Closed says the server closes the connection after these replies.
	Closed bool
	// Normalize, when set, rewrites each reply from both servers before it is compared. It is
	// for replies that legitimately differ (a server version, a client id); say why where you
	// set it.
	Normalize func(reply string) string
	// Since holds the replies of later Redis versions where they differ from 7.0's, by the
	// version that changed them ("7.2"), or "valkey" for Valkey's own: the real server, when
	// it is that version or later, is held to them instead of Want. The step's server
	// answers as Redis 7.0 and is always held to Want.
	Since map[string][]string
}

// want is what the server at addr must reply: Want, or for a real server of a later version,
// the replies of the latest change it has.
func (ex Exchange) want(addr string) []string {
	if replies, ok := ex.Since["valkey"]; ok && IsValkey(addr) {
		return replies
	}
	want, changed := ex.Want, ""
	for version, replies := range ex.Since {
		var major, minor int
		if _, err := fmt.Sscanf(version, "%d.%d", &major, &minor); err == nil && RedisAtLeast(addr, major, minor) && version > changed {
			want, changed = replies, version
		}
	}
	return want
}

// Differential sends each exchange's bytes, in order on one connection (a fresh connection
// after one that closes), to the step server at ours and to a real redis-server started with
// redisArgs, and requires both to give exactly the replies in Want and to close the
// connection exactly where Want says. Checking both against Want proves Want is Redis's real
// behaviour, not our memory of it. Without redis-server the "redis" half is skipped with a
// notice (or fails, with REQUIRE_REDIS=1), and the step server is still checked.
func Differential(t *testing.T, ours string, exchanges []Exchange, redisArgs ...string) {
	t.Helper()
	Both(t, ours, func(t *testing.T, addr string) { RunExchanges(t, addr, exchanges) }, redisArgs...)
}

// RunExchanges runs exchanges against one server (see Differential). After the last exchange,
// unless it closed the connection, it checks that the connection still answers PING.
func RunExchanges(t *testing.T, addr string, exchanges []Exchange) {
	t.Helper()
	conn := Dial(t, addr)
	lastClosed := false
	for i, ex := range exchanges {
		conn.Send(ex.Send)
		for j, want := range ex.want(addr) {
			got := conn.RawReply()
			if ex.Normalize != nil {
				got = ex.Normalize(got)
			}
			require.Equal(t, want, got, "sent %s (exchange %d), reply %d", Describe(short(ex.Send)), i+1, j+1)
		}
		lastClosed = ex.Closed
		if ex.Closed {
			conn.ExpectClosed()
			conn = Dial(t, addr)
		}
	}
	if lastClosed {
		return
	}
	// The connection must still be usable where Redis keeps it open. An inline PING, which
	// every step answers (step 01 has no RESP parser yet).
	conn.Send("PING\r\n")
	assert.Equal(t, "+PONG\r\n", conn.RawReply(), "the connection should stay open")
}

func short(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
