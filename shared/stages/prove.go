package stages

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"byoredis/shared/redistest"
)

// serveEnv, set in a test binary's environment, makes it run the step's server instead of
// its tests: that is how a step's tests start their own server as a process, with a
// command line, exactly as the grader starts a learner's.
const serveEnv = "BYOREDIS_SERVE"

// ServeIfAsked runs main and exits when the test binary was started as the step's server
// (see Prove). Call it first thing in a step's TestMain.
func ServeIfAsked(main func()) {
	if os.Getenv(serveEnv) == "1" {
		main()
		os.Exit(0)
	}
}

// ThisServer is the step's own server as a Target: this test binary, run as the server.
// The step's TestMain must call ServeIfAsked.
func ThisServer(t testing.TB) Target {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Target{Command: shellQuote(exe), Env: []string{serveEnv + "=1"}}
}

// RealRedis is a real redis-server as a Target, listening on 127.0.0.1 only. The test is
// skipped with a notice when redis-server is not installed (or fails, with REQUIRE_REDIS=1).
func RealRedis(t testing.TB) Target {
	program := redistest.RequireTool(t, "redis-server")
	ref, _ := redistest.FindReference() // RequireTool has checked it
	return Target{Command: shellQuote(program) + " --bind 127.0.0.1", Reference: &ref}
}

// Prove runs every stage a server of this step must pass against ours, and against a real
// redis-server, as subtests "NN-name/ours" and "NN-name/redis". Passing on Redis proves the
// stage asks for Redis's behaviour; passing on ours proves the step teaches it. A stage that
// real Redis cannot pass (step 01's echo) must fail against it.
func Prove(t *testing.T, step int, ours Target) {
	for _, st := range For(step) {
		t.Run(strings.ReplaceAll(st.ID(), "/", "-"), func(t *testing.T) {
			// Each stage has servers, ports and a directory of its own, and spends most of its
			// time waiting for processes to start and stop: stages run side by side.
			t.Parallel()
			t.Run("ours", func(t *testing.T) {
				if err := Run(ours, st); err != nil {
					t.Errorf("stage %s (%s):\n%v", st.ID(), st.Title, err)
				}
			})
			t.Run("redis", func(t *testing.T) {
				err := Run(RealRedis(t), st)
				if st.NotRedis != "" { // then the stage must tell Redis from the step's server
					if err == nil {
						t.Errorf("stage %s says real Redis cannot pass it (%s), but it did", st.ID(), st.NotRedis)
					}
					return
				}
				if err != nil {
					t.Errorf("stage %s (%s), against real Redis:\n%v", st.ID(), st.Title, err)
				}
			})
		})
	}
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Process is a server started from a Target for a step's own tests: how it fails, exits
// and starts again, where a stage's Session is not enough.
type Process struct {
	t testing.TB
	p *process
}

// Launch starts target in dir with --port N and args, as a stage starts it, and waits until
// it answers; it is killed when the test ends.
func Launch(t testing.TB, target Target, dir string, args ...string) *Process {
	t.Helper()
	p, err := start(target, dir, args)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.kill)
	return &Process{t: t, p: p}
}

// Restart starts the server again after Stop, in the same directory and on the same port,
// with args (as a master its replicas reconnect to); it waits until it answers.
func (p *Process) Restart(target Target, dir string, args ...string) {
	p.t.Helper()
	_, port, _ := net.SplitHostPort(p.p.addr)
	n, _ := strconv.Atoi(port)
	started, err := startOn(target, dir, args, n)
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(started.kill)
	p.p = started
}

// Addr is the server's address, host:port.
func (p *Process) Addr() string { return p.p.addr }

// Printed is the end of what the server has printed so far: its log.
func (p *Process) Printed() string { return p.p.output.show() }

// Stop shuts the server down with SIGTERM, as an operator would, and waits for it to exit.
func (p *Process) Stop() {
	p.t.Helper()
	if err := p.p.stop(); err != nil {
		p.t.Fatal(err)
	}
}

// Signal sends the server a signal (SIGTERM, SIGINT...) and returns at once.
func (p *Process) Signal(sig os.Signal) {
	p.t.Helper()
	if err := p.p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
}

// Exit waits for the server to exit by itself, and returns its exit code and the end of
// what it printed.
func (p *Process) Exit() (code int, printed string) {
	p.t.Helper()
	select {
	case <-p.p.exited:
	case <-time.After(stopTimeout):
		p.t.Fatalf("the server was still running %v later%s", stopTimeout, p.p.output.show())
	}
	p.p.output.mu.Lock()
	defer p.p.output.mu.Unlock()
	return p.p.cmd.ProcessState.ExitCode(), string(p.p.output.buf)
}
