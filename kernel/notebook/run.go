package notebook

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/golab/golab/kernel/display"
	"github.com/golab/golab/kernel/engine"
)

// Options control Run.
type Options struct {
	// Stdout receives Markdown cells as text and every output in its
	// text/plain form while the notebook runs; nil prints nothing.
	Stdout io.Writer
	// AllowErrors runs every cell even after one fails; Run then returns
	// nil for cell errors, which stay recorded as error outputs.
	AllowErrors bool
	// Session runs the cells; nil starts a new session and closes it when
	// Run returns.
	Session *engine.Session
}

// A CellError is the error Run returns when a cell fails.
type CellError struct {
	Cell  int // the cell's position in the notebook, from 1
	Count int // its execution count
	Err   *engine.Error
}

func (e *CellError) Error() string {
	return fmt.Sprintf("cell %d (In [%d]) failed: %s", e.Cell, e.Count, oneLine(e.Err.Error()))
}

// Unwrap returns the engine's error.
func (e *CellError) Unwrap() error { return e.Err }

// Run executes the code cells of nb in order on one engine session,
// replacing their outputs and execution counts with the new ones, as a
// Jupyter front end would record them: consecutive stream text of one name is
// merged, update_display_data replaces the earlier outputs with its
// display_id, and a cell's value becomes an execute_result. Empty code cells
// are left without count or outputs. Markdown cells and outputs are printed
// to opts.Stdout as they come, except that the outputs from a display that
// can still be updated on are printed once its cell ends, in final form.
//
// Run stops at the first cell error with a *CellError unless
// opts.AllowErrors is set; the cells after it keep what they had. Cancelling
// ctx interrupts the running cell and Run returns an error wrapping
// ctx.Err(). The notebook's language_info is set to Go's.
func Run(ctx context.Context, nb *Notebook, opts Options) error {
	s := opts.Session
	if s == nil {
		var err error
		if s, err = engine.New(); err != nil {
			return fmt.Errorf("start engine: %w", err)
		}
		defer s.Close()
	}
	r := &runner{w: opts.Stdout, displays: map[string][]*Output{}, atLineStart: true}
	setLanguage(nb)
	count := 0
	for i, c := range nb.Cells {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("run stopped before cell %d: %w", i+1, err)
		}
		switch c.Type {
		case Markdown:
			r.printBlock(c.Source)
		case Code:
			c.Outputs, c.ExecutionCount = nil, 0
			if strings.TrimSpace(c.Source) == "" {
				continue
			}
			count++
			c.ExecutionCount = count
			col := &collector{r: r, cell: c}
			r.beginBlock()
			res := s.Execute(ctx, engine.Request{Code: c.Source, Count: count}, col)
			col.finish(res)
			if res.Err == nil {
				continue
			}
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("cell %d (In [%d]) interrupted: %w", i+1, count, err)
			}
			if !opts.AllowErrors {
				return &CellError{Cell: i + 1, Count: count, Err: res.Err}
			}
		}
	}
	return nil
}

// setLanguage records in the notebook's metadata that it runs Go on golab.
func setLanguage(nb *Notebook) {
	if nb.Metadata == nil {
		nb.Metadata = map[string]any{}
	}
	nb.Metadata["language_info"] = map[string]any{
		"name":            "go",
		"version":         strings.TrimPrefix(runtime.Version(), "go"),
		"mimetype":        "text/x-go",
		"file_extension":  ".go",
		"pygments_lexer":  "go",
		"codemirror_mode": "go",
	}
	if _, ok := nb.Metadata["kernelspec"]; !ok {
		nb.Metadata["kernelspec"] = map[string]any{
			"name":         "golab",
			"display_name": "Go (golab)",
			"language":     "go",
		}
	}
}

// runner holds what outlives one cell: the printer and the displays that
// later updates may name.
type runner struct {
	mu          sync.Mutex
	w           io.Writer
	displays    map[string][]*Output // display_id -> outputs showing it
	blocks      int                  // printed blocks so far
	sepPending  bool                 // a blank line is due before the next text
	atLineStart bool
}

// beginBlock starts a printed block: the next text is set off from the
// previous block by a blank line.
func (r *runner) beginBlock() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sepPending = r.blocks > 0
}

func (r *runner) printBlock(text string) {
	r.beginBlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.print(text)
	r.endLine()
}

// print writes text; r.mu is held.
func (r *runner) print(text string) {
	if r.w == nil || text == "" {
		return
	}
	if r.sepPending {
		if !r.atLineStart {
			io.WriteString(r.w, "\n")
		}
		io.WriteString(r.w, "\n")
		r.sepPending, r.atLineStart = false, true
	}
	io.WriteString(r.w, text)
	r.atLineStart = strings.HasSuffix(text, "\n")
	r.blocks++
}

// endLine ends a line left open; r.mu is held.
func (r *runner) endLine() {
	if r.w != nil && !r.atLineStart {
		io.WriteString(r.w, "\n")
		r.atLineStart = true
	}
}

// printOutput prints a whole non-stream output on lines of its own; r.mu is
// held.
func (r *runner) printOutput(o *Output) {
	text := o.text()
	if text == "" {
		return
	}
	r.endLine()
	r.print(text)
	r.endLine()
}

// collector receives one cell's outputs from the engine.
type collector struct {
	r    *runner
	cell *Cell
	// next is the index of the first output not yet printed in full and
	// off the bytes of it already printed (a stream that may grow).
	next, off int
	// hold defers printing from a display that may be updated until the
	// cell ends.
	hold, done bool
	// clear is a clear_output(wait=true) not yet carried out: the outputs
	// go when the next one arrives.
	clear bool
}

var _ engine.Output = (*collector)(nil)

// Stream records stream text, merged into the previous output when that is
// text of the same stream.
func (c *collector) Stream(name, text string) {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	c.clearPending()
	outs := c.cell.Outputs
	if n := len(outs); n > 0 && outs[n-1].Type == Stream && outs[n-1].Name == name {
		outs[n-1].Text += text
	} else {
		c.cell.Outputs = append(outs, &Output{Type: Stream, Name: name, Text: text})
	}
	c.flush()
}

// Display records a display_data, or applies an update_display_data to
// every output, in any cell, that shows the same display_id.
func (c *collector) Display(d display.Data, update bool) {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	if update {
		for _, o := range c.r.displays[d.ID] {
			o.Data, o.Metadata = bundle(d)
		}
		return
	}
	c.clearPending()
	o := &Output{Type: DisplayData, DisplayID: d.ID}
	o.Data, o.Metadata = bundle(d)
	c.cell.Outputs = append(c.cell.Outputs, o)
	if d.ID != "" {
		c.r.displays[d.ID] = append(c.r.displays[d.ID], o)
	}
	c.flush()
}

// Clear clears the cell's outputs, at once or, with wait, when the next
// output arrives. What was already printed to the terminal stays there.
func (c *collector) Clear(wait bool) {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	c.clear = true
	if !wait {
		c.clearPending()
	}
}

// clearPending carries out a pending clear; c.r.mu is held.
func (c *collector) clearPending() {
	if !c.clear {
		return
	}
	c.clear = false
	c.cell.Outputs = nil
	c.next, c.off = 0, 0
}

// finish records the cell's value or error and prints what is left.
func (c *collector) finish(res engine.Result) {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	if res.Value != nil || res.Err != nil {
		c.clearPending()
	}
	if res.Value != nil {
		o := &Output{Type: ExecuteResult, ExecutionCount: c.cell.ExecutionCount}
		o.Data, o.Metadata = bundle(*res.Value)
		c.cell.Outputs = append(c.cell.Outputs, o)
	}
	if e := res.Err; e != nil {
		tb := e.Traceback
		if len(tb) == 0 {
			tb = []string{e.Error()}
		}
		c.cell.Outputs = append(c.cell.Outputs, &Output{
			Type: Error, EName: e.Name, EValue: e.Value, Traceback: append([]string(nil), tb...),
		})
	}
	c.hold, c.done = false, true
	c.flush()
	c.r.endLine()
}

// flush prints the outputs that are final enough; c.r.mu is held.
func (c *collector) flush() {
	outs := c.cell.Outputs
	for !c.hold && c.next < len(outs) {
		o := outs[c.next]
		if o.DisplayID != "" && !c.done {
			c.hold = true
			return
		}
		if o.Type == Stream {
			c.r.print(o.Text[c.off:])
			if c.next == len(outs)-1 && !c.done {
				c.off = len(o.Text)
				return
			}
		} else {
			c.r.printOutput(o)
		}
		c.next++
		c.off = 0
	}
}

// bundle converts a display bundle into nbformat's data and metadata.
func bundle(d display.Data) (data, meta map[string]any) {
	data = make(map[string]any, len(d.Bundle))
	for k, v := range d.Bundle {
		data[k] = v
	}
	meta = make(map[string]any, len(d.Metadata))
	for k, v := range d.Metadata {
		meta[k] = v
	}
	return data, meta
}

// oneLine keeps the first line of s.
func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}
