package stages

import (
	"fmt"
	"strings"
	"sync"
)

// COMMAND INFO GET, as Redis 7.0 describes GET in RESP2.
const commandInfoGet = "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n" +
	"*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n" +
	"*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n" +
	"$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n" +
	"$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"

// COMMAND DOCS GET, as Redis 7.0 documents GET in RESP2, its argument included; 7.2 and later
// (and Valkey) rewrote the summary and added display_text.
const (
	commandDocsGet = "*2\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n$5\r\n" +
		"since\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\n" +
		"O(1)\r\n$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\n" +
		"key\r\n$14\r\nkey_spec_index\r\n:0\r\n"
	commandDocsGet72 = "*2\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n$34\r\n" +
		"Returns the string value of a key.\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n" +
		"$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n*8\r\n" +
		"$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$12\r\ndisplay_text\r\n$3\r\n" +
		"key\r\n$14\r\nkey_spec_index\r\n:0\r\n"
)

const badClientName = "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"

// The replies of a server with requirepass to a client that has not given the password.
const (
	noAuth    = "-NOAUTH Authentication required.\r\n"
	wrongPass = "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
	denied    = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. " +
		"In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: " +
		"1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, " +
		"however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. " +
		"2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. " +
		"3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. " +
		"4) Setup a an authentication password for the default user. " +
		"NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"
)

var step03 = []*Stage{
	{
		Step: 3, Name: "set-get", Title: "SET stores a value, GET returns it, or a null bulk string when there is none",
		Guide: "03-get-set/GUIDE.md: store.go: one map, many goroutines",
		Check: exchanges(
			x(cmd("GET", "k"), nullBulk),
			x(cmd("SET", "k", "v1"), ok),
			x(cmd("get", "k"), bulk("v1")),
			x(cmd("SET", "k", ""), ok),
			x(cmd("GET", "k"), "$0\r\n\r\n"),
			x(cmd("SET", "bin", "a\r\n\x00b"), ok),
			x(cmd("GET", "bin"), bulk("a\r\n\x00b")),
			x(cmd("GET"), arity("get")),
			x(cmd("SET", "k"), arity("set")),
		),
	},
	{
		Step: 3, Name: "set-options", Title: "SET's NX, XX and GET options, and a syntax error for a bad mix",
		Guide: "03-get-set/GUIDE.md: commands_strings.go: SET and its options",
		Check: exchanges(
			x(cmd("SET", "k", "v1", "NX"), ok),
			x(cmd("SET", "k", "v2", "nx"), nullBulk),
			x(cmd("SET", "missing", "v", "XX"), nullBulk),
			x(cmd("SET", "k", "v3", "XX"), ok),
			x(cmd("SET", "k", "v4", "XX", "GET"), bulk("v3")),
			x(cmd("SET", "k", "v5", "NX", "GET"), bulk("v4")), // NX with GET: the old value, nothing written
			x(cmd("GET", "k"), bulk("v4")),
			x(cmd("SET", "new", "v", "GET"), nullBulk),
			x(cmd("SET", "k", "v", "NX", "XX"), syntaxError),
			x(cmd("SET", "k", "v", "FOO"), syntaxError),
		),
	},
	{
		Step: 3, Name: "del-exists", Title: "DEL and EXISTS take many keys and count them; DBSIZE counts the keyspace",
		Guide: "03-get-set/GUIDE.md: store.go: one map, many goroutines",
		Check: exchanges(
			x(cmd("SET", "a", "1")+cmd("SET", "b", "2"), ok, ok),
			x(cmd("EXISTS", "a", "a", "b", "nope"), integer(3)),
			x(cmd("DBSIZE"), integer(2)),
			x(cmd("DEL", "a", "a", "nope"), integer(1)),
			x(cmd("EXISTS", "a"), integer(0)),
			x(cmd("DBSIZE"), integer(1)),
			x(cmd("DEL"), arity("del")),
		),
	},
	{
		Step: 3, Name: "flush", Title: "FLUSHDB and FLUSHALL (with ASYNC or SYNC) empty the keyspace",
		Guide: "03-get-set/GUIDE.md: store.go: one map, many goroutines",
		Check: exchanges(
			x(cmd("SET", "a", "1")+cmd("FLUSHDB")+cmd("DBSIZE"), ok, ok, integer(0)),
			x(cmd("SET", "a", "1")+cmd("FLUSHALL", "ASYNC")+cmd("EXISTS", "a"), ok, ok, integer(0)),
			x(cmd("FLUSHALL", "sync"), ok),
			x(cmd("FLUSHDB", "FOO"), syntaxError),
		),
	},
	{
		Step: 3, Name: "shared-keyspace", Title: "every client sees the same keys: one client's write is the next one's read",
		Guide: "03-get-set/GUIDE.md: store.go: one map, many goroutines",
		Check: func(s *Session) {
			a, b := s.Dial(), s.Dial()
			a.Exchange(cmd("SET", "shared", "from a"), ok)
			b.Exchange(cmd("GET", "shared"), bulk("from a"))
			b.Exchange(cmd("DEL", "shared"), integer(1))
			a.Exchange(cmd("GET", "shared"), nullBulk)
		},
	},
	{
		Step: 3, Name: "one-winner", Title: "50 clients racing SET lock NX: exactly one wins, and its value is stored",
		Guide: "03-get-set/GUIDE.md: store.go: one map, many goroutines",
		Check: func(s *Session) {
			conns := make([]*Conn, 50)
			for i := range conns {
				conns[i] = s.Dial()
			}
			replies := make([]string, len(conns))
			var wg sync.WaitGroup
			for i, c := range conns {
				c.Send(cmd("SET", "lock", fmt.Sprint(i), "NX"))
				wg.Go(func() {
					got, err := c.read()
					replies[i] = describe(got, err)
				})
			}
			wg.Wait()
			winner := -1
			for i, r := range replies {
				switch r {
				case quote(ok):
					if winner >= 0 {
						s.Fail("clients %d and %d both got +OK for SET lock NX: only the first may win", winner, i)
					}
					winner = i
				case quote(nullBulk):
				default:
					s.Fail("client %d got %s for SET lock NX: expected +OK or $-1", i, r)
				}
			}
			if winner < 0 {
				s.Fail("none of 50 clients got +OK for SET lock NX on a missing key")
			}
			s.Dial().Exchange(cmd("GET", "lock"), bulk(fmt.Sprint(winner)))
		},
	},
	{
		Step: 3, Name: "hello", Title: "HELLO 3 switches the connection to RESP3 (a map reply, _ for null), HELLO 2 back",
		Guide: "03-get-set/GUIDE.md: commands_connection.go: what clients send before your command",
		Check: func(s *Session) {
			c := s.Dial()
			c.Send(cmd("HELLO", "3"))
			reply := c.Raw()
			// version and id differ from server to server; every other byte is Redis's.
			server := "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n"
			if s.IsValkey() {
				server = "%7\r\n$6\r\nserver\r\n$6\r\nvalkey\r\n"
			}
			for _, field := range []string{server, "$5\r\nproto\r\n:3\r\n", "$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"} {
				if !contains(reply, field) {
					s.Fail("sent:     %s\nexpected: a map of 7: server redis, version, proto 3, id, mode standalone, role master, modules []\n          (missing %s)\nreceived: %s", quote(c.sent), quote(field), quote(reply))
				}
			}
			c.Exchange(cmd("GET", "missing"), "_\r\n")
			c.Exchange(cmd("HELLO", "4"), "-NOPROTO unsupported protocol version\r\n")
			c.Exchange(cmd("GET", "missing"), "_\r\n") // a failed HELLO changes nothing
			c.Send(cmd("HELLO", "2"))
			if reply := c.Raw(); !contains(reply, "*14\r\n$6\r\nserver\r\n") {
				s.Fail("sent:     %s\nexpected: an array of 14, the same fields in pairs (RESP2 has no maps)\nreceived: %s", quote(c.sent), quote(reply))
			}
			c.Exchange(cmd("GET", "missing"), nullBulk)
		},
	},
	{
		Step: 3, Name: "client-name", Title: "CLIENT SETNAME and GETNAME, and Redis's rules for a name",
		Guide: "03-get-set/GUIDE.md: commands_connection.go: what clients send before your command",
		Check: exchanges(
			x(cmd("CLIENT", "GETNAME"), nullBulk),
			x(cmd("client", "setname", "worker-1"), ok),
			x(cmd("CLIENT", "GETNAME"), bulk("worker-1")),
			x(cmd("CLIENT", "SETNAME", "a b"), badClientName),
			x(cmd("CLIENT", "SETNAME"), arity("client|setname")),
		),
	},
	{
		Step: 3, Name: "select", Title: "SELECT 0 is accepted; a database index that is not a number is refused",
		Guide: "03-get-set/GUIDE.md: commands_connection.go: what clients send before your command",
		Check: exchanges(
			x(cmd("SELECT", "0"), ok),
			x(cmd("SELECT", "x"), notAnInteger),
		),
	},
	{
		Step: 3, Name: "command-info", Title: "COMMAND INFO describes GET exactly as Redis 7.0 does",
		Guide: "03-get-set/GUIDE.md: commands_server.go: describing yourself",
		Check: exchanges(x(cmd("COMMAND", "INFO", "GET"), commandInfoGet)),
	},
	{
		Step: 3, Name: "command-docs", Title: "COMMAND DOCS documents GET, its argument included, exactly as Redis 7.0 does",
		Guide: "03-get-set/GUIDE.md: commands_server.go: describing yourself",
		Check: func(s *Session) {
			want := commandDocsGet
			if s.RedisAtLeast(7, 2) {
				want = commandDocsGet72
			}
			s.Dial().Exchange(cmd("COMMAND", "DOCS", "GET"), want)
		},
	},
	{
		Step: 3, Name: "config-get", Title: "CONFIG GET answers name and value pairs, and nothing for an unknown name",
		Guide: "03-get-set/GUIDE.md: commands_server.go: describing yourself",
		Check: func(s *Session) {
			c := s.Dial()
			_, port, _ := cutLast(s.Addr(), ":")
			c.Exchange(cmd("CONFIG", "GET", "port"), "*2\r\n"+bulk("port")+bulk(port))
			c.Exchange(cmd("CONFIG", "GET", "maxclients"), "*2\r\n"+bulk("maxclients")+bulk("10000"))
			c.Exchange(cmd("CONFIG", "GET", "nosuchparam"), "*0\r\n")
		},
	},
	{
		Step: 3, Name: "info-keyspace", Title: "INFO keyspace counts the keys as Redis reports them",
		Guide: "03-get-set/GUIDE.md: commands_server.go: describing yourself",
		Check: func(s *Session) {
			c := s.Dial()
			c.Exchange(cmd("INFO", "keyspace"), bulk("# Keyspace\r\n"))
			c.Exchange(cmd("SET", "a", "1")+cmd("SET", "b", "2"), ok, ok)
			keyspace := "# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\n"
			if s.RedisAtLeast(7, 4) { // 7.4 counts hash fields with an expiry too (Valkey 8 does not)
				keyspace = "# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0,subexpiry=0\r\n"
			}
			c.Exchange(cmd("INFO", "KEYSPACE"), bulk(keyspace))
		},
	},
	{
		Step: 3, Name: "output-limit", Title: "client-output-buffer-limit: a client that asks for 100 MiB of replies and reads none is disconnected",
		Guide: "03-get-set/GUIDE.md: output.go: a limit on what a client leaves unread",
		Args:  []string{"--client-output-buffer-limit", "normal 1mb 0 0"},
		Waits: "up to 5 s for each reply or for the disconnect: a server without the limit may stall instead of closing",
		Check: func(s *Session) {
			c := s.Dial()
			c.Exchange(cmd("CONFIG", "GET", "client-output-buffer-limit"), "*2\r\n"+bulk("client-output-buffer-limit")+
				bulk("normal 1048576 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"))
			c.Exchange(cmd("SET", "big", repeat("x", 1<<20)), ok)
			c.Send(repeat(cmd("GET", "big"), 100))
			if n := c.RepliesBeforeClose(100); n == 100 {
				s.Fail("sent 100 × GET big (1 MiB each) and read nothing until all were sent: all 100 replies arrived,\nbut with a 1mb limit the server should have disconnected the client")
			}
			s.Dial().Exchange(cmd("PING"), pong)
		},
	},
	{
		Step: 3, Name: "config-set", Title: "CONFIG SET changes a setting at run time, all or nothing, with Redis's errors",
		Guide: "03-get-set/GUIDE.md: commands_server.go: describing yourself",
		Check: exchanges(
			x(cmd("CONFIG", "SET", "client-query-buffer-limit", "2mb"), ok),
			x(cmd("CONFIG", "GET", "client-query-buffer-limit"), "*2\r\n"+bulk("client-query-buffer-limit")+bulk("2097152")),
			x(cmd("CONFIG", "SET", "client-query-buffer-limit", "4mb", "client-query-buffer-limit", "8mb"),
				"-ERR CONFIG SET failed (possibly related to argument 'client-query-buffer-limit') - duplicate parameter\r\n"),
			x(cmd("CONFIG", "SET", "client-query-buffer-limit", "1000"),
				"-ERR CONFIG SET failed (possibly related to argument 'client-query-buffer-limit') - argument must be between 1048576 and 9223372036854775807 inclusive\r\n"),
			x(cmd("CONFIG", "SET", "nosuchparam", "1"), "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuchparam'\r\n"),
			x(cmd("CONFIG", "GET", "client-query-buffer-limit"), "*2\r\n"+bulk("client-query-buffer-limit")+bulk("2097152")),
		),
	},
	{
		Step: 3, Name: "query-limit", Title: "client-query-buffer-limit: an argument that grows past it gets the client disconnected, with no reply",
		Guide: "03-get-set/GUIDE.md: output.go: a limit on what a client leaves unread",
		Args:  []string{"--client-query-buffer-limit", "1mb"},
		Check: func(s *Session) {
			c := s.Dial()
			c.Exchange(cmd("CONFIG", "GET", "client-query-buffer-limit"), "*2\r\n"+bulk("client-query-buffer-limit")+bulk("1048576"))
			c.SendRefusable(cmd("ECHO", repeat("x", 2<<20)))
			c.ExpectClosed()
		},
	},
	{
		Step: 3, Name: "auth", Title: "requirepass: NOAUTH until AUTH (either form) or HELLO AUTH gives the password, WRONGPASS for a wrong one",
		Guide: "03-get-set/GUIDE.md: AUTH and protected mode",
		Args:  []string{"--requirepass", "s3cret"},
		Check: func(s *Session) {
			c := s.Dial()
			c.Exchange(cmd("PING"), noAuth)
			c.Exchange(cmd("GET"), arity("get")) // the command and its arity are checked first
			c.Exchange(cmd("AUTH", "wrong"), wrongPass)
			c.Exchange(cmd("AUTH", "nosuchuser", "s3cret"), wrongPass)
			c.Exchange(cmd("AUTH", "a", "b", "c"), "-ERR syntax error\r\n")
			c.Exchange(cmd("AUTH", "s3cret"), ok)
			c.Exchange(cmd("PING"), pong)
			s.Dial().Exchange(cmd("AUTH", "default", "s3cret"), ok)

			h := s.Dial()
			helloNoAuth := "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n"
			if s.RedisAtLeast(7, 2) { // 7.2 names the protocol argument
				helloNoAuth = strings.Replace(helloNoAuth, "HELLO AUTH", "HELLO <proto> AUTH", 1)
			}
			h.Exchange(cmd("HELLO", "3"), helloNoAuth)
			h.Exchange(cmd("HELLO", "3", "AUTH", "default", "wrong"), wrongPass)
			h.Send(cmd("HELLO", "3", "AUTH", "default", "s3cret"))
			if reply := h.Raw(); !contains(reply, "%7\r\n$6\r\nserver\r\n") {
				s.Fail("sent:     %s\nexpected: HELLO's map of 7, the password being right\nreceived: %s", quote(h.sent), quote(reply))
			}
			h.Exchange(cmd("GET", "missing"), "_\r\n")
			s.Dial().Exchange(cmd("QUIT"), ok) // QUIT needs no password
		},
	},
	{
		Step: 3, Name: "auth-nopass", Title: "with no requirepass, AUTH <password> is an error and AUTH default <anything> succeeds",
		Guide: "03-get-set/GUIDE.md: AUTH and protected mode",
		Check: exchanges(
			x(cmd("AUTH", "x"), "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"),
			x(cmd("AUTH", "default", "anything"), ok),
			x(cmd("AUTH", "someone", "anything"), wrongPass),
			x(cmd("CONFIG", "SET", "requirepass", "s3cret"), ok),
			x(cmd("PING"), pong), // a client connected before the password keeps what it had
			x(cmd("CONFIG", "GET", "requirepass"), "*2\r\n"+bulk("requirepass")+bulk("s3cret")),
		),
	},
	{
		Step: 3, Name: "protected-mode", Title: "protected mode: with no password, a client that is not on 127.0.0.1 gets DENIED and is disconnected",
		Guide: "03-get-set/GUIDE.md: AUTH and protected mode",
		Check: func(s *Session) {
			if s.RedisAtLeast(7, 2) { // from 7.2 every 127.x address is the loopback's
				s.DialFrom("127.0.0.2").Exchange(cmd("PING"), pong)
				return
			}
			c := s.DialFrom("127.0.0.2")
			c.Expect(denied)
			c.ExpectClosed()
			s.Dial().Exchange(cmd("CONFIG", "SET", "protected-mode", "no"), ok)
			s.DialFrom("127.0.0.2").Exchange(cmd("PING"), pong)
			s.Dial().Exchange(cmd("CONFIG", "SET", "protected-mode", "yes", "requirepass", "s3cret"), ok)
			s.DialFrom("127.0.0.2").Exchange(cmd("PING"), noAuth) // a password set: anyone may try it
		},
	},
}
