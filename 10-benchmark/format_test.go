package main

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCRC64CheckValue(t *testing.T) {
	assert.Equal(t, uint64(0xe9c6d914c4b8d9ca), crc64(0, []byte("123456789")))
	// In two parts, as the writer computes it while streaming.
	assert.Equal(t, uint64(0xe9c6d914c4b8d9ca), crc64(crc64(0, []byte("1234")), []byte("56789")))
	// Eight bytes at a time gives what one byte at a time gives, at every length and split.
	data := make([]byte, 1000)
	for i := range data {
		data[i] = byte(i*7 + i/13)
	}
	var byteAtATime uint64
	for n, b := range data {
		byteAtATime = crc64Table[byte(byteAtATime)^b] ^ byteAtATime>>8
		assert.Equal(t, byteAtATime, crc64(0, data[:n+1]))
		assert.Equal(t, byteAtATime, crc64(crc64(0, data[:n/3]), data[n/3:n+1]))
	}
}

// The LZF bytes Redis wrote for 200 "a"s (rdbSaveRawString in Redis's src/rdb.c).
func TestLZFDecompressesRedisBytes(t *testing.T) {
	compressed, _ := hex.DecodeString("016161e0bb00016161")
	out, err := lzfDecompress(compressed, 200)
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("a", 200), string(out))
	_, err = lzfDecompress(compressed, 199)
	assert.Error(t, err)
	_, err = lzfDecompress([]byte{0xe0, 0xbb, 0x00}, 196) // a reference before any output
	assert.Error(t, err)
}

func TestLZFRoundTrip(t *testing.T) {
	random := make([]byte, 5000)
	for i := range random {
		random[i] = byte(rand.IntN(256))
	}
	for _, input := range [][]byte{
		[]byte(strings.Repeat("a", 200)),
		[]byte(strings.Repeat("hello world, ", 100)),
		bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1000),
		append([]byte(strings.Repeat("xyz", 3000)), random[:100]...),
	} {
		compressed := lzfCompress(input, len(input)-4)
		require.NotNil(t, compressed, "%q... compresses", input[:10])
		out, err := lzfDecompress(compressed, len(input))
		require.NoError(t, err)
		assert.Equal(t, input, out)
	}
	assert.Nil(t, lzfCompress(random, len(random)-4), "random bytes do not compress")
}
