package main

import (
	"errors"
	"strings"
)

// Keyspace notifications: with notify-keyspace-events set, every change to a key is also
// published, as a message on two channels (src/notify.c):
//
//	__keyspace@0__:<key>     the message is the event: "set", "del", "expired"...
//	__keyevent@0__:<event>   the message is the key
//
// A client that PSUBSCRIBEs to "__keyevent@0__:expired" hears of every key that expires.
// Events come in classes, each a letter of the setting; K and E choose the channels.
const (
	notifyKeyspace int32 = 1 << iota // K
	notifyKeyevent                   // E
	notifyGeneric                    // g: del, expire, rename_from, rename_to, copy_to, persist
	notifyString                     // $: set, incrby, append...
	notifyList                       // l
	notifySet                        // s
	notifyHash                       // h
	notifyZset                       // z
	notifyExpired                    // x: a key timed out
	notifyEvicted                    // e
	notifyStream                     // t
	notifyKeyMiss                    // m: a read found no key
	notifyLoaded                     // (modules only)
	notifyModule                     // d
	notifyNew                        // n: a key was created

	// notifyAll is A: every class but K, E, m and n.
	notifyAll = notifyGeneric | notifyString | notifyList | notifySet | notifyHash | notifyZset |
		notifyExpired | notifyEvicted | notifyStream | notifyModule
)

// keyEventLetters maps each letter of notify-keyspace-events to its classes.
var keyEventLetters = map[rune]int32{
	'A': notifyAll, 'g': notifyGeneric, '$': notifyString, 'l': notifyList, 's': notifySet,
	'h': notifyHash, 'z': notifyZset, 'x': notifyExpired, 'e': notifyEvicted, 'K': notifyKeyspace,
	'E': notifyKeyevent, 't': notifyStream, 'm': notifyKeyMiss, 'd': notifyModule, 'n': notifyNew,
}

var errEventClass = errors.New("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")

// parseKeyspaceEvents reads notify-keyspace-events ("KEA", "Ex", ""), as
// keyspaceEventsStringToFlags in notify.c does.
func parseKeyspaceEvents(value string) (int32, error) {
	var flags int32
	for _, letter := range value {
		class, ok := keyEventLetters[letter]
		if !ok {
			return 0, errEventClass
		}
		flags |= class
	}
	return flags, nil
}

// keyEvent is one event of a command: its name and the key.
type keyEvent struct{ event, key string }

// publishKeyspaceEvents publishes a command's events, with the store still locked (see
// Store.unlock). Each message leaves only once the append-only file holds the write it tells
// of, as a reply to the write would.
func (s *Server) publishKeyspaceEvents(events []keyEvent) {
	var after int64
	if aof := s.aof.Load(); aof != nil {
		after = aof.offset()
	}
	flags := s.store.keyspaceEvents.Load()
	for _, e := range events {
		if flags&notifyKeyspace != 0 {
			s.pubsub.publish([]byte("__keyspace@0__:"+e.key), []byte(e.event), after)
		}
		if flags&notifyKeyevent != 0 {
			s.pubsub.publish([]byte("__keyevent@0__:"+e.event), []byte(e.key), after)
		}
	}
}

// notify.c's keyspaceEventsFlagsToString: A stands for all its classes, and then n is not
// written either (it is in A's branch); K, E and m follow, whatever came first.
func formatKeyspaceEvents(flags int32) string {
	var b strings.Builder
	if flags&notifyAll == notifyAll {
		b.WriteByte('A')
	} else {
		for _, class := range []struct {
			letter byte
			flag   int32
		}{{'g', notifyGeneric}, {'$', notifyString}, {'l', notifyList}, {'s', notifySet}, {'h', notifyHash},
			{'z', notifyZset}, {'x', notifyExpired}, {'e', notifyEvicted}, {'t', notifyStream}, {'d', notifyModule}, {'n', notifyNew}} {
			if flags&class.flag != 0 {
				b.WriteByte(class.letter)
			}
		}
	}
	for _, class := range []struct {
		letter byte
		flag   int32
	}{{'K', notifyKeyspace}, {'E', notifyKeyevent}, {'m', notifyKeyMiss}} {
		if flags&class.flag != 0 {
			b.WriteByte(class.letter)
		}
	}
	return b.String()
}
