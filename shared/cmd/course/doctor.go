package main

import (
	"cmp"
	"fmt"
	"net"
	"os/exec"
	"runtime"
	"strconv"
	"strings"

	"byoredis/shared/redistest"
)

// doctor is `make doctor`: what the course needs on this machine, each with what to do when it
// is missing. It fails only when something the course cannot run without is missing.
func doctor() bool {
	ok := true
	report := func(good bool, what, todo string) {
		if good {
			fmt.Println("  ✓  " + what)
			return
		}
		fmt.Println("  ✗  " + what + "\n       " + todo)
	}

	goVersion, err := exec.Command("go", "env", "GOVERSION").Output()
	version := strings.TrimSpace(string(goVersion))
	goodGo := err == nil && goAtLeast(version, 1, 26)
	report(goodGo, "Go: "+cmp.Or(version, "not found"), "the steps need Go 1.26 or later: https://go.dev/dl/")
	ok = ok && goodGo

	ref, err := redistest.FindReference()
	switch {
	case err != nil:
		report(false, "real Redis: "+err.Error(), "the tests compare every step with it and skip those comparisons without it: "+redistest.InstallHint)
	case !ref.Supported():
		report(false, "real Redis: "+ref.String(), "the course supports "+redistest.SupportedReferences+": "+redistest.InstallHint)
	default:
		report(true, "real Redis: "+ref.String(), "")
	}
	for _, tool := range []string{"redis-cli", "redis-benchmark", "redis-check-aof", "redis-check-rdb"} {
		path, err := redistest.LookTool(tool)
		report(err == nil, tool+": "+cmp.Or(path, "not found"), "the READMEs and some tests use it; it comes with the Redis tools: "+redistest.InstallHint)
	}

	path, err := exec.LookPath("nc")
	report(err == nil, "nc: "+cmp.Or(path, "not found"), "steps 01 and 02 talk to the server with it: apt-get install netcat-openbsd (macOS has it)")
	if runtime.GOOS == "linux" {
		path, err := exec.LookPath("taskset")
		report(err == nil, "taskset: "+cmp.Or(path, "not found"), "the benchmark pins each server to one core with it (apt-get install util-linux); without it the ratios spread more")
	} else {
		fmt.Println("  -  taskset: Linux only. On " + runtime.GOOS + " the benchmark cannot pin a server to one core, so servers " +
			"that use several cores (ours) are measured against Redis's one: compare ratios from the same run only")
	}

	var taken []string
	for port := 6380; port <= 6390; port++ {
		if ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port)); err != nil {
			taken = append(taken, strconv.Itoa(port))
		} else {
			ln.Close()
		}
	}
	report(len(taken) == 0, "ports 6380-6390 free on 127.0.0.1"+map[bool]string{true: "", false: " but " + strings.Join(taken, ", ")}[len(taken) == 0],
		"something listens there (an earlier server still running?); run a step on another port: PORT=7000 make 03-get-set")
	return ok
}

// goAtLeast reports whether a "go1.26.1" version is at least major.minor.
func goAtLeast(version string, major, minor int) bool {
	parts := strings.SplitN(strings.TrimPrefix(version, "go"), ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	return err1 == nil && err2 == nil && (ma > major || ma == major && mi >= minor)
}
