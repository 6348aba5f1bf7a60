//go:build !race

package engine

import (
	"strings"
	"testing"
)

// These tests exercise two data races inside yaegi v0.16.1 that the engine
// can't avoid, so the race detector would fail them:
//
//   - a func literal that native code calls on another goroutine
//     (errgroup.Group.Go, sync.WaitGroup.Go) writes its enclosing frame
//     under a lock that the enclosing code reads without;
//   - code left blocked forever in a native call (an interrupted
//     WaitGroup.Wait) read the interpreter's global frame, which the next
//     cell grows.
//
// The behaviour itself is tested here without -race.

func TestErrgroupLoop(t *testing.T) {
	s := newSession(t)
	mustRun(t, s, `import "fmt"`)
	code := `import ("context"; "golang.org/x/sync/errgroup"; "golang.org/x/sync/semaphore")
var g errgroup.Group
g.SetLimit(2)
sum := make([]int, 4)
for i := range 4 { g.Go(func() error { sum[i] = i; return nil }) }
sem := semaphore.NewWeighted(2)
sem.Acquire(context.Background(), 1)
fmt.Sprint(g.Wait(), sum)`
	_, res := mustRun(t, s, code)
	if got := plain(res); got != `"<nil> [0 1 2 3]"` {
		t.Errorf("%s\n= %s", code, got)
	}
}

func TestInterruptNativeWait(t *testing.T) {
	s := newSession(t)
	mustRun(t, s, `import "sync"`)
	res, _ := interrupt(t, s, "var wg sync.WaitGroup\nwg.Add(1)\nwg.Wait()")
	if res.Err == nil || res.Err.Name != "interrupted" {
		t.Fatalf("got %+v", res.Err)
	}
	if !strings.Contains(strings.Join(res.Err.Traceback, "\n"), "sync.(*WaitGroup).Wait") {
		t.Errorf("stuck native call not reported: %q", res.Err.Traceback)
	}
	// Goroutines of a cell blocked in native calls are reported too.
	res, _ = interrupt(t, s, "var mu sync.Mutex\nmu.Lock()\ngo func() { mu.Lock() }()\nselect {}")
	if res.Err == nil || !strings.Contains(strings.Join(res.Err.Traceback, "\n"), "1 goroutine(s) started by this cell are still blocked") {
		t.Errorf("got %+v", res.Err)
	}
	if _, res := mustRun(t, s, "1 + 2"); plain(res) != "3" {
		t.Errorf("after: %s", plain(res))
	}
}
