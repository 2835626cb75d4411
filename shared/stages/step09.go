package stages

var step09 = []*Stage{
	{
		Step: 9, Name: "shutdown-syntax", Title: "SHUTDOWN's options, with Redis's errors for contradictions and for an ABORT with nothing to abort",
		Guide: "09-shutdown/GUIDE.md: SHUTDOWN and its options",
		Check: exchanges(
			exchange{cmd("SHUTDOWN", "FOO"), []string{syntaxError}},
			exchange{cmd("SHUTDOWN", "NOSAVE", "SAVE"), []string{syntaxError}},
			exchange{cmd("SHUTDOWN", "ABORT", "NOW"), []string{syntaxError}},
			exchange{cmd("SHUTDOWN", "ABORT"), []string{"-ERR No shutdown in progress.\r\n"}},
		),
	},
	{
		Step: 9, Name: "shutdown", Title: "SHUTDOWN NOSAVE: no reply, every connection closed, exit status 0",
		Guide: "09-shutdown/GUIDE.md: SHUTDOWN and its options", Args: []string{"--dir", "{dir}", "--save", "", "--appendonly", "no"},
		Check: func(s *Session) {
			idle, caller := s.Dial(), s.Dial()
			idle.Exchange(cmd("PING"), pong)
			caller.Send(cmd("SHUTDOWN", "NOSAVE"))
			caller.ExpectClosed()
			idle.ExpectClosed()
			s.ExpectExit(0)
		},
	},
	{
		Step: 9, Name: "sigterm-aof", Title: "SIGTERM flushes and fsyncs the append-only file: a restart has every write",
		Guide: "09-shutdown/GUIDE.md: The order of things", Args: []string{"--dir", "{dir}", "--save", "", "--appendonly", "yes", "--appendfsync", "no"},
		Check: func(s *Session) {
			c := s.Dial()
			var batch string
			var replies []string
			for i := range 1000 {
				batch += cmd("SET", "k"+itoa(i), itoa(i))
				replies = append(replies, ok)
			}
			c.Exchange(batch, replies...)
			s.Restart()
			s.Dial().Exchange(cmd("GET", "k0")+cmd("GET", "k999")+cmd("DBSIZE"), bulk("0"), bulk("999"), integer(1000))
		},
	},
}
