package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"byoredis/shared/stages"
)

// gradeServer is `make grade STEP=NN SERVER=<command>`: it runs the stages of steps 01 to NN
// against the server, step by step, one line per stage, and stops after the first step
// that has a failing stage. It succeeds only when every stage passes.
func gradeServer(stepArg, server string) bool {
	_, last, err := resolveStep(stepArg)
	if err != nil {
		fmt.Println(err)
		return false
	}
	if last > stages.LastStep() {
		fmt.Printf("step %02d has no stages yet; grading the stages of steps 01 to %02d\n", last, stages.LastStep())
		last = stages.LastStep()
	}
	target, cleanup, err := serverTarget(server)
	if err != nil {
		fmt.Println(err)
		return false
	}
	defer cleanup()

	dirs := map[int]string{}
	for _, d := range stepDirs() {
		var n int
		fmt.Sscanf(d, "%d", &n)
		dirs[n] = d
	}
	var summary []string
	allPass := true
	for step := 1; step <= last && allPass; step++ {
		var list []*stages.Stage
		for _, st := range stages.For(last) {
			if st.Step == step {
				list = append(list, st)
			}
		}
		if len(list) == 0 {
			continue
		}
		fmt.Printf("== %s\n", dirs[step])
		passed := 0
		for _, st := range list {
			if err := stages.Run(target, st); err != nil {
				allPass = false
				fmt.Printf("  ✗  %s: %s\n%s\n      taught in %s\n", st.ID(), st.Title, indentBy(err.Error(), 6), st.Guide)
				if st.Hint != "" {
					fmt.Printf("      hint: %s\n", st.Hint)
				}
				continue
			}
			passed++
			fmt.Printf("  ✓  %s: %s\n", st.ID(), st.Title)
		}
		summary = append(summary, fmt.Sprintf("%02d: %d of %d stages pass", step, passed, len(list)))
	}
	fmt.Println()
	for _, line := range summary {
		fmt.Println(line)
	}
	if allPass {
		fmt.Printf("Every stage up to step %02d passes.\n", last)
	} else {
		fmt.Println("Stopped at the first step with a failing stage: fix it, then run the same command again.")
	}
	return allPass
}

// serverTarget turns SERVER into a command line. A folder holding a Go module is built
// first (that is how the build-your-own starter is graded); a relative program path is made
// absolute, because each stage runs the server in a directory of its own.
func serverTarget(server string) (stages.Target, func(), error) {
	nothing := func() {}
	server = strings.TrimSpace(server)
	if server == "" {
		return stages.Target{}, nothing, fmt.Errorf("name the server to grade: SERVER=redis-server, SERVER=./path/to/your/binary, or SERVER=<folder of your Go module>")
	}
	program, rest, _ := strings.Cut(server, " ")
	if info, err := os.Stat(program); err == nil && info.IsDir() {
		if _, err := os.Stat(filepath.Join(program, "go.mod")); err != nil {
			return stages.Target{}, nothing, fmt.Errorf("%s is a folder without a go.mod: name a program, or the folder of a Go module", program)
		}
		tmp, err := os.MkdirTemp("", "grade-")
		if err != nil {
			return stages.Target{}, nothing, err
		}
		bin := filepath.Join(tmp, "server")
		build := exec.Command("go", "build", "-o", bin, ".")
		build.Dir = program
		build.Env = append(os.Environ(), "GOWORK=off")
		if out, err := build.CombinedOutput(); err != nil {
			os.RemoveAll(tmp)
			return stages.Target{}, nothing, fmt.Errorf("go build in %s failed:\n%s", program, out)
		}
		fmt.Printf("built %s\n", program)
		return stages.Target{Command: bin + " " + rest}, func() { os.RemoveAll(tmp) }, nil
	}
	if strings.Contains(program, "/") && !filepath.IsAbs(program) {
		abs, err := filepath.Abs(program)
		if err != nil {
			return stages.Target{}, nothing, err
		}
		program = abs
	}
	if _, err := exec.LookPath(program); err != nil {
		return stages.Target{}, nothing, fmt.Errorf("cannot run %q: %v", program, err)
	}
	return stages.Target{Command: program + " " + rest}, nothing, nil
}

func indentBy(text string, n int) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(text, "\n", "\n"+pad)
}
