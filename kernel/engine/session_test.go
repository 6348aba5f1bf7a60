package engine

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golab/golab/kernel/display"
)

// recorder is an Output that keeps everything.
type recorder struct {
	mu       sync.Mutex
	streams  []streamMsg
	displays []displayMsg
}

type streamMsg struct{ name, text string }

type displayMsg struct {
	d      display.Data
	update bool
}

func (r *recorder) Stream(name, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.streams = append(r.streams, streamMsg{name, text})
}

func (r *recorder) Display(d display.Data, update bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.displays = append(r.displays, displayMsg{d, update})
}

func (r *recorder) Clear(wait bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.streams, r.displays = nil, nil
}

func (r *recorder) text(name string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, m := range r.streams {
		if m.name == name {
			b.WriteString(m.text)
		}
	}
	return b.String()
}

func newSession(t testing.TB) *Session {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var cellCount int

// run executes code as the next cell and fails the test on an error.
func execCell(t testing.TB, s *Session, code string) (*recorder, Result) {
	t.Helper()
	cellCount++
	rec := &recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res := s.Execute(ctx, Request{Code: code, Count: cellCount}, rec)
	return rec, res
}

func mustRun(t testing.TB, s *Session, code string) (*recorder, Result) {
	t.Helper()
	rec, res := execCell(t, s, code)
	if res.Err != nil {
		t.Fatalf("cell %q: %v\n%s\nstderr: %s", code, res.Err, strings.Join(res.Err.Traceback, "\n"), rec.text("stderr"))
	}
	return rec, res
}

func plain(res Result) string {
	if res.Value == nil {
		return "<none>"
	}
	s, _ := res.Value.Bundle[display.TextPlain].(string)
	return s
}

func TestValuesPersist(t *testing.T) {
	s := newSession(t)
	mustRun(t, s, `x := 41`)
	_, res := mustRun(t, s, `x + 1`)
	if got := plain(res); got != "42" {
		t.Errorf("x+1 = %s, want 42", got)
	}
}

func TestMixedCell(t *testing.T) {
	s := newSession(t)
	rec, res := mustRun(t, s, `import "fmt"
fmt.Println("hi")
func double(n int) int { return 2 * n }
import "strings"
const k = 3
strings.Repeat("ab", double(k))`)
	if got := rec.text("stdout"); got != "hi\n" {
		t.Errorf("stdout = %q", got)
	}
	if got := plain(res); got != `"abababababab"` {
		t.Errorf("value = %s", got)
	}
	// Rerunning the same cell works: imports are idempotent.
	_, res = mustRun(t, s, `import "fmt"
fmt.Sprint(double(2))`)
	if got := plain(res); got != `"4"` {
		t.Errorf("value = %s", got)
	}
}

func TestNoValueForDiscardedCalls(t *testing.T) {
	s := newSession(t)
	mustRun(t, s, `import "fmt"`)
	rec, res := mustRun(t, s, `fmt.Println("a")`)
	if res.Value != nil {
		t.Errorf("fmt.Println showed %v", res.Value.Bundle)
	}
	if rec.text("stdout") != "a\n" {
		t.Errorf("stdout %q", rec.text("stdout"))
	}
	_, res = mustRun(t, s, `func two() (int, error) { return 1, nil }
two()`)
	if res.Value != nil {
		t.Errorf("two() showed %v", res.Value.Bundle)
	}
	_, res = mustRun(t, s, `func void() {}
void()`)
	if res.Value != nil {
		t.Errorf("void() showed %v", res.Value.Bundle)
	}
	_, res = mustRun(t, s, `y := 3`)
	if res.Value != nil {
		t.Errorf("assignment showed %v", res.Value.Bundle)
	}
}

func TestCompileErrorAndSyntaxError(t *testing.T) {
	s := newSession(t)
	_, res := execCell(t, s, "x := 1\nundefinedThing()")
	if res.Err == nil || res.Err.Name != "compile error" || !strings.Contains(res.Err.Value, ":2:") {
		t.Errorf("got %+v", res.Err)
	}
	_, res = execCell(t, s, "x := \"abc")
	if res.Err == nil || res.Err.Name != "syntax error" {
		t.Errorf("got %+v", res.Err)
	}
	_, res = execCell(t, s, "func f( {")
	if res.Err == nil || res.Err.Name != "syntax error" {
		t.Errorf("got %+v", res.Err)
	}
}

func TestPanicInCell(t *testing.T) {
	s := newSession(t)
	_, res := execCell(t, s, "func boom() { panic(\"kaboom\") }\n\nboom()")
	if res.Err == nil || res.Err.Name != "panic" || res.Err.Value != "kaboom" {
		t.Fatalf("got %+v", res.Err)
	}
	tb := strings.Join(res.Err.Traceback, "\n")
	if !strings.Contains(tb, ":1:") || !strings.Contains(tb, ":3:") {
		t.Errorf("traceback lacks cell lines:\n%s", tb)
	}
	_, res = mustRun(t, s, `1 + 1`)
	if plain(res) != "2" {
		t.Errorf("after panic: %s", plain(res))
	}
}

func TestStreamsBatched(t *testing.T) {
	s := newSession(t)
	rec, _ := mustRun(t, s, `import "fmt"
for i := 0; i < 100000; i++ { fmt.Println(i) }`)
	out := rec.text("stdout")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 100000 || lines[0] != "0" || lines[99999] != "99999" {
		t.Fatalf("got %d lines", len(lines))
	}
	if n := len(rec.streams); n > 2000 {
		t.Errorf("%d Stream calls for 100000 lines", n)
	}
}

func TestStderrAndOrder(t *testing.T) {
	s := newSession(t)
	rec, _ := mustRun(t, s, `import ("fmt"; "os")
fmt.Println("one")
fmt.Fprintln(os.Stderr, "two")
fmt.Fprintln(os.Stdout, "three")`)
	var got []string
	for _, m := range rec.streams {
		got = append(got, m.name+":"+m.text)
	}
	want := []string{"stdout:one\n", "stderr:two\n", "stdout:three\n"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("streams %q, want %q", got, want)
	}
}
