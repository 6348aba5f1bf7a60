package lessons

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Result is the timing table of an experiment. It renders as an HTML table in
// a notebook, as an aligned text table in a terminal (String) and as JSON
// (JSON) for code and tests. A failed experiment renders its error, above any
// rows measured before it failed.
type Result struct {
	// Experiment is the experiment's name.
	Experiment string
	// Machine is what the experiment ran on.
	Machine Machine
	// Rows holds one row per GOMAXPROCS setting, in the order run.
	Rows []Row
	// Notes are warnings about the whole experiment (e.g. goroutines left
	// running by earlier cells).
	Notes []string
	// Elapsed is how long the whole experiment took, warm-up included.
	Elapsed time.Duration

	err error
}

// Row is the measurement of one GOMAXPROCS setting.
type Row struct {
	// GOMAXPROCS is the setting the runs used.
	GOMAXPROCS int
	// Tasks is the number of goroutines per run.
	Tasks int
	// Repeat is the number of measured runs (fewer than asked if the
	// experiment was stopped).
	Repeat int
	// Walls is the wall time of each measured run.
	Walls []time.Duration
	// Median, Min and Max summarise Walls.
	Median, Min, Max time.Duration
	// CPU is the median CPU time the process used per run (getrusage:
	// user + system, all threads, the runtime's included).
	CPU time.Duration
	// Speedup is the first row's median wall time over this row's.
	Speedup float64
	// PossibleSpeedup is min(tasks, GOMAXPROCS, NumCPU, ceil(CPU quota)):
	// the most that running in parallel can gain here.
	PossibleSpeedup float64
	// Flags are warnings in words: a speedup above the possible one, runs
	// that spread more than 20%, leaked goroutines, an incomplete setting.
	Flags []string
	// OtherCPUs is how many CPUs other processes kept busy during the runs
	// (from /proc/stat); -1 where unknown.
	OtherCPUs float64

	leaked     int
	impossible bool
	width      int // goroutines that can compute at once: Tasks × Width
}

// CPUPerWall is CPU time over median wall time: about 1 per core kept busy,
// near 0 for goroutines that mostly wait.
func (r Row) CPUPerWall() float64 {
	if r.Median <= 0 {
		return 0
	}
	return float64(r.CPU) / float64(r.Median)
}

// Err is why the experiment failed or stopped early, or nil.
func (r *Result) Err() error { return r.err }

// Row returns the row for GOMAXPROCS procs and whether there is one.
func (r *Result) Row(procs int) (Row, bool) {
	for _, row := range r.Rows {
		if row.GOMAXPROCS == procs {
			return row, true
		}
	}
	return Row{}, false
}

// busyNote explains the busy-machine flag once per experiment.
const busyNote = "other processes were using the CPUs while this ran: CPU work got less of the machine, so times are longer and speedups smaller than on an idle machine (the possible speedup assumes idle CPUs)"

// otherLoadLimit is the load by other processes, in CPUs, above which a
// setting is flagged as measured on a busy machine.
const otherLoadLimit = 0.3

// Spread limit above which a setting's runs are flagged as noisy.
const noisySpread = 0.20

// addRow completes row from its runs and appends it.
func (r *Result) addRow(row Row, cpus []time.Duration) {
	s := summarize(row.Walls)
	row.Median, row.Min, row.Max = s.median, s.min, s.max
	row.CPU = medianDuration(cpus)
	row.Speedup = 1
	if len(r.Rows) > 0 && row.Median > 0 {
		row.Speedup = float64(r.Rows[0].Median) / float64(row.Median)
	}
	row.PossibleSpeedup = r.Machine.PossibleSpeedup(max(row.width, row.Tasks), row.GOMAXPROCS)
	if row.Repeat > len(row.Walls) {
		row.Flags = append(row.Flags, fmt.Sprintf("incomplete: only %d of %d runs were measured", len(row.Walls), row.Repeat))
	}
	row.Repeat = len(row.Walls)
	if row.Speedup > row.PossibleSpeedup*1.1+0.05 {
		row.impossible = true
		row.Flags = append(row.Flags, fmt.Sprintf(
			"impossible speedup: %.2f× measured, but at most %g× is possible here (min of tasks, GOMAXPROCS, CPUs and CPU quota); the first setting was probably slowed by warm-up or other load, so this is not a result",
			row.Speedup, row.PossibleSpeedup))
	}
	if row.Repeat >= 2 && s.spread() > noisySpread {
		row.Flags = append(row.Flags, fmt.Sprintf(
			"noisy: the %d runs spread %.0f%% around the median (%s to %s); rerun, raise Repeat, or look for other load on the machine",
			row.Repeat, 100*s.spread(), fmtDuration(s.min), fmtDuration(s.max)))
	}
	if row.OtherCPUs >= otherLoadLimit && row.CPUPerWall() >= 0.2 {
		row.Flags = append(row.Flags, fmt.Sprintf("busy machine: other processes kept %.1f of the %d CPUs busy during these runs", row.OtherCPUs, r.Machine.NumCPU))
		if !slices.Contains(r.Notes, busyNote) {
			r.Notes = append(r.Notes, busyNote)
		}
	}
	if row.leaked > 0 {
		row.Flags = append(row.Flags, fmt.Sprintf(
			"%s still running after the tasks returned: did a task start goroutines that never end?", plural(row.leaked, "goroutine")))
	}
	if row.Flags == nil {
		row.Flags = []string{}
	}
	r.Rows = append(r.Rows, row)
}

// fail records err, keeping a partly measured row.
func (r *Result) fail(row Row, cpus []time.Duration, err error) {
	if len(row.Walls) > 0 {
		r.addRow(row, cpus)
	}
	r.err = err
}

// String renders the table as aligned plain text.
func (r *Result) String() string {
	var b strings.Builder
	if r.err != nil {
		fmt.Fprintf(&b, "ERROR in %s: %v\n", r.Experiment, r.err)
	}
	b.WriteString(r.heading())
	b.WriteByte('\n')
	if len(r.Rows) > 0 {
		b.WriteString(alignTable(tableHeader, r.cells(), 2))
	}
	for _, row := range r.Rows {
		for _, f := range row.Flags {
			fmt.Fprintf(&b, "! GOMAXPROCS=%d: %s\n", row.GOMAXPROCS, f)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	fmt.Fprintf(&b, "machine: %s\n", r.Machine)
	return b.String()
}

// heading is the line above the table.
func (r *Result) heading() string {
	if len(r.Rows) == 0 {
		if r.err != nil {
			return r.Experiment + ": no runs were measured"
		}
		return r.Experiment
	}
	row := r.Rows[0]
	return fmt.Sprintf("%s: %s per run; median of %s per setting, after 1 warm-up run",
		r.Experiment, plural(row.Tasks, "task"), plural(row.Repeat, "run"))
}

var tableHeader = []string{"GOMAXPROCS", "tasks", "median", "min", "max", "CPU", "CPU/wall", "speedup", "possible"}

// cells are the table's body as text.
func (r *Result) cells() [][]string {
	var out [][]string
	for _, row := range r.Rows {
		speed := fmt.Sprintf("%.2f×", row.Speedup)
		if row.impossible {
			speed = "(impossible)"
		}
		mark := ""
		if len(row.Flags) > 0 {
			mark = " !"
		}
		out = append(out, []string{
			strconv.Itoa(row.GOMAXPROCS),
			strconv.Itoa(row.Tasks),
			fmtDuration(row.Median) + mark,
			fmtDuration(row.Min),
			fmtDuration(row.Max),
			fmtDuration(row.CPU),
			fmt.Sprintf("%.2f", row.CPUPerWall()),
			speed,
			fmt.Sprintf("%g×", row.PossibleSpeedup),
		})
	}
	return out
}

// alignTable right-aligns every column under its header.
func alignTable(header []string, rows [][]string, gap int) string {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = textWidth(h)
	}
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], textWidth(c))
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		for i, c := range cells {
			if i > 0 {
				b.WriteString(strings.Repeat(" ", gap))
			}
			b.WriteString(strings.Repeat(" ", widths[i]-textWidth(c)))
			b.WriteString(c)
		}
		b.WriteByte('\n')
	}
	line(header)
	for _, row := range rows {
		line(row)
	}
	return b.String()
}

// textWidth counts runes: every character the tables use is one column wide.
func textWidth(s string) int { return len([]rune(s)) }

// fmtDuration writes a duration for a table: milliseconds below 10 s.
func fmtDuration(d time.Duration) string {
	ms := float64(d) / 1e6
	switch {
	case ms < 10:
		return fmt.Sprintf("%.2f ms", ms)
	case ms < 10000:
		return fmt.Sprintf("%.1f ms", ms)
	default:
		return fmt.Sprintf("%.2f s", ms/1000)
	}
}

// Shared inline styles: colours that read on white and on dark pages
// (inherited text colour, translucent greys, a red and an amber accent).
const (
	styleBox     = "font-family:var(--jp-ui-font-family,system-ui,sans-serif);margin:0.4em 0;color:inherit"
	styleTable   = "border-collapse:collapse;font-variant-numeric:tabular-nums;margin:0.3em 0;color:inherit;background:transparent"
	styleTH      = "padding:0.25em 0.7em;text-align:right;border-bottom:2px solid rgba(128,128,128,0.6);font-weight:600;background:rgba(128,128,128,0.12)"
	styleTD      = "padding:0.2em 0.7em;text-align:right;border-bottom:1px solid rgba(128,128,128,0.3);background:transparent"
	styleFlag    = "margin:0.2em 0;padding:0.2em 0.6em;border-left:4px solid #d97706;background:rgba(217,119,6,0.12)"
	styleError   = "margin:0.3em 0;padding:0.4em 0.7em;border-left:4px solid #dc2626;background:rgba(220,38,38,0.12);font-weight:600"
	styleMachine = "font-size:0.9em;opacity:0.8;margin:0.3em 0"
)

// HTML renders the table, its flags and the machine line, styled inline.
func (r *Result) HTML() string {
	var b strings.Builder
	b.WriteString(`<div style="` + styleBox + `">`)
	if r.err != nil {
		fmt.Fprintf(&b, `<div style="%s">✘ %s failed: %s</div>`, styleError, esc(r.Experiment), esc(r.err.Error()))
	}
	fmt.Fprintf(&b, `<div style="font-weight:600;margin:0.2em 0">%s</div>`, esc(r.heading()))
	if len(r.Rows) > 0 {
		b.WriteString(`<table style="` + styleTable + `"><thead><tr>`)
		titles := map[string]string{
			"CPU":      "median CPU time of the whole process per run (getrusage)",
			"CPU/wall": "CPU time over wall time: about 1 per busy core, near 0 when goroutines wait",
			"speedup":  "median wall time of the first setting over this one",
			"possible": "min(tasks, GOMAXPROCS, CPUs, ceil(CPU quota)): the most parallelism can gain here",
		}
		for _, h := range tableHeader {
			fmt.Fprintf(&b, `<th style="%s" title="%s">%s</th>`, styleTH, esc(titles[h]), esc(h))
		}
		b.WriteString(`</tr></thead><tbody>`)
		for _, row := range r.cells() {
			b.WriteString("<tr>")
			for _, c := range row {
				fmt.Fprintf(&b, `<td style="%s">%s</td>`, styleTD, esc(c))
			}
			b.WriteString("</tr>")
		}
		b.WriteString(`</tbody></table>`)
	}
	for _, row := range r.Rows {
		for _, f := range row.Flags {
			fmt.Fprintf(&b, `<div style="%s">⚠ GOMAXPROCS=%d: %s</div>`, styleFlag, row.GOMAXPROCS, esc(f))
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, `<div style="%s">⚠ %s</div>`, styleFlag, esc(n))
	}
	fmt.Fprintf(&b, `<div style="%s">machine: %s</div>`, styleMachine, esc(r.Machine.String()))
	b.WriteString(`</div>`)
	return b.String()
}

func esc(s string) string { return html.EscapeString(s) }

// JSON is the result as data:
//
//	{"experiment": str,
//	 "machine": {"num_cpu": int, "gomaxprocs_default": int, "cpu_quota": float|null, "go": str},
//	 "rows": [{"gomaxprocs": int, "tasks": int, "repeat": int,
//	           "wall_ms": {"median": f, "min": f, "max": f}, "cpu_ms": f,
//	           "speedup": f, "possible_speedup": f, "flags": [str]}]}
//
// plus "notes": [str] when there are experiment-wide warnings and "error": str
// when the experiment failed.
func (r *Result) JSON() any {
	rows := make([]any, 0, len(r.Rows))
	for _, row := range r.Rows {
		rows = append(rows, map[string]any{
			"gomaxprocs": row.GOMAXPROCS,
			"tasks":      row.Tasks,
			"repeat":     row.Repeat,
			"wall_ms": map[string]any{
				"median": ms(row.Median),
				"min":    ms(row.Min),
				"max":    ms(row.Max),
			},
			"cpu_ms":           ms(row.CPU),
			"speedup":          round3(row.Speedup),
			"possible_speedup": row.PossibleSpeedup,
			"flags":            append([]string{}, row.Flags...),
		})
	}
	out := map[string]any{
		"experiment": r.Experiment,
		"machine":    r.Machine.jsonValue(),
		"rows":       rows,
	}
	if len(r.Notes) > 0 {
		out["notes"] = append([]string{}, r.Notes...)
	}
	if r.err != nil {
		out["error"] = r.err.Error()
	}
	return out
}

func ms(d time.Duration) float64 { return round3(float64(d) / 1e6) }

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
