package bench

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Report is a whole benchmark: where it ran, the servers, and each scenario's outcome.
type Report struct {
	Started    time.Time   `json:"started"`
	Finished   time.Time   `json:"finished"`
	Machine    Machine     `json:"machine"`
	Rounds     int         `json:"rounds"`
	Contenders []Contender `json:"contenders"`
	Outcomes   []Outcome   `json:"outcomes"`
	Notes      []string    `json:"notes,omitempty"`
}

// Row is one metric of one scenario: each server's median over the rounds, and its ratio to
// the reference.
type Row struct {
	Metric string // the JSON key: "p99_ms"
	Label  string // for a person: "latency p99 (ms, lower is better)"
	Cells  []Cell
}

// metricLabel names a metric for a person: what it is, its unit, and which way is better.
func metricLabel(metric string) string {
	var name, unit string
	switch {
	case metric == "throughput":
		name, unit = "throughput", "requests/s"
	case strings.HasPrefix(metric, "redis_benchmark_"):
		name, unit = "redis-benchmark "+strings.ToUpper(strings.TrimSuffix(strings.TrimPrefix(metric, "redis_benchmark_"), "_rps")), "requests/s"
	case strings.HasSuffix(metric, "_ms"):
		name, unit = "latency "+strings.TrimSuffix(metric, "_ms"), "ms"
	case metric == "loadgen_busy":
		return "load generator busy (share of its cores; near 1, it is the limit)"
	case metric == "rss_per_key_bytes":
		name, unit = "memory per key, settled", "bytes"
	case metric == "rss_per_key_at_fill_bytes":
		name, unit = "memory per key, just after the writes", "bytes"
	case strings.HasSuffix(metric, "_s"):
		name, unit = map[string]string{"save_s": "SAVE", "load_s": "load at start", "bgsave_s": "BGSAVE", "fullsync_s": "full sync"}[metric], "s"
		name = cmp.Or(name, strings.TrimSuffix(metric, "_s"))
	default:
		return metric
	}
	better := "lower is better"
	if unit == "requests/s" {
		better = "higher is better"
	}
	return name + " (" + unit + ", " + better + ")"
}

// Disagrees reports whether the rounds' ratios spread so far that the median may mislead:
// the highest more than 1.5 times the lowest.
func (c Cell) Disagrees() bool { return c.Ratioed && c.Ratio.Min > 0 && c.Ratio.Max > 1.5*c.Ratio.Min }

// trustNotes says how far to trust the figures: one round, or rounds that disagree.
func (r *Report) trustNotes() []string {
	var notes []string
	if r.Rounds == 1 {
		notes = append(notes, "One round: a figure from one round can be off by a factor of two on a busy machine. Run --rounds 3 or more (BENCH='--rounds 5') before you trust a ratio.")
	}
	disagree := 0
	for _, o := range r.Outcomes {
		for _, row := range r.rows(o) {
			for _, cell := range row.Cells {
				if cell.Disagrees() {
					disagree++
				}
			}
		}
	}
	if disagree > 0 {
		notes = append(notes, fmt.Sprintf("%d ratios marked ! come from rounds that disagree (the highest round more than 1.5× the lowest): the machine was busy, or a server stalled. Run more rounds, on a quieter machine.", disagree))
	}
	return notes
}

// Cell is one server's figure in a row.
type Cell struct {
	Server  string
	Median  float64
	Has     bool
	Ratio   Spread
	Ratioed bool
}

// rows lays an outcome out as the table and the HTML report show it: throughput first, then
// the latencies, then the rest, in a fixed order.
func (r *Report) rows(o Outcome) []Row {
	metrics := metricNames(o.Measurements)
	rank := func(m string) int {
		for i, p := range []string{"throughput", "redis_benchmark", "p50", "p90", "p99_", "p99.9", "max"} {
			if strings.HasPrefix(m, p) {
				return i
			}
		}
		return 10
	}
	slices.SortStableFunc(metrics, func(a, b string) int { return rank(a) - rank(b) })
	var rows []Row
	for _, metric := range metrics {
		row := Row{Metric: metric, Label: metricLabel(metric)}
		for _, c := range r.Contenders {
			cell := Cell{Server: c.Name}
			var values []float64
			for _, m := range o.Measurements {
				if v, ok := m.Metrics[metric]; ok && m.Server == c.Name && m.Failure == "" {
					values = append(values, v)
				}
			}
			if len(values) > 0 {
				cell.Median, cell.Has = median(values), true
			}
			cell.Ratio, cell.Ratioed = o.Ratios[c.Name][metric]
			row.Cells = append(row.Cells, cell)
		}
		rows = append(rows, row)
	}
	return rows
}

func median(values []float64) float64 {
	s := slices.Sorted(slices.Values(values))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Table is the report as text: per scenario, each server's median and its ratio to Redis,
// with the lowest and highest round's ratio.
func (r *Report) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%d rounds, %d CPUs, pinned to one core: %v, %s", r.Rounds, r.Machine.CPUs, r.Machine.Pinned, r.Machine.GoVersion)
	if r.Machine.ServerCPUs != "" {
		fmt.Fprintf(&b, ", the servers on cores %s and the load generator on %d of its own", r.Machine.ServerCPUs, r.Machine.ClientCores)
	}
	if r.Machine.Redis != "" {
		fmt.Fprintf(&b, ", %s", r.Machine.Redis)
	}
	b.WriteString("\n")
	for _, o := range r.Outcomes {
		fmt.Fprintf(&b, "\n%s: %s\n", o.Scenario.Name, o.Scenario.Title)
		w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		header := []string{"metric"}
		for _, c := range r.Contenders {
			header = append(header, c.Name)
		}
		fmt.Fprintln(w, strings.Join(header, "\t")+"\t")
		for _, row := range r.rows(o) {
			line := []string{row.Label}
			for _, cell := range row.Cells {
				line = append(line, cell.text())
			}
			fmt.Fprintln(w, strings.Join(line, "\t")+"\t")
		}
		w.Flush()
		for _, m := range o.Measurements {
			if m.Failure != "" {
				fmt.Fprintf(&b, "  round %d, %s: %s\n", m.Round, m.Server, m.Failure)
			}
		}
	}
	for _, note := range r.trustNotes() {
		fmt.Fprintf(&b, "\n! %s\n", note)
	}
	return b.String()
}

func (c Cell) text() string {
	if !c.Has {
		return "-"
	}
	s := formatFigure(c.Median)
	if c.Ratioed {
		s += fmt.Sprintf(" (%.2f× %.2f–%.2f)", c.Ratio.Median, c.Ratio.Min, c.Ratio.Max)
	}
	if c.Disagrees() {
		s += " !"
	}
	return s
}

// formatFigure shows a figure with three significant digits, as the histograms keep them.
func formatFigure(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1000:
		return fmt.Sprintf("%.0f", v)
	case a >= 100:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}

// WriteJSON writes the report as JSON: every round's every figure, the ratios and the
// latency distributions.
func (r *Report) WriteJSON(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// WriteHTML writes the report as one HTML file that opens offline: the tables, and the
// charts as PNG images inside it.
func (r *Report) WriteHTML(path string) error {
	var b bytes.Buffer
	if err := r.HTML(&b); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

type htmlScenario struct {
	Outcome Outcome
	Rows    []Row
	Charts  []template.URL
}

// HTML renders the report.
func (r *Report) HTML(w io.Writer) error {
	throughput, err := r.throughputChart()
	if err != nil {
		return err
	}
	var scenarios []htmlScenario
	for _, o := range r.Outcomes {
		s := htmlScenario{Outcome: o, Rows: r.rows(o)}
		if len(o.Latency) > 0 {
			png, err := r.latencyChart(o)
			if err != nil {
				return err
			}
			s.Charts = append(s.Charts, png)
		}
		if o.Scenario.Load == nil { // a probe: its figures as bars, one chart per unit
			charts, err := r.metricCharts(o, s.Rows)
			if err != nil {
				return err
			}
			s.Charts = append(s.Charts, charts...)
		}
		scenarios = append(scenarios, s)
	}
	return reportPage.Execute(w, map[string]any{"R": r, "Throughput": throughput, "Scenarios": scenarios, "Trust": r.trustNotes()})
}

var reportPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"figure": formatFigure,
	"exact":  func(v float64) string { return fmt.Sprint(v) },
	"ratio":  func(v float64) string { return fmt.Sprintf("%.2f", v) },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Benchmark report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border-bottom: 1px solid #ddd; padding: .3em .8em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.ratio { color: #666; font-size: .9em; }
.fail { color: #b00; }
.warn { background: #fff3cd; padding: .5em; }
.explain { max-width: 50em; }
img { max-width: 100%; }
</style></head><body>
<h1>Benchmark report</h1>
<p>{{.R.Started.Format "2006-01-02 15:04:05"}} UTC, {{.R.Rounds}} rounds, {{.R.Machine.CPUs}} CPUs,
pinned to one core: {{.R.Machine.Pinned}}, {{.R.Machine.GoVersion}}{{with .R.Machine.Redis}}, {{.}}{{end}}.
Servers: {{range $i, $c := .R.Contenders}}{{if $i}}, {{end}}<code>{{$c.Name}}</code>{{end}}.
Each round measures every server once, in turn; a ratio is the median of the rounds' ratios to
<code>{{(index .R.Contenders 0).Name}}</code>, with the lowest and the highest.</p>
{{range .R.Notes}}<p class="fail">{{.}}</p>{{end}}
{{range .Trust}}<p class="warn">⚠ {{.}}</p>{{end}}
{{with .Throughput}}<h2>Throughput</h2><img alt="throughput per scenario and server" src="{{.}}">{{end}}
{{range $s := .Scenarios}}
<h2 id="{{.Outcome.Scenario.Name}}">{{.Outcome.Scenario.Name}}</h2>
<p>{{.Outcome.Scenario.Title}}</p>
<table data-scenario="{{.Outcome.Scenario.Name}}">
<tr><th>metric</th>{{range (index .Rows 0).Cells}}<th>{{.Server}}</th>{{end}}</tr>
{{range .Rows}}{{$metric := .Metric}}<tr><td>{{.Label}}</td>{{range .Cells}}<td>{{if .Has}}<span data-server="{{.Server}}" data-metric="{{$metric}}" data-median="{{exact .Median}}">{{figure .Median}}</span>{{if .Ratioed}} <span class="ratio" data-ratio="{{exact .Ratio.Median}}">{{ratio .Ratio.Median}}× ({{ratio .Ratio.Min}}–{{ratio .Ratio.Max}}){{if .Disagrees}} !{{end}}</span>{{end}}{{else}}-{{end}}</td>{{end}}</tr>
{{end}}</table>
{{range .Outcome.Measurements}}{{if .Failure}}<p class="fail">round {{.Round}}, {{.Server}}: {{.Failure}}</p>{{end}}{{end}}
{{with .Outcome.Scenario.Explain}}<p class="explain">{{.}}{{with $s.Outcome.Scenario.Guide}} <a href="../10-benchmark/GUIDE.md#{{.}}">More in the GUIDE.</a>{{end}}</p>{{end}}
{{range .Charts}}<img alt="{{$s.Outcome.Scenario.Name}}: each server's figures" src="{{.}}">{{end}}
{{end}}
</body></html>
`))

// throughputChart is a bar chart: per scenario with a load, each server's median
// throughput, in thousands of requests a second.
func (r *Report) throughputChart() (template.URL, error) {
	var names []string
	var loads []Outcome
	for _, o := range r.Outcomes {
		if o.Scenario.Load != nil {
			names, loads = append(names, o.Scenario.Name), append(loads, o)
		}
	}
	if len(loads) == 0 {
		return "", nil
	}
	p := plot.New()
	p.Title.Text = "Throughput (median of the rounds, higher is better)"
	p.Y.Label.Text = "thousand requests a second"
	values := make([]plotter.Values, len(r.Contenders))
	for i := range r.Contenders {
		values[i] = make(plotter.Values, len(loads))
		for j, o := range loads {
			for _, row := range r.rows(o) {
				if row.Metric == "throughput" && row.Cells[i].Has {
					values[i][j] = row.Cells[i].Median / 1000
				}
			}
		}
	}
	const w = 28 * vg.Centimeter
	if err := r.addGroupedBars(p, names, values, w); err != nil {
		return "", err
	}
	return pngURL(p, w, 12*vg.Centimeter)
}

// addGroupedBars draws values[i][j], server i's figure for group j, as a bar per server in
// each group, each with its value above it, on a plot w wide.
func (r *Report) addGroupedBars(p *plot.Plot, groups []string, values []plotter.Values, w vg.Length) error {
	width := vg.Points(60 / float64(len(r.Contenders)))
	var all []*plotter.BarChart
	for i, c := range r.Contenders {
		bars, err := plotter.NewBarChart(values[i], width)
		if err != nil {
			return err
		}
		bars.Color = palette[i%len(palette)]
		bars.LineStyle.Width = 0
		bars.Offset = width * vg.Length(float64(i)-float64(len(r.Contenders)-1)/2)
		p.Add(bars)
		p.Legend.Add(c.Name, bars)
		all = append(all, bars)
	}
	p.Legend.Top = true
	p.NominalX(groups...)
	return labelBars(p, all, w)
}

// palette is Okabe and Ito's eight colours, which readers with any common colour-vision
// deficiency can tell apart (no red against green).
var palette = []color.Color{
	color.RGBA{0x00, 0x72, 0xB2, 0xff}, // blue
	color.RGBA{0xE6, 0x9F, 0x00, 0xff}, // orange
	color.RGBA{0x00, 0x9E, 0x73, 0xff}, // bluish green
	color.RGBA{0xCC, 0x79, 0xA7, 0xff}, // reddish purple
	color.RGBA{0x56, 0xB4, 0xE9, 0xff}, // sky blue
	color.RGBA{0xD5, 0x5E, 0x00, 0xff}, // vermillion
	color.RGBA{0xF0, 0xE4, 0x42, 0xff}, // yellow
	color.RGBA{0x00, 0x00, 0x00, 0xff}, // black
}

// labelBars sets the axes so that every bar and its value fit, and writes each bar's value
// above it. A bar's offset is in points: converted to the x axis's units for a plot w wide,
// less the room the y axis takes.
func labelBars(p *plot.Plot, bars []*plotter.BarChart, w vg.Length) error {
	groups, top := 0, 0.0
	for _, b := range bars {
		groups = max(groups, len(b.Values))
		for _, v := range b.Values {
			top = max(top, v)
		}
	}
	p.X.Min, p.X.Max = -0.6, float64(groups)-0.4
	p.Y.Min, p.Y.Max = 0, top*1.15
	unitsPerPoint := (p.X.Max - p.X.Min) / float64(w-vg.Centimeter*1.8)
	var xys plotter.XYs
	var texts []string
	for _, b := range bars {
		for j, v := range b.Values {
			if v != 0 {
				xys = append(xys, plotter.XY{X: float64(j) + float64(b.Offset)*unitsPerPoint, Y: v})
				texts = append(texts, formatFigure(v))
			}
		}
	}
	if len(xys) == 0 {
		return nil
	}
	labels, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: texts})
	if err != nil {
		return err
	}
	for i := range labels.TextStyle {
		labels.TextStyle[i].XAlign = draw.XCenter
		labels.TextStyle[i].YAlign = draw.YBottom
		labels.TextStyle[i].Font.Size = vg.Points(8)
	}
	p.Add(labels)
	return nil
}

// metricCharts draws a probe scenario's figures (memory per key, SAVE and load times, the
// latency during a BGSAVE): a group of bars per metric, a bar per server, one chart for each
// unit, so that bytes and milliseconds never share an axis.
func (r *Report) metricCharts(o Outcome, rows []Row) ([]template.URL, error) {
	var units []string
	byUnit := map[string][]Row{}
	for _, row := range rows {
		unit := "other"
		if i := strings.Index(row.Label, " ("); i >= 0 {
			unit, _, _ = strings.Cut(row.Label[i+2:], ",")
		}
		if byUnit[unit] == nil {
			units = append(units, unit)
		}
		byUnit[unit] = append(byUnit[unit], row)
	}
	var charts []template.URL
	for _, unit := range units {
		p := plot.New()
		p.Title.Text = o.Scenario.Name + " (median of the rounds)"
		p.Y.Label.Text = unit
		var names []string
		for _, row := range byUnit[unit] {
			names = append(names, strings.Split(row.Label, " (")[0])
		}
		values := make([]plotter.Values, len(r.Contenders))
		for i := range r.Contenders {
			values[i] = make(plotter.Values, len(byUnit[unit]))
			for j, row := range byUnit[unit] {
				if row.Cells[i].Has {
					values[i][j] = row.Cells[i].Median
				}
			}
		}
		const w = 20 * vg.Centimeter
		if err := r.addGroupedBars(p, names, values, w); err != nil {
			return nil, err
		}
		png, err := pngURL(p, w, 9*vg.Centimeter)
		if err != nil {
			return nil, err
		}
		charts = append(charts, png)
	}
	return charts, nil
}

// latencyChart is the latency at each percentile, per server, all rounds merged: the x axis
// is spaced by the number of nines (50 %, 90 %, 99 %, 99.9 % ...), as HdrHistogram plots it,
// so that the tail gets as much room as the middle.
func (r *Report) latencyChart(o Outcome) (template.URL, error) {
	p := plot.New()
	p.Title.Text = o.Scenario.Name + ": latency by percentile"
	p.X.Label.Text = "percentile"
	p.Y.Label.Text = "milliseconds"
	nines := func(pct float64) float64 { return math.Log10(100 / (100 - min(pct, 99.9999))) }
	var ticks []plot.Tick
	for _, t := range []struct {
		pct   float64
		label string
	}{{0, "0%"}, {50, "50%"}, {90, "90%"}, {99, "99%"}, {99.9, "99.9%"}, {99.99, "99.99%"}, {99.999, "99.999%"}, {100, "max"}} {
		ticks = append(ticks, plot.Tick{Value: nines(t.pct), Label: t.label})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	for i, c := range r.Contenders {
		points, ok := o.Latency[c.Name]
		if !ok {
			continue
		}
		xys := make(plotter.XYs, len(points))
		for j, pt := range points {
			xys[j] = plotter.XY{X: nines(pt.Percentile), Y: pt.Ms}
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return "", err
		}
		line.Color = palette[i%len(palette)]
		line.Width = vg.Points(2)
		p.Add(line)
		p.Legend.Add(c.Name, line)
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())
	return pngURL(p, 20*vg.Centimeter, 10*vg.Centimeter)
}

func pngURL(p *plot.Plot, w, h vg.Length) (template.URL, error) {
	writer, err := p.WriterTo(w, h, "png")
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if _, err := writer.WriteTo(&b); err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())), nil
}
