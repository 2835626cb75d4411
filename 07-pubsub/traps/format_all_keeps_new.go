//go:build ignore

// Exercise 2: writing n after A, where Redis's A branch leaves n out ("AKEmn" reads back as
// "AKEm").

package main

import "strings"

func formatKeyspaceEvents(flags int32) string {
	var b strings.Builder
	if flags&notifyAll == notifyAll {
		b.WriteByte('A')
	} else {
		for _, class := range []struct {
			letter byte
			flag   int32
		}{{'g', notifyGeneric}, {'$', notifyString}, {'l', notifyList}, {'s', notifySet}, {'h', notifyHash},
			{'z', notifyZset}, {'x', notifyExpired}, {'e', notifyEvicted}, {'t', notifyStream}, {'d', notifyModule}} {
			if flags&class.flag != 0 {
				b.WriteByte(class.letter)
			}
		}
	}
	for _, class := range []struct {
		letter byte
		flag   int32
	}{{'n', notifyNew}, {'K', notifyKeyspace}, {'E', notifyKeyevent}, {'m', notifyKeyMiss}} {
		if flags&class.flag != 0 {
			b.WriteByte(class.letter)
		}
	}
	return b.String()
}
