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
}
