package engine

import (
	"testing"

	"github.com/golab/golab/kernel/display"
)

func TestImportLessons(t *testing.T) {
	s := newSession(t)
	_, res := mustRun(t, s, `import (
	"time"
	"github.com/golab/golab/lessons"
)
lessons.Run(lessons.Experiment{Name: "x", Tasks: 2, Procs: []int{1, 2}, Repeat: 1, Task: func(i int) { lessons.Compute(20 * time.Millisecond) }})`)
	if res.Value == nil || res.Value.Bundle[display.TextHTML] == nil {
		t.Fatalf("lessons.Run: no text/html in %v", res.Value)
	}
	_, res = mustRun(t, s, `lessons.Timeline(lessons.Experiment{Name: "t", Tasks: 2, Procs: []int{1}, Repeat: 1, Task: func(i int) { lessons.Compute(5 * time.Millisecond) }})`)
	if res.Value == nil || res.Value.Bundle[display.ImageSVG] == nil {
		t.Fatalf("lessons.Timeline: no image/svg+xml in %v", res.Value)
	}
}
