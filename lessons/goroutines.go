package lessons

import (
	"fmt"
	"html"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Goroutines counts the goroutines of this process, and among them the
// strays: goroutines still running code that cells started (interpreted code)
// or tasks an earlier experiment left behind. Strays that are running or
// runnable take CPU time from whatever is measured next.
type Goroutines struct {
	// Total is runtime.NumGoroutine().
	Total int
	// Strays is the number of goroutines, other than the caller, that run
	// code from cells or leftover experiment tasks.
	Strays int
	// Busy is how many of the strays were running or runnable (not
	// blocked) at the moment of counting.
	Busy int
}

// CountGoroutines takes a snapshot of all goroutines' stacks (a brief
// stop-the-world) and counts strays. Use it in a cell to check that a
// pipeline's goroutines have all ended.
func CountGoroutines() Goroutines {
	g := scanStacks(allStacks())
	g.Total = runtime.NumGoroutine()
	return g
}

// String says it in words, e.g. "12 goroutines; 3 started by cells are still alive (1 busy)".
func (g Goroutines) String() string {
	s := plural(g.Total, "goroutine")
	if g.Strays == 0 {
		return s + "; none left over from cells"
	}
	return fmt.Sprintf("%s; %d started by cells or earlier experiments still alive (%d running or runnable)", s, g.Strays, g.Busy)
}

// HTML renders String for a notebook.
func (g Goroutines) HTML() string { return "<div>" + html.EscapeString(g.String()) + "</div>" }

// goroutines is "1 goroutine" or "n goroutines".
func goroutines(n int) string {
	if n == 1 {
		return "1 goroutine"
	}
	return fmt.Sprintf("%d goroutines", n)
}

// be is "is" for one, "are" for more.
func be(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// note is the warning an experiment shows for strays, or "".
func (g Goroutines) note() string {
	switch {
	case g.Strays == 0:
		return ""
	case g.Busy == 0:
		return fmt.Sprintf("%s from earlier cells %s still alive but blocked; they do not skew the timings, but they may be leaks", goroutines(g.Strays), be(g.Strays))
	default:
		return fmt.Sprintf("%s from earlier cells %s still alive and %d of them running or runnable: they compete for the Ps and skew these timings (restart the kernel, or cancel them, for clean numbers)", goroutines(g.Strays), be(g.Strays), g.Busy)
	}
}

// allStacks is runtime.Stack for all goroutines, in a buffer big enough.
func allStacks() string {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) || len(buf) >= 64<<20 {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}

// Frames that mark a stray: interpreted code, or a task goroutine of this
// package. The goroutine that waits inside EvalWithContext or
// ExecuteWithContext for a cell to end belongs to the engine, not to the cell.
const (
	interpFrame = "github.com/traefik/yaegi/interp."
	taskFrame   = "github.com/golab/golab/lessons.taskMain("
)

var evalWaitFrames = []string{
	"github.com/traefik/yaegi/interp.(*Interpreter).EvalWithContext(",
	"github.com/traefik/yaegi/interp.(*Interpreter).ExecuteWithContext(",
}

func isEvalWait(stack string) bool {
	for _, f := range evalWaitFrames {
		if strings.Contains(stack, f) {
			return true
		}
	}
	return false
}

// scanStacks counts strays in the output of runtime.Stack(buf, true); the
// first goroutine listed is the caller and is skipped.
func scanStacks(dump string) Goroutines {
	var g Goroutines
	blocks := strings.Split(strings.TrimSpace(dump), "\n\n")
	for i, b := range blocks {
		if i == 0 || !strings.HasPrefix(b, "goroutine ") {
			continue
		}
		if isEvalWait(b) {
			continue
		}
		if !strings.Contains(b, interpFrame) && !strings.Contains(b, taskFrame) {
			continue
		}
		g.Strays++
		header, _, _ := strings.Cut(b, "\n")
		if strings.Contains(header, "[running]") || strings.Contains(header, "[runnable") {
			g.Busy++
		}
	}
	return g
}

// goroutineIDs lists the ids in a runtime.Stack dump of all goroutines.
func goroutineIDs(dump string) []int64 {
	var ids []int64
	for _, line := range strings.Split(dump, "\n") {
		rest, ok := strings.CutPrefix(line, "goroutine ")
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(rest, " ")
		if id, err := strconv.ParseInt(num, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// liveGoroutines is the set of ids of the goroutines alive now. Ids are
// never reused, so a goroutine missing from an earlier set started later.
// (Ids are not ordered by creation: each P hands them out from its own
// batch.)
func liveGoroutines() map[int64]bool {
	ids := map[int64]bool{}
	for _, id := range goroutineIDs(allStacks()) {
		ids[id] = true
	}
	return ids
}

// newGoroutines waits up to limit for the goroutines that are not in before
// to end, and returns how many are still alive.
func newGoroutines(before map[int64]bool, limit time.Duration) int {
	deadline := time.Now().Add(limit)
	for {
		n := 0
		for _, id := range goroutineIDs(allStacks()) {
			if !before[id] {
				n++
			}
		}
		if n == 0 || time.Now().After(deadline) {
			return n
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// settleGoroutines waits up to limit for runtime.NumGoroutine to fall to
// want (goroutines that have signalled they are done still take a moment to
// exit) and returns how many are left above it.
func settleGoroutines(want int, limit time.Duration) int {
	deadline := time.Now().Add(limit)
	for {
		n := runtime.NumGoroutine()
		if n <= want {
			return 0
		}
		if time.Now().After(deadline) {
			return n - want
		}
		time.Sleep(time.Millisecond)
	}
}
