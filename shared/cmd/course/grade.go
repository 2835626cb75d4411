package main

import (
	"fmt"
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
	target, cleanup, err := stages.ServerTarget(server)
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
			if st.Waits != "" {
				fmt.Printf("  …  %s: waits %s\n", st.ID(), st.Waits)
			}
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

func indentBy(text string, n int) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(text, "\n", "\n"+pad)
}
