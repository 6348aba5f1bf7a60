package lessons

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeResult builds a result from given wall times, the way Run does.
func fakeResult(name string, m Machine, rows ...[]time.Duration) *Result {
	r := &Result{Experiment: name, Machine: m}
	procs := []int{1, 2, 4}
	for i, walls := range rows {
		row := Row{GOMAXPROCS: procs[i], Tasks: 4, Repeat: len(walls), Walls: walls, OtherCPUs: -1}
		cpus := slices.Repeat([]time.Duration{200 * time.Millisecond}, len(walls))
		r.addRow(row, cpus)
	}
	return r
}

var twoCPUs = Machine{NumCPU: 2, GOMAXPROCS: 2, DefaultGOMAXPROCS: 2, GoVersion: "go1.26.8", OS: "linux", Arch: "amd64"}

func msec(n float64) time.Duration { return time.Duration(n * 1e6) }

func TestRowsAndFlags(t *testing.T) {
	r := fakeResult("CPU-bound", twoCPUs,
		[]time.Duration{msec(200), msec(201), msec(199)},
		[]time.Duration{msec(100), msec(102), msec(101)},
		[]time.Duration{msec(60), msec(61), msec(90)}, // 3.3× on 2 CPUs: impossible, and noisy
	)
	if len(r.Rows) != 3 {
		t.Fatalf("%d rows, want 3", len(r.Rows))
	}
	if got := r.Rows[1].Speedup; got < 1.97 || got > 2.0 {
		t.Errorf("speedup at 2 = %v, want 200/101", got)
	}
	if len(r.Rows[0].Flags)+len(r.Rows[1].Flags) != 0 {
		t.Errorf("clean rows flagged: %q %q", r.Rows[0].Flags, r.Rows[1].Flags)
	}
	row := r.Rows[2]
	if row.PossibleSpeedup != 2 {
		t.Errorf("possible speedup with 4 tasks at 4 on 2 CPUs = %v, want 2", row.PossibleSpeedup)
	}
	joined := strings.Join(row.Flags, "\n")
	if !strings.Contains(joined, "impossible speedup") || !strings.Contains(joined, "noisy") {
		t.Errorf("flags %q lack the impossible-speedup and noisy warnings", row.Flags)
	}
	cells := r.cells()[2]
	if cells[7] != "(impossible)" {
		t.Errorf("an impossible speedup is shown as a result: speedup cell %q", cells[7])
	}
}

func TestTextTableAligned(t *testing.T) {
	r := fakeResult("CPU-bound", twoCPUs,
		[]time.Duration{msec(200), msec(201), msec(199)},
		[]time.Duration{msec(100), msec(102), msec(101)},
		[]time.Duration{msec(12000), msec(12000), msec(12000)},
	)
	lines := strings.Split(r.String(), "\n")
	var table []string
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "GOMAXPROCS ") || (len(l) > 0 && l[0] == ' ') {
			table = append(table, l)
		}
	}
	if len(table) != 4 {
		t.Fatalf("found %d table lines, want header + 3 rows:\n%s", len(table), r.String())
	}
	w := textWidth(table[0])
	for _, l := range table {
		if textWidth(l) != w {
			t.Errorf("table lines differ in width (%d vs %d):\n%s", textWidth(l), w, strings.Join(table, "\n"))
			break
		}
	}
	// Right-aligned: every column ends where its header ends.
	header := table[0]
	for _, h := range []string{"tasks", "median", "possible"} {
		end := textWidth(header[:strings.Index(header, h)]) + len(h)
		for _, line := range table[1:] {
			l := []rune(line)
			if l[end-1] == ' ' || (end < len(l) && l[end] != ' ') {
				t.Errorf("column %q not right-aligned in %q", h, l)
			}
		}
	}
	if !strings.Contains(r.String(), "machine: 2 CPUs, default GOMAXPROCS 2") {
		t.Errorf("no machine line:\n%s", r.String())
	}
}

func TestHTML(t *testing.T) {
	r := fakeResult("<script>x</script>", twoCPUs, []time.Duration{msec(200)}, []time.Duration{msec(100)})
	h := r.HTML()
	for _, want := range []string{"<table", "<th", "GOMAXPROCS", "&lt;script&gt;", "machine: 2 CPUs", "200.0 ms"} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q:\n%s", want, h)
		}
	}
	if strings.Contains(h, "<script>") {
		t.Error("HTML does not escape the experiment name")
	}
	if strings.Contains(h, "<style") || strings.Contains(h, "class=") {
		t.Error("HTML relies on a stylesheet; it must be styled inline")
	}
	if strings.Count(h, "<tr>") != 3 {
		t.Errorf("HTML has %d rows, want header + 2", strings.Count(h, "<tr>"))
	}
}

func TestJSONShape(t *testing.T) {
	r := fakeResult("CPU-bound", Machine{NumCPU: 2, DefaultGOMAXPROCS: 2, CPUQuota: 1.5, GoVersion: "go1.26.8"},
		[]time.Duration{msec(200), msec(210), msec(190)}, []time.Duration{msec(100), msec(100), msec(100)})
	b, err := json.Marshal(r.JSON())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]any) []string {
		var k []string
		for s := range m {
			k = append(k, s)
		}
		slices.Sort(k)
		return k
	}
	if k := keys(got); !reflect.DeepEqual(k, []string{"experiment", "machine", "rows"}) {
		t.Errorf("top-level keys %v", k)
	}
	machine := got["machine"].(map[string]any)
	if k := keys(machine); !reflect.DeepEqual(k, []string{"cpu_quota", "go", "gomaxprocs_default", "num_cpu"}) {
		t.Errorf("machine keys %v", k)
	}
	if machine["cpu_quota"] != 1.5 || machine["num_cpu"] != 2.0 || machine["go"] != "go1.26.8" {
		t.Errorf("machine = %v", machine)
	}
	rows := got["rows"].([]any)
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	row := rows[0].(map[string]any)
	if k := keys(row); !reflect.DeepEqual(k, []string{"cpu_ms", "flags", "gomaxprocs", "possible_speedup", "repeat", "speedup", "tasks", "wall_ms"}) {
		t.Errorf("row keys %v", k)
	}
	wall := row["wall_ms"].(map[string]any)
	if wall["median"] != 200.0 || wall["min"] != 190.0 || wall["max"] != 210.0 {
		t.Errorf("wall_ms = %v", wall)
	}
	if row["gomaxprocs"] != 1.0 || row["tasks"] != 4.0 || row["repeat"] != 3.0 || row["cpu_ms"] != 200.0 {
		t.Errorf("row = %v", row)
	}
	if _, ok := row["flags"].([]any); !ok {
		t.Errorf("flags = %#v, want a list (never null)", row["flags"])
	}
	if s := rows[1].(map[string]any)["speedup"]; s != 2.0 {
		t.Errorf("speedup = %v, want 2", s)
	}
}

func TestFailedResultRendersError(t *testing.T) {
	r := &Result{Experiment: "bad", Machine: twoCPUs, err: errors.New("Tasks is 0: start at least 1 goroutine per run")}
	for name, s := range map[string]string{"text": r.String(), "html": r.HTML()} {
		if !strings.Contains(s, "Tasks is 0") {
			t.Errorf("%s rendering lacks the error:\n%s", name, s)
		}
	}
	if !strings.HasPrefix(r.String(), "ERROR") {
		t.Errorf("text does not start with ERROR:\n%s", r.String())
	}
	if r.JSON().(map[string]any)["error"] != "Tasks is 0: start at least 1 goroutine per run" {
		t.Errorf("JSON error = %v", r.JSON().(map[string]any)["error"])
	}
}
