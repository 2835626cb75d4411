package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// exercise is one "## Exercise N: title" of a step's EXERCISES.md.
type exercise struct {
	number int
	title  string
}

var headingPattern = regexp.MustCompile(`(?m)^## Exercise (\d+): (.+)$`)

func readExercises(stepDir string) ([]exercise, error) {
	text, err := os.ReadFile(filepath.Join(stepDir, "EXERCISES.md"))
	if err != nil {
		return nil, err
	}
	var list []exercise
	for _, m := range headingPattern.FindAllStringSubmatch(string(text), -1) {
		n, _ := strconv.Atoi(m[1])
		list = append(list, exercise{n, strings.TrimSpace(m[2])})
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("%s/EXERCISES.md has no \"## Exercise N: title\" headings", stepDir)
	}
	return list, nil
}

// testPattern matches the tests of exercise n: TestExercise3, TestExercise3Incr, ...
func testPattern(n int) *regexp.Regexp {
	return regexp.MustCompile(fmt.Sprintf(`\.TestExercise%d($|[^0-9/])`, n))
}

// verdict is how one exercise's tests went.
type verdict struct {
	tests   int    // top-level tests of the exercise
	passed  bool   // all of them passed
	failure string // the first failure, condensed
}

func judge(r result, n int) verdict {
	var v verdict
	pattern := testPattern(n)
	for _, name := range append(append(append([]string{}, r.passed...), r.failed...), r.skipped...) {
		if !strings.Contains(name, "/") && pattern.MatchString(name) {
			v.tests++
		}
	}
	v.passed = v.tests > 0
	for _, name := range r.failed { // subtests report before their parents
		if !pattern.MatchString(topLevel(name)) {
			continue
		}
		v.passed = false
		if v.failure == "" && !hasFailedChild(r.failed, name) {
			v.failure = firstFailure(r.output[name])
		}
	}
	return v
}

// topLevel strips subtest names: "pkg.TestX/ours" -> "pkg.TestX".
func topLevel(name string) string {
	if i := strings.Index(name, "/"); i >= 0 {
		return name[:i]
	}
	return name
}

// firstFailure condenses a failed test's output to its first assertion: testify's "Error:"
// block, or the first line that is not go test's own bookkeeping.
func firstFailure(output string) string {
	lines := strings.Split(output, "\n")
	for i, line := range lines {
		if strings.Contains(line, "Error:") {
			var parts []string
			for _, l := range lines[i:min(i+6, len(lines))] {
				l = strings.TrimSpace(l)
				if strings.HasPrefix(l, "Test:") || strings.HasPrefix(l, "Messages:") || strings.HasPrefix(l, "Diff:") {
					break
				}
				parts = append(parts, strings.TrimSpace(strings.TrimPrefix(l, "Error:")))
			}
			return strings.Join(parts, " ")
		}
	}
	for _, line := range lines {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "===") && !strings.HasPrefix(line, "---") {
			return line
		}
	}
	return "failed"
}

// checkExercises is `make check STEP=NN`: one line per exercise, then a summary. It succeeds
// only when every exercise passes.
func checkExercises(stepDir string) bool {
	list, err := readExercises(stepDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return false
	}
	r := runGoTest(stepDir, nil, "-count=1", "-run", "^TestExercise", ".")
	if r.buildErrors != "" && len(r.passed)+len(r.failed) == 0 {
		fmt.Print(r.buildErrors)
		return false
	}
	solved := 0
	for _, ex := range list {
		v := judge(r, ex.number)
		switch {
		case v.tests == 0:
			fmt.Printf("  ?  Exercise %d: %s: no test named TestExercise%d found\n", ex.number, ex.title, ex.number)
		case v.passed:
			solved++
			fmt.Printf("  ✓  Exercise %d: %s: passed\n", ex.number, ex.title)
		default:
			fmt.Printf("  ✗  Exercise %d: %s: not yet: %s\n", ex.number, ex.title, v.failure)
		}
	}
	fmt.Printf("%d of %d exercises pass\n", solved, len(list))
	for _, n := range r.notices {
		fmt.Println(n)
	}
	return solved == len(list)
}

// proveExercises shows that each exercise's test can tell a solution from a stub: it passes
// with the reference solution (build tag "solution") and fails against the untouched stub.
// If you have edited the stub file (exercises.go), the committed copy is used in its place,
// so your work never breaks this check.
func proveExercises(stepDir string) bool {
	list, err := readExercises(stepDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return false
	}
	solution := runGoTest(stepDir, nil, "-count=1", "-tags", "solution", "-run", "^TestExercise", ".")
	stubArgs := []string{"-count=1", "-run", "^TestExercise"}
	if overlay, ok := committedStubOverlay(stepDir); ok {
		defer os.Remove(overlay)
		stubArgs = append(stubArgs, "-overlay", overlay)
	}
	stub := runGoTest(stepDir, nil, append(stubArgs, ".")...)
	for _, r := range []result{solution, stub} {
		if len(r.passed)+len(r.failed) == 0 { // nothing ran: show why
			fmt.Print(r.buildErrors)
		}
	}
	ok := true
	for _, ex := range list {
		withSolution, withStub := judge(solution, ex.number), judge(stub, ex.number)
		switch {
		case withSolution.tests == 0:
			ok = false
			fmt.Printf("  ✗  %s exercise %d: no test named TestExercise%d\n", stepDir, ex.number, ex.number)
		case !withSolution.passed:
			ok = false
			fmt.Printf("  ✗  %s exercise %d: fails against the reference solution: %s\n", stepDir, ex.number, withSolution.failure)
		case withStub.passed:
			ok = false
			fmt.Printf("  ✗  %s exercise %d: passes against the stub, so it proves nothing\n", stepDir, ex.number)
		default:
			fmt.Printf("  ✓  %s exercise %d: passes with the solution, fails against the stub\n", stepDir, ex.number)
		}
	}
	for _, n := range solution.notices {
		fmt.Println(n)
	}
	return ok
}

// committedStubOverlay returns a `go build -overlay` file that swaps exercises.go for its
// committed version, when the working copy differs from it.
func committedStubOverlay(stepDir string) (string, bool) {
	stubPath, err := filepath.Abs(filepath.Join(stepDir, "exercises.go"))
	if err != nil {
		return "", false
	}
	if exec.Command("git", "-C", stepDir, "diff", "--quiet", "HEAD", "--", "exercises.go").Run() == nil {
		return "", false // unchanged, or not in a git checkout: use the file as it is
	}
	committed, err := exec.Command("git", "-C", stepDir, "show", "HEAD:./exercises.go").Output()
	if err != nil {
		return "", false
	}
	dir, err := os.MkdirTemp("", "course-stub")
	if err != nil {
		return "", false
	}
	copyPath := filepath.Join(dir, "exercises.go")
	if os.WriteFile(copyPath, committed, 0o644) != nil {
		return "", false
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{stubPath: copyPath}})
	overlayPath := filepath.Join(dir, "overlay.json")
	if os.WriteFile(overlayPath, overlay, 0o644) != nil {
		return "", false
	}
	fmt.Printf("  (%s/exercises.go has your changes: proving against its committed copy)\n", stepDir)
	return overlayPath, true
}
