package main

import (
	"strconv"
	"time"
)

// COMMAND, COMMAND INFO [name ...], COMMAND DOCS [name ...] and COMMAND COUNT: what Redis
// says of the commands this server has, in Redis's own words (shared/commandtable). Clients
// and tools read it: redis-cli's hints as you type come from COMMAND DOCS.
func commandAll(c *client, args [][]byte)         { commands.Info(c.writer, nil) }
func commandInfoCommand(c *client, args [][]byte) { commands.Info(c.writer, args[2:]) }
func commandDocs(c *client, args [][]byte)        { commands.Docs(c.writer, args[2:]) }
func commandCount(c *client, args [][]byte)       { c.writer.Integer(int64(len(commands))) }

// CONFIG GET pattern [pattern ...] and CONFIG SET name value [name value ...]: the
// configuration table's (config.go), with Redis 7.0's rules (shared/config).
func configGet(c *client, args [][]byte) { c.server.directives.Get(c.writer, args[2:]) }
func configSet(c *client, args [][]byte) {
	c.server.directives.Set(c.writer, args, c.server.listeners.Apply)
}

// TIME: the Unix time as two bulk strings, seconds and microseconds.
func timeCommand(c *client, args [][]byte) {
	now := time.Now()
	c.writer.Array(2)
	c.writer.BulkString(strconv.FormatInt(now.Unix(), 10))
	c.writer.BulkString(strconv.Itoa(now.Nanosecond() / 1000))
}
