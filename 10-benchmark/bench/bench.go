// Package bench is the course's benchmark: real Redis and the servers named, side by side,
// in rounds that take turns, in the scenarios of scenarios.go, with a table, a JSON file and
// an HTML report (report.go). Its load generator (loadgen.go) holds step 10's exercises.
package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"byoredis/shared/stages"
)

// pinnedEnv marks a benchmark already running on one core, so that it re-executes itself
// only once.
const pinnedEnv = "BYOREDIS_BENCH_PINNED"

// Main is the bench command (cmd/bench): every server named, side by side with real Redis,
// in the scenarios asked for. It returns the exit code.
func Main(args []string) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var servers multiFlag
	fs.Var(&servers, "server", `a server to measure, as NAME=COMMAND ("10-benchmark=./bin/10-benchmark"); repeat it for more`)
	var addrs multiFlag
	fs.Var(&addrs, "addr", `a server already running, as NAME=HOST:PORT: measured in the scenarios that need no settings of their own`)
	serverArgs := fs.String("args", "", "flags added to every start of every server, real Redis's too, as Redis's directives")
	redis := fs.String("redis", "redis-server", `real Redis's server program, the reference; "none" to measure without it`)
	only := fs.String("scenarios", "", "the scenarios to run, comma-separated (default: all)")
	rounds := fs.Int("rounds", 3, "rounds; each measures every server once, in turn")
	duration := fs.Duration("duration", 2*time.Second, "how long each load runs, after a warm-up of a fifth of it")
	conns := fs.Int("conns", 50, "connections of each load")
	keys := fs.Int("keys", 1_000_000, "keys of the memory, save, BGSAVE and full-sync scenarios")
	jsonOut := fs.String("json", "", "write the results as JSON to this file")
	htmlOut := fs.String("html", "", "write the report, with its charts, as one HTML file")
	noPin := fs.Bool("no-pin", false, "do not put the servers and the load generator on one core")
	serverCores := fs.String("server-cores", "", `the scaling mode: run once for each count of cores given to every server, "1,2,4" or "all" (Linux, taskset)`)
	clientCores := fs.Int("client-cores", max(1, runtime.NumCPU()/2), "in the scaling mode, the cores of the load generator, after the servers'")
	list := fs.Bool("list", false, "list the scenarios and exit")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return 0 // --help printed the flags: what was asked
	} else if err != nil {
		return 2
	}
	replicaProgram, _ := exec.LookPath(*redis)
	scenarios := defaultScenarios(Options{Conns: *conns, Duration: *duration, Keys: *keys, Redis: replicaProgram, Settle: 3 * time.Second})
	if *list {
		for _, sc := range scenarios {
			fmt.Printf("%-16s %s\n", sc.Name, sc.Title)
		}
		return 0
	}
	if *only != "" {
		var picked []Scenario
		for _, name := range strings.Split(*only, ",") {
			i := slices.IndexFunc(scenarios, func(sc Scenario) bool { return sc.Name == strings.TrimSpace(name) })
			if i < 0 {
				fmt.Fprintf(os.Stderr, "there is no scenario %q: `bench --list` lists them\n", name)
				return 2
			}
			picked = append(picked, scenarios[i])
		}
		scenarios = picked
	}
	if *serverCores != "" {
		counts, err := coreCounts(*serverCores, runtime.NumCPU(), *clientCores)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		return scale(args, counts, *clientCores, *jsonOut, *htmlOut)
	}
	if !*noPin && os.Getenv(pinnedEnv) == "" {
		if code, ok := pinToOneCore(); ok {
			return code
		}
	}

	contenders, err := contendersFrom(*redis, servers, addrs, *serverArgs)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	var redisProgram string
	if contenders[0].Name == "redis" {
		redisProgram = contenders[0].Command
	}
	report := Report{Started: time.Now().UTC(), Machine: describeMachine(redisProgram), Rounds: *rounds, Contenders: contenders}
	if cpus := os.Getenv(serverCPUsEnv); cpus != "" { // a run of the scaling mode
		report.Machine.Pinned, report.Machine.ServerCPUs = false, cpus
		report.Machine.ClientCores, _ = strconv.Atoi(os.Getenv(clientCoresEnv))
	}
	if redisProgram == "" && *redis != "none" {
		report.Notes = append(report.Notes, redisMissing)
		fmt.Println(redisMissing)
	}
	progress := newProgress(os.Stderr, len(scenarios))
	for i, sc := range scenarios {
		progress.scenario = i + 1
		report.Outcomes = append(report.Outcomes, compareScenario(ctx, sc, contenders, *rounds, progress.show))
		if ctx.Err() != nil {
			break
		}
	}
	progress.done()
	report.Finished = time.Now().UTC()
	fmt.Print(report.Table())
	if *jsonOut != "" {
		if err := report.WriteJSON(*jsonOut); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println("JSON:", *jsonOut)
	}
	if *htmlOut != "" {
		if err := report.WriteHTML(*htmlOut); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println("report:", *htmlOut)
	}
	if ctx.Err() != nil {
		return 130
	}
	return 0
}

const redisMissing = "redis-server is not installed, so the servers are measured alone, without real Redis to compare with.\n" +
	"Install it (Debian, Ubuntu: sudo apt-get install redis-server redis-tools; macOS: brew install redis) and run the benchmark again."

// contendersFrom is real Redis first (the reference every ratio divides by), then the
// servers named.
func contendersFrom(redis string, servers, addrs []string, serverArgs string) ([]Contender, error) {
	var out []Contender
	if redis != "none" {
		if path, err := exec.LookPath(redis); err == nil {
			out = append(out, Contender{Name: "redis", Command: path, Target: stages.Target{Command: onServerCPUs(path + " --bind 127.0.0.1")},
				Args: append([]string{"--save", "", "--appendonly", "no"}, strings.Fields(serverArgs)...)})
		}
	}
	for _, s := range servers {
		name, command, ok := strings.Cut(s, "=")
		if !ok {
			command, name = s, filepath.Base(strings.Fields(s)[0]) // "my-redis", not its path
		}
		target, _, err := stages.ServerTarget(command)
		if err != nil {
			return nil, err
		}
		c := Contender{Name: name, Command: command, Target: target, Args: strings.Fields(serverArgs), Step: stepOf(name)}
		c.Target.Command = onServerCPUs(c.Target.Command)
		if c.Step >= 6 { // from step 06 on, a server saves by default, as Redis does: not while it is measured
			c.Args = append([]string{"--save", ""}, c.Args...)
		}
		out = append(out, c)
	}
	for _, a := range addrs {
		name, addr, ok := strings.Cut(a, "=")
		if !ok {
			name, addr = a, a
		}
		out = append(out, Contender{Name: name, Command: "already running at " + addr, Addr: addr, Step: stepOf(name)})
	}
	if len(out) == 0 {
		return nil, errors.New("no server to measure: name one with --server NAME=COMMAND or --addr NAME=HOST:PORT")
	}
	return out, nil
}

// onServerCPUs is a server's command line, run on the servers' cores in a run of the
// scaling mode (taskset replaces itself with the server, which keeps its process id).
func onServerCPUs(command string) string {
	if cpus := os.Getenv(serverCPUsEnv); cpus != "" {
		return "taskset -c " + cpus + " " + command
	}
	return command
}

var stepName = regexp.MustCompile(`^(\d\d)-[a-z0-9-]+$`)

// stepOf is the course step a server's name says it is (05-aof is 5), or 0.
func stepOf(name string) int {
	if m := stepName.FindStringSubmatch(name); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// pinToOneCore runs this benchmark again under `taskset -c 0`, and every server it starts
// with it (a child keeps its parent's CPU affinity). On one core the load generator and the
// server take turns, as they would on a busy machine: on two, the load generator is the
// bottleneck and every server scores about the same. It returns false where taskset is not
// installed.
func pinToOneCore() (int, bool) {
	if runtime.GOOS != "linux" {
		fmt.Fprintln(os.Stderr, "pinning to one core is Linux's (taskset) and is not available on "+runtime.GOOS+": each server "+
			"uses the cores it wants, so a server that uses several (ours) is measured against one that uses one (Redis), "+
			"and the load generator competes with both. Compare ratios from the same run only.")
		return 0, false
	}
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		fmt.Fprintln(os.Stderr, "taskset is not installed (apt-get install util-linux): the servers and the load generator are not pinned to one core, and the ratios spread more")
		return 0, false
	}
	exe, err := os.Executable()
	if err != nil {
		return 0, false
	}
	cmd := exec.Command(taskset, append([]string{"-c", "0", exe}, os.Args[1:]...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), pinnedEnv+"=1")
	signal.Ignore(os.Interrupt) // the child gets Ctrl-C too, and ends its run cleanly
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), true
		}
		fmt.Fprintln(os.Stderr, err)
		return 1, true
	}
	return 0, true
}

// Machine is where the benchmark ran.
type Machine struct {
	CPUs   int  `json:"cpus"`
	Pinned bool `json:"pinned"`
	// In a run of the scaling mode: the servers' cores, and how many the load generator has.
	ServerCPUs  string `json:"server_cpus,omitempty"`
	ClientCores int    `json:"client_cores,omitempty"`
	GoVersion   string `json:"go_version"`
	Redis       string `json:"redis,omitempty"`
	Kernel      string `json:"kernel,omitempty"`
}

// describeMachine names the Redis measured, if any (redisProgram), by its --version.
func describeMachine(redisProgram string) Machine {
	m := Machine{CPUs: runtime.NumCPU(), Pinned: os.Getenv(pinnedEnv) != "", GoVersion: runtime.Version()}
	if redisProgram != "" {
		if out, err := exec.Command(redisProgram, "--version").Output(); err == nil {
			m.Redis = strings.TrimSpace(string(out))
		}
	}
	if out, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(out))
	}
	return m
}

// multiFlag is a flag that may be given several times.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// progress is the live line: the scenario (k of N), what runs now, the time so far and an
// estimate of what is left, rewritten in place on a terminal.
type progress struct {
	out                 *os.File
	terminal            bool
	started             time.Time
	scenario, scenarios int // the one running, from 1, of how many
}

func newProgress(out *os.File, scenarios int) *progress {
	info, err := out.Stat()
	return &progress{out: out, terminal: err == nil && info.Mode()&os.ModeCharDevice != 0, started: time.Now(), scenarios: scenarios}
}

func (p *progress) show(line string) {
	elapsed := time.Since(p.started)
	line = fmt.Sprintf("[%d of %d] %s (%v so far", p.scenario, p.scenarios, line, elapsed.Round(time.Second))
	if done := p.scenario - 1; done > 0 { // the scenarios so far, as a guide to the rest: a rough one
		left := time.Duration(float64(elapsed) / float64(done) * float64(p.scenarios-done))
		line += fmt.Sprintf(", about %v left", left.Round(time.Second))
	}
	line += ")"
	if p.terminal {
		fmt.Fprintf(p.out, "\r\033[K%s", line)
		return
	}
	fmt.Fprintln(p.out, line)
}

func (p *progress) done() {
	if p.terminal {
		fmt.Fprint(p.out, "\r\033[K")
	}
}
