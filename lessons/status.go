package lessons

import (
	"fmt"
	"sync"
	"time"

	"github.com/golab/golab/kernel/display"
)

// status shows how far a long experiment has got, replacing itself in place
// (display.New, then Handle.Update). Nothing is shown for experiments that end
// within statusDelay, so quick cells stay uncluttered; outside a kernel the
// display calls do nothing.
type status struct {
	name  string
	total int
	start time.Time

	mu    sync.Mutex
	done  int
	phase string

	stop chan struct{}
	wg   sync.WaitGroup
	h    *display.Handle // only touched by the ticker goroutine and, after it stopped, by finish
}

const (
	statusDelay = 500 * time.Millisecond
	statusEvery = 250 * time.Millisecond
)

func startProgress(name string, total int) *status {
	s := &status{name: name, total: total, start: time.Now(), stop: make(chan struct{})}
	s.wg.Add(1)
	go s.loop()
	return s
}

func (s *status) loop() {
	defer s.wg.Done()
	defer func() { _ = recover() }() // a failing display must not take the process down
	t := time.NewTicker(statusEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if time.Since(s.start) < statusDelay {
				continue
			}
			v := s.view()
			if s.h == nil {
				s.h = display.New(v)
			} else {
				s.h.Update(v)
			}
		}
	}
}

// at names the run in progress.
func (s *status) at(phase string) {
	s.mu.Lock()
	s.phase = phase
	s.mu.Unlock()
}

// step counts a finished run.
func (s *status) step() {
	s.mu.Lock()
	s.done++
	s.mu.Unlock()
}

func (s *status) view() statusView {
	s.mu.Lock()
	defer s.mu.Unlock()
	return statusView{name: s.name, phase: s.phase, done: s.done, total: s.total, elapsed: time.Since(s.start)}
}

// finish stops the ticker and, if a status was shown, replaces it by a one-line
// summary (the table itself is the cell's result).
func (s *status) finish(r fmt.Stringer) {
	close(s.stop)
	s.wg.Wait()
	if s.h == nil {
		return
	}
	v := s.view()
	v.finished = true
	if e, ok := r.(interface{ Err() error }); ok && e.Err() != nil {
		v.failed = true
	}
	func() {
		defer func() { _ = recover() }()
		s.h.Update(v)
	}()
}

type statusView struct {
	name, phase      string
	done, total      int
	elapsed          time.Duration
	finished, failed bool
}

func (v statusView) String() string {
	switch {
	case v.failed:
		return fmt.Sprintf("%s: stopped after %d of %d runs (%.1f s)", v.name, v.done, v.total, v.elapsed.Seconds())
	case v.finished:
		return fmt.Sprintf("%s: %d runs done in %.1f s", v.name, v.done, v.elapsed.Seconds())
	}
	return fmt.Sprintf("%s: %s — %d of %d runs done, %.1f s", v.name, v.phase, v.done, v.total, v.elapsed.Seconds())
}

func (v statusView) HTML() string {
	pct := 0
	if v.total > 0 {
		pct = 100 * v.done / v.total
	}
	bar := fmt.Sprintf(`<div style="width:16em;height:0.5em;border:1px solid rgba(128,128,128,0.6);border-radius:3px;overflow:hidden;display:inline-block;vertical-align:middle;margin-right:0.6em"><div style="width:%d%%;height:100%%;background:#3b82f6"></div></div>`, pct)
	if v.finished {
		bar = ""
	}
	return `<div style="font-size:0.9em;opacity:0.85;margin:0.2em 0;color:inherit">` + bar + esc(v.String()) + `</div>`
}
