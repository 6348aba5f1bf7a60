package lessons

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golab/golab/kernel/display"
)

func TestValidation(t *testing.T) {
	task := func(int) {}
	tests := []struct {
		name string
		exp  Experiment
		want string
	}{
		{"no task", Experiment{Tasks: 1}, "Task is nil"},
		{"no tasks", Experiment{Tasks: 0, Task: task}, "Tasks is 0"},
		{"negative tasks", Experiment{Tasks: -3, Task: task}, "Tasks is -3"},
		{"too many tasks", Experiment{Tasks: maxTasks + 1, Task: task}, "at most"},
		{"procs 0", Experiment{Tasks: 1, Procs: []int{1, 0}, Task: task}, "GOMAXPROCS 0 is out of range"},
		{"procs too big", Experiment{Tasks: 1, Procs: []int{1025}, Task: task}, "GOMAXPROCS 1025 is out of range"},
		{"negative repeat", Experiment{Tasks: 1, Repeat: -1, Task: task}, "Repeat is -1"},
	}
	before := runtime.GOMAXPROCS(0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for kind, r := range map[string]interface{ Err() error }{"Run": Run(tt.exp), "Timeline": Timeline(tt.exp)} {
				if r.Err() == nil || !strings.Contains(r.Err().Error(), tt.want) {
					t.Fatalf("%s error = %v, want one saying %q", kind, r.Err(), tt.want)
				}
				d := display.Render(r)
				if len(d.Bundle) < 2 {
					t.Errorf("%s renders only %v", kind, d.Bundle)
				}
				for mime, v := range d.Bundle {
					if s, ok := v.(string); ok && !strings.Contains(s, tt.want) {
						t.Errorf("%s's %s does not show the error %q", kind, mime, tt.want)
					}
				}
			}
		})
	}
	if runtime.GOMAXPROCS(0) != before {
		t.Errorf("GOMAXPROCS changed by invalid experiments: %d, was %d", runtime.GOMAXPROCS(0), before)
	}
	// Several problems are reported together.
	err := Run(Experiment{Tasks: 0, Repeat: -2}).Err()
	if err == nil || !strings.Contains(err.Error(), "Task is nil") || !strings.Contains(err.Error(), "Repeat is -2") {
		t.Errorf("combined error = %v", err)
	}
}

func TestRunMeasuresAndRestores(t *testing.T) {
	runtime.GOMAXPROCS(1) // an explicit setting must come back as it was
	defer runtime.SetDefaultGOMAXPROCS()
	var calls atomic.Int64
	r := Run(Experiment{Name: "sleep", Tasks: 3, Procs: []int{1, 2}, Repeat: 2, Task: func(i int) {
		calls.Add(1)
		time.Sleep(30 * time.Millisecond)
	}})
	if r.Err() != nil {
		t.Fatalf("Run: %v", r.Err())
	}
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Errorf("GOMAXPROCS after Run = %d, want the explicit 1 restored", got)
	}
	// 1 warm-up + 2 settings × 2 runs, 3 tasks each.
	if got := calls.Load(); got != 15 {
		t.Errorf("Task called %d times, want 15", got)
	}
	if len(r.Rows) != 2 || r.Rows[0].GOMAXPROCS != 1 || r.Rows[1].GOMAXPROCS != 2 {
		t.Fatalf("rows %+v", r.Rows)
	}
	for _, row := range r.Rows {
		if row.Repeat != 2 || len(row.Walls) != 2 || row.Tasks != 3 {
			t.Errorf("row %+v", row)
		}
		// Sleeping tasks wait together: about 30 ms, whatever GOMAXPROCS.
		if row.Median < 25*time.Millisecond || row.Median > 2*time.Second {
			t.Errorf("median of 3 overlapping 30 ms sleeps = %v", row.Median)
		}
		if row.CPUPerWall() > 0.9 {
			t.Errorf("sleeping tasks used %.2f CPUs", row.CPUPerWall())
		}
	}
}

func TestRunRestoresDefault(t *testing.T) {
	runtime.SetDefaultGOMAXPROCS()
	want := runtime.GOMAXPROCS(0)
	r := Run(Experiment{Tasks: 1, Procs: []int{3}, Repeat: 1, Task: func(int) {}})
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	if got := runtime.GOMAXPROCS(0); got != want {
		t.Errorf("GOMAXPROCS after Run = %d, want the default %d", got, want)
	}
}

func TestComputeIsFixedWork(t *testing.T) {
	if runtime.NumCPU() < 1 {
		t.Skip()
	}
	// Two tasks of fixed work cannot finish in the time of one at GOMAXPROCS=1.
	r := Run(Experiment{Name: "cpu", Tasks: 2, Procs: []int{1}, Repeat: 1, Task: func(int) { Compute(50 * time.Millisecond) }})
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	if m := r.Rows[0].Median; m < 60*time.Millisecond {
		t.Errorf("2 × Compute(50ms) at GOMAXPROCS=1 took %v: not a fixed amount of work", m)
	}
}

func TestTaskPanic(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	r := Run(Experiment{Name: "boom", Tasks: 4, Procs: []int{1, 2}, Repeat: 2, Task: func(i int) {
		if i == 2 && runtime.GOMAXPROCS(0) == 2 {
			var m map[string]int
			m["x"] = 1
		}
	}})
	var tp *TaskPanic
	if !errors.As(r.Err(), &tp) {
		t.Fatalf("Err = %v, want a *TaskPanic", r.Err())
	}
	if tp.Task != 2 || tp.GOMAXPROCS != 2 || tp.Run != "run 1 of 2" {
		t.Errorf("panic report %+v, want task 2 at GOMAXPROCS=2, run 1 of 2", tp)
	}
	for _, s := range []string{r.String(), r.HTML()} {
		if !strings.Contains(s, "task 2 panicked at GOMAXPROCS=2") || !strings.Contains(s, "nil map") {
			t.Errorf("rendering does not report the panic:\n%s", s)
		}
	}
	if len(r.Rows) != 1 {
		t.Errorf("%d rows kept, want the finished setting", len(r.Rows))
	}
	if runtime.GOMAXPROCS(0) != before {
		t.Errorf("GOMAXPROCS = %d after a panic, want %d", runtime.GOMAXPROCS(0), before)
	}
}

func TestRunContextCancel(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{}, 10)
	go func() {
		<-started
		cancel()
	}()
	start := time.Now()
	r := RunContext(ctx, Experiment{Name: "stuck", Tasks: 2, Procs: []int{1}, Task: func(int) {
		started <- struct{}{}
		<-release
	}})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("RunContext took %v to stop", d)
	}
	if r.Err() == nil || !errors.Is(r.Err(), context.Canceled) || !strings.Contains(r.Err().Error(), "interrupted") {
		t.Errorf("Err = %v, want an interruption", r.Err())
	}
	if runtime.GOMAXPROCS(0) != before {
		t.Errorf("GOMAXPROCS = %d after cancel, want %d", runtime.GOMAXPROCS(0), before)
	}
}

func TestLeakFlagged(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	r := Run(Experiment{Name: "leaky", Tasks: 2, Procs: []int{2}, Repeat: 1, Task: func(int) {
		go func() { <-stop }()
	}})
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	if !strings.Contains(strings.Join(r.Rows[0].Flags, " "), "still running after the tasks returned") {
		t.Errorf("leaked goroutines not flagged: %q", r.Rows[0].Flags)
	}
}

func TestScanStacks(t *testing.T) {
	dump := `goroutine 7 [running]:
main.current()

goroutine 1 [select]:
github.com/traefik/yaegi/interp.(*Interpreter).EvalWithContext(0x1)
	/x/interp.go:1

goroutine 20 [chan receive]:
github.com/traefik/yaegi/interp.runCfg(0x1)
	/x/run.go:1

goroutine 21 [runnable]:
github.com/traefik/yaegi/interp.runCfg(0x1)

goroutine 22 [running]:
github.com/golab/golab/lessons.taskMain(0x1)

goroutine 23 [IO wait]:
internal/poll.runtime_pollWait()
`
	g := scanStacks(dump)
	if g.Strays != 3 || g.Busy != 2 {
		t.Errorf("scanStacks = %+v, want 3 strays, 2 busy", g)
	}
	if !strings.Contains(g.note(), "3 goroutines from earlier cells are") {
		t.Errorf("note %q", g.note())
	}
	if (Goroutines{}).note() != "" {
		t.Error("no strays should give no note")
	}
}

func TestOneExperimentAtATime(t *testing.T) {
	inside := make(chan struct{})
	release := make(chan struct{})
	done := make(chan *Result)
	go func() {
		done <- Run(Experiment{Tasks: 1, Procs: []int{1}, Repeat: 1, Task: func(int) {
			select {
			case inside <- struct{}{}:
			default:
			}
			<-release
		}})
	}()
	<-inside
	r := Run(Experiment{Tasks: 1, Procs: []int{2}, Task: func(int) {}})
	close(release)
	if r.Err() == nil || !strings.Contains(r.Err().Error(), "one at a time") {
		t.Errorf("second experiment: Err = %v", r.Err())
	}
	if first := <-done; first.Err() != nil {
		t.Errorf("first experiment: %v", first.Err())
	}
}

func TestGoroutineIDs(t *testing.T) {
	dump := "goroutine 7 [running]:\nmain.f()\n\ngoroutine 12 [chan receive, 3 minutes]:\nmain.g()\n"
	if ids := goroutineIDs(dump); len(ids) != 2 || ids[0] != 7 || ids[1] != 12 {
		t.Errorf("goroutineIDs = %v", ids)
	}
	since := liveGoroutines()
	stop := make(chan struct{})
	go func() { <-stop }()
	if n := newGoroutines(since, 0); n != 1 {
		t.Errorf("newGoroutines = %d, want 1", n)
	}
	close(stop)
	if n := newGoroutines(since, time.Second); n != 0 {
		t.Errorf("newGoroutines after exit = %d, want 0", n)
	}
}

func TestWidthRaisesPossibleSpeedup(t *testing.T) {
	r := Run(Experiment{Name: "fan-out", Tasks: 1, Width: 2, Procs: []int{1, 2}, Repeat: 1,
		Task: func(int) {}})
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	want := min(2.0, float64(r.Machine.NumCPU))
	if q := r.Machine.QuotaCPUs(); q > 0 && float64(q) < want {
		want = float64(q)
	}
	if got := r.Rows[1].PossibleSpeedup; got != want {
		t.Errorf("possible speedup with Tasks 1, Width 2 at GOMAXPROCS 2: %v, want %v", got, want)
	}
	if r := Run(Experiment{Tasks: 1, Width: -1, Task: func(int) {}}); r.Err() == nil {
		t.Error("Width -1 accepted")
	}
}
