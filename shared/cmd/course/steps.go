package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

var stepDirPattern = regexp.MustCompile(`^(\d\d)-[a-z0-9-]+$`)

// stepDirs lists the step folders in the current directory (the course's root), in order.
func stepDirs() []string {
	entries, _ := os.ReadDir(".")
	var dirs []string
	for _, e := range entries {
		if e.IsDir() && stepDirPattern.MatchString(e.Name()) {
			dirs = append(dirs, e.Name())
		}
	}
	return dirs
}

// resolveStep accepts a step as 3, 03 or 03-get-set and returns its folder and number.
func resolveStep(arg string) (dir string, number int, err error) {
	arg = strings.TrimSuffix(strings.TrimSpace(arg), "/")
	dirs := stepDirs()
	for _, d := range dirs {
		n, _ := strconv.Atoi(d[:2])
		if arg == d || arg == d[:2] || arg == strconv.Itoa(n) {
			return d, n, nil
		}
	}
	if arg == "" {
		return "", 0, fmt.Errorf("name a step: STEP=3, STEP=03 or STEP=03-get-set. The steps are:\n  %s", strings.Join(dirs, "\n  "))
	}
	return "", 0, fmt.Errorf("there is no step %q. The steps are:\n  %s", arg, strings.Join(dirs, "\n  "))
}
