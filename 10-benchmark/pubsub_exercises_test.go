package main

import (
	"fmt"
	"testing"

	"byoredis/shared/redistest"

	"github.com/stretchr/testify/assert"
)

// Step 07's exercise 1: PUBSUB NUMSUB counts each channel's own subscribers, on both servers.
func TestNumsub(t *testing.T) {
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		a, b, conn := redistest.Dial(t, addr), redistest.Dial(t, addr), redistest.Dial(t, addr)
		a.Send(cmd("SUBSCRIBE", "sport", "news.tech") + cmd("PSUBSCRIBE", "news.*", "sport"))
		b.Send(cmd("SUBSCRIBE", "sport", "left") + cmd("UNSUBSCRIBE", "left"))
		for range 4 {
			a.Reply()
		}
		for range 3 {
			b.Reply()
		}
		redistest.RunExchanges(t, addr, []redistest.Exchange{
			{Send: cmd("PUBSUB", "NUMSUB", "sport", "news.tech", "news.*", "news.art", "left", "nosuch"),
				Want: []string{"*12\r\n$5\r\nsport\r\n:2\r\n$9\r\nnews.tech\r\n:1\r\n$6\r\nnews.*\r\n:0\r\n" +
					"$8\r\nnews.art\r\n:0\r\n$4\r\nleft\r\n:0\r\n$6\r\nnosuch\r\n:0\r\n"}},
			{Send: cmd("PUBSUB", "NUMSUB", "sport", "sport"), Want: []string{"*4\r\n$5\r\nsport\r\n:2\r\n$5\r\nsport\r\n:2\r\n"}},
			{Send: cmd("PUBSUB", "NUMSUB"), Want: []string{"*0\r\n"}},
		})
		conn.Do("HELLO", "3")
		assert.Equal(t, ">0\r\n"[1:], conn.RawReplyTo("PUBSUB", "NUMSUB")[1:], "an array in RESP3 too")
	})
}

// Step 07's exercise 2: CONFIG SET takes Redis's letters, CONFIG GET shows them in Redis's order, and a
// bad letter gets Redis's error.
func TestKeyspaceEventsConfig(t *testing.T) {
	var exchanges []redistest.Exchange
	for set, get := range map[string]string{"KEA": "AKE", "Kx": "xK", "Exg$n": "g$xnE", "Km": "Km", "": "", "AKEmn": "AKEm", "g$lshzxetd": "A"} {
		exchanges = append(exchanges,
			redistest.Exchange{Send: cmd("CONFIG", "SET", "notify-keyspace-events", set), Want: []string{"+OK\r\n"}},
			redistest.Exchange{Send: cmd("CONFIG", "GET", "notify-keyspace-events"),
				Want: []string{fmt.Sprintf("*2\r\n$22\r\nnotify-keyspace-events\r\n$%d\r\n%s\r\n", len(get), get)}})
	}
	exchanges = append(exchanges, redistest.Exchange{Send: cmd("CONFIG", "SET", "notify-keyspace-events", "KEQ"),
		Want: []string{"-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n"}})
	redistest.Differential(t, startServer(t), exchanges)
}

// Step 07's exercise 3: RESET takes a client back to how it connected, from RESP3 or from RESP2's
// subscribed mode, on both servers.
func TestReset(t *testing.T) {
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		pub := redistest.Dial(t, addr)
		redistest.RunExchanges(t, addr, []redistest.Exchange{
			{Send: cmd("HELLO", "3"), Want: []string{"HELLO"}, Normalize: func(string) string { return "HELLO" }},
			{Send: cmd("SUBSCRIBE", "ch") + cmd("PSUBSCRIBE", "c*") + cmd("CLIENT", "SETNAME", "me"),
				Want: []string{">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n", ">3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:2\r\n", "+OK\r\n"}},
			{Send: cmd("RESET"), Want: []string{"+RESET\r\n"}},
			{Send: cmd("GET", "nosuch") + cmd("CLIENT", "GETNAME"), Want: []string{"$-1\r\n", "$-1\r\n"}}, // RESP2's null, no name
			{Send: cmd("SUBSCRIBE", "ch"), Want: []string{"*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"}}, // counted from 0 again
			{Send: cmd("RESET") + cmd("GET", "nosuch"), Want: []string{"+RESET\r\n", "$-1\r\n"}},          // allowed while subscribed, and leaves that mode
		})
		assert.Eventually(t, func() bool { return pub.Do("PUBLISH", "ch", "hi").Int == 0 }, hangGuard, pollEvery,
			"after RESET, and the connection's end, nobody hears ch")
	})
}
