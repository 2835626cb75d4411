package stages

import (
	"io"
	"strings"
	"time"
)

// frame is a pub/sub reply or message: "*3\r\n$9\r\nsubscribe\r\n..." in RESP2, the same
// with ">" in RESP3. Each part is a bulk string, or an integer when it is an int.
func frame(header string, parts ...any) string {
	out := header + itoa(len(parts)) + "\r\n"
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out += bulk(v)
		case int:
			out += integer(v)
		}
	}
	return out
}

func itoa(n int) string { return strings.TrimSuffix(strings.TrimPrefix(integer(n), ":"), "\r\n") }

var step07 = []*Stage{
	{
		Step: 7, Name: "subscribe", Title: "SUBSCRIBE and PSUBSCRIBE: the replies count channels and patterns together; messages and pmessages arrive as Redis sends them",
		Guide: "07-pubsub/GUIDE.md: Channels, patterns and who hears what",
		Check: func(s *Session) {
			sub, pub := s.Dial(), s.Dial()
			sub.Exchange(cmd("SUBSCRIBE", "ch1", "ch2")+cmd("PSUBSCRIBE", "news.*"),
				frame("*", "subscribe", "ch1", 1), frame("*", "subscribe", "ch2", 2), frame("*", "psubscribe", "news.*", 3))
			pub.Exchange(cmd("PUBLISH", "ch1", "hi"), integer(1))
			sub.Expect(frame("*", "message", "ch1", "hi"))
			pub.Exchange(cmd("PUBLISH", "news.tech", "story"), integer(1))
			sub.Expect(frame("*", "pmessage", "news.*", "news.tech", "story"))
			pub.Exchange(cmd("PUBLISH", "nobody", "x"), integer(0))
			sub.Exchange(cmd("UNSUBSCRIBE", "ch1")+cmd("PUNSUBSCRIBE"),
				frame("*", "unsubscribe", "ch1", 2), frame("*", "punsubscribe", "news.*", 1))
			pub.Exchange(cmd("PUBLISH", "ch1", "hi"), integer(0))
		},
	},
	{
		Step: 7, Name: "subscribed-mode", Title: "a subscribed RESP2 client: PING's array reply, Redis's error for other commands, and normal again at 0 subscriptions",
		Guide: "07-pubsub/GUIDE.md: Subscribed mode",
		Check: func(s *Session) {
			c := s.Dial()
			if s.IsValkey() { // Valkey 8 refuses it outside subscribed mode
				c.Exchange(cmd("UNSUBSCRIBE"), "-NOSUB 'unsubscribe' command executed not in subscribed mode\r\n")
			} else {
				c.Exchange(cmd("UNSUBSCRIBE"), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n")
			}
			c.Exchange(cmd("SUBSCRIBE", "ch"), frame("*", "subscribe", "ch", 1))
			c.Exchange(cmd("PING")+cmd("PING", "hello"), frame("*", "pong", ""), frame("*", "pong", "hello"))
			c.Exchange(cmd("GET", "k"), "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n")
			c.Exchange(cmd("UNSUBSCRIBE"), frame("*", "unsubscribe", "ch", 0))
			c.Exchange(cmd("PING")+cmd("GET", "k"), pong, nullBulk)
		},
	},
	{
		Step: 7, Name: "resp3-push", Title: "a RESP3 subscriber gets push frames (>3) and may run any command",
		Guide: "07-pubsub/GUIDE.md: Subscribed mode",
		Check: func(s *Session) {
			sub, pub := s.Dial(), s.Dial()
			sub.Send(cmd("HELLO", "3"))
			sub.Raw()
			sub.Exchange(cmd("SUBSCRIBE", "ch")+cmd("GET", "k")+cmd("PING"), frame(">", "subscribe", "ch", 1), "_\r\n", pong)
			pub.Exchange(cmd("PUBLISH", "ch", "hi"), integer(1))
			sub.Expect(frame(">", "message", "ch", "hi"))
		},
	},
	{
		Step: 7, Name: "pubsub-introspection", Title: "PUBSUB CHANNELS and NUMPAT, and a client's subscriptions gone with it",
		Guide: "07-pubsub/GUIDE.md: Channels, patterns and who hears what",
		Check: func(s *Session) {
			a, b := s.Dial(), s.Dial()
			a.Exchange(cmd("SUBSCRIBE", "sport")+cmd("PSUBSCRIBE", "news.*", "x"),
				frame("*", "subscribe", "sport", 1), frame("*", "psubscribe", "news.*", 2), frame("*", "psubscribe", "x", 3))
			b.Exchange(cmd("PUBSUB", "CHANNELS", "s*")+cmd("PUBSUB", "CHANNELS", "n*")+cmd("PUBSUB", "NUMPAT"),
				"*1\r\n"+bulk("sport"), "*0\r\n", integer(2))
			a.Exchange(cmd("QUIT"), ok)
			a.ExpectClosed()
			// The server frees the client once it has sent the reply: ask until it has.
			for deadline := time.Now().Add(replyTimeout); ; time.Sleep(10 * time.Millisecond) {
				if b.Do("PUBSUB", "NUMPAT") == integer(0) || time.Now().After(deadline) {
					break
				}
			}
			b.Exchange(cmd("PUBSUB", "NUMPAT")+cmd("PUBSUB", "CHANNELS"), integer(0), "*0\r\n")
		},
	},
	{
		Step: 7, Name: "keyspace-events", Title: "notify-keyspace-events KEA: each change published on __keyspace@0__:<key> and __keyevent@0__:<event>, named as Redis names them",
		Guide: "07-pubsub/GUIDE.md: Keyspace notifications",
		Check: func(s *Session) {
			conn, sub := s.Dial(), s.Dial()
			conn.Exchange(cmd("CONFIG", "SET", "notify-keyspace-events", "KEA"), ok)
			sub.Exchange(cmd("PSUBSCRIBE", "__key*__:*"), frame("*", "psubscribe", "__key*__:*", 1))
			events := func(key string, names ...string) []string {
				var out []string
				for _, e := range names {
					out = append(out, frame("*", "pmessage", "__key*__:*", "__keyspace@0__:"+key, e),
						frame("*", "pmessage", "__key*__:*", "__keyevent@0__:"+e, key))
				}
				return out
			}
			conn.Exchange(cmd("SET", "a", "1", "EX", "100"), ok)
			sub.Expect(events("a", "set", "expire")...)
			conn.Exchange(cmd("INCR", "n")+cmd("RENAME", "a", "b")+cmd("DEL", "b", "n"), integer(1), ok, integer(2))
			sub.Expect(append(append(append(events("n", "incrby"), events("a", "rename_from")...), events("b", "rename_to")...),
				append(events("b", "del"), events("n", "del")...)...)...)
			conn.Exchange(cmd("CONFIG", "SET", "notify-keyspace-events", "KEQ"),
				"-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n")
		},
	},
	{
		Step: 7, Name: "expired-event", Title: "a key that times out is published as \"expired\", with nobody touching it",
		Guide: "07-pubsub/GUIDE.md: Keyspace notifications",
		Check: func(s *Session) {
			conn, sub := s.Dial(), s.Dial()
			conn.Exchange(cmd("CONFIG", "SET", "notify-keyspace-events", "Ex"), ok)
			sub.Exchange(cmd("SUBSCRIBE", "__keyevent@0__:expired"), frame("*", "subscribe", "__keyevent@0__:expired", 1))
			conn.Exchange(cmd("SET", "soon", "v", "PX", "100"), ok)
			sub.Expect(frame("*", "message", "__keyevent@0__:expired", "soon"))
		},
	},
	{
		Step: 7, Name: "slow-subscriber", Title: "a subscriber that stops reading is disconnected at client-output-buffer-limit pubsub; PUBLISH never waits for it",
		Guide: "07-pubsub/GUIDE.md: A subscriber that does not read",
		Check: func(s *Session) {
			conn, slow, fast := s.Dial(), s.Dial(), s.Dial()
			conn.Exchange(cmd("CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 256kb 60"), ok)
			slow.Exchange(cmd("SUBSCRIBE", "feed"), frame("*", "subscribe", "feed", 1))
			fast.Exchange(cmd("SUBSCRIBE", "feed"), frame("*", "subscribe", "feed", 1))
			message := repeat("m", 64<<10)
			for i := 0; ; i++ {
				switch reply := conn.Do("PUBLISH", "feed", message); {
				case reply == integer(1):
					// The slow one is gone: it gets what reached its socket, then the end.
					slow.conn.SetReadDeadline(time.Now().Add(replyTimeout))
					if _, err := io.Copy(io.Discard, slow.conn); err != nil {
						panic(&Failure{Sent: "(nothing: the subscriber stopped reading)", Expected: "(the connection closed)", Received: describe("", err)})
					}
					return
				case reply != integer(2):
					panic(&Failure{Sent: "PUBLISH feed <64 KiB>", Expected: integer(2) + " or " + integer(1), Received: quote(reply)})
				case i == 4000:
					s.Fail("after 4000 messages of 64 KiB (256 MB) the subscriber that does not read is still connected: " +
						"its output buffer should have passed client-output-buffer-limit pubsub 1mb long before")
				}
				fast.Expect(frame("*", "message", "feed", message))
			}
		},
	},
}
