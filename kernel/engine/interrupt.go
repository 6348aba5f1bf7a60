package engine

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"
)

// An interrupt stops interpreted code at once: loops, channel operations,
// select and time.Sleep all notice it. A native call that blocks (a
// sync.WaitGroup.Wait, a mutex, a read) cannot be stopped from outside, so
// after an interrupt the engine waits a moment for the cell's code and its
// goroutines to end and reports what is left behind, rather than letting it
// leak silently.

// settleTime bounds how long an interrupt waits for the cell's code and
// goroutines to end.
const settleTime = 500 * time.Millisecond

// goroutines counts, per cell, the goroutines started by cells that are
// still running. The go statements of cells are rewritten to report their
// start and end.
type goroutines struct {
	mu    sync.Mutex
	live  map[int]int     // cell count -> running goroutines it started
	stuck map[string]bool // ids of evaluation goroutines already reported stuck
}

// enter notes the start of a goroutine of the cell numbered count.
func (g *goroutines) enter(count int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.live == nil {
		g.live = map[int]int{}
	}
	g.live[count]++
}

// exit notes the end of a goroutine of the cell numbered count.
func (g *goroutines) exit(count int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.live[count]--; g.live[count] <= 0 {
		delete(g.live, count)
	}
}

func (g *goroutines) running(count int) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.live[count]
}

// goEnter notes the start of a goroutine started by a cell and returns the
// cell's count for goExit; the guard of the goroutine's function calls it.
func (s *Session) goEnter() int {
	count := s.cellCount()
	s.gor.enter(count)
	return count
}

// goExit notes the end of a goroutine of the cell numbered count.
func (s *Session) goExit(count int) { s.gor.exit(count) }

// runGoroutine runs f, the body of a goroutine of the cell numbered count,
// counted while it runs, its panic reported with where (the cell line)
// instead of ending the process.
func (s *Session) runGoroutine(where string, count int, f func()) {
	s.gor.enter(count)
	defer s.gor.exit(count)
	defer func() {
		if r := recover(); r != nil {
			s.goPanic(r, where, count)
		}
	}()
	f()
}

// wrapGoroutine returns f as a function that runs like runGoroutine.
func (s *Session) wrapGoroutine(where string, f func()) func() {
	count := s.cellCount()
	return func() { s.runGoroutine(where, count, f) }
}

// wrapGoroutineE is wrapGoroutine for functions that return an error; a
// panic makes it return one.
func (s *Session) wrapGoroutineE(where string, f func() error) func() error {
	count := s.cellCount()
	return func() (err error) {
		err = fmt.Errorf("%s: the goroutine panicked", where)
		s.runGoroutine(where, count, func() { err = f() })
		return err
	}
}

// cellCount is the count of the running or last cell.
func (s *Session) cellCount() int {
	s.cell.Lock()
	defer s.cell.Unlock()
	return s.cell.count
}

// evalMarker is a frame of the goroutine in which the interpreter runs a
// cell's code.
const evalMarker = "yaegi/interp.(*Interpreter).ExecuteWithContext.func1"

// settle waits, after the cell numbered count was interrupted, for the
// goroutines it started to end, and describes what did not: code blocked
// in native calls, which nothing can stop.
func (s *Session) settle(count int) []string {
	deadline := time.Now().Add(settleTime)
	live := s.gor.running(count)
	for live > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		live = s.gor.running(count)
	}
	var notes []string
	for id, where := range s.stuckEvaluations() {
		notes = append(notes, fmt.Sprintf("the cell's code is still blocked in %s, a call that cannot be interrupted; it is left behind (goroutine %s)", where, id))
		s.gor.mu.Lock()
		if s.gor.stuck == nil {
			s.gor.stuck = map[string]bool{}
		}
		s.gor.stuck[id] = true
		s.gor.mu.Unlock()
	}
	if live > 0 {
		notes = append(notes, fmt.Sprintf("%d goroutine(s) started by this cell are still blocked in calls that cannot be interrupted (a mutex, a WaitGroup, I/O); they are left behind", live))
	}
	return notes
}

// stuckEvaluations finds the goroutines that still run the code of an
// interrupted cell and were not reported yet, with the call each is blocked
// in.
func (s *Session) stuckEvaluations() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	s.gor.mu.Lock()
	defer s.gor.mu.Unlock()
	out := map[string]string{}
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if !bytes.Contains(g, []byte(evalMarker)) {
			continue
		}
		lines := strings.Split(string(g), "\n")
		id, _, _ := strings.Cut(strings.TrimPrefix(lines[0], "goroutine "), " ")
		if s.gor.stuck[id] {
			continue
		}
		out[id] = blockingCall(lines[1:])
	}
	return out
}

// blockingCall names the first frame of a goroutine's stack that is not
// the runtime's or reflection's: the call it is blocked in.
func blockingCall(lines []string) string {
	for i := 0; i < len(lines); i += 2 {
		fn := lines[i]
		if j := strings.LastIndex(fn, "("); j > 0 {
			fn = fn[:j]
		}
		switch {
		case strings.HasPrefix(fn, "runtime."), strings.HasPrefix(fn, "internal/"),
			strings.HasPrefix(fn, "sync.runtime_"), strings.HasPrefix(fn, "reflect."), fn == "":
			continue
		}
		return fn
	}
	return "a native call"
}
