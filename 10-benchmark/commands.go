package main

import (
	"slices"
	"strings"
	"time"

	"byoredis/shared/commandtable"
	"byoredis/shared/config"
)

// command is one entry of the command table (command_table.go): what Redis says of the
// command, read from Redis 7.0's own description of it (its Name, its Arity, its flags: see
// shared/commandtable), and the Handler that runs it here. A container such as CLIENT holds
// its Subcommands: CLIENT ID is commands["client"].Subcommands["id"]. A container with a
// Handler also runs alone (COMMAND with no subcommand).
type command = commandtable.Command[handler]

// handler runs one command for a client; args[0] is the command's name as the client sent it.
type handler = func(c *client, args [][]byte)

// execute looks the command up, checks its arity, and runs it.
func (c *client) execute(args [][]byte) {
	cmd, ok := lookupCommand(commands, args[0])
	if !ok {
		c.writer.Error(unknownCommand(args))
		return
	}
	if !cmd.ArityAllows(len(args)) {
		c.server.commandStats[cmd].Rejected.Add(1)
		c.writer.Error(wrongArity(cmd))
		return
	}
	if cmd.Subcommands != nil && (len(args) > 1 || cmd.Handler == nil) {
		sub, ok := lookupCommand(cmd.Subcommands, args[1])
		if !ok {
			c.writer.Error("ERR unknown subcommand '" + truncate(string(args[1]), 128) + "'. Try " + strings.ToUpper(cmd.Name) + " HELP.")
			return
		}
		if !sub.ArityAllows(len(args)) {
			c.server.commandStats[sub].Rejected.Add(1)
			c.writer.Error(wrongArity(sub))
			return
		}
		cmd = sub
	}
	// Redis refuses writes, and PING, while it cannot persist them (processCommand in
	// server.c).
	if cmd.Is(commandtable.Write) || cmd.Name == "ping" {
		if refusal := c.server.diskError(); refusal != "" {
			c.server.commandStats[cmd].Rejected.Add(1)
			c.writer.Error(refusal)
			return
		}
	}
	// A replica takes writes from its master only (processCommand in server.c).
	if cmd.Is(commandtable.Write) && c.master == nil && c.server.store.replica.Load() {
		c.server.commandStats[cmd].Rejected.Add(1)
		c.writer.Error("READONLY You can't write against a read only replica.")
		return
	}
	// A RESP2 client with subscriptions reads messages on the same connection as replies, so
	// only the commands that manage the subscriptions may run (processCommand in server.c).
	// RESP3 tells messages from replies by their type, and has no such limit.
	if c.subscriptionCount.Load() > 0 && !c.resp3.Load() && !allowedWhileSubscribed(cmd) {
		c.server.commandStats[cmd].Rejected.Add(1)
		c.writer.Error("ERR Can't execute '" + cmd.Name + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
		return
	}
	// With a password set, a client that has not given it may run only what lets it give it
	// (AUTH, HELLO) or leave (QUIT, RESET): the commands flagged no_auth.
	if !c.authenticated && *c.server.requirePass.Load() != "" && !cmd.Is(commandtable.NoAuth) {
		c.server.commandStats[cmd].Rejected.Add(1)
		c.writer.Error("NOAUTH Authentication required.")
		return
	}
	stripes := c.keyStripes(cmd, args)
	if !c.batch.covers(stripes) {
		c.endBatch()
		// A shutdown holds writes (shutdown.go); one that stops the server drops them.
		if cmd.Is(commandtable.Write) {
			if !c.server.startWrite() {
				c.closing = true
				return
			}
			if c.canBatch(stripes) {
				c.startBatch(stripes) // the batch keeps the write's hold on shutdown
			} else {
				defer c.server.writeDone()
			}
		}
	}
	// What INFO commandstats reports: calls, time spent, and calls that answered an error.
	start, errorsBefore := time.Now(), c.errorReplies
	c.store.stripes, c.store.batched = stripes, c.batch.holding
	cmd.Handler(c, args)
	c.store.stripes, c.store.batched = nil, false
	if c.batch.holding {
		c.batch.commands++
	}
	stats := c.server.commandStats[cmd]
	stats.Usec.Add(time.Since(start).Microseconds())
	stats.Calls.Add(1)
	if c.errorReplies > errorsBefore {
		stats.Failed.Add(1)
	}
	c.server.stats.CommandsProcessed.Add(1)
	if cmd.Is(commandtable.Write) {
		c.writeOffset = c.server.repl.currentOffset() // what WAIT waits for
	}
	if aof := c.server.aof.Load(); aof != nil {
		// The reply may depend on anything logged so far: this client's write, or another
		// client's write that this command read. It leaves once the file holds all of it.
		c.logged = aof.offset()
	}
}

// keyStripes returns the stripes of the command's keys, in increasing order and each once:
// the command locks those alone, and runs beside commands on other stripes. With no key, or
// keys the command table cannot place (movable keys), it returns nil: the whole store.
func (c *client) keyStripes(cmd *command, args [][]byte) []int {
	first, last, step, ok := cmd.KeyRange(len(args))
	if !ok || first > last {
		return nil
	}
	stripes := c.stripes[:0]
	for i := first; i <= last; i += step {
		stripes = append(stripes, stripeOf(args[i]))
	}
	slices.Sort(stripes)
	c.stripes = slices.Compact(stripes)
	return c.stripes
}

// batchSize is the most commands of a pipeline that run under one taking of their locks.
const batchSize = 16

// batch is what a client keeps locked from one command of a pipeline to the next: the stripes
// of a write, locked for writing, and the write's hold on shutdown (startWrite). The commands
// after it that have arrived already and need no other stripe run under them, up to
// batchSize, locking nothing: a pipeline of INCRs of one counter locks its stripe once
// (GUIDE.md: "Pipelines"). Whatever needs another stripe, the whole store or the owner ends
// the batch first, and so does the wait for the client (flush): a batch never waits for
// anything while it holds its stripes.
type batch struct {
	stripes  []int
	holding  bool
	commands int
}

// covers reports whether a command that locks stripes can run in the batch.
func (b *batch) covers(stripes []int) bool {
	if !b.holding || stripes == nil || b.commands == batchSize {
		return false
	}
	for _, stripe := range stripes {
		if !slices.Contains(b.stripes, stripe) {
			return false
		}
	}
	return true
}

// canBatch reports whether a write may start a batch: it has keys, and a client's next command
// has arrived behind it. The master's commands are applied one at a time, between snapshots
// (streamApply), and the append-only file's have no client behind them.
func (c *client) canBatch(stripes []int) bool {
	return stripes != nil && c.master == nil && c.reader != nil && c.reader.Buffered() > 0
}

// startBatch locks a write's stripes for it and the commands after it; endBatch lets them go.
func (c *client) startBatch(stripes []int) {
	c.batch = batch{stripes: append(c.batch.stripes[:0], stripes...), holding: true}
	c.store.lock(c.batch.stripes, true)
}

func (c *client) endBatch() {
	if c.batch.holding {
		c.store.unlock(c.batch.stripes, true)
		c.server.writeDone()
		c.batch.holding = false
	}
}

// diskError is why write commands are refused, in Redis's words
// (writeCommandsDeniedByDiskError in server.c), or "" while they are accepted.
func (s *Server) diskError() string {
	if s.stopWritesOnBgsaveError.Load() && s.hasSavePoints() && s.bgsaveFailed.Load() {
		return errBgsaveFailed
	}
	if aof := s.aof.Load(); aof != nil {
		if err := aof.writeError(); err != nil {
			// The C library's words for the reason: "No space left on device".
			return "MISCONF Errors writing to the AOF file: " + config.Strerror(err)
		}
	}
	return ""
}

func allowedWhileSubscribed(cmd *command) bool {
	switch cmd.Name {
	case "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ping", "quit", "reset":
		return true
	}
	return false
}

// Error replies used by more than one command, with Redis's exact texts.
const (
	errSyntax = "ERR syntax error"
	errNotInt = "ERR value is not an integer or out of range"
)

func wrongArity(cmd *command) string {
	return "ERR wrong number of arguments for '" + cmd.Name + "' command"
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
