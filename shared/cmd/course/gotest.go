package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
)

// event is one line of `go test -json` output.
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// result is what one `go test -json` run found.
type result struct {
	passed, failed, skipped []string          // test names, subtests included
	output                  map[string]string // test name -> its output
	notices                 []string          // skip notices, once each
	buildErrors             string
	exitOK                  bool
}

// runGoTest runs `go test -json args...` in dir and collects the results.
func runGoTest(dir string, env []string, args ...string) result {
	cmd := exec.Command("go", append([]string{"test", "-json"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		panic(err)
	}
	if err := cmd.Start(); err != nil {
		return result{buildErrors: err.Error()}
	}
	r := parseEvents(stdout)
	r.exitOK = cmd.Wait() == nil
	return r
}

func parseEvents(in io.Reader) result {
	r := result{output: map[string]string{}}
	seenNotice := map[string]bool{}
	running := map[string]bool{} // tests started and not yet ended
	lines := bufio.NewScanner(in)
	lines.Buffer(make([]byte, 1<<20), 1<<24)
	for lines.Scan() {
		var e event
		if json.Unmarshal(lines.Bytes(), &e) != nil {
			r.buildErrors += lines.Text() + "\n"
			continue
		}
		name := e.Test
		if name != "" {
			name = shortPackage(e.Package) + "." + name
		}
		switch e.Action {
		case "run":
			running[name] = true
		case "output":
			if name == "" {
				if strings.HasPrefix(e.Output, "FAIL") || strings.Contains(e.Output, "panic:") {
					r.buildErrors += e.Output
				}
				continue
			}
			r.output[name] += e.Output
			if i := strings.Index(e.Output, "NOTICE:"); i >= 0 && !seenNotice[e.Output[i:]] {
				seenNotice[e.Output[i:]] = true
				r.notices = append(r.notices, strings.TrimSpace(e.Output[i:]))
			}
		case "build-output":
			r.buildErrors += e.Output
		case "pass":
			if name != "" {
				r.passed = append(r.passed, name)
			}
		case "fail":
			if name != "" {
				r.failed = append(r.failed, name)
			}
		case "skip":
			if name != "" {
				r.skipped = append(r.skipped, name)
			}
		}
		if e.Action == "pass" || e.Action == "fail" || e.Action == "skip" {
			delete(running, name)
		}
	}
	// A panic or a timeout ends the test binary with tests still running: they failed,
	// deepest first, as go test reports subtests before their parents.
	var crashed []string
	for name := range running {
		if name != "" {
			crashed = append(crashed, name)
		}
	}
	sort.Slice(crashed, func(i, j int) bool { return len(crashed[i]) > len(crashed[j]) })
	r.failed = append(r.failed, crashed...)
	return r
}

// isSubtest reports whether a test's name ("03-get-set.TestX", "10-benchmark/bench.TestX/case")
// is a subtest's.
func isSubtest(name string) bool { return strings.Contains(name[strings.Index(name, ".")+1:], "/") }

func shortPackage(pkg string) string {
	if i := strings.Index(pkg, "/"); i >= 0 {
		return pkg[i+1:]
	}
	return pkg
}

// testModules runs every test of each module with the race detector, leaving out the exercise
// tests (which fail until the learner solves them; `course prove` runs those), and prints
// failures in full, skip notices once, and a closing summary line.
func testModules(modules []string) bool {
	var passed, failed, skipped int
	var notices []string
	ok := true
	// Two modules at a time, the last (the largest) first: their tests spend much of their
	// time waiting for server processes, replicas and the network: one module at a time,
	// make test kept two cores 57% busy. Servers side by side take different ports
	// (redistest.FreePort).
	// The results are printed in the modules' order.
	results := make([]chan result, len(modules))
	for i := range modules {
		results[i] = make(chan result, 1)
	}
	go func() {
		slots := make(chan struct{}, 2)
		for i := len(modules) - 1; i >= 0; i-- {
			slots <- struct{}{}
			go func() {
				defer func() { <-slots }()
				// -parallel 8: the grader stages run side by side (stages.Prove), mostly
				// waiting for server processes to start and stop; eight at a time take a sixth
				// of the time on two cores.
				results[i] <- runGoTest(modules[i], nil, "-race", "-count=1", "-parallel", "8", "-skip", "^TestExercise", "./...")
			}()
		}
	}()
	for i, mod := range modules {
		fmt.Printf("== %s\n", mod)
		r := <-results[i]
		for _, name := range r.failed {
			if !hasFailedChild(r.failed, name) {
				fmt.Printf("--- FAIL: %s\n%s", name, r.output[name])
			}
		}
		if r.buildErrors != "" {
			fmt.Print(r.buildErrors)
		}
		if !r.exitOK {
			ok = false
		}
		fmt.Printf("   %d passed, %d failed, %d skipped\n", len(r.passed), len(r.failed), len(r.skipped))
		passed, failed, skipped = passed+len(r.passed), failed+len(r.failed), skipped+len(r.skipped)
		notices = append(notices, r.notices...)
	}
	sort.Strings(notices)
	notices = dedupe(notices)
	for _, n := range notices {
		fmt.Println(n)
	}
	if !ok && failed == 0 {
		failed = 1 // a build failure or a crash outside any test
	}
	fmt.Printf("tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped)
	return ok
}

// hasFailedChild reports whether a subtest of name also failed (then the child's output is
// the useful one, and printing the parent too would repeat it).
func hasFailedChild(failed []string, name string) bool {
	for _, f := range failed {
		if strings.HasPrefix(f, name+"/") {
			return true
		}
	}
	return false
}

func dedupe(sorted []string) []string {
	var out []string
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}
