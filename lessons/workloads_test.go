package lessons

import (
	"math"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCounters(t *testing.T) {
	for _, padded := range []bool{false, true} {
		c := NewCounters(4, padded)
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				c.Add(i, 1000) // slots wrap: 8 tasks on 4 counters
			}(i)
		}
		wg.Wait()
		if c.Sum() != 8000 || c.Padded() != padded || c.Len() != 4 {
			t.Errorf("padded=%v: sum %d, Padded %v, Len %d", padded, c.Sum(), c.Padded(), c.Len())
		}
	}
	c := NewCounters(-5, false)
	c.Add(-7, 3)
	if c.Len() != 1 || c.Sum() != 3 {
		t.Errorf("bad sizes are not kept in range: len %d sum %d", c.Len(), c.Sum())
	}
}

func TestCounter(t *testing.T) {
	var c Counter
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(2)
		go func() { defer wg.Done(); c.AddLocked(500) }()
		go func() { defer wg.Done(); c.AddAtomic(500) }()
	}
	wg.Wait()
	if c.Value() != 4000 {
		t.Errorf("Value = %d, want 4000", c.Value())
	}
	c.Reset()
	if c.Value() != 0 {
		t.Error("Reset did not clear")
	}
}

func TestGauge(t *testing.T) {
	var g Gauge
	var wg sync.WaitGroup
	sem := make(chan struct{}, 3)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			g.Enter()
			time.Sleep(2 * time.Millisecond)
			g.Leave()
			<-sem
		}()
	}
	wg.Wait()
	if g.Max() < 1 || g.Max() > 3 || g.Now() != 0 {
		t.Errorf("gauge max %d now %d, want 1..3 and 0", g.Max(), g.Now())
	}
}

func TestAmdahl(t *testing.T) {
	for _, tt := range []struct {
		p    float64
		n    int
		want float64
	}{{1, 4, 4}, {0, 4, 1}, {0.5, 2, 4.0 / 3}, {0.9, 1000000, 10}, {2, 2, 2}, {0.5, 0, 1}} {
		if got := Amdahl(tt.p, tt.n); math.Abs(got-tt.want) > 1e-3 {
			t.Errorf("Amdahl(%v, %d) = %v, want %v", tt.p, tt.n, got, tt.want)
		}
	}
}

func TestBlockingSyscallHoldsThreads(t *testing.T) {
	before := Threads()
	if before < 1 {
		t.Fatalf("Threads = %d", before)
	}
	var wg sync.WaitGroup
	var most int
	var mu sync.Mutex
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			BlockingSyscall(300 * time.Millisecond)
		}()
	}
	for i := 0; i < 20; i++ {
		time.Sleep(10 * time.Millisecond)
		mu.Lock()
		most = max(most, ReadSched().NotInGo)
		mu.Unlock()
	}
	during := Threads()
	wg.Wait()
	if during < 8 {
		t.Errorf("8 goroutines in blocking syscalls, but only %d threads (before: %d)", during, before)
	}
	if most < 4 {
		t.Errorf("at most %d goroutines seen in syscalls, want most of the 8", most)
	}
	start := time.Now()
	BlockingSyscall(20 * time.Millisecond)
	if d := time.Since(start); d < 15*time.Millisecond {
		t.Errorf("BlockingSyscall(20ms) returned after %v", d)
	}
}

func TestMeasure(t *testing.T) {
	m := Measure("boom", func() { panic("bad") })
	if m.Panic != "bad" || !strings.Contains(m.String(), "PANICKED: bad") {
		t.Errorf("Measure of a panic = %+v", m)
	}
	m = Measure("work", func() { Compute(20 * time.Millisecond) })
	if m.Wall < 5*time.Millisecond || m.Panic != nil {
		t.Errorf("Measure(Compute 20ms) = %+v", m)
	}
	if s := ReadSched().String(); !strings.Contains(s, "GOMAXPROCS") {
		t.Errorf("Sched = %q", s)
	}
	if g := CountGoroutines(); g.Total < 1 {
		t.Errorf("CountGoroutines = %+v", g)
	}
}

func TestParseProcStat(t *testing.T) {
	stat := "cpu  100 5 50 1000 20 1 2 3 0 0\ncpu0 50 2 25 500 10 0 1 1 0 0\ncpu1 50 3 25 500 10 1 1 2 0 0\nintr 1\n"
	got, ok := parseProcStat(stat, 2)
	if !ok || got != 161*10*time.Millisecond {
		t.Errorf("parseProcStat = %v, %v; want 1.61s", got, ok)
	}
	if _, ok := parseProcStat(stat, 4); ok {
		t.Error("parseProcStat accepted a CPU count that does not match")
	}
}
