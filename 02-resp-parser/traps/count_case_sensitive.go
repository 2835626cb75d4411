//go:build ignore

// Exercise 3: comparing the subcommand's name with its case, so "count" is unknown.

package main

func commandCommand(c *client, args [][]byte) {
	switch {
	case len(args) == 1:
		c.writer.Error("ERR COMMAND without a subcommand is not implemented in this step")
	case string(args[1]) != "COUNT":
		c.writer.Error("ERR unknown subcommand '" + truncate(string(args[1]), 128) + "'. Try COMMAND HELP.")
	case len(args) != 2:
		c.writer.Error("ERR wrong number of arguments for 'command|count' command")
	default:
		c.writer.Integer(int64(len(commands)))
	}
}
