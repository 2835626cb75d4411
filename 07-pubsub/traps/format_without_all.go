//go:build ignore

// Exercise 2: writing every class's letter, where Redis writes A for all of them.

package main

import "strings"

func formatKeyspaceEvents(flags int32) string {
	var b strings.Builder
	for _, class := range []struct {
		letter byte
		flag   int32
	}{{'g', notifyGeneric}, {'$', notifyString}, {'l', notifyList}, {'s', notifySet}, {'h', notifyHash},
		{'z', notifyZset}, {'x', notifyExpired}, {'e', notifyEvicted}, {'t', notifyStream}, {'d', notifyModule}, {'n', notifyNew},
		{'K', notifyKeyspace}, {'E', notifyKeyevent}, {'m', notifyKeyMiss}} {
		if flags&class.flag != 0 {
			b.WriteByte(class.letter)
		}
	}
	return b.String()
}
