// Package lessons is the lab bench that golab's lesson notebooks import: fixed
// CPU work and other workloads, experiments timed under chosen GOMAXPROCS
// settings, timing tables, per-P timelines drawn from runtime traces, and
// self-checks for exercises.
//
// Cells run in an interpreter, whose loops are far slower than compiled Go, so
// everything that is timed here is compiled code: the workloads (Compute,
// Sleep, BlockingSyscall, Counter, Counters) and the experiment machinery
// (Run, Timeline) that starts the goroutines and times them. A cell passes
// its Task as a function; only the call into it is interpreted.
//
//	lessons.Run(lessons.Experiment{
//		Name:   "CPU-bound",
//		Tasks:  4,
//		Procs:  []int{1, 2, 4},
//		Repeat: 5,
//		Task:   func(i int) { lessons.Compute(50 * time.Millisecond) },
//	})
//
// # Measuring honestly
//
// Compute does a fixed amount of work, calibrated once per process, never
// "spin until d has passed" (which would finish in d at GOMAXPROCS=1 too and
// hide the absence of parallelism). Run sets GOMAXPROCS for each setting and
// restores it afterwards: with runtime.SetDefaultGOMAXPROCS when it was Go's
// default, which is taken to be the case when the GOMAXPROCS environment
// variable is unset and the value equals the default (the runtime does not
// record explicit calls), and otherwise to the value it had. It collects
// garbage before each run, does one warm-up run, and reports the median,
// minimum and maximum wall time, the process's CPU time per wall time
// (getrusage), the speedup over
// the first setting and the speedup that is possible on this machine:
// min(tasks, GOMAXPROCS, NumCPU, ceil(cgroup CPU quota)). What would mislead
// is flagged in words instead of being shown as a result: a speedup above the
// possible one, runs that spread more than 20%, other processes keeping the
// CPUs busy (from /proc/stat), goroutines the tasks leaked, goroutines that
// earlier cells left running.
//
// # Failing well
//
// Run, Timeline, Check and Progress return a value even when something goes
// wrong: invalid input, a panicking task or an interrupt give a result that
// renders the error in the cell (with whatever was measured before) and
// carries it in Err and in the JSON. A task that panics ends the experiment
// with the task, the setting and the panic reported. Run and Timeline stop at
// SIGINT (Jupyter's interrupt in signal mode) and at the cancellation of the
// context given to RunContext or TimelineContext: the engine runs cells
// without handing native code a context, so the signal is what reaches a Run
// called from a cell. GOMAXPROCS is restored in every case.
//
// # Rendering
//
// Results render by methods, as the kernel's display package expects: HTML
// (tables styled inline with inherited text colours and translucent greys,
// so they read in Notebook, Lab and nbconvert, on light and dark themes),
// String (aligned text for terminals and the headless runner) and, for Run's
// table, JSON in the shape the notebooks and tests read. Experiments that run
// for more than half a second show their progress in place
// (display.New/Update) and end with a one-line summary above the table.
//
// The timeline is hand-written SVG rather than a gonum/plot chart: it is a
// Gantt-like drawing of coloured slices on lanes with labels inside them,
// which gonum/plot has no plotter for, and writing it directly keeps the
// figure small, lets it carry its own legend, tooltips and an opaque
// background that switches colours with prefers-color-scheme, and adds no
// dependency. The trace is read with golang.org/x/exp/trace, the maintained
// parser of the runtime's trace format.
//
// # Self-checks and progress
//
// Check runs an exercise's check and shows a pass, or a "not yet" with hints
// that never give the answer. A pass is remembered in progress.json in
// os.UserConfigDir()/golab (or $GOLAB_CONFIG_DIR), written atomically; a
// corrupt file is set aside with a warning. Progress shows which exercises are
// done.
package lessons
