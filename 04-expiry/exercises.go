//go:build !solution

// This file holds the exercises of EXERCISES.md, each a stub for you to replace. Run
// `make check STEP=04` to see which pass.

package main

import "strconv"

// Exercise 1: SETEX key seconds value, PSETEX key milliseconds value.

func setex(c *client, args [][]byte)  { notImplemented(c, "SETEX", 1) }
func psetex(c *client, args [][]byte) { notImplemented(c, "PSETEX", 1) }

// Exercise 2: KEYS pattern.

func keysCommand(c *client, args [][]byte) { notImplemented(c, "KEYS", 2) }

// Exercise 3: GETSET key value.

func getset(c *client, args [][]byte) { notImplemented(c, "GETSET", 3) }

func notImplemented(c *client, name string, exercise int) {
	c.writer.Error("ERR not implemented yet: " + name + " (exercise " + strconv.Itoa(exercise) + ")")
}
