// Package fdlimit fits a server's maxclients to the file descriptors the process may open,
// as Redis does at start (adjustOpenFilesLimit in server.c). Every client is a descriptor:
// a server that runs out of them cannot accept a client, open its files, or write a snapshot.
package fdlimit

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// Reserved is Redis's CONFIG_MIN_RESERVED_FDS: the descriptors kept for the listening
// socket, the append-only file, snapshots, replication links and logs.
const Reserved = 32

// Fit returns maxclients, or fewer when the descriptor limit cannot be raised to maxclients
// plus Reserved, and logs what it did in Redis's words. A limit too low for any client stops
// the server, as it stops Redis.
func Fit(maxclients int) int {
	current, err := getLimit()
	if err != nil {
		slog.Warn("Unable to obtain the current NOFILE limit (" + err.Error() + "), assuming 1024 and setting the max clients configuration accordingly.")
		return 1024 - Reserved
	}
	fitted, lines, ok := fit(maxclients, current, setLimit)
	for _, line := range lines {
		if fitted < maxclients || !ok {
			slog.Warn(line)
		} else {
			slog.Info(line)
		}
	}
	if !ok {
		os.Exit(1)
	}
	return fitted
}

// Raise is Fit for a server already running (CONFIG SET maxclients: updateMaxclients in
// Redis's config.c): it raises the descriptor limit as far as it can for maxclients, logs
// what it did, and returns the most clients the limit allows, never stopping the server.
func Raise(maxclients int) int {
	current, err := getLimit()
	if err != nil {
		return min(maxclients, 1024-Reserved)
	}
	fitted, lines, _ := fit(maxclients, current, setLimit)
	for _, line := range lines {
		slog.Warn(line)
	}
	return fitted
}

// fit is Fit's reckoning, given the current soft limit and a way to set a new one: it tries
// maxclients + Reserved, then 16 fewer at a time, down to the current limit.
func fit(maxclients int, current uint64, set func(uint64) error) (fitted int, lines []string, ok bool) {
	want := uint64(maxclients) + Reserved
	if current >= want {
		return maxclients, nil, true
	}
	best := want
	var setErr error
	for best > current {
		if setErr = set(best); setErr == nil {
			break
		}
		if best < 16 {
			best = current
			break
		}
		best -= 16
	}
	best = max(best, current)
	if best >= want {
		return maxclients, []string{fmt.Sprintf("Increased maximum number of open files to %d (it was originally set to %d).", want, current)}, true
	}
	if best <= Reserved {
		return 0, []string{fmt.Sprintf("Your current 'ulimit -n' of %d is not enough for the server to start. Please increase your open file limit to at least %d. Exiting.", current, want)}, false
	}
	fitted = int(best - Reserved)
	reason := "unknown error"
	if setErr != nil {
		reason = describe(setErr)
	}
	return fitted, []string{
		fmt.Sprintf("You requested maxclients of %d requiring at least %d max file descriptors.", maxclients, want),
		fmt.Sprintf("Server can't set maximum open files to %d because of OS error: %s.", want, reason),
		fmt.Sprintf("Current maximum open files is %d. maxclients has been reduced to %d to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.", best, fitted),
	}, true
}

// describe is an error as the C library words it: "Operation not permitted".
func describe(err error) string {
	text := err.Error()
	if text == "" {
		return text
	}
	return strings.ToUpper(text[:1]) + text[1:]
}
