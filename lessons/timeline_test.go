package lessons

import (
	"bytes"
	"context"
	"runtime"
	rtrace "runtime/trace"
	"strings"
	"testing"
	"time"
)

func TestConcurrency(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name    string
		slices  []Slice
		most    int
		overlap time.Duration
	}{
		{"empty", nil, 0, 0},
		{"one", []Slice{{P: 0, Task: 0, Start: 0, End: 10 * ms}}, 1, 0},
		{"interleaved on one P", []Slice{
			{P: 0, Task: 0, Start: 0, End: 10 * ms},
			{P: 0, Task: 1, Start: 10 * ms, End: 20 * ms},
			{P: 0, Task: 0, Start: 20 * ms, End: 30 * ms},
		}, 1, 0},
		{"two overlapping", []Slice{
			{P: 0, Task: 0, Start: 0, End: 10 * ms},
			{P: 1, Task: 1, Start: 5 * ms, End: 15 * ms},
		}, 2, 5 * ms},
		{"three, nested", []Slice{
			{P: 0, Task: 0, Start: 0, End: 30 * ms},
			{P: 1, Task: 1, Start: 5 * ms, End: 25 * ms},
			{P: 2, Task: 2, Start: 10 * ms, End: 12 * ms},
		}, 3, 20 * ms},
		{"other goroutines do not count", []Slice{
			{P: 0, Task: 0, Start: 0, End: 10 * ms},
			{P: 1, Task: -1, Start: 0, End: 10 * ms},
		}, 1, 0},
		{"empty slices ignored", []Slice{
			{P: 0, Task: 0, Start: 5 * ms, End: 5 * ms},
			{P: 1, Task: 1, Start: 0, End: 10 * ms},
		}, 1, 0},
	}
	for _, tt := range tests {
		most, overlap := concurrency(tt.slices)
		if most != tt.most || overlap != tt.overlap {
			t.Errorf("%s: concurrency = %d, %v; want %d, %v", tt.name, most, overlap, tt.most, tt.overlap)
		}
	}
}

func TestLaneText(t *testing.T) {
	ms := time.Millisecond
	ss := []Slice{
		{P: 0, Task: 0, Start: 0, End: 40 * ms},
		{P: 0, Task: -1, Start: 40 * ms, End: 50 * ms},
		{P: 1, Task: 11, Start: 50 * ms, End: 100 * ms},
	}
	if got := laneText(ss, 0, 100*ms, 10); got != "0000+....." {
		t.Errorf("lane 0 = %q", got)
	}
	if got := laneText(ss, 1, 100*ms, 10); got != ".....bbbbb" {
		t.Errorf("lane 1 = %q", got)
	}
}

func TestNiceStep(t *testing.T) {
	for _, tt := range []struct {
		span time.Duration
		want time.Duration
	}{
		{120 * time.Millisecond, 20 * time.Millisecond},
		{2 * time.Second, 250 * time.Millisecond * 2},
		{8 * time.Millisecond, time.Millisecond},
	} {
		if got := niceStep(tt.span, 8); got != tt.want {
			t.Errorf("niceStep(%v) = %v, want %v", tt.span, got, tt.want)
		}
	}
}

// TestTimelineRealTrace records real runs: at GOMAXPROCS=1 one lane where the
// tasks take turns and never overlap; at 2, two lanes.
func TestTimelineRealTrace(t *testing.T) {
	tl := Timeline(Experiment{Name: "cpu", Tasks: 2, Procs: []int{1, 2}, Task: func(int) { Compute(40 * time.Millisecond) }})
	if tl.Err() != nil {
		t.Fatal(tl.Err())
	}
	if len(tl.Runs) != 2 {
		t.Fatalf("%d runs, want 2", len(tl.Runs))
	}
	one, two := tl.Runs[0], tl.Runs[1]
	if one.lanes() != 1 || two.lanes() != 2 {
		t.Errorf("lanes = %d and %d, want 1 and 2", one.lanes(), two.lanes())
	}
	if one.Overlap > time.Millisecond || one.MostRunning != 1 {
		t.Errorf("GOMAXPROCS=1: overlap %v, most running %d; want ~0 and 1", one.Overlap, one.MostRunning)
	}
	seen := map[int]bool{}
	for _, s := range one.Slices {
		if s.Task >= 0 {
			seen[s.Task] = true
		}
		if s.P != 0 || s.Start < 0 || s.End > one.Wall || s.End < s.Start {
			t.Errorf("GOMAXPROCS=1: bad slice %+v (wall %v)", s, one.Wall)
		}
	}
	if !seen[0] || !seen[1] {
		t.Errorf("GOMAXPROCS=1: tasks seen %v, want 0 and 1", seen)
	}
	// 80 ms of work on one P, preempted about every 10 ms: the tasks take turns.
	if one.TaskSlices < 3 {
		t.Errorf("GOMAXPROCS=1: %d task slices, want the tasks to interleave", one.TaskSlices)
	}
	if runtime.NumCPU() >= 2 && two.MostRunning != 2 {
		t.Errorf("GOMAXPROCS=2: most running %d, want 2", two.MostRunning)
	}
	svg := tl.SVG()
	for _, want := range []string{"<svg", "</svg>", ">P0<", ">P1<", "task 0", "task 1", "GOMAXPROCS=1", "most tasks running at once", "overlap", "prefers-color-scheme"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	txt := tl.String()
	if !strings.Contains(txt, "   P0 |") || !strings.Contains(txt, "   P1 |") {
		t.Errorf("text lanes missing:\n%s", txt)
	}
}

func TestReadScheduleNeedsMarks(t *testing.T) {
	var buf bytes.Buffer
	if err := rtrace.Start(&buf); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Millisecond)
	rtrace.Stop()
	if _, err := readSchedule(&buf); err == nil {
		t.Error("readSchedule of a trace without run marks: no error")
	}
	if _, err := readSchedule(strings.NewReader("not a trace")); err == nil {
		t.Error("readSchedule of garbage: no error")
	}
}

func TestTimelineWhileTracing(t *testing.T) {
	var buf bytes.Buffer
	if err := rtrace.Start(&buf); err != nil {
		t.Skip("tracing already on:", err)
	}
	defer rtrace.Stop()
	tl := TimelineContext(context.Background(), Experiment{Tasks: 1, Procs: []int{1}, Task: func(int) {}})
	if tl.Err() == nil || !strings.Contains(tl.Err().Error(), "runtime/trace") {
		t.Errorf("Err = %v, want a clear error about tracing already on", tl.Err())
	}
}
