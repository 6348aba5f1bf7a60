package lessons

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/trace"
	"strconv"
	"sync"
	"time"
)

// Experiment is a set of timed runs: each run starts Tasks goroutines that
// call Task(0) … Task(Tasks-1) and waits for all of them; the runs are
// repeated under each GOMAXPROCS value in Procs.
type Experiment struct {
	// Name titles the table.
	Name string
	// Tasks is the number of goroutines started per run (1 to 100000).
	Tasks int
	// Procs lists the GOMAXPROCS values to run under, in turn (each 1 to
	// 1024). Empty means {1, NumCPU}. The speedup column compares each
	// setting with the first.
	Procs []int
	// Repeat is the number of measured runs per setting, after one warm-up
	// run at the first setting. 0 means 3.
	Repeat int
	// Task is the work of goroutine i. It is called from goroutines this
	// package starts; a panic in it ends the experiment with a report.
	Task func(i int)
	// Width is how many goroutines one task's work can keep busy at once,
	// for a task that fans out itself (a pipeline with 2 workers: Width 2).
	// The possible speedup counts Tasks × Width goroutines. 0 means 1.
	Width int
}

// width is the goroutines that can compute at once in one run.
func (e Experiment) width() int {
	return e.Tasks * max(e.Width, 1)
}

const (
	defaultRepeat = 3
	maxTasks      = 100000
	maxRepeat     = 1000
)

// procs is the list of GOMAXPROCS settings, with the default filled in.
func (e Experiment) procs() []int {
	if len(e.Procs) > 0 {
		return e.Procs
	}
	if n := runtime.NumCPU(); n > 1 {
		return []int{1, n}
	}
	return []int{1}
}

// repeat is the number of measured runs per setting, with the default.
func (e Experiment) repeat() int {
	if e.Repeat == 0 {
		return defaultRepeat
	}
	return e.Repeat
}

// title is the experiment's name or a stand-in.
func (e Experiment) title() string {
	if e.Name != "" {
		return e.Name
	}
	return "experiment"
}

// validate reports every problem with e, in words a learner can act on.
func (e Experiment) validate() error {
	var errs []error
	if e.Task == nil {
		errs = append(errs, errors.New("Task is nil: set Task to the function each goroutine runs, e.g. func(i int) { lessons.Compute(50 * time.Millisecond) }"))
	}
	if e.Tasks < 1 {
		errs = append(errs, fmt.Errorf("Tasks is %d: start at least 1 goroutine per run", e.Tasks))
	} else if e.Tasks > maxTasks {
		errs = append(errs, fmt.Errorf("Tasks is %d: at most %d goroutines per run", e.Tasks, maxTasks))
	}
	for _, p := range e.Procs {
		if err := checkProcs(p); err != nil {
			errs = append(errs, fmt.Errorf("Procs: %w", err))
		}
	}
	if e.Width < 0 || e.Width > maxTasks {
		errs = append(errs, fmt.Errorf("Width is %d: use 0 (meaning 1) or the number of goroutines one task keeps busy", e.Width))
	}
	if e.Repeat < 0 {
		errs = append(errs, fmt.Errorf("Repeat is %d: use 0 (meaning %d) or more measured runs", e.Repeat, defaultRepeat))
	} else if e.Repeat > maxRepeat {
		errs = append(errs, fmt.Errorf("Repeat is %d: at most %d runs per setting", e.Repeat, maxRepeat))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("experiment %q is not valid: %w", e.title(), errors.Join(errs...))
}

// Run times the experiment and returns its table. It never panics: invalid
// input, a panicking task or an interrupt give a Result that renders the
// error (with the rows measured so far) and whose Err method returns it.
//
// Run stops early when the process receives SIGINT (Jupyter's interrupt in
// signal mode); use RunContext to stop it with a context too. GOMAXPROCS is
// restored however it ends. Runs longer than a moment show their progress in
// place in the notebook.
func Run(exp Experiment) *Result { return RunContext(context.Background(), exp) }

// RunContext is Run, stopping promptly when ctx is cancelled: no new run
// starts, the tasks already running are left to finish in the background,
// GOMAXPROCS is restored and the rows measured so far are returned.
func RunContext(ctx context.Context, exp Experiment) *Result {
	start := time.Now()
	res := &Result{Experiment: exp.title(), Machine: ThisMachine()}
	defer func() { res.Elapsed = time.Since(start) }()
	if err := exp.validate(); err != nil {
		res.err = err
		return res
	}
	if note := CountGoroutines().note(); note != "" {
		res.Notes = append(res.Notes, note)
	}
	if !experimentLock.TryLock() {
		res.err = errBusy
		return res
	}
	defer experimentLock.Unlock()
	ctx, stopSignal := signal.NotifyContext(ctx, os.Interrupt)
	defer stopSignal()
	stepsPerNanosecond() // calibrate Compute before anything is timed

	procs, repeat := exp.procs(), exp.repeat()
	prog := startProgress(exp.title(), 1+len(procs)*repeat)
	saved := saveProcs(res.Machine)
	defer func() {
		saved.restore()
		res.Machine.GOMAXPROCS = runtime.GOMAXPROCS(0)
		prog.finish(res)
	}()

	for si, p := range procs {
		runtime.GOMAXPROCS(p)
		row := Row{GOMAXPROCS: p, Tasks: exp.Tasks, Repeat: repeat, width: exp.width()}
		var cpus []time.Duration
		var load otherLoad
		runs := repeat
		if si == 0 {
			runs++ // the warm-up
		}
		for k := 0; k < runs; k++ {
			warm := si == 0 && k == 0
			label := fmt.Sprintf("run %d of %d", len(row.Walls)+1, repeat)
			if warm {
				label = "warm-up run"
			}
			prog.at(fmt.Sprintf("GOMAXPROCS=%d, %s", p, label))
			if err := ctx.Err(); err != nil {
				res.fail(row, cpus, fmt.Errorf("interrupted at GOMAXPROCS=%d before the %s: %w", p, label, context.Cause(ctx)))
				return res
			}
			runtime.GC()
			before, beforeIDs := runtime.NumGoroutine(), liveGoroutines()
			busy0, busyOK := machineBusy()
			wall, cpu, err := runOnce(ctx, exp.Tasks, exp.Task)
			busy1, busyOK1 := machineBusy()
			prog.step()
			var tp *TaskPanic
			switch {
			case errors.As(err, &tp):
				tp.GOMAXPROCS, tp.Run = p, label
				res.fail(row, cpus, tp)
				return res
			case err != nil:
				res.fail(row, cpus, fmt.Errorf("interrupted at GOMAXPROCS=%d during the %s: %w", p, label, err))
				return res
			}
			if settleGoroutines(before, 20*time.Millisecond) > 0 {
				// More goroutines than before: count precisely those
				// started since the run began that are still alive.
				if left := newGoroutines(beforeIDs, 50*time.Millisecond); left > row.leaked {
					row.leaked = left
				}
			}
			if warm {
				continue
			}
			row.Walls = append(row.Walls, wall)
			cpus = append(cpus, cpu)
			if busyOK && busyOK1 {
				load.add(wall, busy1-busy0-cpu)
			}
		}
		row.OtherCPUs = load.cpus()
		res.addRow(row, cpus)
	}
	return res
}

// otherLoad adds up the CPU time other processes used during the runs.
type otherLoad struct {
	wall, others time.Duration
	n            int
}

func (l *otherLoad) add(wall, others time.Duration) {
	l.wall += wall
	l.others += max(0, others)
	l.n++
}

// cpus is the average number of CPUs other processes kept busy, or -1 when
// unknown or measured over too short a time to mean anything (/proc/stat
// counts in 10 ms steps).
func (l *otherLoad) cpus() float64 {
	if l.n == 0 || l.wall < 200*time.Millisecond {
		return -1
	}
	return float64(l.others) / float64(l.wall)
}

// TaskPanic is the error of an experiment whose task panicked.
type TaskPanic struct {
	Task       int    // which task (its i)
	GOMAXPROCS int    // under which setting
	Run        string // which run, e.g. "run 2 of 5" or "warm-up run"
	Value      any    // what it panicked with
}

func (p *TaskPanic) Error() string {
	return fmt.Sprintf("task %d panicked at GOMAXPROCS=%d (%s): %v", p.Task, p.GOMAXPROCS, p.Run, p.Value)
}

// Trace log categories that mark tasks and runs in a runtime/trace capture.
const (
	taskCategory = "lessons.task"
	runCategory  = "lessons.run"
)

// runOnce starts tasks goroutines running task and waits for them all, for
// the first panic, or for ctx; it returns the wall time and the process CPU
// time the run took. On a panic or cancellation it returns at once and the
// other tasks finish in the background.
func runOnce(ctx context.Context, tasks int, task func(int)) (wall, cpu time.Duration, err error) {
	var wg sync.WaitGroup
	failed := make(chan *TaskPanic, 1)
	done := make(chan struct{})
	traced := trace.IsEnabled()
	if traced {
		trace.Log(ctx, runCategory, "start")
	}
	cpu0 := processCPU()
	start := time.Now()
	wg.Add(tasks)
	for i := 0; i < tasks; i++ {
		go taskMain(i, task, &wg, failed)
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case p := <-failed:
		return 0, 0, p
	case <-ctx.Done():
		return 0, 0, context.Cause(ctx)
	}
	wall = time.Since(start)
	cpu = processCPU() - cpu0
	if traced {
		trace.Log(ctx, runCategory, "end")
	}
	select {
	case p := <-failed:
		return 0, 0, p
	default:
	}
	return wall, cpu, nil
}

// taskMain is the body of every task goroutine (its name marks leftover
// tasks in stack dumps): it reports a panic instead of crashing the process.
func taskMain(i int, task func(int), wg *sync.WaitGroup, failed chan<- *TaskPanic) {
	defer wg.Done()
	defer func() {
		if r := recover(); r != nil {
			select {
			case failed <- &TaskPanic{Task: i, Value: r}:
			default:
			}
		}
	}()
	if trace.IsEnabled() {
		trace.Log(context.Background(), taskCategory, strconv.Itoa(i))
	}
	task(i)
}
