package engine

import (
	"context"
	"io"
	"sync"
)

// stdinReader is the os.Stdin of cells. While a cell runs with an input
// function (the front end allows stdin), each read that finds no buffered
// text asks the front end for one line; otherwise reads get io.EOF, and the
// first one of a cell explains why on stderr.
type stdinReader struct {
	em *emitter

	mu    sync.Mutex // held while a line is asked for: one question at a time
	ctx   context.Context
	input func(ctx context.Context, prompt string, password bool) (string, error)
	buf   []byte
	noted bool
}

// begin attaches the running cell's input function, nil when the front end
// cannot be asked.
func (r *stdinReader) begin(ctx context.Context, input func(context.Context, string, bool) (string, error)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ctx, r.input, r.noted = ctx, input, false
}

// end detaches the cell: later reads, from goroutines that outlive it, get
// io.EOF. Text typed but not read is dropped with the cell.
func (r *stdinReader) end() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ctx, r.input, r.buf = nil, nil, nil
}

func (r *stdinReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) == 0 {
		if r.input == nil {
			if !r.noted && r.ctx != nil {
				r.noted = true
				r.em.write("stderr", "note: this front end does not send input (allow_stdin is false), so reading os.Stdin gets EOF\n")
			}
			return 0, io.EOF
		}
		// Show what was printed so far (often the prompt) before asking.
		r.em.flush()
		line, err := r.input(r.ctx, "", false)
		if err != nil {
			return 0, err
		}
		r.buf = append(r.buf, line...)
		r.buf = append(r.buf, '\n')
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}
