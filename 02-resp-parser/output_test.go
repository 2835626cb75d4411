package main

import (
	"strings"
	"testing"

	"byoredis/shared/redistest"
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
