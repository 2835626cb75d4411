package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
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
	tests      int      // top-level tests of the exercise
	names      []string // their names
	passed     bool     // all of them passed
	failedTest string   // the first test that failed, subtest included
	failure    string   // its failure, condensed
}

func judge(r result, n int) verdict {
	var v verdict
	pattern := testPattern(n)
	for _, name := range append(append(append([]string{}, r.passed...), r.failed...), r.skipped...) {
		if !isSubtest(name) && pattern.MatchString(name) {
			v.tests++
			v.names = append(v.names, name[strings.Index(name, ".")+1:])
		}
	}
	v.passed = v.tests > 0
	for _, name := range r.failed { // subtests report before their parents
		if !pattern.MatchString(topLevel(name)) {
			continue
		}
		v.passed = false
		if v.failure == "" && !hasFailedChild(r.failed, name) {
			v.failedTest = name[strings.Index(name, ".")+1:]
			v.failure = firstFailure(r.output[name])
		}
	}
	return v
}

// topLevel strips subtest names: "pkg.TestX/ours" -> "pkg.TestX".
func topLevel(name string) string {
	dot := strings.Index(name, ".")
	if i := strings.Index(name[dot+1:], "/"); i >= 0 {
		return name[:dot+1+i]
	}
	return name
}

// firstFailure condenses a failed test's output to what a learner needs: for a panic, its
// message and the line of the step's code it came from; for a failed assertion, the request
// sent, the reply expected and the reply received, and where; for a timeout, what the test
// was waiting for.
func firstFailure(output string) string {
	if i := strings.Index(output, "test timed out"); i >= 0 { // go test's own panic, so before panics
		return strings.SplitN(output[i:], "\n", 2)[0] + ": the code never returned (a deadlock, or a loop that does not end)" + stuckSite(output[i:])
	}
	lines := strings.Split(output, "\n")
	for i, line := range lines {
		if msg, ok := strings.CutPrefix(strings.TrimSpace(line), "panic: "); ok {
			return "panic: " + msg + panicSite(lines[i+1:])
		}
	}
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "Error Trace:") {
			return assertion(lines[i:])
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

// ownFrame finds, in a goroutine dump, the first frame in the step's own code (not Go's,
// not a module's, not the course's shared harness, not a test's) and returns it as
// "file.go:line (function)".
func ownFrame(dump []string) (string, bool) {
	for i := 0; i+1 < len(dump); i++ {
		fn, loc := strings.TrimSpace(dump[i]), strings.TrimSpace(dump[i+1])
		if !strings.HasPrefix(dump[i+1], "\t") || !strings.Contains(fn, "(") {
			continue
		}
		if j := strings.LastIndex(loc, " +0x"); j >= 0 {
			loc = loc[:j]
		}
		file, _, ok := strings.Cut(loc, ".go:")
		if !ok || strings.Contains(file, "/go/src/") || strings.Contains(file, "/pkg/mod/") ||
			strings.Contains(file, "/shared/redistest/") || strings.Contains(file, "/shared/resp/") || strings.HasSuffix(file, "_test") {
			continue
		}
		name := fn[strings.LastIndex(fn, "/")+1:]
		if j := strings.Index(name, "("); j > 0 && !strings.HasPrefix(name[j:], "(*") {
			name = name[:j]
		}
		return fmt.Sprintf("%s (%s)", filepath.Base(loc), name), true
	}
	return "", false
}

// panicSite says where in the step's code a panic came from.
func panicSite(stack []string) string {
	if frame, ok := ownFrame(stack); ok {
		return "\n  at " + frame
	}
	return ""
}

// stuckSite says where the step's own code was waiting when a test timed out.
func stuckSite(dump string) string {
	if frame, ok := ownFrame(strings.Split(dump, "\n")); ok {
		return "\n  one goroutine was at " + frame
	}
	return ""
}

// assertion turns testify's failure block into expected/received lines, the request that
// was sent (the harness puts it in the message), and where the check is.
func assertion(block []string) string {
	fields := map[string]string{}
	key := ""
	for _, line := range block {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "--- FAIL") || strings.HasPrefix(line, "--- PASS") || line == "FAIL" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && (k == "Error Trace" || k == "Error" || k == "Test" || k == "Messages") {
			if _, seen := fields[k]; seen {
				break // the next failure of the same test: only the first is shown, whole
			}
			key = k
			fields[key] = strings.TrimSpace(v)
			continue
		}
		if line == "Diff:" {
			key = "Diff" // testify's diff repeats expected and actual: left out
		}
		if (key == "Error" || key == "Error Trace") && line != "" {
			fields[key] += "\n" + line
		}
	}
	var out []string
	if sent, ok := strings.CutPrefix(fields["Messages"], "sent "); ok {
		out = append(out, "sent:     "+sent)
	} else if fields["Messages"] != "" {
		out = append(out, fields["Messages"])
	}
	for _, line := range strings.Split(fields["Error"], "\n") {
		switch {
		case strings.HasPrefix(line, "expected:"):
			out = append(out, "expected: "+strings.TrimSpace(strings.TrimPrefix(line, "expected:")))
		case strings.HasPrefix(line, "actual"):
			_, v, _ := strings.Cut(line, ":")
			out = append(out, "received: "+strings.TrimSpace(v))
		case line != "" && line != "Not equal:":
			out = append(out, line)
		}
	}
	for _, frame := range strings.Split(fields["Error Trace"], "\n") { // the test's own line, if it is there
		if strings.HasSuffix(strings.Split(frame, ":")[0], "_test.go") {
			out = append(out, "checked at "+checkedAt(frame))
			break
		}
	}
	return strings.Join(out, "\n")
}

// checkedAt names a test's file and line as the learner finds it from the step's folder:
// "exercises_test.go:70", or "bench/exercises_test.go:70" for a step whose exercises are in a
// sub-package.
func checkedAt(frame string) string {
	where := filepath.Base(frame)
	if parent := filepath.Base(filepath.Dir(frame)); parent != "." && parent != "/" && !stepDirPattern.MatchString(parent) {
		where = parent + "/" + where
	}
	return where
}

// checkTimeout ends an exercise whose code never returns (a deadlock, an endless loop): go
// test then reports the test that was running, and where every goroutine was waiting.
const checkTimeout = "60s"

// checkExercises is `make check STEP=NN`: one line per exercise, then a summary. It succeeds
// only when every exercise passes.
func checkExercises(stepDir string) bool {
	list, err := readExercises(stepDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return false
	}
	solved := 0
	var notices []string
	for _, ex := range list {
		// One run per exercise, so that a panic in one (which ends the test binary) does
		// not hide how the others do.
		r := runGoTest(stepDir, nil, "-count=1", "-timeout", checkTimeout, "-run", fmt.Sprintf("^TestExercise%d($|[^0-9])", ex.number), exercisePackage(stepDir))
		if len(r.passed)+len(r.failed)+len(r.skipped) == 0 && r.buildErrors != "" {
			fmt.Printf("Your code does not compile yet:\n%s", r.buildErrors)
			return false
		}
		notices = append(notices, r.notices...)
		v := judge(r, ex.number)
		switch {
		case v.tests == 0:
			fmt.Printf("  ?  Exercise %d: %s: no test named TestExercise%d found\n", ex.number, ex.title, ex.number)
		case v.passed:
			solved++
			fmt.Printf("  ✓  Exercise %d: %s (%s): passed\n", ex.number, ex.title, strings.Join(v.names, ", "))
		default:
			fmt.Printf("  ✗  Exercise %d: %s: not yet, %s fails:\n%s\n", ex.number, ex.title, v.failedTest, indentBy(v.failure, 8))
		}
	}
	fmt.Printf("%d of %d exercises pass\n", solved, len(list))
	sort.Strings(notices)
	for _, n := range dedupe(notices) {
		fmt.Println(n)
	}
	return solved == len(list)
}

// proveExercises shows that each exercise's test can tell a solution from a stub: it passes
// with the reference solution (build tag "solution") and fails against the untouched stub.
// The untouched stub is the copy in testdata/, so that your work in exercises.go, committed
// or not, never breaks this check.
func proveExercises(stepDir string) bool {
	list, err := readExercises(stepDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return false
	}
	overlay, cleanup, err := pristineStubOverlay(stepDir)
	if err != nil {
		fmt.Println(err)
		return false
	}
	defer cleanup()
	solution := runGoTest(stepDir, nil, "-count=1", "-tags", "solution", "-run", "^TestExercise", exercisePackage(stepDir))
	stubArgs := []string{"-count=1", "-run", "^TestExercise"}
	if overlay != "" {
		stubArgs = append(stubArgs, "-overlay", overlay)
	}
	stub := runGoTest(stepDir, nil, append(stubArgs, exercisePackage(stepDir))...)
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

// pristineStub is where each step keeps an untouched copy of its exercises.go, beside it.
const pristineStub = "testdata/exercises.go.stub"

// exercisePackage is the package, inside the step, that holds the step's exercises (and
// their solution.go, traps/ and testdata/): the step's own, ".", or the one sub-package that
// has an exercises.go (step 10's are parts of its benchmark, "./bench").
func exercisePackage(stepDir string) string {
	if _, err := os.Stat(filepath.Join(stepDir, "exercises.go")); err == nil {
		return "."
	}
	if found, _ := filepath.Glob(filepath.Join(stepDir, "*", "exercises.go")); len(found) == 1 {
		return "./" + filepath.Base(filepath.Dir(found[0]))
	}
	return "."
}

// pristineStubOverlay returns a `go build -overlay` file that swaps exercises.go for the
// pristine stub, when the two differ (you have started the exercises), or "" when they are
// the same. In CI (CI=true) they must be the same: a stub changed without its copy is a
// mistake in the course.
func pristineStubOverlay(stepDir string) (string, func(), error) {
	nothing := func() {}
	dir := filepath.Join(stepDir, exercisePackage(stepDir))
	stub, err := os.ReadFile(filepath.Join(dir, pristineStub))
	if err != nil {
		return "", nothing, fmt.Errorf("%s: the pristine copy of exercises.go is missing: %v", dir, err)
	}
	current, _ := os.ReadFile(filepath.Join(dir, "exercises.go"))
	if string(current) == string(stub) {
		return "", nothing, nil
	}
	if os.Getenv("CI") == "true" {
		return "", nothing, fmt.Errorf("%s/exercises.go differs from %s: change both together", dir, pristineStub)
	}
	fmt.Printf("  (%s/exercises.go holds your work: proving against the pristine stub)\n", dir)
	return overlayFile(filepath.Join(dir, "exercises.go"), stub)
}

// overlayFile writes contents to a temporary file and returns a `go build -overlay` file
// that puts it in the place of path, and a function that removes both.
func overlayFile(path string, contents []byte) (string, func(), error) {
	nothing := func() {}
	target, err := filepath.Abs(path)
	if err != nil {
		return "", nothing, err
	}
	dir, err := os.MkdirTemp("", "course-overlay")
	if err != nil {
		return "", nothing, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	replacement := filepath.Join(dir, filepath.Base(path))
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{target: replacement}})
	overlayPath := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(replacement, contents, 0o644); err != nil {
		cleanup()
		return "", nothing, err
	}
	if err := os.WriteFile(overlayPath, overlay, 0o644); err != nil {
		cleanup()
		return "", nothing, err
	}
	return overlayPath, cleanup, nil
}
