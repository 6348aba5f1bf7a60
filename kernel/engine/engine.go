// Package engine runs Go cells: it is the interpreter side of the kernel.
//
// A Session holds one yaegi interpreter whose values persist from cell to
// cell. Execute runs one cell and reports what it prints and displays to an
// Output as it happens; cancelling the context interrupts it. The engine knows
// nothing of ZeroMQ or of Jupyter messages: the kernel's transport, the
// headless notebook runner and the tests all drive it through this API.
package engine

import (
	"context"

	"github.com/golab/golab/kernel/display"
)

// Output receives what a running cell emits. Its methods may be called from
// any goroutine, but the engine calls them one at a time.
type Output interface {
	// Stream sends text written to "stdout" or "stderr".
	Stream(name, text string)
	// Display sends a display bundle; update is true for an
	// update_display_data that replaces the display with the same ID.
	Display(d display.Data, update bool)
	// Clear clears the cell's output so far (clear_output); with wait, the
	// front end clears only when the next output arrives, so a cell that
	// redraws does not flicker.
	Clear(wait bool)
}

// Request is one cell to execute.
type Request struct {
	// Code is the cell's source.
	Code string
	// Count is the cell's execution count, used to label output that a
	// goroutine of this cell prints after the cell finished.
	Count int
	// Silent asks for no execute_result: the cell runs for its effects.
	Silent bool
	// Input reads a line from the user for os.Stdin; nil when the front end
	// cannot be asked (allow_stdin false), so reads get EOF.
	Input func(ctx context.Context, prompt string, password bool) (string, error)
}

// Result is how a cell ended.
type Result struct {
	// Value is the cell's value, shown as execute_result; nil for none.
	Value *display.Data
	// Err is set when the cell failed or was interrupted.
	Err *Error
}

// Error is a cell's failure, shaped like Jupyter's error output.
type Error struct {
	Name      string   // ename: "panic", "compile error", "interrupted", ...
	Value     string   // evalue: one line
	Traceback []string // lines to show; the first repeats Name and Value
}

func (e *Error) Error() string { return e.Name + ": " + e.Value }

// Completion is the answer to a complete request. Positions count Unicode
// code points, as Jupyter does.
type Completion struct {
	Matches     []string
	CursorStart int
	CursorEnd   int
}

// Completeness is the answer to an is_complete request.
type Completeness struct {
	Status string // "complete", "incomplete", "invalid" or "unknown"
	Indent string // only when Status is "incomplete"
}
