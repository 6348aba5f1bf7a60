package lessons

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golab/golab/kernel/display"
)

type recordSink struct {
	mu   sync.Mutex
	msgs []display.Data
	upd  []bool
}

func (s *recordSink) Display(d display.Data, update bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, d)
	s.upd = append(s.upd, update)
}

func TestProgressShownInPlace(t *testing.T) {
	sink := &recordSink{}
	old := display.SetSink(sink)
	defer display.SetSink(old)

	r := Run(Experiment{Name: "slow", Tasks: 1, Procs: []int{1}, Repeat: 2, Task: func(int) { time.Sleep(300 * time.Millisecond) }})
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.msgs) < 2 {
		t.Fatalf("%d displays for a 0.9 s experiment, want a status and updates", len(sink.msgs))
	}
	if sink.upd[0] || !sink.upd[len(sink.upd)-1] {
		t.Errorf("updates %v: want a display first, then updates", sink.upd)
	}
	id := sink.msgs[0].ID
	for _, m := range sink.msgs {
		if m.ID != id || id == "" {
			t.Errorf("display ids differ: %q vs %q", m.ID, id)
		}
	}
	last := sink.msgs[len(sink.msgs)-1].Bundle[display.TextPlain].(string)
	if !strings.Contains(last, "3 runs done") {
		t.Errorf("final status %q", last)
	}

	sink.msgs = nil
	sink.mu.Unlock()
	Run(Experiment{Tasks: 1, Procs: []int{1}, Repeat: 1, Task: func(int) {}})
	sink.mu.Lock()
	if len(sink.msgs) != 0 {
		t.Errorf("a quick experiment showed %d status displays", len(sink.msgs))
	}
}
