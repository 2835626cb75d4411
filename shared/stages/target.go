package stages

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"byoredis/shared/redistest"
)

// ServerTarget turns SERVER (make grade, make bench) into a command line. A folder holding a Go module is built
// first (that is how the build-your-own starter is graded); a relative program path is made
// absolute, because each stage runs the server in a directory of its own.
func ServerTarget(server string) (Target, func(), error) {
	nothing := func() {}
	server = strings.TrimSpace(server)
	if server == "" {
		return Target{}, nothing, fmt.Errorf("name the server to grade: SERVER=redis-server, SERVER=./path/to/your/binary, or SERVER=<folder of your Go module>")
	}
	program, rest, _ := strings.Cut(server, " ")
	if info, err := os.Stat(program); err == nil && info.IsDir() {
		if _, err := os.Stat(filepath.Join(program, "go.mod")); err != nil {
			return Target{}, nothing, fmt.Errorf("%s is a folder without a go.mod: name a program, or the folder of a Go module", program)
		}
		tmp, err := os.MkdirTemp("", "grade-")
		if err != nil {
			return Target{}, nothing, err
		}
		bin := filepath.Join(tmp, "server")
		build := exec.Command("go", "build", "-o", bin, ".")
		build.Dir = program
		build.Env = append(os.Environ(), "GOWORK=off")
		if out, err := build.CombinedOutput(); err != nil {
			os.RemoveAll(tmp)
			return Target{}, nothing, fmt.Errorf("go build in %s failed:\n%s", program, out)
		}
		fmt.Printf("built %s\n", program)
		return Target{Command: bin + " " + rest}, func() { os.RemoveAll(tmp) }, nil
	}
	if strings.Contains(program, "/") && !filepath.IsAbs(program) {
		abs, err := filepath.Abs(program)
		if err != nil {
			return Target{}, nothing, err
		}
		program = abs
	}
	path, err := exec.LookPath(program)
	if err != nil {
		return Target{}, nothing, fmt.Errorf("cannot run %q: %v", program, err)
	}
	target := Target{Command: program + " " + rest}
	if base := filepath.Base(path); base == "redis-server" || base == "valkey-server" { // real Redis: which one?
		if ref, err := redistest.ReferenceOf(path); err == nil {
			target.Reference = &ref
		}
	}
	return target, nothing, nil
}
