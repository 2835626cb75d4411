package redistest

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// SendAllBeforeReading sends count copies of request in one stream and reads nothing until
// the last byte is sent, as go-redis pipelines and bulk loaders do; then it reads the
// replies and requires every one to be reply. Make the batch larger than the kernel's socket
// buffers in both directions (tens of megabytes): a server that stops reading while its
// replies wait for the client then deadlocks with it, and the test fails instead of hanging.
func SendAllBeforeReading(t testing.TB, addr, request string, count int, reply string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()

	sent := make(chan error, 1)
	go func() {
		w := bufio.NewWriterSize(conn, 64*1024)
		for range count {
			w.WriteString(request)
		}
		sent <- w.Flush()
	}()
	select {
	case err := <-sent:
		require.NoError(t, err, "sending %d × %s", count, Describe(short(request)))
	case <-time.After(3 * hangGuard):
		t.Fatalf("sending %d × %s: the server stopped reading before the batch was sent (it waits to write replies the client will read only after sending everything: a deadlock)", count, Describe(short(request)))
	}

	conn.SetReadDeadline(time.Now().Add(3 * hangGuard))
	replies := bufio.NewReaderSize(conn, 64*1024)
	got := make([]byte, len(reply))
	for i := range count {
		_, err := io.ReadFull(replies, got)
		require.NoError(t, err, "reply %d of %d to %s", i+1, count, Describe(short(request)))
		if !bytes.Equal(got, []byte(reply)) {
			require.Equal(t, short(reply), short(string(got)), "reply %d of %d to %s", i+1, count, Describe(short(request)))
		}
	}
}
