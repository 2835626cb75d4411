package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"byoredis/shared/redistest"
	"byoredis/shared/release"
)

// A client may send a whole batch before it reads a single reply, as go-redis pipelines
// and bulk loaders do. 5,000 ECHOs of 4 KiB are 20 MB each way, more than the socket buffers
// hold: the server has to keep reading while its replies wait for the client.
func TestBatchSentBeforeReadingAnyReply(t *testing.T) {
	value := strings.Repeat("v", 4096)
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		redistest.SendAllBeforeReading(t, addr, cmd("ECHO", value), 5000, "$4096\r\n"+value+"\r\n")
	})
}

// A client that made the server hold a big argument gives the memory back to the operating
// system when it leaves, instead of at the collector's next cycle, minutes later; a small
// client costs no collection.
func TestBigClientGivesMemoryBack(t *testing.T) {
	releases, free := 0, release.FreeOSMemory
	release.FreeOSMemory = func() { releases++ }
	t.Cleanup(func() { release.FreeOSMemory = free })

	newClient(&scriptedConn{input: []string{cmd("ECHO", "small") + cmd("QUIT")}}).serve()
	assert.Equal(t, 0, releases, "a small client")
	newClient(&scriptedConn{input: []string{cmd("ECHO", strings.Repeat("x", 2<<20)) + cmd("QUIT")}}).serve()
	assert.Equal(t, 1, releases, "a client that sent a 2 MiB argument")
}
