package fdlimit

import (
	"errors"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Under `ulimit -n 1024`, a server asked for 10,000 clients that may not raise its limit
// takes 992, with Redis's three lines (adjustOpenFilesLimit in server.c).
func TestFitLowersMaxClientsToTheLimit(t *testing.T) {
	var tried []uint64
	fitted, lines, ok := fit(10000, 1024, func(n uint64) error {
		tried = append(tried, n)
		return syscall.EPERM
	})
	assert.True(t, ok)
	assert.Equal(t, 992, fitted)
	assert.Equal(t, []string{
		"You requested maxclients of 10000 requiring at least 10032 max file descriptors.",
		"Server can't set maximum open files to 10032 because of OS error: Operation not permitted.",
		"Current maximum open files is 1024. maxclients has been reduced to 992 to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.",
	}, lines)
	assert.Equal(t, uint64(10032), tried[0], "the whole need first")
	assert.Equal(t, uint64(10016), tried[1], "then 16 fewer at a time")
}

// A limit that may be raised is, with Redis's notice; one that already suffices is left.
func TestFitRaisesTheLimitWhenItMay(t *testing.T) {
	fitted, lines, ok := fit(10000, 1024, func(uint64) error { return nil })
	assert.True(t, ok)
	assert.Equal(t, 10000, fitted)
	assert.Equal(t, []string{"Increased maximum number of open files to 10032 (it was originally set to 1024)."}, lines)

	fitted, lines, _ = fit(100, 1024, func(uint64) error { return errors.New("not called") })
	assert.Equal(t, 100, fitted)
	assert.Empty(t, lines)
}

// Part of the way: under a hard limit of 5,000, 10,032 less 16 at a time first fits at 4,992,
// which leaves 4,960 clients.
func TestFitTakesWhatTheSystemGives(t *testing.T) {
	fitted, _, ok := fit(10000, 1024, func(n uint64) error {
		if n > 5000 {
			return syscall.EPERM
		}
		return nil
	})
	assert.True(t, ok)
	assert.Equal(t, 4960, fitted)
}

// A limit no larger than the reserve leaves nothing for clients: the server does not start.
func TestFitRefusesALimitTooLowToStart(t *testing.T) {
	_, lines, ok := fit(10000, 20, func(uint64) error { return syscall.EPERM })
	assert.False(t, ok)
	assert.Equal(t, []string{"Your current 'ulimit -n' of 20 is not enough for the server to start. Please increase your open file limit to at least 10032. Exiting."}, lines)
}
