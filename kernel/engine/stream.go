package engine

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/golab/golab/kernel/display"
)

// Batching limits for stream output. Front ends rate-limit IOPub (Notebook 6
// drops past 1000 messages/s), so writes are gathered and sent at most every
// flushEvery, or sooner when a batch reaches flushSize bytes.
const (
	flushEvery = 50 * time.Millisecond
	flushSize  = 256 << 10
	// lateLimit bounds what is kept of output that arrives between cells.
	lateLimit = 1 << 20
)

// emitter is the single path from a session to its Output. Writers from any
// goroutine append to the current batch; a timer, a size threshold, a display
// or the end of the cell flushes it. Between cells (out == nil) output is kept
// as late output and replayed, labelled, at the start of the next cell.
type emitter struct {
	mu      sync.Mutex
	out     Output // nil between cells
	count   int    // execution count of the running or last cell
	name    string // stream of the pending batch
	buf     strings.Builder
	timer   *time.Timer
	onPanic func(line string) // receives the interpreter's "panic" trace lines

	late     []lateItem
	lateSize int
	lateDrop int
}

// lateItem is output that arrived while no cell was running.
type lateItem struct {
	count   int
	stream  string // "stdout" or "stderr"; "" for a display
	text    string
	display *display.Data
	update  bool
}

// begin attaches out for the cell numbered count and first sends what
// arrived since the previous cell, labelled with the cell it came from.
func (e *emitter) begin(out Output, count int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.flushLocked()
	e.out = out
	late := e.late
	dropped := e.lateDrop
	e.late, e.lateSize, e.lateDrop = nil, 0, 0
	// Merge consecutive pieces of the same stream and cell, so that late
	// output costs a few messages however it was written.
	var cur *lateItem
	var text strings.Builder
	send := func() {
		if cur == nil {
			return
		}
		out.Stream(cur.stream, fmt.Sprintf("[output of cell [%d] after it finished]\n%s", cur.count, text.String()))
		cur = nil
		text.Reset()
	}
	for i := range late {
		it := &late[i]
		if it.stream == "" {
			send()
			out.Display(*it.display, it.update)
			continue
		}
		if cur != nil && (cur.stream != it.stream || cur.count != it.count) {
			send()
		}
		if cur == nil {
			cur = it
		}
		text.WriteString(it.text)
	}
	send()
	if dropped > 0 {
		out.Stream("stderr", fmt.Sprintf("[%d bytes of late output were dropped]\n", dropped))
	}
	e.count = count
}

// end flushes the cell's output and detaches the Output.
func (e *emitter) end() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.flushLocked()
	e.out = nil
}

// write appends text to the named stream.
func (e *emitter) write(name, text string) {
	if text == "" {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.out == nil {
		e.keepLocked(lateItem{count: e.count, stream: name, text: text})
		return
	}
	if e.name != name && e.buf.Len() > 0 {
		e.flushLocked()
	}
	e.name = name
	e.buf.WriteString(text)
	if e.buf.Len() >= flushSize {
		e.flushLocked()
		return
	}
	if e.timer == nil {
		e.timer = time.AfterFunc(flushEvery, e.flush)
	}
}

// writeFrom appends text that a goroutine of the cell numbered count
// wrote: kept as late output of that cell between cells, labelled with it
// while another cell runs.
func (e *emitter) writeFrom(count int, name, text string) {
	e.mu.Lock()
	if e.out == nil {
		e.keepLocked(lateItem{count: count, stream: name, text: text})
		e.mu.Unlock()
		return
	}
	same := count == e.count
	e.mu.Unlock()
	if !same {
		text = fmt.Sprintf("[output of cell [%d] after it finished]\n%s", count, text)
	}
	e.write(name, text)
}

// Display sends a display bundle after the text written before it; it is
// the session's display.Sink.
func (e *emitter) Display(d display.Data, update bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.out == nil {
		e.keepLocked(lateItem{count: e.count, display: &d, update: update})
		return
	}
	e.flushLocked()
	e.out.Display(d, update)
}

// Clear clears the cell's output after the text written before it; it
// makes the session's sink a display.Clearer. Between cells there is no
// output to clear, and nothing is kept.
func (e *emitter) Clear(wait bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.out == nil {
		return
	}
	e.flushLocked()
	e.out.Clear(wait)
}

func (e *emitter) flush() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.flushLocked()
}

func (e *emitter) flushLocked() {
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
	if e.buf.Len() == 0 {
		return
	}
	text := e.buf.String()
	e.buf.Reset()
	if e.out != nil {
		e.out.Stream(e.name, text)
	} else {
		e.keepLocked(lateItem{count: e.count, stream: e.name, text: text})
	}
}

func (e *emitter) keepLocked(it lateItem) {
	n := len(it.text) + 1
	if e.lateSize+n > lateLimit {
		e.lateDrop += len(it.text)
		return
	}
	e.lateSize += n
	e.late = append(e.late, it)
}

// streamOut is the io.Writer a cell sees as os.Stdout or os.Stderr.
type streamOut struct {
	e    *emitter
	name string
}

func (w *streamOut) Write(p []byte) (int, error) {
	if w.name == "stderr" && w.e.onPanic != nil && isPanicTrace(p) {
		w.e.onPanic(strings.TrimRight(string(p), "\n"))
		return len(p), nil
	}
	w.e.write(w.name, string(p))
	return len(p), nil
}

// isPanicTrace reports whether p is one of the lines the interpreter prints
// to stderr for each frame a panic unwinds ("cell[3]:4:2: panic: main.f(...)").
func isPanicTrace(p []byte) bool {
	s := string(p)
	if !strings.HasSuffix(s, "\n") || strings.Count(s, "\n") != 1 {
		return false
	}
	i := strings.Index(s, ": panic")
	if i < 0 {
		return false
	}
	// The prefix is a position: file:line:col.
	pos := s[:i]
	return strings.Count(pos, ":") >= 2 && !strings.ContainsAny(pos, " \t")
}
