package bench

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// The scaling mode (--server-cores) runs the benchmark once for each number of server cores
// N: every server on cores 0 to N-1, the load generator (this program, and redis-benchmark
// where a scenario runs it) on the C cores after them (--client-cores). Each run is a
// benchmark of its own, in a child process pinned to the load generator's cores, that starts
// its servers under `taskset -c 0-(N-1)`: a server may use every core it is given, Redis one
// (its event loop), ours and a Go peer all of them. What it shows is how each server's
// throughput grows with its cores, and where the load generator, not the server, is the
// limit: its own CPU near 100 % of its cores, or every server at the same figure.
const (
	serverCPUsEnv  = "BYOREDIS_BENCH_SERVER_CPUS"  // the child's servers' cores, as taskset -c takes them
	clientCoresEnv = "BYOREDIS_BENCH_CLIENT_CORES" // how many cores the child itself has
)

// Scaling is a scaling run: the benchmark's report for each number of server cores.
type Scaling struct {
	ClientCores int          `json:"client_cores"`
	Runs        []ScalingRun `json:"runs"`
}

// ScalingRun is the benchmark with the servers on ServerCores cores.
type ScalingRun struct {
	ServerCores int    `json:"server_cores"`
	Report      Report `json:"report"`
}

// coreCounts reads --server-cores: counts separated by commas ("1,2,4"), or "all" for 1, 2,
// 4 ... doubling up to what the machine has left beside the load generator's cores.
func coreCounts(value string, cpus, clientCores int) ([]int, error) {
	most := cpus - clientCores
	if most < 1 {
		return nil, fmt.Errorf("this machine has %d CPUs: none left for the servers beside %d for the load generator (--client-cores)", cpus, clientCores)
	}
	if value == "all" {
		var counts []int
		for n := 1; n <= most; n *= 2 {
			counts = append(counts, n)
		}
		if counts[len(counts)-1] != most {
			counts = append(counts, most)
		}
		return counts, nil
	}
	var counts []int
	for _, field := range strings.Split(value, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("--server-cores %q: counts of cores separated by commas, as 1,2,4, or all", value)
		}
		if n > most {
			return nil, fmt.Errorf("--server-cores %d: this machine has %d CPUs, and %d are the load generator's (--client-cores)", n, cpus, clientCores)
		}
		counts = append(counts, n)
	}
	return counts, nil
}

// cpuRange is cores first to first+n-1, as taskset -c takes them: "0", "2-3".
func cpuRange(first, n int) string {
	if n == 1 {
		return strconv.Itoa(first)
	}
	return fmt.Sprintf("%d-%d", first, first+n-1)
}

// childArgs are the benchmark's arguments for one run of the scaling mode: the user's, less
// the scaling flags and the output files, which the parent writes.
func childArgs(args []string, jsonPath string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		name, _, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		switch name {
		case "server-cores", "client-cores", "json", "html":
			if !hasValue && i+1 < len(args) {
				i++ // the value that follows
			}
			continue
		case "no-pin":
			continue
		}
		out = append(out, args[i])
	}
	return append(out, "--no-pin", "--json", jsonPath)
}

// scale runs the scaling mode: the benchmark once per count of server cores, each run pinned
// as the package comment above says, then the table of throughput against cores, and the
// JSON and HTML files.
func scale(args []string, counts []int, clientCores int, jsonOut, htmlOut string) int {
	taskset, err := exec.LookPath("taskset")
	if runtime.GOOS != "linux" || err != nil {
		fmt.Fprintln(os.Stderr, "the scaling mode pins the servers and the load generator to cores of their own with taskset (Linux, util-linux), which this machine does not have")
		return 2
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "bench-scaling-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	scaling := Scaling{ClientCores: clientCores}
	for _, n := range counts {
		servers, client := cpuRange(0, n), cpuRange(n, clientCores)
		fmt.Printf("\n== the servers on %d core(s) (%s), the load generator on %d (%s)\n", n, servers, clientCores, client)
		path := filepath.Join(dir, fmt.Sprintf("cores-%d.json", n))
		cmd := exec.Command(taskset, append([]string{"-c", client, exe}, childArgs(args, path)...)...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		cmd.Env = append(os.Environ(), pinnedEnv+"=1", serverCPUsEnv+"="+servers, clientCoresEnv+"="+strconv.Itoa(clientCores))
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "the run on", n, "core(s) failed:", err)
			return 1
		}
		var report Report
		data, err := os.ReadFile(path)
		if err == nil {
			err = json.Unmarshal(data, &report)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		scaling.Runs = append(scaling.Runs, ScalingRun{ServerCores: n, Report: report})
	}
	fmt.Print(scaling.Table())
	if jsonOut != "" {
		data, err := json.MarshalIndent(scaling, "", "  ")
		if err == nil {
			err = os.WriteFile(jsonOut, data, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println("JSON:", jsonOut)
	}
	if htmlOut != "" {
		f, err := os.Create(htmlOut)
		if err == nil {
			err = scaling.HTML(f)
			if closeErr := f.Close(); err == nil {
				err = closeErr
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println("report:", htmlOut)
	}
	return 0
}

// throughputs are, for each scenario with a load and each server, its median throughput at
// each count of cores (NaN where it has none).
func (s *Scaling) throughputs() (scenarios []string, servers []string, figures map[string]map[string][]float64) {
	figures = map[string]map[string][]float64{}
	for i, run := range s.Runs {
		for _, c := range run.Report.Contenders {
			if !slices.Contains(servers, c.Name) {
				servers = append(servers, c.Name)
			}
		}
		for _, o := range run.Report.Outcomes {
			if o.Scenario.Load == nil {
				continue
			}
			if figures[o.Scenario.Name] == nil {
				scenarios = append(scenarios, o.Scenario.Name)
				figures[o.Scenario.Name] = map[string][]float64{}
			}
			for _, row := range run.Report.rows(o) {
				if row.Metric != "throughput" {
					continue
				}
				for j, cell := range row.Cells {
					name := run.Report.Contenders[j].Name
					if figures[o.Scenario.Name][name] == nil {
						figures[o.Scenario.Name][name] = slices.Repeat([]float64{math.NaN()}, len(s.Runs))
					}
					if cell.Has {
						figures[o.Scenario.Name][name][i] = cell.Median
					}
				}
			}
		}
	}
	return scenarios, servers, figures
}

// Warnings say where a figure is the load generator's limit rather than the server's: the
// load generator busy on 90 % or more of its cores while it measured a server, or every
// server within 5 % of the same figure.
func (s *Scaling) Warnings() []string {
	var warnings []string
	for _, run := range s.Runs {
		for _, o := range run.Report.Outcomes {
			for _, row := range run.Report.rows(o) {
				if row.Metric == "loadgen_busy" {
					for j, cell := range row.Cells {
						if cell.Has && cell.Median >= 0.9 {
							warnings = append(warnings, fmt.Sprintf("%s, servers on %d core(s): the load generator was busy on %.0f%% of its %d core(s) while it measured %s; the figure is its limit more than the server's (give it more with --client-cores)",
								o.Scenario.Name, run.ServerCores, 100*cell.Median, s.ClientCores, run.Report.Contenders[j].Name))
						}
					}
				}
				if row.Metric == "throughput" && len(row.Cells) > 1 {
					lowest, highest := math.Inf(1), 0.0
					for _, cell := range row.Cells {
						if cell.Has {
							lowest, highest = min(lowest, cell.Median), max(highest, cell.Median)
						}
					}
					if highest > 0 && highest <= 1.05*lowest {
						warnings = append(warnings, fmt.Sprintf("%s, servers on %d core(s): every server reached the same throughput (within 5%%), which is more likely the load generator's limit than theirs",
							o.Scenario.Name, run.ServerCores))
					}
				}
			}
		}
	}
	return warnings
}

// Table is throughput against cores: per scenario, a row per server, a column per count of
// server cores, each the median of the rounds and its ratio to Redis's at the same count.
func (s *Scaling) Table() string {
	var b strings.Builder
	scenarios, servers, figures := s.throughputs()
	fmt.Fprintf(&b, "\nThroughput against the servers' cores (requests a second, median of the rounds; the load generator on %d core(s)):\n", s.ClientCores)
	for _, name := range scenarios {
		fmt.Fprintf(&b, "\n%s\n", name)
		w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		header := []string{"server"}
		for _, run := range s.Runs {
			header = append(header, fmt.Sprintf("%d core(s)", run.ServerCores))
		}
		fmt.Fprintln(w, strings.Join(header, "\t")+"\t")
		reference := figures[name][servers[0]]
		for _, server := range servers {
			line := []string{server}
			for i, v := range figures[name][server] {
				cell := "-"
				if !math.IsNaN(v) {
					cell = formatFigure(v)
					if server != servers[0] && reference != nil && reference[i] > 0 {
						cell += fmt.Sprintf(" (%.2f×)", v/reference[i])
					}
				}
				line = append(line, cell)
			}
			fmt.Fprintln(w, strings.Join(line, "\t")+"\t")
		}
		w.Flush()
	}
	for _, warning := range s.Warnings() {
		fmt.Fprintf(&b, "\n! %s\n", warning)
	}
	return b.String()
}

// HTML writes the scaling report: a chart of throughput against cores per scenario, and the
// table and its warnings.
func (s *Scaling) HTML(w io.Writer) error {
	scenarios, servers, figures := s.throughputs()
	var charts []template.URL
	for _, name := range scenarios {
		p := plot.New()
		p.Title.Text = name + ": throughput against the servers' cores"
		p.X.Label.Text = "cores for each server"
		p.Y.Label.Text = "thousand requests a second"
		p.Legend.Top = true
		for i, server := range servers {
			var points plotter.XYs
			for j, run := range s.Runs {
				if v := figures[name][server][j]; !math.IsNaN(v) {
					points = append(points, plotter.XY{X: float64(run.ServerCores), Y: v / 1000})
				}
			}
			if len(points) == 0 {
				continue
			}
			line, dots, err := plotter.NewLinePoints(points)
			if err != nil {
				return err
			}
			line.Color, dots.Color = palette[i%len(palette)], palette[i%len(palette)]
			p.Add(line, dots)
			p.Legend.Add(server, line, dots)
		}
		chart, err := pngURL(p, 20*vg.Centimeter, 11*vg.Centimeter)
		if err != nil {
			return err
		}
		charts = append(charts, chart)
	}
	return scalingPage.Execute(w, struct {
		Generated string
		Charts    []template.URL
		Table     string
	}{time.Now().UTC().Format(time.RFC3339), charts, s.Table()})
}

var scalingPage = template.Must(template.New("scaling").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Scaling</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}pre{background:#f6f6f6;padding:1em;overflow:auto}</style></head>
<body><h1>Throughput against cores</h1><p>Generated {{.Generated}}.</p>
{{range .Charts}}<p><img src="{{.}}" alt="throughput against cores"></p>{{end}}
<pre>{{.Table}}</pre></body></html>
`))

// loadgenUsage measures the load generator's own CPU while it runs a load: the share of
// its cores it kept busy, where the scaling mode gives it cores of its own (0 otherwise: on
// one core shared with the server, the share says nothing).
func loadgenUsage() (stop func() float64) {
	cores, _ := strconv.Atoi(os.Getenv(clientCoresEnv))
	if cores == 0 {
		return nil
	}
	cpu := func() time.Duration {
		var u syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
			return 0
		}
		return time.Duration(u.Utime.Nano() + u.Stime.Nano())
	}
	startCPU, start := cpu(), time.Now()
	return func() float64 {
		wall := time.Since(start)
		if wall <= 0 {
			return 0
		}
		return float64(cpu()-startCPU) / float64(wall) / float64(cores)
	}
}
