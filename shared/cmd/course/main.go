// Command course runs the course's tests and checks the learner's exercises. The Makefile is
// its user interface:
//
//	course test MODULE...   every test of each module, with -race, and a summary (make test)
//	course check STEPDIR    which exercises of a step pass against your code (make check)
//	course prove STEPDIR    every exercise's test passes against the reference solution and
//	                        fails against the untouched stub (part of make test)
//
// Exercises are the tests named TestExercise<N>... in a step; their titles come from the
// "## Exercise N: title" headings of the step's EXERCISES.md.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: course test MODULE... | course check STEPDIR | course prove STEPDIR")
		os.Exit(2)
	}
	var ok bool
	switch os.Args[1] {
	case "test":
		ok = testModules(os.Args[2:])
	case "check":
		ok = checkExercises(os.Args[2])
	case "prove":
		ok = proveExercises(os.Args[2])
	default:
		fmt.Fprintf(os.Stderr, "course: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}
