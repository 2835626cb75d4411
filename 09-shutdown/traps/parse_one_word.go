//go:build ignore

// Exercise 1: reading the value as one word, so that "nosave now" is refused where Redis takes both

package main

import "errors"

func parseShutdownFlags(value string) (int, error) {
	switch value {
	case "default":
		return 0, nil
	case "save":
		return shutdownSave, nil
	case "nosave":
		return shutdownNoSave, nil
	case "now":
		return shutdownNow, nil
	case "force":
		return shutdownForce, nil
	}
	return 0, errors.New("argument(s) must be one of the following: default, save, nosave, now, force")
}
