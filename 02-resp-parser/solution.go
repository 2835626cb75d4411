//go:build solution

// Reference solutions to EXERCISES.md, built only with `-tags solution`. Try the exercises
// before you read them.

package main

import (
	"strconv"
	"strings"
	"time"

	"byoredis/shared/resp"
)

// SELECT index: this server has one database, as a redis-server started with --databases 1.
func selectDB(c *client, args [][]byte) {
	index, ok := resp.ParseInt(args[1])
	switch {
	case !ok:
		c.writer.Error("ERR value is not an integer or out of range")
	case index < -1<<31 || index > 1<<31-1: // Redis parses the index as a C int
		c.writer.Error("ERR value is out of range, value must between -2147483648 and 2147483647")
	case index != 0:
		c.writer.Error("ERR DB index is out of range")
	default:
		c.writer.SimpleString("OK")
	}
}

// TIME: the Unix time as two bulk strings, seconds and microseconds.
func timeCommand(c *client, args [][]byte) {
	now := time.Now()
	c.writer.Array(2)
	c.writer.BulkString(strconv.FormatInt(now.Unix(), 10))
	c.writer.BulkString(strconv.Itoa(now.Nanosecond() / 1000))
}

// COMMAND COUNT: how many commands the table holds.
func commandCommand(c *client, args [][]byte) {
	switch {
	case len(args) == 1:
		c.writer.Error("ERR COMMAND without a subcommand is not implemented in this step")
	case !strings.EqualFold(string(args[1]), "count"):
		c.writer.Error("ERR unknown subcommand '" + truncate(string(args[1]), 128) + "'. Try COMMAND HELP.")
	case len(args) != 2:
		c.writer.Error("ERR wrong number of arguments for 'command|count' command")
	default:
		c.writer.Integer(int64(len(commands)))
	}
}
