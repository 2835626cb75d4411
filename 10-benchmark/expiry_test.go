package main

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"testing"
	"testing/synctest"
	"time"

	"byoredis/shared/redistest"
	"byoredis/shared/resp"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const invalidSet = "-ERR invalid expire time in 'set' command\r\n"

// SET's expiry options, and their errors, as Redis 7.0 gives them (setGenericCommand in Redis's src/t_string.c).
// Times are relative to the servers' clocks, so only replies that do not depend on the exact
// millisecond are compared: TTL rounds to the nearest second.
func TestSetWithExpiry(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("SET", "k", "v1", "EX", "100") + cmd("TTL", "k"), Want: []string{"+OK\r\n", ":100\r\n"}},
		{Send: cmd("SET", "k", "v2", "KEEPTTL") + cmd("TTL", "k"), Want: []string{"+OK\r\n", ":100\r\n"}},
		{Send: cmd("SET", "k", "v3") + cmd("TTL", "k"), Want: []string{"+OK\r\n", ":-1\r\n"}}, // a plain SET clears the TTL
		{Send: cmd("TTL", "missing") + cmd("PTTL", "missing"), Want: []string{":-2\r\n", ":-2\r\n"}},
		{Send: cmd("SET", "k", "v", "px", "100000") + cmd("TTL", "k"), Want: []string{"+OK\r\n", ":100\r\n"}},
		{Send: cmd("SET", "k", "v", "PXAT", "99999999999999") + cmd("EXPIRETIME", "k") + cmd("PEXPIRETIME", "k"),
			Want: []string{"+OK\r\n", ":100000000000\r\n", ":99999999999999\r\n"}},
		{Send: cmd("SET", "k", "v", "EXAT", "4000000000") + cmd("PEXPIRETIME", "k"), Want: []string{"+OK\r\n", ":4000000000000\r\n"}},
		{Send: cmd("SET", "k", "v5", "XX", "GET", "EX", "50") + cmd("TTL", "k"), Want: []string{"$1\r\nv\r\n", ":50\r\n"}},
		{Send: cmd("SET", "k", "v6", "NX", "EX", "10", "GET"), Want: []string{"$2\r\nv5\r\n"}},
		// A time in the past is accepted, and the key is gone at once.
		{Send: cmd("SET", "e", "v", "EXAT", "1") + cmd("EXISTS", "e"), Want: []string{"+OK\r\n", ":0\r\n"}},
		{Send: cmd("SET", "e", "v") + cmd("SET", "e", "w", "PXAT", "1", "GET") + cmd("GET", "e"), Want: []string{"+OK\r\n", "$1\r\nv\r\n", "$-1\r\n"}},
		{Send: cmd("SET", "k", "v", "EX", "0"), Want: []string{invalidSet}},
		{Send: cmd("SET", "k", "v", "EX", "-5"), Want: []string{invalidSet}},
		{Send: cmd("SET", "k", "v", "PX", "0"), Want: []string{invalidSet}},
		{Send: cmd("SET", "k", "v", "EXAT", "0"), Want: []string{invalidSet}},
		{Send: cmd("SET", "k", "v", "EX", "9223372036854775807"), Want: []string{invalidSet}},
		{Send: cmd("SET", "k", "v", "EX", "9223372036854775"), Want: []string{invalidSet}}, // fits in ms, overflows when now is added
		{Send: cmd("SET", "k", "v", "PX", "9223372036854775807"), Want: []string{invalidSet}},
		{Send: cmd("SET", "k", "v", "EXAT", "9223372036854775"), Want: []string{"+OK\r\n"}}, // absolute: nothing is added
		{Send: cmd("SET", "k", "v", "EX", "abc"), Want: []string{"-ERR value is not an integer or out of range\r\n"}},
		{Send: cmd("SET", "k", "v", "EX", "1.5"), Want: []string{"-ERR value is not an integer or out of range\r\n"}},
		{Send: cmd("SET", "k", "v", "EX"), Want: []string{"-ERR syntax error\r\n"}},
		{Send: cmd("SET", "k", "v", "EX", "10", "PX", "10"), Want: []string{"-ERR syntax error\r\n"}},
		{Send: cmd("SET", "k", "v", "KEEPTTL", "EX", "10"), Want: []string{"-ERR syntax error\r\n"}},
		{Send: cmd("SET", "k", "v", "EX", "10", "KEEPTTL"), Want: []string{"-ERR syntax error\r\n"}},
		{Send: cmd("SET", "k", "v", "PERSIST"), Want: []string{"-ERR syntax error\r\n"}},
	}, oneDatabase...)
}

func TestGetex(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("GETEX", "missing", "EX", "0"), Want: []string{"$-1\r\n"}}, // the key is looked up first
		{Send: cmd("SET", "g", "v") + cmd("GETEX", "g"), Want: []string{"+OK\r\n", "$1\r\nv\r\n"}},
		{Send: cmd("GETEX", "g", "EX", "100") + cmd("TTL", "g"), Want: []string{"$1\r\nv\r\n", ":100\r\n"}},
		{Send: cmd("GETEX", "g", "PERSIST") + cmd("TTL", "g"), Want: []string{"$1\r\nv\r\n", ":-1\r\n"}},
		{Send: cmd("GETEX", "g", "PXAT", "99999999999999") + cmd("PEXPIRETIME", "g"), Want: []string{"$1\r\nv\r\n", ":99999999999999\r\n"}},
		{Send: cmd("GETEX", "g", "EXAT", "1") + cmd("EXISTS", "g"), Want: []string{"$1\r\nv\r\n", ":0\r\n"}},
		{Send: cmd("SET", "g", "v") + cmd("GETEX", "g", "EX", "0"), Want: []string{"+OK\r\n", "-ERR invalid expire time in 'getex' command\r\n"}},
		{Send: cmd("GETEX", "g", "PX", "-5"), Want: []string{"-ERR invalid expire time in 'getex' command\r\n"}},
		{Send: cmd("GETEX", "g", "EX", "abc"), Want: []string{"-ERR value is not an integer or out of range\r\n"}},
		{Send: cmd("GETEX", "g", "FOO"), Want: []string{"-ERR syntax error\r\n"}},
		{Send: cmd("GETEX", "g", "KEEPTTL"), Want: []string{"-ERR syntax error\r\n"}},
		{Send: cmd("GETEX", "g", "PERSIST", "EX", "10"), Want: []string{"-ERR syntax error\r\n"}},
		{Send: cmd("GETEX", "g", "EX", "10", "PERSIST"), Want: []string{"-ERR syntax error\r\n"}},
		{Send: cmd("GETEX"), Want: []string{"-ERR wrong number of arguments for 'getex' command\r\n"}},
	}, oneDatabase...)
}

// The EXPIRE family with NX, XX, GT and LT; a key without a TTL counts as expiring never
// (expireGenericCommand in Redis's src/expire.c).
func TestExpireConditions(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("SET", "k", "v"), Want: []string{"+OK\r\n"}},
		{Send: cmd("EXPIRE", "k", "100", "XX"), Want: []string{":0\r\n"}},
		{Send: cmd("EXPIRE", "k", "100", "GT"), Want: []string{":0\r\n"}},
		{Send: cmd("EXPIRE", "k", "100", "LT") + cmd("TTL", "k"), Want: []string{":1\r\n", ":100\r\n"}},
		{Send: cmd("EXPIRE", "k", "200", "NX"), Want: []string{":0\r\n"}},
		{Send: cmd("EXPIRE", "k", "200", "LT"), Want: []string{":0\r\n"}},
		{Send: cmd("EXPIRE", "k", "50", "lt") + cmd("TTL", "k"), Want: []string{":1\r\n", ":50\r\n"}},
		{Send: cmd("EXPIRE", "k", "60", "GT") + cmd("TTL", "k"), Want: []string{":1\r\n", ":60\r\n"}},
		{Send: cmd("EXPIRE", "k", "70", "XX", "GT") + cmd("TTL", "k"), Want: []string{":1\r\n", ":70\r\n"}},
		{Send: cmd("PEXPIRE", "k", "5000") + cmd("TTL", "k"), Want: []string{":1\r\n", ":5\r\n"}},
		{Send: cmd("EXPIREAT", "k", "4000000000") + cmd("EXPIRETIME", "k"), Want: []string{":1\r\n", ":4000000000\r\n"}},
		{Send: cmd("PEXPIREAT", "k", "4000000000123") + cmd("PEXPIRETIME", "k"), Want: []string{":1\r\n", ":4000000000123\r\n"}},
		{Send: cmd("PERSIST", "k") + cmd("PERSIST", "k") + cmd("TTL", "k"), Want: []string{":1\r\n", ":0\r\n", ":-1\r\n"}},
		{Send: cmd("EXPIRE", "k", "10", "NX", "XX"), Want: []string{"-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"}},
		{Send: cmd("EXPIRE", "k", "10", "GT", "LT"), Want: []string{"-ERR GT and LT options at the same time are not compatible\r\n"}},
		{Send: cmd("EXPIRE", "k", "10", "FOO"), Want: []string{"-ERR Unsupported option FOO\r\n"}},
		{Send: cmd("EXPIRE", "k", "abc"), Want: []string{"-ERR value is not an integer or out of range\r\n"}},
		{Send: cmd("EXPIRE", "k", "9223372036854775807"), Want: []string{"-ERR invalid expire time in 'expire' command\r\n"}},
		{Send: cmd("EXPIRE", "k", "9223372036854775"), Want: []string{"-ERR invalid expire time in 'expire' command\r\n"}},
		{Send: cmd("EXPIRE", "k", "-9223372036854775808"), Want: []string{"-ERR invalid expire time in 'expire' command\r\n"}},
		{Send: cmd("PEXPIRE", "k", "9223372036854775807"), Want: []string{"-ERR invalid expire time in 'pexpire' command\r\n"}},
		{Send: cmd("EXPIREAT", "k", "9223372036854775807"), Want: []string{"-ERR invalid expire time in 'expireat' command\r\n"}},
		{Send: cmd("EXPIRE", "missing", "10") + cmd("PERSIST", "missing") + cmd("EXPIRETIME", "missing"), Want: []string{":0\r\n", ":0\r\n", ":-2\r\n"}},
		{Send: cmd("EXPIRETIME", "k") + cmd("PEXPIRETIME", "k"), Want: []string{":-1\r\n", ":-1\r\n"}},
		// A time in the past deletes the key at once.
		{Send: cmd("EXPIRE", "k", "-1") + cmd("EXISTS", "k"), Want: []string{":1\r\n", ":0\r\n"}},
		{Send: cmd("SET", "k", "v") + cmd("EXPIREAT", "k", "1") + cmd("GET", "k"), Want: []string{"+OK\r\n", ":1\r\n", "$-1\r\n"}},
		{Send: cmd("SET", "k", "v") + cmd("PEXPIRE", "k", "0") + cmd("DBSIZE"), Want: []string{"+OK\r\n", ":1\r\n", ":0\r\n"}},
		{Send: cmd("TTL"), Want: []string{"-ERR wrong number of arguments for 'ttl' command\r\n"}},
		{Send: cmd("EXPIRE", "k"), Want: []string{"-ERR wrong number of arguments for 'expire' command\r\n"}},
		{Send: cmd("PERSIST", "x", "y"), Want: []string{"-ERR wrong number of arguments for 'persist' command\r\n"}},
	}, oneDatabase...)
}

// Commands that change a value keep its TTL; commands that replace it clear the TTL.
func TestWritesKeepOrClearTheTTL(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("SET", "n", "1", "EX", "100") + cmd("INCR", "n") + cmd("TTL", "n"), Want: []string{"+OK\r\n", ":2\r\n", ":100\r\n"}},
		{Send: cmd("APPEND", "n", "0") + cmd("TTL", "n"), Want: []string{":2\r\n", ":100\r\n"}},
		{Send: cmd("MSET", "n", "1") + cmd("TTL", "n"), Want: []string{"+OK\r\n", ":-1\r\n"}},
		{Send: cmd("SET", "d", "v", "EX", "100") + cmd("GETDEL", "d") + cmd("TTL", "d"), Want: []string{"+OK\r\n", "$1\r\nv\r\n", ":-2\r\n"}},
	}, oneDatabase...)
}

// INFO keyspace counts keys with an expiry. avg_ttl is an estimate Redis updates while its
// expiry cycle samples keys (0 until it has), ours is the exact average: the value, and so the
// reply's length, are masked.
func TestInfoKeyspaceCountsExpires(t *testing.T) {
	avgTTL := regexp.MustCompile(`(?s)^\$\d+(\r\n.*avg_ttl=)\d+`)
	mask := func(r string) string { return avgTTL.ReplaceAllString(r, "$$N${1}N") }
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("SET", "a", "1") + cmd("SET", "b", "2", "EX", "100") + cmd("SET", "c", "3", "PX", "100000"), Want: []string{"+OK\r\n", "+OK\r\n", "+OK\r\n"}},
		{Send: cmd("INFO", "keyspace"), Want: []string{"$N\r\n# Keyspace\r\ndb0:keys=3,expires=2,avg_ttl=N\r\n\r\n"}, Normalize: mask,
			Since: map[string][]string{"7.4": {"$N\r\n# Keyspace\r\ndb0:keys=3,expires=2,avg_ttl=N,subexpiry=0\r\n\r\n"}}}, // 7.4: hash fields' expiry
	}, oneDatabase...)
}

// The keys with an expiry are kept apart from the values, as Redis keeps db->expires beside
// db->dict: every command that gives, moves or takes away an expiry keeps the two in step,
// and INFO keyspace counts the first.
func TestExpiresFollowEveryChange(t *testing.T) {
	avgTTL := regexp.MustCompile(`(?s)^\$\d+(\r\n.*avg_ttl=)\d+`)
	mask := func(r string) string { return avgTTL.ReplaceAllString(r, "$$N${1}N") }
	counts := func(send string, replies []string, keys, expires int) redistest.Exchange {
		info := fmt.Sprintf("$N\r\n# Keyspace\r\ndb0:keys=%d,expires=%d,avg_ttl=N", keys, expires)
		return redistest.Exchange{Send: send + cmd("INFO", "keyspace"), Normalize: mask,
			Want:  append(replies, info+"\r\n\r\n"),
			Since: map[string][]string{"7.4": append(replies, info+",subexpiry=0\r\n\r\n")}}
	}
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		counts(cmd("SET", "a", "1", "EX", "100")+cmd("SET", "b", "2"), []string{"+OK\r\n", "+OK\r\n"}, 2, 1),
		counts(cmd("EXPIRE", "b", "100")+cmd("PERSIST", "a"), []string{":1\r\n", ":1\r\n"}, 2, 1),
		counts(cmd("RENAME", "b", "c"), []string{"+OK\r\n"}, 2, 1),
		counts(cmd("SET", "c", "3", "KEEPTTL")+cmd("INCR", "c"), []string{"+OK\r\n", ":4\r\n"}, 2, 1),
		counts(cmd("COPY", "c", "d"), []string{":1\r\n"}, 3, 2),
		counts(cmd("SET", "c", "5")+cmd("GETEX", "d", "PERSIST"), []string{"+OK\r\n", "$1\r\n4\r\n"}, 3, 0),
		counts(cmd("SETEX", "e", "100", "v")+cmd("GETSET", "a", "6"), []string{"+OK\r\n", "$1\r\n1\r\n"}, 4, 1),
		counts(cmd("DEL", "e"), []string{":1\r\n"}, 3, 0),
		counts(cmd("PSETEX", "f", "100000", "v")+cmd("FLUSHALL")+cmd("SET", "g", "v"), []string{"+OK\r\n", "+OK\r\n", "+OK\r\n"}, 1, 0),
	}, oneDatabase...)
}

// pipeClient talks to a server over net.Pipe, an in-memory connection, so that a test can
// run inside a synctest bubble, where time is fake and moves only when every goroutine waits.
type pipeClient struct {
	t       *testing.T
	conn    net.Conn
	replies *resp.ReplyReader
}

// startInBubble runs a server's client loop and its expiry loop inside the current synctest
// bubble, and stops both when the test ends.
func startInBubble(t *testing.T) (*Server, *pipeClient) {
	srv := newServer(t, Config{Bind: "127.0.0.1", MaxClients: 10, Hz: 10})
	go srv.store.expireLoop(&srv.hz, srv.stop)
	t.Cleanup(func() { close(srv.stop) })
	return srv, dialInBubble(t, srv)
}

// dialInBubble connects a new client to srv inside the current synctest bubble; it leaves
// when the test ends.
func dialInBubble(t *testing.T, srv *Server) *pipeClient {
	ours, theirs := net.Pipe()
	done := make(chan struct{})
	go func() { newClient(srv, theirs).serve(); close(done) }()
	t.Cleanup(func() {
		ours.Close()
		<-done
	})
	return &pipeClient{t: t, conn: ours, replies: resp.NewReplyReader(ours)}
}

func (p *pipeClient) send(args ...string) {
	_, err := p.conn.Write([]byte(cmd(args...)))
	require.NoError(p.t, err)
}

// replyWithin returns the next reply's bytes, "" if none comes within d (of the bubble's
// fake time, which passes at once when every goroutine waits), or "closed".
func (p *pipeClient) replyWithin(d time.Duration) string {
	p.conn.SetReadDeadline(time.Now().Add(d))
	defer p.conn.SetReadDeadline(time.Time{})
	if _, err := p.replies.ReadReply(); err != nil {
		if redistest.IsClosed(err) {
			return "closed"
		}
		return ""
	}
	return string(p.replies.Raw())
}

func (p *pipeClient) do(args ...string) resp.Value {
	_, err := p.conn.Write([]byte(cmd(args...)))
	require.NoError(p.t, err)
	v, err := p.replies.ReadReply()
	require.NoError(p.t, err)
	return v
}

// Passive expiry, to the millisecond: a key is gone strictly after its expiry time, and a
// read of an expired key deletes it.
func TestPassiveExpiryBoundary(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, c := startInBubble(t)
		c.do("SET", "k", "v", "PX", "100")
		assert.Equal(t, int64(100), c.do("PTTL", "k").Int)

		time.Sleep(100 * time.Millisecond) // now == expiry time: still there
		assert.Equal(t, "v", c.do("GET", "k").Str)
		assert.Equal(t, int64(0), c.do("PTTL", "k").Int)

		time.Sleep(time.Millisecond)
		assert.True(t, c.do("GET", "k").IsNull)
		assert.Equal(t, int64(-2), c.do("TTL", "k").Int)
		assert.Equal(t, int64(0), c.do("DBSIZE").Int, "the GET deleted the expired key")
		assert.Contains(t, c.do("INFO", "stats").Str, "expired_keys:1\r\n")
	})
}

// TTL rounds the remaining milliseconds to the nearest second; PTTL is exact.
func TestTTLRounding(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, c := startInBubble(t)
		for ms, seconds := range map[string]int64{"1500": 2, "1499": 1, "500": 1, "499": 0} {
			c.do("SET", "k", "v", "PX", ms)
			assert.Equal(t, seconds, c.do("TTL", "k").Int, "PX %s", ms)
		}
		c.do("SET", "k", "v", "EX", "10")
		time.Sleep(2500 * time.Millisecond)
		assert.Equal(t, int64(7500), c.do("PTTL", "k").Int)
		assert.Equal(t, int64(8), c.do("TTL", "k").Int)
	})
}

// Keys nobody reads again are removed by the active cycle in the background.
func TestActiveExpiryRemovesUntouchedKeys(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, c := startInBubble(t)
		for i := range 1000 {
			c.do("SET", fmt.Sprint("short:", i), "v", "PX", "100")
		}
		for i := range 10 {
			c.do("SET", fmt.Sprint("long:", i), "v", "EX", "3600")
			c.do("SET", fmt.Sprint("forever:", i), "v")
		}
		assert.Equal(t, int64(1020), c.do("DBSIZE").Int)

		time.Sleep(time.Second) // ten cycles at hz 10
		assert.Equal(t, int64(20), c.do("DBSIZE").Int, "DBSIZE counts expired keys until they are removed")
		assert.Contains(t, c.do("INFO", "stats").Str, "expired_keys:1000\r\n")
		assert.Contains(t, c.do("INFO", "keyspace").Str, "db0:keys=20,expires=10,")
	})
}

// One cycle keeps sampling while samples are mostly expired, and stops at a clean sample.
func TestActiveExpireCycleStopsAtACleanSample(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewStore()
		s.Write(func(k *Keyspace) {
			for i := range 500 {
				k.Set(fmt.Sprint("live:", i), entry{value: []byte("v"), expireAt: k.Now() + 3_600_000})
			}
		})
		assert.Equal(t, 0, s.activeExpireCycle(time.Second), "a clean sample ends the cycle")

		s.Write(func(k *Keyspace) {
			for i := range 500 {
				k.Set(fmt.Sprint("dead:", i), entry{value: []byte("v"), expireAt: k.Now() + 10})
			}
		})
		time.Sleep(11 * time.Millisecond)
		deleted := s.activeExpireCycle(time.Second)
		assert.Greater(t, deleted, 0)
		assert.Equal(t, 1000-deleted, s.Len())
	})
}

// End to end, with the real clock: go-redis sets a key with a TTL, and it is gone after it.
func TestExpiryWithRealClock(t *testing.T) {
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		ctx := context.Background()
		client := redistest.Client(t, addr)
		require.NoError(t, client.Set(ctx, "short", "v", 50*time.Millisecond).Err())
		ttl := client.PTTL(ctx, "short").Val()
		assert.True(t, ttl > 0 && ttl <= 50*time.Millisecond, "PTTL %v", ttl)
		time.Sleep(100 * time.Millisecond) // the one real wait: the test is about the real clock
		assert.ErrorIs(t, client.Get(ctx, "short").Err(), redis.Nil)
	}, oneDatabase...)
}
