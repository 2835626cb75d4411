package resp

import (
	"bytes"
	"io"
	"strconv"
	"testing"
)

// BenchmarkReadPipelinedSets reads a batch of 100 pipelined SET commands, the shape
// redis-benchmark -t set -P 100 sends. ns/op and allocs/op are per batch.
func BenchmarkReadPipelinedSets(b *testing.B) {
	var batch []byte
	for i := range 100 {
		batch = AppendCommand(batch, "SET", "key:"+strconv.Itoa(i), "xxx")
	}
	src := bytes.NewReader(batch)
	r := NewReader(src)
	b.SetBytes(int64(len(batch)))
	b.ReportAllocs()
	for b.Loop() {
		src.Reset(batch)
		for {
			if _, err := r.ReadCommand(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkWriteReplies writes the replies to that batch: 100 "+OK" and 100 bulk strings.
func BenchmarkWriteReplies(b *testing.B) {
	w := NewWriter(io.Discard)
	value := []byte("xxx")
	b.ReportAllocs()
	for b.Loop() {
		for range 100 {
			w.SimpleString("OK")
			w.Bulk(value)
		}
		w.Flush()
	}
}
