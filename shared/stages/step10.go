package stages

import (
	"strconv"
	"strings"
)

var step10 = []*Stage{
	{
		Step: 10, Name: "bgsave-one-instant", Title: "a BGSAVE while a client writes saves the keyspace of one instant between two of its commands",
		Guide: "10-benchmark/GUIDE.md: Snapshots without fork (snapshot.go)", Args: rdbArgs,
		Check: func(s *Session) {
			c := s.Dial()
			var fill strings.Builder // enough keys that the save takes a while
			for i := range 50_000 {
				fill.WriteString(cmd("SET", "fill:"+itoa(i), "0123456789abcdef"))
			}
			c.SendBeforeReading(fill.String())
			for range 50_000 {
				c.Expect(ok)
			}

			// One client sets k<n mod 1000> to n, then last to n, for n = 0 to 99,999, without
			// waiting for a reply; the BGSAVE comes once it has begun.
			var batch strings.Builder
			for n := range 100_000 {
				batch.WriteString(cmd("SET", "k"+itoa(n%1000), itoa(n)))
				batch.WriteString(cmd("SET", "last", itoa(n)))
			}
			writer := s.Dial()
			sent := make(chan struct{})
			go func() {
				defer close(sent)
				writer.conn.Write([]byte(batch.String())) // its replies are never read: the server buffers them
			}()
			waitFor(s, "the writing client's first SETs", func() bool { return c.Do("GET", "last") != "$-1\r\n" })
			c.Exchange(cmd("BGSAVE"), "+Background saving started\r\n")
			waitFor(s, "the BGSAVE to end (INFO persistence: rdb_bgsave_in_progress:0)", func() bool {
				return contains(c.Do("INFO", "persistence"), "rdb_bgsave_in_progress:0\r\n")
			})
			<-sent
			s.Restart()

			// last = L says what every k<j> holds: the largest n ≤ L with n mod 1000 = j, or
			// L + 1 for one of them if the instant fell between the two SETs of L + 1.
			d := s.Dial()
			reply := d.Do("GET", "last")
			last, err := strconv.Atoi(strings.TrimSuffix(reply[strings.Index(reply, "\n")+1:], "\r\n"))
			if !strings.HasPrefix(reply, "$") || err != nil {
				s.Fail("after the restart, GET last answered %s: the snapshot did not hold the writes before the BGSAVE", quote(reply))
			}
			mget := []string{"MGET"}
			for j := range 1000 {
				mget = append(mget, "k"+itoa(j))
			}
			want := func(last int) string {
				var b strings.Builder
				b.WriteString("*1000\r\n")
				for j := range 1000 {
					if j > last {
						b.WriteString("$-1\r\n")
					} else {
						b.WriteString(bulk(itoa(last - (last-j)%1000)))
					}
				}
				return b.String()
			}
			got := d.Do(mget...)
			if got != want(last) && got != want(last+1) {
				s.Fail("after a BGSAVE, then a restart, last is %d, but the k keys do not hold what the writes up to %d (or %d) left: "+
					"the snapshot holds writes from after its instant, or lacks some from before it", last, last, last+1)
			}
		},
	},
	{
		Step: 10, Name: "pipeline-one-key", Title: "a pipeline of commands on one key: each runs on what the one before it left, and the replies come in order",
		Guide: "10-benchmark/GUIDE.md: Pipelines (commands.go)",
		Check: func(s *Session) {
			var send strings.Builder
			var want []string
			do := func(reply string, args ...string) {
				send.WriteString(cmd(args...))
				want = append(want, reply)
			}
			for round := range 3 { // another key between the rounds: a server that locks per key lets go and takes again
				for i := 1; i <= 20; i++ {
					do(integer(round*20+i), "INCR", "counter")
				}
				do(bulk(itoa(round*20+20)), "GET", "counter")
				do(ok, "SET", "other:"+itoa(round), "x")
			}
			do(integer(62), "INCRBY", "counter", "2")
			do(integer(3), "APPEND", "counter", "!")
			do(bulk("62!"), "GET", "counter")
			do(notAnInteger, "INCR", "counter")
			do(integer(1), "EXPIRE", "counter", "100")
			do(integer(100), "TTL", "counter")
			do(integer(1), "PERSIST", "counter")
			do(integer(-1), "TTL", "counter")
			do(bulk("62!"), "GETDEL", "counter")
			do(integer(0), "EXISTS", "counter")
			do(nullBulk, "GET", "counter")
			do(integer(1), "INCR", "counter")
			s.Dial().Exchange(send.String(), want...)
		},
	},
	{
		Step: 10, Name: "expires-counted", Title: "INFO keyspace counts the keys with an expiry as commands give, move and take it away",
		Guide: "10-benchmark/GUIDE.md: A key's memory (store.go)",
		Check: func(s *Session) {
			c := s.Dial()
			expect := func(keys, expires int) {
				line := "db0:keys=" + itoa(keys) + ",expires=" + itoa(expires) + ",avg_ttl="
				reply := c.Do("INFO", "keyspace")
				if !contains(reply, line) {
					s.Fail("INFO keyspace answered %s where Redis counts %s", quote(reply), quote(line+"..."))
				}
			}
			c.Exchange(cmd("SET", "a", "1", "EX", "100")+cmd("SET", "b", "2"), ok, ok)
			expect(2, 1)
			c.Exchange(cmd("EXPIRE", "b", "100")+cmd("PERSIST", "a"), integer(1), integer(1))
			expect(2, 1)
			c.Exchange(cmd("RENAME", "b", "c")+cmd("SET", "c", "3", "KEEPTTL"), ok, ok)
			expect(2, 1)
			c.Exchange(cmd("COPY", "c", "d"), integer(1))
			expect(3, 2)
			c.Exchange(cmd("SET", "c", "5")+cmd("GETEX", "d", "PERSIST"), ok, bulk("3"))
			expect(3, 0)
			c.Exchange(cmd("SETEX", "e", "100", "v")+cmd("GETSET", "a", "6"), ok, bulk("1"))
			expect(4, 1)
			c.Exchange(cmd("DEL", "e"), integer(1))
			expect(3, 0)
		},
	},
}
