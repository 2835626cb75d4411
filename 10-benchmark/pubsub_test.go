package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"byoredis/shared/redistest"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The replies and messages of a RESP2 subscriber, byte for byte, on both servers: the counts
// include patterns, PING has its subscribed shape, other commands are refused, and the
// client is back to normal once its count reaches 0.
func TestSubscribeRESP2(t *testing.T) {
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		sub, pub := redistest.Dial(t, addr), redistest.Dial(t, addr)
		sub.Send(cmd("UNSUBSCRIBE"))
		if redistest.IsValkey(addr) { // Valkey 8 refuses it outside subscribed mode
			sub.Expect("-NOSUB 'unsubscribe' command executed not in subscribed mode\r\n")
		} else {
			sub.Expect("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n")
		}
		sub.Send(cmd("SUBSCRIBE", "ch1", "ch2") + cmd("PSUBSCRIBE", "news.*", "h?llo"))
		sub.Expect("*3\r\n$9\r\nsubscribe\r\n$3\r\nch1\r\n:1\r\n", "*3\r\n$9\r\nsubscribe\r\n$3\r\nch2\r\n:2\r\n",
			"*3\r\n$10\r\npsubscribe\r\n$6\r\nnews.*\r\n:3\r\n", "*3\r\n$10\r\npsubscribe\r\n$5\r\nh?llo\r\n:4\r\n")

		assert.Equal(t, int64(1), pub.Do("PUBLISH", "ch1", "hi").Int)
		sub.Expect("*3\r\n$7\r\nmessage\r\n$3\r\nch1\r\n$2\r\nhi\r\n")
		assert.Equal(t, int64(1), pub.Do("PUBLISH", "news.tech", "story").Int)
		sub.Expect("*4\r\n$8\r\npmessage\r\n$6\r\nnews.*\r\n$9\r\nnews.tech\r\n$5\r\nstory\r\n")
		assert.Equal(t, int64(0), pub.Do("PUBLISH", "nobody", "x").Int)

		sub.Send(cmd("PING") + cmd("PING", "hello") + cmd("GET", "foo") + cmd("SUBSCRIBE", "ch1"))
		sub.Expect("*2\r\n$4\r\npong\r\n$0\r\n\r\n", "*2\r\n$4\r\npong\r\n$5\r\nhello\r\n",
			"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
			"*3\r\n$9\r\nsubscribe\r\n$3\r\nch1\r\n:4\r\n") // already subscribed: the count stays
		sub.Send(cmd("UNSUBSCRIBE", "ch1", "nosuch") + cmd("PUNSUBSCRIBE"))
		sub.Expect("*3\r\n$11\r\nunsubscribe\r\n$3\r\nch1\r\n:3\r\n", "*3\r\n$11\r\nunsubscribe\r\n$6\r\nnosuch\r\n:3\r\n")
		// PUNSUBSCRIBE with no pattern leaves them all, in an order Redis does not promise
		// (7.0 keeps a list, 7.2 a hash table): the counts go down whatever the order.
		first, second := sub.RawReply(), sub.RawReply()
		assert.ElementsMatch(t, []string{"*3\r\n$12\r\npunsubscribe\r\n$6\r\nnews.*\r\n", "*3\r\n$12\r\npunsubscribe\r\n$5\r\nh?llo\r\n"},
			[]string{strings.TrimSuffix(first, ":2\r\n"), strings.TrimSuffix(second, ":1\r\n")})
		sub.Send(cmd("UNSUBSCRIBE") + cmd("PING") + cmd("GET", "foo"))
		sub.Expect("*3\r\n$11\r\nunsubscribe\r\n$3\r\nch2\r\n:0\r\n", "+PONG\r\n", "$-1\r\n")
	})
}

// RESP3 subscribers get push frames, and may run any command.
func TestSubscribeRESP3(t *testing.T) {
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		sub, pub := redistest.Dial(t, addr), redistest.Dial(t, addr)
		sub.Do("HELLO", "3")
		sub.Send(cmd("UNSUBSCRIBE") + cmd("SUBSCRIBE", "ch1") + cmd("PSUBSCRIBE", "c*"))
		unsubscribed := ">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n"
		if redistest.IsValkey(addr) { // Valkey 8 refuses it outside subscribed mode
			unsubscribed = "-NOSUB 'unsubscribe' command executed not in subscribed mode\r\n"
		}
		sub.Expect(unsubscribed, ">3\r\n$9\r\nsubscribe\r\n$3\r\nch1\r\n:1\r\n", ">3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:2\r\n")
		assert.Equal(t, int64(2), pub.Do("PUBLISH", "ch1", "hi").Int)
		sub.Expect(">3\r\n$7\r\nmessage\r\n$3\r\nch1\r\n$2\r\nhi\r\n", ">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$3\r\nch1\r\n$2\r\nhi\r\n")
		sub.Send(cmd("PING") + cmd("PING", "hello") + cmd("GET", "foo"))
		sub.Expect("+PONG\r\n", "$5\r\nhello\r\n", "_\r\n")
	})
}

// PUBLISH counts deliveries: a client subscribed to a channel and to two patterns that match
// it gets the message three times.
func TestPublishCountsDeliveries(t *testing.T) {
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		sub, other, pub := redistest.Dial(t, addr), redistest.Dial(t, addr), redistest.Dial(t, addr)
		sub.Send(cmd("SUBSCRIBE", "a.b") + cmd("PSUBSCRIBE", "a.*", "*"))
		sub.Expect("*3\r\n$9\r\nsubscribe\r\n$3\r\na.b\r\n:1\r\n", "*3\r\n$10\r\npsubscribe\r\n$3\r\na.*\r\n:2\r\n", "*3\r\n$10\r\npsubscribe\r\n$1\r\n*\r\n:3\r\n")
		other.Do("SUBSCRIBE", "a.b")
		assert.Equal(t, int64(4), pub.Do("PUBLISH", "a.b", "m").Int)
		// The channel's subscribers first, then each matching pattern's, in an order of
		// Redis's hash table.
		sub.Expect("*3\r\n$7\r\nmessage\r\n$3\r\na.b\r\n$1\r\nm\r\n")
		assert.ElementsMatch(t, []string{"*4\r\n$8\r\npmessage\r\n$3\r\na.*\r\n$3\r\na.b\r\n$1\r\nm\r\n", "*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$3\r\na.b\r\n$1\r\nm\r\n"},
			[]string{sub.RawReply(), sub.RawReply()})
		other.Expect("*3\r\n$7\r\nmessage\r\n$3\r\na.b\r\n$1\r\nm\r\n")
	})
}

func TestPubsubIntrospection(t *testing.T) {
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		a, b, conn := redistest.Dial(t, addr), redistest.Dial(t, addr), redistest.Dial(t, addr)
		a.Send(cmd("SUBSCRIBE", "news.tech", "news.art", "sport") + cmd("PSUBSCRIBE", "news.*", "x"))
		for range 5 {
			a.Reply()
		}
		b.Send(cmd("SUBSCRIBE", "sport") + cmd("PSUBSCRIBE", "news.*"))
		b.Reply()
		b.Reply()
		redistest.RunExchanges(t, addr, []redistest.Exchange{
			{Send: cmd("PUBSUB", "CHANNELS", "news.*"), Want: []string{"*2\r\n$8\r\nnews.art\r\n$9\r\nnews.tech\r\n"}, Normalize: sortedArray},
			{Send: cmd("PUBSUB", "CHANNELS"), Want: []string{"*3\r\n$8\r\nnews.art\r\n$9\r\nnews.tech\r\n$5\r\nsport\r\n"}, Normalize: sortedArray},
			{Send: cmd("PUBSUB", "NUMPAT"), Want: []string{":2\r\n"}},
			{Send: cmd("PUBSUB", "NUMPAT", "x"), Want: []string{"-ERR wrong number of arguments for 'pubsub|numpat' command\r\n"}},
			{Send: cmd("PUBSUB", "CHANNELS", "a", "b"), Want: []string{"-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.\r\n"}},
			{Send: cmd("PUBSUB", "SHARDCHANNELS"), Want: []string{"*0\r\n"}},
			{Send: cmd("PUBSUB", "SHARDNUMSUB", "sport"), Want: []string{"*2\r\n$5\r\nsport\r\n:0\r\n"}},
			{Send: cmd("PUBSUB", "FOO"), Want: []string{"-ERR unknown subcommand 'FOO'. Try PUBSUB HELP.\r\n"}},
			{Send: cmd("PUBSUB", "HELP"), Want: []string{conn.RawReplyTo("PUBSUB", "HELP")}},
			{Send: cmd("PUBLISH", "a"), Want: []string{"-ERR wrong number of arguments for 'publish' command\r\n"}},
			{Send: cmd("SUBSCRIBE"), Want: []string{"-ERR wrong number of arguments for 'subscribe' command\r\n"}},
		})
		a.Send(cmd("QUIT"))
		a.Expect("+OK\r\n")
		a.ExpectClosed()
		// The leaving client's subscriptions go with it. Redis frees a client after its
		// reply is sent, so ask until the count drops.
		assert.Eventually(t, func() bool {
			return conn.RawReplyTo("PUBSUB", "CHANNELS") == "*1\r\n$5\r\nsport\r\n"
		}, hangGuard, pollEvery)
		assert.Equal(t, int64(1), conn.Do("PUBSUB", "NUMPAT").Int)
	})
}

// sortedArray sorts the elements of a flat array of bulk strings: Redis lists channels in its
// hash table's order.
func sortedArray(reply string) string {
	lines := strings.Split(strings.TrimSuffix(reply, "\r\n"), "\r\n")
	var elems []string
	for i := 1; i+1 < len(lines); i += 2 {
		elems = append(elems, lines[i]+"\r\n"+lines[i+1]+"\r\n")
	}
	sortStrings(elems, func(e string) string { return e[strings.Index(e, "\r\n")+2:] })
	return lines[0] + "\r\n" + strings.Join(elems, "")
}

// go-redis's PubSub, in RESP3 (its default) and RESP2, receives what is published.
func TestGoRedisPubSub(t *testing.T) {
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		for _, protocol := range []int{3, 2} {
			ctx := context.Background()
			client := redis.NewClient(&redis.Options{Addr: addr, Protocol: protocol})
			defer client.Close()
			sub := client.PSubscribe(ctx, "orders.*")
			defer sub.Close()
			_, err := sub.Receive(ctx) // the subscription's confirmation
			require.NoError(t, err)
			require.NoError(t, client.Publish(ctx, "orders.new", "42").Err())
			msg, err := sub.ReceiveMessage(ctx)
			require.NoError(t, err, "RESP%d", protocol)
			assert.Equal(t, redis.Message{Channel: "orders.new", Pattern: "orders.*", Payload: "42"}, *msg, "RESP%d", protocol)
		}
	})
}

// redis-cli's SUBSCRIBE and PSUBSCRIBE print each message as it comes.
func TestRedisCLISubscribe(t *testing.T) {
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		channel := redistest.RedisCLIFollow(t, addr, "SUBSCRIBE", "ch")
		require.Equal(t, []string{"subscribe", "ch", "1"}, channel.Next(3))
		pattern := redistest.RedisCLIFollow(t, addr, "PSUBSCRIBE", "c?")
		require.Equal(t, []string{"psubscribe", "c?", "1"}, pattern.Next(3))
		pub := redistest.Dial(t, addr)
		assert.Equal(t, int64(2), pub.Do("PUBLISH", "ch", "hello world").Int)
		assert.Equal(t, []string{"message", "ch", "hello world"}, channel.Next(3))
		assert.Equal(t, []string{"pmessage", "c?", "ch", "hello world"}, pattern.Next(4))
	})
}

// With the pubsub limit lowered, a subscriber that stops reading is disconnected once its
// unread messages pass the hard limit: PUBLISH never waits for it, later ones find nobody,
// and the server's memory comes back.
func TestSlowSubscriberIsDisconnected(t *testing.T) {
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		conn := redistest.Dial(t, addr)
		require.Equal(t, "OK", conn.Do("CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 256kb 60").Str)
		before := usedMemory(t, conn)

		slow := redistest.Dial(t, addr)
		slow.Do("SUBSCRIBE", "feed")
		fast := redistest.Dial(t, addr)
		fast.Do("SUBSCRIBE", "feed")
		message := strings.Repeat("m", 64<<10)
		peak := before
		delivered := 0
		for i := range 4000 { // 256 MB at most: far past the socket buffers and the limit
			n := conn.Do("PUBLISH", "feed", message).Int
			require.NotZero(t, n, "the fast subscriber is still there")
			if n == 1 {
				delivered = i
				break
			}
			fast.Reply() // the fast subscriber reads each message
			if i%16 == 0 {
				peak = max(peak, usedMemory(t, conn))
			}
		}
		require.NotZero(t, delivered, "the slow subscriber was never disconnected")
		t.Logf("disconnected after %d messages of 64 KiB; used_memory %d before, at most %d while publishing", delivered, before, peak)
		assert.Less(t, peak-before, int64(16<<20), "the unread messages are bounded by the limit")
		// It reads what had reached its socket (Redis stops mid-message), then the end.
		slow.Net().SetReadDeadline(time.Now().Add(hangGuard))
		unread, err := io.Copy(io.Discard, slow.Net())
		require.NoError(t, err, "the connection is closed")
		assert.Greater(t, unread, int64(len(message)))
		assert.Eventually(t, func() bool { return usedMemory(t, conn)-before < 2<<20 }, hangGuard, pollEvery,
			"the slow subscriber's memory returns")
	})
}

func usedMemory(t *testing.T, conn *redistest.Conn) int64 {
	for _, line := range strings.Split(conn.Do("INFO", "memory").Str, "\r\n") {
		if value, ok := strings.CutPrefix(line, "used_memory:"); ok {
			n, err := strconv.ParseInt(value, 10, 64)
			require.NoError(t, err)
			return n
		}
	}
	require.Fail(t, "INFO memory has no used_memory")
	return 0
}

// Keyspace notifications name the events as Redis does, command by command, on both
// servers. Each event comes twice with KEA: on the key's channel, then on the event's.
func TestKeyspaceEvents(t *testing.T) {
	ks := func(key string, events ...string) []string { // the pairs of messages of events on key
		var out []string
		for _, e := range events {
			out = append(out, "__keyspace@0__:"+key+" "+e, "__keyevent@0__:"+e+" "+key)
		}
		return out
	}
	join := func(lists ...[]string) []string {
		var out []string
		for _, l := range lists {
			out = append(out, l...)
		}
		return out
	}
	cases := []struct {
		command []string
		events  []string
	}{
		{[]string{"SET", "a", "1"}, ks("a", "set")},
		{[]string{"SET", "a", "1", "EX", "100"}, ks("a", "set", "expire")},
		{[]string{"SET", "a", "2", "KEEPTTL"}, ks("a", "set")},
		{[]string{"SET", "a", "3", "GET"}, ks("a", "set")},
		{[]string{"SET", "a", "4", "NX"}, nil},
		{[]string{"GET", "a"}, nil},
		{[]string{"EXPIRE", "a", "100"}, ks("a", "expire")},
		{[]string{"PERSIST", "a"}, ks("a", "persist")},
		{[]string{"PERSIST", "a"}, nil},
		{[]string{"GETEX", "a", "PX", "100000"}, ks("a", "expire")},
		{[]string{"GETEX", "a", "PERSIST"}, ks("a", "persist")},
		{[]string{"INCR", "n"}, ks("n", "incrby")},
		{[]string{"DECRBY", "n", "5"}, ks("n", "incrby")},
		{[]string{"APPEND", "s", "x"}, ks("s", "append")},
		{[]string{"SETNX", "s", "y"}, nil},
		{[]string{"SETNX", "t", "y"}, ks("t", "set")},
		{[]string{"MSET", "m1", "1", "m2", "2"}, join(ks("m1", "set"), ks("m2", "set"))},
		{[]string{"MSETNX", "m3", "1", "m4", "2"}, join(ks("m3", "set"), ks("m4", "set"))},
		{[]string{"GETSET", "t", "z"}, ks("t", "set")},
		{[]string{"SETEX", "e", "100", "v"}, ks("e", "set", "expire")},
		{[]string{"PSETEX", "e", "100000", "v"}, ks("e", "set", "expire")},
		{[]string{"RENAME", "a", "b"}, join(ks("a", "rename_from"), ks("b", "rename_to"))},
		{[]string{"RENAME", "b", "b"}, nil},
		{[]string{"SET", "taken", "1"}, ks("taken", "set")},
		{[]string{"RENAMENX", "b", "taken"}, nil},
		{[]string{"RENAMENX", "b", "d"}, join(ks("b", "rename_from"), ks("d", "rename_to"))},
		{[]string{"RENAMENX", "d", "d"}, nil},
		{[]string{"RENAME", "d", "b"}, join(ks("d", "rename_from"), ks("b", "rename_to"))},
		{[]string{"COPY", "b", "c"}, ks("c", "copy_to")},
		{[]string{"COPY", "b", "c", "REPLACE"}, ks("c", "copy_to")},
		{[]string{"DEL", "c", "nosuch", "m1"}, join(ks("c", "del"), ks("m1", "del"))},
		{[]string{"GETDEL", "m2"}, ks("m2", "del")},
		{[]string{"EXPIRE", "m3", "0"}, ks("m3", "del")},
		{[]string{"PEXPIREAT", "m4", "1"}, ks("m4", "del")},
		{[]string{"GETEX", "b", "PXAT", "1"}, ks("b", "del")},
		{[]string{"FLUSHALL"}, nil},
		// A key whose time has passed: found expired by the next command that looks (or by
		// the active cycle first: either way the event is "expired").
		{[]string{"SET", "gone", "v", "PXAT", "1"}, ks("gone", "set", "expire")},
		{[]string{"GET", "gone"}, ks("gone", "expired")},
	}
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		conn := redistest.Dial(t, addr)
		require.Equal(t, "OK", conn.Do("CONFIG", "SET", "notify-keyspace-events", "KEA").Str)
		events := subscribeToEvents(t, addr)
		for _, c := range cases {
			conn.Do(c.command...)
			want, command := c.events, strings.Join(c.command, " ")
			if redistest.IsValkey(addr) && (command == "SET gone v PXAT 1" || command == "GET gone") {
				want = nil // Valkey 8 drops a SET whose time has passed, without an event
			}
			assert.Equal(t, want, events.after(conn), "%s", command)
		}

		// n: a new key is announced before its first event. Only with n: A leaves it out.
		require.Equal(t, "OK", conn.Do("CONFIG", "SET", "notify-keyspace-events", "KEAn").Str)
		conn.Do("SET", "fresh", "1")
		assert.Equal(t, ks("fresh", "new", "set"), events.after(conn))
		conn.Do("SET", "fresh", "2")
		assert.Equal(t, ks("fresh", "set"), events.after(conn))

		// m: a command that reads a key and finds none sends keymiss (lookupKeyRead); a write
		// that finds none does not. A leaves it out.
		require.Equal(t, "OK", conn.Do("CONFIG", "SET", "notify-keyspace-events", "KEm").Str)
		for _, c := range []struct {
			command []string
			events  []string
		}{
			{[]string{"GET", "miss"}, ks("miss", "keymiss")},
			{[]string{"GET", "fresh"}, nil},
			{[]string{"MGET", "fresh", "miss1", "miss2"}, join(ks("miss1", "keymiss"), ks("miss2", "keymiss"))},
			{[]string{"EXISTS", "miss", "fresh"}, ks("miss", "keymiss")},
			{[]string{"TTL", "miss"}, ks("miss", "keymiss")},
			{[]string{"PEXPIRETIME", "miss"}, ks("miss", "keymiss")},
			{[]string{"STRLEN", "miss"}, ks("miss", "keymiss")},
			{[]string{"GETDEL", "miss"}, ks("miss", "keymiss")},
			{[]string{"GETEX", "miss", "PERSIST"}, ks("miss", "keymiss")},
			{[]string{"GETSET", "g", "v"}, ks("g", "keymiss")},
			{[]string{"SET", "s2", "v", "GET"}, ks("s2", "keymiss")},
			{[]string{"SET", "s3", "v", "NX"}, nil},
			{[]string{"COPY", "miss", "c2"}, ks("miss", "keymiss")},
			{[]string{"INCR", "n2"}, nil},
			{[]string{"DEL", "miss"}, nil},
			{[]string{"EXPIRE", "miss", "10"}, nil},
		} {
			conn.Do(c.command...)
			assert.Equal(t, c.events, events.after(conn), "%s", strings.Join(c.command, " "))
		}

		// Active expiry: nobody touches the key, the server's cycle finds it.
		require.Equal(t, "OK", conn.Do("CONFIG", "SET", "notify-keyspace-events", "Ex").Str)
		conn.Do("SET", "soon", "v", "PX", "50")
		assert.Equal(t, []string{"__keyevent@0__:expired soon"}, events.next(1))
	})
}

// eventSubscriber is a connection subscribed to every keyspace event, and to "sync", which
// marks where the events of a command end.
type eventSubscriber struct{ conn *redistest.Conn }

func subscribeToEvents(t *testing.T, addr string) *eventSubscriber {
	conn := redistest.Dial(t, addr)
	conn.Send(cmd("PSUBSCRIBE", "__key*__:*") + cmd("SUBSCRIBE", "sync"))
	conn.Reply()
	conn.Reply()
	return &eventSubscriber{conn}
}

// after returns the events published since the last call: everything before the message
// that publisher now sends on "sync".
func (s *eventSubscriber) after(publisher *redistest.Conn) []string {
	publisher.Do("PUBLISH", "sync", "")
	var events []string
	for {
		msg := s.conn.Reply()
		if msg.Elems[0].Str == "message" {
			return events
		}
		events = append(events, msg.Elems[2].Str+" "+msg.Elems[3].Str)
	}
}

// next waits for n events.
func (s *eventSubscriber) next(n int) []string {
	var events []string
	for range n {
		msg := s.conn.Reply()
		events = append(events, msg.Elems[2].Str+" "+msg.Elems[3].Str)
	}
	return events
}

// hangGuard bounds the waits for something the server does in its own time (freeing a
// client); pollEvery is how often to look meanwhile.
const (
	hangGuard = 10 * time.Second
	pollEvery = 10 * time.Millisecond
)

func sortStrings(s []string, key func(string) string) {
	sort.Slice(s, func(i, j int) bool { return key(s[i]) < key(s[j]) })
}

// BenchmarkPublish measures PUBLISH to 1, 10 and 100 subscribers, each reading everything,
// on this server and on a real Redis: messages delivered per second, from one publisher
// sending batches of 100. Run it on one core so that both servers get the same machine:
//
//	taskset -c 0 go test -run '^$' -bench Publish -count 3
func BenchmarkPublish(b *testing.B) {
	ours := redistest.Start(b, newServer(b, Config{Bind: "127.0.0.1", MaxClients: 10000}))
	real := redistest.StartRedis(b)
	for _, subscribers := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("subscribers=%d/ours", subscribers), func(b *testing.B) { benchmarkPublish(b, ours, subscribers) })
		b.Run(fmt.Sprintf("subscribers=%d/redis", subscribers), func(b *testing.B) { benchmarkPublish(b, real, subscribers) })
	}
}

func benchmarkPublish(b *testing.B, addr string, subscribers int) {
	const batch = 100
	message := cmd("PUBLISH", "bench", strings.Repeat("x", 64))
	frame := len("*3\r\n$7\r\nmessage\r\n$5\r\nbench\r\n$64\r\n") + 64 + 2
	done := make(chan error, subscribers)
	rounds := (b.N + batch - 1) / batch
	for range subscribers {
		sub := redistest.Dial(b, addr)
		sub.Do("SUBSCRIBE", "bench")
		go func() {
			_, err := io.CopyN(io.Discard, sub.Net(), int64(rounds*batch*frame))
			done <- err
		}()
	}
	pub := redistest.Dial(b, addr)
	request := strings.Repeat(message, batch)
	b.ResetTimer()
	for range rounds {
		pub.Send(request)
		for range batch {
			pub.Reply()
		}
	}
	for range subscribers {
		require.NoError(b, <-done)
	}
	b.StopTimer()
	b.ReportMetric(float64(rounds*batch*subscribers)/b.Elapsed().Seconds(), "msgs/s")
}

// With appendfsync always, a keyspace event is a reply to nobody, but it tells of a write:
// like the write's own +OK, it leaves only once the write is fsynced.
func TestAlwaysNoKeyspaceEventBeforeTheFsync(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		file := &memoryFile{room: -1, syncing: make(chan struct{}), release: make(chan struct{})}
		srv, _ := startWithFile(t, "always", file)
		srv.store.keyspaceEvents.Store(notifyKeyevent | notifyString)
		subscriber, writer := dialInBubble(t, srv), dialInBubble(t, srv)
		require.Equal(t, "*3\r\n$9\r\nsubscribe\r\n$18\r\n__keyevent@0__:set\r\n:1\r\n", subscriber.raw("SUBSCRIBE", "__keyevent@0__:set"))

		writer.send("SET", "k", "v")
		<-file.syncing // the SET is in memory and in the file, and its fsync is in flight
		synctest.Wait()
		assert.Equal(t, "", subscriber.replyWithin(time.Second), "the event left before the fsync")

		file.release <- struct{}{}
		assert.Equal(t, "+OK\r\n", writer.replyWithin(time.Second))
		assert.Equal(t, "*3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:set\r\n$1\r\nk\r\n", subscriber.replyWithin(time.Second))
	})
}
