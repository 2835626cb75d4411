package stages

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// The AOF stages run the server as Redis 7.0 runs with appendonly on and the base written
// as commands (step 06 teaches the RDB base): a multi-part AOF in {dir}/appendonlydir.
var aofArgs = []string{"--appendonly", "yes", "--dir", "{dir}", "--aof-use-rdb-preamble", "no"}

const (
	aofDir      = "appendonlydir"
	manifest    = aofDir + "/appendonly.aof.manifest"
	firstIncr   = aofDir + "/appendonly.aof.1.incr.aof"
	selectFirst = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
)

func manifestFor(seq int) string {
	return fmt.Sprintf("file appendonly.aof.%d.base.aof seq %d type b\nfile appendonly.aof.%d.incr.aof seq %d type i\n", seq, seq, seq, seq)
}

// unixTimes masks the Unix times in milliseconds (13 digits until the year 2286) that
// relative expiries become in the log.
var unixTimes = regexp.MustCompile(`\$13\r\n\d{13}\r\n`)

const someTime = "1700000000000" // stands for a time in an expected log

func maskTimes(log string) string { return unixTimes.ReplaceAllString(log, "$$13\r\nTIME\r\n") }

// expectFile requires a file in the server's directory to hold exactly want.
func (s *Session) expectFile(name, want string) {
	got, err := os.ReadFile(s.Path(name))
	if err != nil {
		s.Fail("expected the file %s: %v", name, err)
	}
	if string(got) != want {
		s.Fail("%s is not as Redis writes it\nexpected: %s\nfound:    %s", name, quote(want), quote(string(got)))
	}
}

var step05 = []*Stage{
	{
		Step: 5, Name: "dir", Title: "--dir: the server works there, CONFIG GET dir answers the absolute path, a missing one stops the start",
		Guide: "05-aof/GUIDE.md: Where the files go: --dir", Args: []string{"--dir", "{dir}"},
		Check: func(s *Session) {
			dir, err := filepath.EvalSymlinks(s.dir) // the path the server's getcwd gives
			if err != nil {
				s.Fail("%v", err)
			}
			s.Dial().Exchange(cmd("CONFIG", "GET", "dir"), "*2\r\n"+bulk("dir")+bulk(dir))
			s.ExpectNoStart("--dir", filepath.Join(dir, "missing"))
		},
	},
	{
		Step: 5, Name: "aof-layout", Title: "with --appendonly yes, the first start creates Redis 7's multi-part AOF: base, incr and manifest",
		Guide: "05-aof/GUIDE.md: Log the change, not the request", Args: aofArgs,
		Check: func(s *Session) {
			s.expectFile(manifest, manifestFor(1))
			s.expectFile(aofDir+"/appendonly.aof.1.base.aof", "")
			s.expectFile(firstIncr, "")
		},
	},
	{
		Step: 5, Name: "aof-log", Title: "writes are logged as Redis logs them: relative times made absolute, no-ops and reads left out",
		Guide: "05-aof/GUIDE.md: Log the change, not the request", Args: aofArgs,
		Check: func(s *Session) {
			c := s.Dial()
			c.Exchange(cmd("SET", "a", "1")+cmd("SET", "b", "2", "EX", "100")+cmd("GET", "a")+cmd("DEL", "nope")+
				cmd("DEL", "a")+cmd("EXPIRE", "b", "50")+cmd("PERSIST", "b"),
				ok, ok, bulk("1"), integer(0), integer(1), integer(1), integer(1))
			// Redis writes the log before it sends the replies, so the file is complete now.
			want := selectFirst + cmd("SET", "a", "1") + cmd("SET", "b", "2", "PXAT", someTime) + cmd("DEL", "a") +
				cmd("PEXPIREAT", "b", someTime) + cmd("PERSIST", "b")
			got, err := os.ReadFile(s.Path(firstIncr))
			if err != nil {
				s.Fail("expected the incr file %s: %v", firstIncr, err)
			}
			if maskTimes(string(got)) != maskTimes(want) {
				s.Fail("%s is not as Redis writes it (Unix times masked as TIME)\nexpected: %s\nfound:    %s",
					firstIncr, quote(maskTimes(want)), quote(maskTimes(string(got))))
			}
		},
	},
	{
		Step: 5, Name: "aof-restart", Title: "after a restart the keyspace is back, expiry times included",
		Guide: "05-aof/GUIDE.md: Loading, and files that end badly", Args: aofArgs,
		Check: func(s *Session) {
			c := s.Dial()
			c.Exchange(cmd("SET", "a", "1")+cmd("SET", "b", "2", "PXAT", "4000000000123")+cmd("SET", "gone", "x")+cmd("DEL", "gone"),
				ok, ok, ok, integer(1))
			s.Restart()
			s.Dial().Exchange(cmd("GET", "a")+cmd("PEXPIRETIME", "b")+cmd("EXISTS", "gone")+cmd("DBSIZE"),
				bulk("1"), ":4000000000123\r\n", integer(0), integer(2))
		},
	},
	{
		Step: 5, Name: "aof-crash", Title: "with appendfsync always, a server killed with SIGKILL loses no acknowledged write",
		Guide: "05-aof/GUIDE.md: When is a write durable? appendfsync", Args: append([]string{"--appendfsync", "always"}, aofArgs...),
		Check: func(s *Session) {
			c := s.Dial()
			for i := range 200 {
				c.Exchange(cmd("SET", fmt.Sprintf("k%d", i), fmt.Sprint(i)), ok)
			}
			s.Crash()
			c = s.Dial()
			c.Exchange(cmd("DBSIZE"), integer(200))
			c.Exchange(cmd("GET", "k199"), bulk("199"))
		},
	},
	{
		Step: 5, Name: "aof-truncated", Title: "a last command cut short (a crash mid-write) is dropped and the rest loads",
		Guide: "05-aof/GUIDE.md: Loading, and files that end badly", Args: aofArgs,
		Check: func(s *Session) {
			s.Dial().Exchange(cmd("SET", "a", "1")+cmd("SET", "b", "2"), ok, ok)
			s.Stop()
			f, err := os.OpenFile(s.Path(firstIncr), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				s.Fail("expected the incr file %s: %v", firstIncr, err)
			}
			f.WriteString(cmd("SET", "c", "3")[:12])
			f.Close()
			s.Start()
			s.Dial().Exchange(cmd("GET", "a")+cmd("GET", "b")+cmd("EXISTS", "c"), bulk("1"), bulk("2"), integer(0))
		},
	},
	{
		Step: 5, Name: "aof-upgrade", Title: "a pre-7 appendonly.aof (one file, no appendonlydir) is loaded and moved into the multi-part layout as its base",
		Guide: "05-aof/GUIDE.md: Loading, and files that end badly", Args: aofArgs,
		Check: func(s *Session) {
			s.Stop()
			if err := os.RemoveAll(s.Path(aofDir)); err != nil {
				s.Fail("%v", err)
			}
			if err := os.WriteFile(s.Path("appendonly.aof"), []byte(cmd("SET", "a", "1")+cmd("SET", "b", "2")+cmd("DEL", "a")), 0o644); err != nil {
				s.Fail("%v", err)
			}
			s.Start()
			c := s.Dial()
			c.Exchange(cmd("GET", "b")+cmd("DBSIZE"), bulk("2"), integer(1))
			s.expectFile(manifest, "file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n")
			if s.exists("appendonly.aof") || !s.exists(aofDir+"/appendonly.aof") {
				s.Fail("appendonly.aof was not moved into %s: Redis 7 moves the old file there and names it in the manifest as the base", aofDir)
			}
			c.Exchange(cmd("SET", "c", "3"), ok)
			s.expectFile(firstIncr, selectFirst+cmd("SET", "c", "3"))
		},
	},
	{
		Step: 5, Name: "aof-rewrite", Title: "BGREWRITEAOF writes a new base from the keyspace, swaps the manifest, and loses nothing",
		Guide: "05-aof/GUIDE.md: Rewriting: BGREWRITEAOF", Args: aofArgs,
		Check: func(s *Session) {
			c := s.Dial()
			c.Exchange(cmd("SET", "a", "1")+cmd("SET", "a", "2")+cmd("SET", "b", "x"), ok, ok, ok)
			c.Exchange(cmd("BGREWRITEAOF"), "+Background append only file rewriting started\r\n")
			waitForFile(s, manifest, manifestFor(2))
			c.Exchange(cmd("SET", "after", "rewrite"), ok)
			s.expectFile(aofDir+"/appendonly.aof.2.incr.aof", selectFirst+cmd("SET", "after", "rewrite"))
			if s.exists(firstIncr) {
				s.Fail("%s is still there after the rewrite: the files the new manifest no longer names are deleted", firstIncr)
			}
			s.Restart()
			s.Dial().Exchange(cmd("GET", "a")+cmd("GET", "b")+cmd("GET", "after"), bulk("2"), bulk("x"), bulk("rewrite"))
		},
	},
}

// waitForFile waits for a background job to leave a file holding want.
func waitForFile(s *Session, name, want string) {
	waitFor(s, fmt.Sprintf("%s to hold %s", name, quote(want)), func() bool {
		got, err := os.ReadFile(s.Path(name))
		return err == nil && string(got) == want
	})
}
