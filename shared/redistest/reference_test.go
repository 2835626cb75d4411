package redistest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeServer is a program that prints version as `redis-server --version` does.
func fakeServer(t *testing.T, version string) string {
	path := filepath.Join(t.TempDir(), "redis-server")
	require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\necho '"+version+"'\n"), 0o755))
	return path
}

func TestReferenceVersions(t *testing.T) {
	for _, tt := range []struct {
		printed   string
		name      string
		supported bool
		is72      bool
	}{
		{"Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c971a948f0", "Redis 7.0.15", true, false},
		{"Redis server v=7.2.6 sha=00000000:0 malloc=libc bits=64 build=c8b4ecb53ffebba5", "Redis 7.2.6", true, true},
		{"Redis server v=8.0.2 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=1", "Redis 8.0.2", true, true},
		{"Valkey server v=8.0.1 sha=00000000:1 malloc=libc bits=64 build=3a416629778cc87e", "Valkey 8.0.1", true, true},
		{"Redis server v=6.2.14 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=1", "Redis 6.2.14", false, false},
	} {
		ref, err := ReferenceOf(fakeServer(t, tt.printed))
		require.NoError(t, err, tt.printed)
		assert.Equal(t, tt.name, ref.Name+" "+ref.Version)
		assert.Equal(t, tt.supported, ref.Supported(), tt.name)
		assert.Equal(t, tt.is72, ref.AtLeast(7, 2), tt.name)
	}
	_, err := ReferenceOf(fakeServer(t, "KeyDB server v=6.3.4"))
	assert.ErrorContains(t, err, "neither Redis's nor Valkey's")
}

func TestValkeyWordsMessagesAsItNamesItself(t *testing.T) {
	valkey := Reference{Name: "Valkey", Version: "8.0.1", Major: 8}
	assert.Equal(t, "-MISCONF Valkey is configured ... check the Valkey logs", valkey.Words("-MISCONF Redis is configured ... check the Redis logs"))
	assert.Equal(t, "use ./valkey-check-aof --fix", valkey.Words("use ./redis-check-aof --fix"))
	redis := Reference{Name: "Redis", Version: "7.2.6", Major: 7, Minor: 2}
	assert.Equal(t, "use ./redis-check-aof --fix", redis.Words("use ./redis-check-aof --fix"))
}
