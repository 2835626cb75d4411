// Command course runs the course's tests and checks the learner's exercises. The Makefile is
// its user interface:
//
//	course test MODULE...      every test of each module, with -race, and a summary (make test)
//	course check STEP          which exercises of a step pass against your code (make check)
//	course prove STEP [RUNS]   every exercise's test passes against the reference solution and
//	                           fails against the untouched stub and against every trap, a wrong
//	                           answer a hint warns about, in each of RUNS runs (part of make test)
//	course grade STEP SERVER   the stages of steps 01 to STEP against any server (make grade)
//	course starter DIR         a new Go module for the build-your-own track (make starter)
//	course diff STEP [tests]   what the step adds to the one before it (make diff)
//	course doctor              what the course needs on this machine (make doctor)
//	course docs                the shell lines the docs quote, run in order (make docs)
//
// STEP is 3, 03 or 03-get-set.
//
// Exercises are the tests named TestExercise<N>... in a step; their titles come from the
// "## Exercise N: title" headings of the step's EXERCISES.md.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) == 2 && (os.Args[1] == "doctor" || os.Args[1] == "docs") {
		if !map[string]func() bool{"doctor": doctor, "docs": runDocs}[os.Args[1]]() {
			os.Exit(1)
		}
		return
	}
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: course test MODULE... | course check STEP | course prove STEP [RUNS] | course grade STEP SERVER | course starter DIR | course diff STEP [tests] | course doctor | course docs")
		os.Exit(2)
	}
	var ok bool
	switch os.Args[1] {
	case "test":
		ok = testModules(os.Args[2:])
	case "check", "prove":
		dir, _, err := resolveStep(os.Args[2])
		if err != nil {
			fmt.Println(err)
			os.Exit(2)
		}
		if os.Args[1] == "check" {
			ok = checkExercises(dir)
		} else {
			runs := 1
			if len(os.Args) > 3 {
				runs, _ = strconv.Atoi(os.Args[3])
			}
			ok = proveExercises(dir) && proveTraps(dir, max(runs, 1))
		}
	case "diff":
		ok = diffStep(os.Args[2], len(os.Args) > 3 && os.Args[3] == "tests")
	case "starter":
		ok = createStarter(os.Args[2])
	case "grade":
		ok = gradeServer(os.Args[2], strings.Join(os.Args[3:], " "))
	default:
		fmt.Fprintf(os.Stderr, "course: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}
