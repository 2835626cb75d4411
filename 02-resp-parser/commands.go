package main

import (
	"strings"
)

// command is one entry of the command table.
type command struct {
	name string // lower case, as Redis spells it in error messages
	// arity counts the arguments, the command name included: N > 0 means exactly N,
	// N < 0 means at least -N. It is Redis's own convention (see COMMAND INFO).
	arity   int
	handler func(c *client, args [][]byte)
}

// commands maps a lower-case command name to its entry. Clients send names in any case
// (go-redis sends "ping", redis-cli sends what you type), so lookups lower-case the name.
var commands = map[string]*command{}

func init() {
	for _, cmd := range []*command{
		{"ping", -1, ping},
		{"echo", 2, echo},
		{"quit", -1, quit},
		{"select", 2, selectDB},         // exercise 1
		{"time", 1, timeCommand},        // exercise 2
		{"command", -1, commandCommand}, // exercise 3
	} {
		commands[cmd.name] = cmd
	}
}

// execute looks the command up, checks its arity, and runs it.
func (c *client) execute(args [][]byte) {
	cmd, ok := commands[strings.ToLower(string(args[0]))]
	if !ok {
		c.writer.Error(unknownCommand(args))
		return
	}
	if cmd.arity > 0 && len(args) != cmd.arity || len(args) < -cmd.arity {
		c.writer.Error("ERR wrong number of arguments for '" + cmd.name + "' command")
		return
	}
	cmd.handler(c, args)
}

// unknownCommand builds Redis's error for a command it does not know, quoting the name as
// sent and the arguments until 128 characters of them are shown:
//
//	ERR unknown command 'FOO', with args beginning with: 'bar' 'baz'
func unknownCommand(args [][]byte) string {
	var quoted strings.Builder
	for _, arg := range args[1:] {
		if quoted.Len() >= 128 {
			break
		}
		quoted.WriteString("'" + truncate(string(arg), 128-quoted.Len()) + "' ")
	}
	return "ERR unknown command '" + truncate(string(args[0]), 128) + "', with args beginning with: " + quoted.String()
}

// truncate cuts s to at most n bytes, and at a NUL byte as C's "%.*s" does.
func truncate(s string, n int) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	if len(s) > n {
		s = s[:n]
	}
	return s
}
