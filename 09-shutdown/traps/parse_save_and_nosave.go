//go:build ignore

// Exercise 1: taking "save nosave" as both, where Redis refuses the contradiction

package main

import (
	"errors"
	"strings"
)

func parseShutdownFlags(value string) (int, error) {
	flags := 0
	for _, word := range strings.Fields(strings.ToLower(value)) {
		switch word {
		case "default":
		case "save":
			flags |= shutdownSave
		case "nosave":
			flags |= shutdownNoSave
		case "now":
			flags |= shutdownNow
		case "force":
			flags |= shutdownForce
		default:
			return 0, errors.New("argument(s) must be one of the following: default, save, nosave, now, force")
		}
	}
	return flags, nil
}
