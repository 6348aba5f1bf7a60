package lessons

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	rtrace "runtime/trace"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/exp/trace"
)

// Slice is a stretch of time during which one goroutine ran on one P.
type Slice struct {
	// P is the processor (0 … GOMAXPROCS-1) the goroutine ran on.
	P int
	// Task is the task's index i, or -1 for any other goroutine (the
	// runtime's, the kernel's, the experiment's own bookkeeping).
	Task int
	// Start and End are measured from the start of the run.
	Start, End time.Duration
}

// TimelineRun is the schedule of one traced run.
type TimelineRun struct {
	// GOMAXPROCS is the setting of this run.
	GOMAXPROCS int
	// Tasks is the number of task goroutines.
	Tasks int
	// Wall is the run's wall time.
	Wall time.Duration
	// Slices lists who ran on which P and when, in time order.
	Slices []Slice
	// MostRunning is the largest number of tasks running at the same time.
	MostRunning int
	// Overlap is the total time during which two or more tasks ran at once:
	// parallelism actually happening.
	Overlap time.Duration
	// MedianSlice is the median length of the tasks' slices: about 10 ms
	// when CPU-bound goroutines share a P and the scheduler preempts them.
	MedianSlice time.Duration
	// TaskSlices is the number of slices the tasks ran in.
	TaskSlices int
}

// Timelines is the per-P picture of an experiment: one traced run per
// GOMAXPROCS setting. It renders as SVG in a notebook and as text lanes in a
// terminal; the data is in Runs.
type Timelines struct {
	// Experiment is the experiment's name.
	Experiment string
	// Machine is what the experiment ran on.
	Machine Machine
	// Runs holds one traced run per setting, in the order run.
	Runs []TimelineRun
	// Notes are warnings about the whole experiment.
	Notes []string

	err error
}

// Err is why the timeline failed or stopped early, or nil.
func (t *Timelines) Err() error { return t.err }

// Timeline runs the experiment once per GOMAXPROCS setting while recording a
// runtime/trace, and draws which goroutine ran on which P when. Repeat is
// ignored. Like Run it never panics, restores GOMAXPROCS and stops on SIGINT.
func Timeline(exp Experiment) *Timelines { return TimelineContext(context.Background(), exp) }

// TimelineContext is Timeline, stopping promptly when ctx is cancelled.
func TimelineContext(ctx context.Context, exp Experiment) *Timelines {
	t := &Timelines{Experiment: exp.title(), Machine: ThisMachine()}
	if err := exp.validate(); err != nil {
		t.err = err
		return t
	}
	if note := CountGoroutines().note(); note != "" {
		t.Notes = append(t.Notes, note)
	}
	if !experimentLock.TryLock() {
		t.err = errBusy
		return t
	}
	defer experimentLock.Unlock()
	ctx, stopSignal := signal.NotifyContext(ctx, os.Interrupt)
	defer stopSignal()
	stepsPerNanosecond()
	procs := exp.procs()
	prog := startProgress(exp.title()+" (timeline)", len(procs))
	saved := saveProcs(t.Machine)
	defer func() {
		saved.restore()
		t.Machine.GOMAXPROCS = runtime.GOMAXPROCS(0)
		prog.finish(t)
	}()
	for _, p := range procs {
		prog.at(fmt.Sprintf("GOMAXPROCS=%d, traced run", p))
		if err := ctx.Err(); err != nil {
			t.err = fmt.Errorf("interrupted before the run at GOMAXPROCS=%d: %w", p, context.Cause(ctx))
			return t
		}
		runtime.GOMAXPROCS(p)
		runtime.GC()
		run, err := traceRun(ctx, exp.Tasks, exp.Task)
		prog.step()
		var tp *TaskPanic
		switch {
		case errors.As(err, &tp):
			tp.GOMAXPROCS, tp.Run = p, "traced run"
			t.err = tp
			return t
		case err != nil:
			t.err = fmt.Errorf("timeline at GOMAXPROCS=%d: %w", p, err)
			return t
		}
		run.GOMAXPROCS = p
		t.Runs = append(t.Runs, run)
	}
	return t
}

// traceRun records one run with runtime/trace and extracts its schedule.
func traceRun(ctx context.Context, tasks int, task func(int)) (TimelineRun, error) {
	var buf bytes.Buffer
	if err := rtrace.Start(&buf); err != nil {
		return TimelineRun{}, fmt.Errorf("start runtime/trace (is another trace recording in this process?): %w", err)
	}
	_, _, runErr := runOnce(ctx, tasks, task)
	rtrace.Stop()
	if runErr != nil {
		return TimelineRun{}, runErr
	}
	run, err := readSchedule(&buf)
	if err != nil {
		return TimelineRun{}, fmt.Errorf("read trace: %w", err)
	}
	run.Tasks = tasks
	return run, nil
}

// readSchedule extracts the per-P schedule of a run from a runtime/trace
// capture: a goroutine runs on a P from its transition to Running until its
// transition away from it. Tasks are known by the log each task goroutine
// writes first; the run's window by the logs runOnce writes around it.
func readSchedule(r io.Reader) (TimelineRun, error) {
	rd, err := trace.NewReader(r)
	if err != nil {
		return TimelineRun{}, err
	}
	type open struct {
		start trace.Time
		p     trace.ProcID
	}
	running := map[trace.GoID]open{}
	taskOf := map[trace.GoID]int{}
	type span struct {
		g          trace.GoID
		p          trace.ProcID
		start, end trace.Time
	}
	var spans []span
	var winStart, winEnd, last trace.Time
	for {
		ev, err := rd.ReadEvent()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return TimelineRun{}, err
		}
		last = ev.Time()
		switch ev.Kind() {
		case trace.EventLog:
			l := ev.Log()
			switch l.Category {
			case taskCategory:
				if i, err := strconv.Atoi(l.Message); err == nil {
					taskOf[ev.Goroutine()] = i
				}
			case runCategory:
				if l.Message == "start" {
					winStart = ev.Time()
				} else if l.Message == "end" {
					winEnd = ev.Time()
				}
			}
		case trace.EventStateTransition:
			st := ev.StateTransition()
			if st.Resource.Kind != trace.ResourceGoroutine {
				continue
			}
			g := st.Resource.Goroutine()
			from, to := st.Goroutine()
			switch {
			case to == trace.GoRunning && from != trace.GoRunning:
				running[g] = open{start: ev.Time(), p: ev.Proc()}
			case from == trace.GoRunning && to != trace.GoRunning:
				if o, ok := running[g]; ok {
					spans = append(spans, span{g, o.p, o.start, ev.Time()})
					delete(running, g)
				}
			}
		}
	}
	for g, o := range running {
		spans = append(spans, span{g, o.p, o.start, last})
	}
	if winStart == 0 {
		return TimelineRun{}, errors.New("the trace has no start mark of the run")
	}
	if winEnd == 0 || winEnd < winStart {
		winEnd = last
	}
	var run TimelineRun
	run.Wall = winEnd.Sub(winStart)
	for _, s := range spans {
		if s.p == trace.NoProc || s.end <= winStart || s.start >= winEnd {
			continue
		}
		task, ok := taskOf[s.g]
		if !ok {
			task = -1
		}
		run.Slices = append(run.Slices, Slice{
			P:     int(s.p),
			Task:  task,
			Start: max(s.start, winStart).Sub(winStart),
			End:   min(s.end, winEnd).Sub(winStart),
		})
	}
	run.finish()
	return run, nil
}

// finish sorts the slices and computes the summary from them.
func (r *TimelineRun) finish() {
	slices.SortFunc(r.Slices, func(a, b Slice) int {
		if a.Start != b.Start {
			return cmpDur(a.Start, b.Start)
		}
		return a.P - b.P
	})
	r.MostRunning, r.Overlap = concurrency(r.Slices)
	var lens []time.Duration
	for _, s := range r.Slices {
		if s.Task >= 0 {
			lens = append(lens, s.End-s.Start)
		}
	}
	r.TaskSlices = len(lens)
	r.MedianSlice = medianDuration(lens)
}

func cmpDur(a, b time.Duration) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// concurrency sweeps over the task slices (Task >= 0) and returns the most
// that ran at the same time and the total time during which two or more ran.
// Slices that only touch (one ends where the next starts) do not overlap.
func concurrency(ss []Slice) (most int, overlap time.Duration) {
	type edge struct {
		t     time.Duration
		delta int
	}
	var edges []edge
	for _, s := range ss {
		if s.Task < 0 || s.End <= s.Start {
			continue
		}
		edges = append(edges, edge{s.Start, +1}, edge{s.End, -1})
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if a.t != b.t {
			return cmpDur(a.t, b.t)
		}
		return a.delta - b.delta // ends before starts at the same instant
	})
	n := 0
	var prev time.Duration
	for _, e := range edges {
		if n >= 2 {
			overlap += e.t - prev
		}
		n += e.delta
		most = max(most, n)
		prev = e.t
	}
	return most, overlap
}

// lanes is the number of P lanes to draw for a run.
func (r TimelineRun) lanes() int {
	n := r.GOMAXPROCS
	for _, s := range r.Slices {
		n = max(n, s.P+1)
	}
	return max(n, 1)
}

// title and reading are the run's summary lines.
func (r TimelineRun) title() string {
	return fmt.Sprintf("GOMAXPROCS=%d: %s, %s", r.GOMAXPROCS, plural(r.Tasks, "task"), fmtDuration(r.Wall))
}

func (r TimelineRun) reading() string {
	pct := 0.0
	if r.Wall > 0 {
		pct = 100 * float64(r.Overlap) / float64(r.Wall)
	}
	s := fmt.Sprintf("most tasks running at once: %d; total overlap: %s (%.0f%% of the run)",
		r.MostRunning, fmtDuration(r.Overlap), pct)
	if r.TaskSlices > 0 {
		s += fmt.Sprintf("; tasks ran in %d slices, median %s", r.TaskSlices, fmtDuration(r.MedianSlice))
	}
	return s
}

// summary is the run's one-line reading.
func (r TimelineRun) summary() string { return r.title() + "; " + r.reading() }

// String draws each run as text lanes, one character per time step: the
// task's symbol (0-9, a-z, A-Z, repeating), '+' for other goroutines, '.' idle.
func (t *Timelines) String() string {
	var b strings.Builder
	if t.err != nil {
		fmt.Fprintf(&b, "ERROR in %s: %v\n", t.Experiment, t.err)
	}
	fmt.Fprintf(&b, "Timeline: %s (one lane per P; digits are tasks, + other goroutines, . idle)\n", t.Experiment)
	scale := t.maxWall()
	const width = 72
	for _, r := range t.Runs {
		b.WriteString(r.summary())
		b.WriteByte('\n')
		for p := 0; p < r.lanes(); p++ {
			fmt.Fprintf(&b, "%5s |%s|\n", "P"+strconv.Itoa(p), laneText(r.Slices, p, scale, width))
		}
	}
	if len(t.Runs) > 0 {
		fmt.Fprintf(&b, "%5s  0%s%s\n", "", strings.Repeat(" ", width-1-len(fmtDuration(scale))), fmtDuration(scale))
	}
	for _, n := range t.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	fmt.Fprintf(&b, "machine: %s\n", t.Machine)
	return b.String()
}

const taskSymbols = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// laneText renders lane p as width characters over [0, scale): each
// character shows whoever ran longest in its step.
func laneText(ss []Slice, p int, scale time.Duration, width int) string {
	if scale <= 0 {
		return strings.Repeat(".", width)
	}
	step := scale / time.Duration(width)
	if step <= 0 {
		step = 1
	}
	out := make([]byte, width)
	for i := range out {
		lo, hi := time.Duration(i)*step, time.Duration(i+1)*step
		best, bestTask := time.Duration(0), -2
		for _, s := range ss {
			if s.P != p || s.End <= lo || s.Start >= hi {
				continue
			}
			if d := min(s.End, hi) - max(s.Start, lo); d > best {
				best, bestTask = d, s.Task
			}
		}
		switch {
		case bestTask == -2 || best < step/4:
			out[i] = '.'
		case bestTask == -1:
			out[i] = '+'
		default:
			out[i] = taskSymbols[bestTask%len(taskSymbols)]
		}
	}
	return string(out)
}

// maxWall is the longest run: the shared time axis.
func (t *Timelines) maxWall() time.Duration {
	var m time.Duration
	for _, r := range t.Runs {
		m = max(m, r.Wall)
	}
	return m
}
