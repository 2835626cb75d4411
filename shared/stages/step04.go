package stages

import (
	"fmt"
	"time"
)

const invalidSetExpire = "-ERR invalid expire time in 'set' command\r\n"

var step04 = []*Stage{
	{
		Step: 4, Name: "set-expiry", Title: "SET's EX, PX, EXAT, PXAT and KEEPTTL, read back with TTL and PEXPIRETIME",
		Guide: "04-expiry/GUIDE.md: Storing a moment, not a duration",
		Check: exchanges(
			x(cmd("SET", "k", "v1", "EX", "100")+cmd("TTL", "k"), ok, integer(100)),
			x(cmd("SET", "k", "v2", "KEEPTTL")+cmd("TTL", "k"), ok, integer(100)),
			x(cmd("SET", "k", "v3")+cmd("TTL", "k"), ok, integer(-1)), // a plain SET clears the TTL
			x(cmd("SET", "k", "v", "px", "100000")+cmd("TTL", "k"), ok, integer(100)),
			x(cmd("SET", "k", "v", "PXAT", "99999999999999")+cmd("PEXPIRETIME", "k"), ok, ":99999999999999\r\n"),
			x(cmd("SET", "k", "v", "EXAT", "4000000000")+cmd("EXPIRETIME", "k"), ok, ":4000000000\r\n"),
			x(cmd("TTL", "missing")+cmd("PTTL", "missing"), integer(-2), integer(-2)),
		),
	},
	{
		Step: 4, Name: "set-expiry-errors", Title: "SET refuses a zero, negative or overflowing time and a bad mix of options",
		Guide: "04-expiry/GUIDE.md: The commands",
		Check: exchanges(
			x(cmd("SET", "k", "v", "EX", "0"), invalidSetExpire),
			x(cmd("SET", "k", "v", "PX", "-5"), invalidSetExpire),
			x(cmd("SET", "k", "v", "EX", "9223372036854775"), invalidSetExpire), // overflows once now is added
			x(cmd("SET", "k", "v", "EX", "abc"), notAnInteger),
			x(cmd("SET", "k", "v", "EX"), syntaxError),
			x(cmd("SET", "k", "v", "EX", "10", "PX", "10"), syntaxError),
			x(cmd("SET", "k", "v", "KEEPTTL", "EX", "10"), syntaxError),
		),
	},
	{
		Step: 4, Name: "expire", Title: "EXPIRE and its family with NX, XX, GT and LT; PERSIST; a time in the past deletes",
		Guide: "04-expiry/GUIDE.md: The commands",
		Check: exchanges(
			x(cmd("SET", "k", "v"), ok),
			x(cmd("EXPIRE", "k", "100", "XX"), integer(0)),
			x(cmd("EXPIRE", "k", "100", "GT"), integer(0)), // no TTL counts as expiring never
			x(cmd("EXPIRE", "k", "100", "LT")+cmd("TTL", "k"), integer(1), integer(100)),
			x(cmd("EXPIRE", "k", "200", "NX"), integer(0)),
			x(cmd("EXPIRE", "k", "50", "lt")+cmd("TTL", "k"), integer(1), integer(50)),
			x(cmd("PEXPIRE", "k", "5000")+cmd("TTL", "k"), integer(1), integer(5)),
			x(cmd("EXPIREAT", "k", "4000000000")+cmd("EXPIRETIME", "k"), integer(1), ":4000000000\r\n"),
			x(cmd("PERSIST", "k")+cmd("PERSIST", "k")+cmd("TTL", "k"), integer(1), integer(0), integer(-1)),
			x(cmd("EXPIRE", "k", "10", "NX", "XX"), "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"),
			x(cmd("EXPIRE", "missing", "10"), integer(0)),
			x(cmd("EXPIRE", "k", "-1")+cmd("EXISTS", "k"), integer(1), integer(0)),
		),
	},
	{
		Step: 4, Name: "getex", Title: "GETEX reads a value and sets or clears its expiry",
		Guide: "04-expiry/GUIDE.md: The commands",
		Check: exchanges(
			x(cmd("SET", "g", "v")+cmd("GETEX", "g", "EX", "100")+cmd("TTL", "g"), ok, bulk("v"), integer(100)),
			x(cmd("GETEX", "g", "PERSIST")+cmd("TTL", "g"), bulk("v"), integer(-1)),
			x(cmd("GETEX", "g", "EX", "0"), "-ERR invalid expire time in 'getex' command\r\n"),
		),
	},
	{
		Step: 4, Name: "passive-expiry", Title: "a key is there until its time, and gone the moment it has passed",
		Guide: "04-expiry/GUIDE.md: Passive expiry: Keyspace.Get",
		Check: func(s *Session) {
			c := s.Dial()
			c.Exchange(cmd("SET", "k", "v", "PX", "300"), ok)
			deadline := time.Now().Add(300 * time.Millisecond) // the reply came after the key's clock started
			c.Exchange(cmd("GET", "k"), bulk("v"))
			time.Sleep(time.Until(deadline) + 20*time.Millisecond)
			c.Exchange(cmd("GET", "k")+cmd("EXISTS", "k")+cmd("TTL", "k"), nullBulk, integer(0), integer(-2))
		},
	},
	{
		Step: 4, Name: "active-expiry", Title: "keys nobody reads again are removed in the background once they expire",
		Guide: "04-expiry/GUIDE.md: Active expiry: expire.go",
		Waits: "up to 5 s for DBSIZE to drop: only a background cycle removes keys nobody reads",
		Check: func(s *Session) {
			c := s.Dial()
			var batch string
			var want []string
			for i := range 100 {
				batch += cmd("SET", fmt.Sprintf("temp:%d", i), "v", "PX", "50")
				want = append(want, ok)
			}
			c.Exchange(batch+cmd("SET", "kept", "v"), append(want, ok)...)
			// DBSIZE counts keys without looking at any, so only a background cycle can bring
			// it down. Redis's runs 10 times a second.
			const patience = 5 * time.Second
			for start := time.Now(); ; {
				size := c.Do("DBSIZE")
				if size == integer(1) {
					return
				}
				if time.Since(start) > patience {
					s.Fail("DBSIZE is still %q %v after 100 keys expired that nobody read: expired keys must be removed by a background cycle, not only when read", size, patience)
				}
				time.Sleep(50 * time.Millisecond)
			}
		},
	},
}
