package stages

import (
	"encoding/binary"
	"encoding/hex"
	"hash/crc64"
	"os"
	"strconv"
	"strings"
	"time"
)

// The RDB stages run the server with its files in {dir}, the AOF off and no save points, so
// that only what a stage asks for is saved.
var rdbArgs = []string{"--dir", "{dir}", "--appendonly", "no", "--save", ""}

// redisDump is a dump.rdb written by redis-server 7.0.15 (SAVE) holding four strings in each
// of the encodings a string can have: int ("int" = 12345), plain ("str" = "hello"), LZF
// ("long" = 200 a's), and one with an expiry ("ttl" = "v", PXAT 4000000000123).
const redisDump = "524544495330303130fa0972656469732d76657206372e302e3135fa0a72656469732d62697473c040" +
	"fa056374696d65c20044026bfa08757365642d6d656dc250560e00fa08616f662d62617365c000fe00fb0401" +
	"00037374720568656c6c6ffc7b409452a3030000000374746c017600046c6f6e67c30940c8016161e0bb0001" +
	"61610003696e74c13930ff102d3b4f39c42a4b"

// crcJones is the CRC-64 an RDB file ends with (Redis's crc64.c: the Jones polynomial,
// reflected, initial value 0, no final XOR). Go's hash/crc64 inverts the value before and
// after, so it is undone on both sides.
var crcJones = crc64.MakeTable(0x95ac9329ac4bc9b5)

// expectDump requires a file to be an RDB as Redis 7.0 writes one: "REDIS0010" (or a later
// real Redis, its version's), and the CRC-64 of everything before the last 8 bytes in those
// bytes, little-endian.
func (s *Session) expectDump(name string) {
	data, err := os.ReadFile(s.Path(name))
	if err != nil {
		s.Fail("expected the snapshot %s: %v", name, err)
	}
	if magic := "REDIS" + s.rdbVersion(); len(data) < 9+1+8 || string(data[:9]) != magic {
		s.Fail("%s does not start as Redis 7.0's RDB files do, with %q: it starts %s", name, magic, quote(string(data[:min(len(data), 16)])))
	}
	body, stored := data[:len(data)-8], binary.LittleEndian.Uint64(data[len(data)-8:])
	if body[len(body)-1] != 0xff {
		s.Fail("%s: the byte before the checksum is %#x, not the EOF opcode 0xff", name, body[len(body)-1])
	}
	if sum := ^crc64.Update(^uint64(0), crcJones, body); sum != stored {
		s.Fail("%s ends with checksum %#016x, but the CRC-64 of its bytes is %#016x", name, stored, sum)
	}
}

var step06 = []*Stage{
	{
		Step: 6, Name: "save", Title: "SAVE writes dump.rdb in Redis 7.0's format: REDIS0010 ... EOF and a CRC-64",
		Guide: "06-rdb/GUIDE.md: The format, byte by byte", Args: rdbArgs,
		Check: func(s *Session) {
			c := s.Dial()
			c.Exchange(cmd("SET", "int", "12345")+cmd("SET", "long", repeat("a", 200))+cmd("SAVE"), ok, ok, ok)
			s.expectDump("dump.rdb")
		},
	},
	{
		Step: 6, Name: "rdb-restart", Title: "a dump saved by SAVE is loaded at start, expiry times included",
		Guide: "06-rdb/GUIDE.md: Save points and loading at start", Args: rdbArgs,
		Check: func(s *Session) {
			c := s.Dial()
			c.Exchange(cmd("SET", "int", "12345")+cmd("SET", "str", "hello")+cmd("SET", "long", repeat("ab", 100))+
				cmd("SET", "ttl", "v", "PXAT", "4000000000123")+cmd("SET", "bin", "\x00\xff\r\n")+cmd("SAVE"), ok, ok, ok, ok, ok, ok)
			s.Restart()
			s.Dial().Exchange(cmd("DBSIZE")+cmd("GET", "int")+cmd("GET", "str")+cmd("GET", "long")+cmd("PEXPIRETIME", "ttl")+cmd("GET", "bin"),
				integer(5), bulk("12345"), bulk("hello"), bulk(repeat("ab", 100)), ":4000000000123\r\n", bulk("\x00\xff\r\n"))
		},
	},
	{
		Step: 6, Name: "rdb-load-redis", Title: "a dump written by real Redis loads: int, plain and LZF strings, and expiry times",
		Guide: "06-rdb/GUIDE.md: Reading: all or nothing", Args: rdbArgs,
		Check: func(s *Session) {
			s.Stop()
			dump, _ := hex.DecodeString(redisDump)
			if err := os.WriteFile(s.Path("dump.rdb"), dump, 0o644); err != nil {
				s.Fail("cannot write the dump: %v", err)
			}
			s.Start()
			s.Dial().Exchange(cmd("DBSIZE")+cmd("GET", "int")+cmd("GET", "str")+cmd("GET", "long")+cmd("PEXPIRETIME", "ttl"),
				integer(4), bulk("12345"), bulk("hello"), bulk(repeat("a", 200)), ":4000000000123\r\n")
		},
	},
	{
		Step: 6, Name: "bgsave", Title: "BGSAVE answers at once and writes the dump in the background",
		Guide: "06-rdb/GUIDE.md: BGSAVE without fork", Args: rdbArgs,
		Check: func(s *Session) {
			c := s.Dial()
			c.Exchange(cmd("SET", "k", "v")+cmd("BGSAVE"), ok, "+Background saving started\r\n")
			waitFor(s, "dump.rdb to be written", func() bool { return s.exists("dump.rdb") })
			s.Restart()
			s.Dial().Exchange(cmd("GET", "k"), bulk("v"))
		},
	},
	{
		Step: 6, Name: "save-points", Title: `with --save "1 1", a write is saved within a few seconds without being asked`,
		Guide: "06-rdb/GUIDE.md: Save points and loading at start", Args: []string{"--dir", "{dir}", "--appendonly", "no", "--save", "1 1"},
		Waits: "up to 10 s for dump.rdb: a save point is checked once a second, as in Redis",
		Check: func(s *Session) {
			s.Dial().Exchange(cmd("SET", "k", "v"), ok)
			waitFor(s, "a save point to write dump.rdb", func() bool { return s.exists("dump.rdb") })
			s.Crash() // no chance to save at exit: the key must come from the save point's dump
			s.Dial().Exchange(cmd("GET", "k"), bulk("v"))
		},
	},
	{
		Step: 6, Name: "bgsave-error", Title: "after a failed BGSAVE, with save points set, writes and PING get Redis's MISCONF until stop-writes-on-bgsave-error is turned off",
		Guide: "06-rdb/GUIDE.md: When a background save fails", Args: []string{"--dir", "{dir}", "--appendonly", "no", "--save", "3600 1"},
		Check: func(s *Session) {
			c := s.Dial()
			c.Exchange(cmd("SET", "a", "1"), ok)
			if err := os.Remove(s.dir); err != nil { // the server's directory is gone: no save can be written
				s.Fail("cannot remove the server's directory: %v", err)
			}
			c.Exchange(cmd("BGSAVE"), "+Background saving started\r\n")
			waitFor(s, "the BGSAVE to fail (INFO persistence: rdb_last_bgsave_status:err)", func() bool {
				info := c.Do("INFO", "persistence")
				return contains(info, "rdb_bgsave_in_progress:0\r\n") && contains(info, "rdb_last_bgsave_status:err\r\n")
			})
			misconf := "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
				"Commands that may modify the data set are disabled, because this instance is configured to report errors during writes " +
				"if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.\r\n"
			misconf = s.target.Words(misconf)
			c.Exchange(cmd("SET", "b", "2"), misconf)
			c.Exchange(cmd("PING"), misconf)
			c.Exchange(cmd("GET", "a"), bulk("1"))
			c.Exchange(cmd("CONFIG", "SET", "stop-writes-on-bgsave-error", "no"), ok)
			c.Exchange(cmd("SET", "b", "2"), ok)
			s.Kill() // a SIGTERM would make Redis try to save, fail, and refuse to exit
		},
	},
	{
		Step: 6, Name: "overlapping-saves", Title: "SAVE, SAVE and BGSAVE at once: one save at a time, a SAVE during a BGSAVE refused, none failing",
		Guide: "06-rdb/GUIDE.md: BGSAVE without fork", Args: []string{"--dir", "{dir}", "--appendonly", "no", "--save", "3600 1"},
		Check: func(s *Session) {
			c := s.Dial()
			var load strings.Builder // enough that a save takes a few milliseconds
			for i := range 20_000 {
				load.WriteString(cmd("SET", "key:"+strconv.Itoa(i), repeat("v", 100)))
			}
			c.SendBeforeReading(load.String())
			for range 20_000 {
				c.Expect(ok)
			}
			for range 5 {
				conns := []*Conn{s.Dial(), s.Dial(), s.Dial()}
				for i, command := range []string{"SAVE", "SAVE", "BGSAVE"} {
					conns[i].Send(cmd(command))
				}
				for i, want := range []string{ok, ok, "+Background saving started\r\n"} {
					if reply := conns[i].Raw(); reply != want && reply != "-ERR Background save already in progress\r\n" {
						s.Fail("sent:     SAVE, SAVE and BGSAVE, each from its own connection, at once\nexpected: %s, or -ERR Background save already in progress\nreceived: %s",
							quote(want), quote(reply))
					}
				}
				waitFor(s, "the BGSAVE to end", func() bool { return contains(c.Do("INFO", "persistence"), "rdb_bgsave_in_progress:0\r\n") })
				if info := c.Do("INFO", "persistence"); !contains(info, "rdb_last_bgsave_status:ok\r\n") {
					s.Fail("after SAVE, SAVE and BGSAVE at once, INFO persistence says the background save failed:\n%s\nthey write one temporary file: they must run one at a time", info)
				}
				c.Exchange(cmd("SET", "after", "1"), ok)
			}
		},
	},
	{
		Step: 6, Name: "aof-rdb-base", Title: "with the AOF on, the base is an RDB snapshot (aof-use-rdb-preamble yes, Redis's default)",
		Guide: "06-rdb/GUIDE.md: Save points and loading at start", Args: []string{"--appendonly", "yes", "--dir", "{dir}", "--save", ""},
		Check: func(s *Session) {
			s.expectFile(manifest, "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n")
			s.expectDump(aofDir + "/appendonly.aof.1.base.rdb")
			c := s.Dial()
			c.Exchange(cmd("SET", "a", "1")+cmd("BGREWRITEAOF"), ok, "+Background append only file rewriting started\r\n")
			waitForFile(s, manifest, "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n")
			s.expectDump(aofDir + "/appendonly.aof.2.base.rdb")
			s.Restart()
			s.Dial().Exchange(cmd("GET", "a"), bulk("1"))
		},
	},
}

// waitFor waits for a background job to make done true.
func waitFor(s *Session, what string, done func() bool) {
	const patience = 10 * time.Second
	for start := time.Now(); !done(); time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > patience {
			s.Fail("waited %v for %s", patience, what)
		}
	}
}
