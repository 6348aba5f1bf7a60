package engine

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"sync"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"github.com/golab/golab/kernel/display"
)

// Session is one interpreter whose state persists between cells.
type Session struct {
	mu  sync.Mutex
	in  *interp.Interpreter
	out streamWriter
}

// New starts a session.
func New() (*Session, error) {
	s := &Session{}
	s.out.s = s
	in := interp.New(interp.Options{
		Stdout: &streamTo{w: &s.out, name: "stdout"},
		Stderr: &streamTo{w: &s.out, name: "stderr"},
	})
	if err := in.Use(stdlib.Symbols); err != nil {
		return nil, fmt.Errorf("load std symbols: %w", err)
	}
	s.in = in
	return s, nil
}

type streamWriter struct {
	s   *Session
	mu  sync.Mutex
	out Output
}

type streamTo struct {
	w    *streamWriter
	name string
}

func (t *streamTo) Write(p []byte) (int, error) {
	t.w.mu.Lock()
	defer t.w.mu.Unlock()
	if t.w.out != nil {
		t.w.out.Stream(t.name, string(p))
	}
	return len(p), nil
}

var _ io.Writer = (*streamTo)(nil)

// Execute runs one cell.
func (s *Session) Execute(ctx context.Context, req Request, out Output) (res Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.out.mu.Lock()
	s.out.out = out
	s.out.mu.Unlock()
	defer func() {
		s.out.mu.Lock()
		s.out.out = nil
		s.out.mu.Unlock()
	}()
	defer func() {
		if r := recover(); r != nil {
			res.Err = &Error{Name: "panic", Value: fmt.Sprint(r), Traceback: []string{fmt.Sprint("panic: ", r)}}
		}
	}()
	v, err := s.in.EvalWithContext(ctx, req.Code)
	if err != nil {
		name := "error"
		if ctx.Err() != nil {
			name = "interrupted"
		}
		return Result{Err: &Error{Name: name, Value: err.Error(), Traceback: []string{name + ": " + err.Error()}}}
	}
	if !req.Silent && v.IsValid() && v.CanInterface() && v.Kind() != reflect.Func {
		d := display.Render(v.Interface())
		return Result{Value: &d}
	}
	return Result{}
}

// IsComplete says whether code is ready to run.
func (s *Session) IsComplete(code string) Completeness { return Completeness{Status: "unknown"} }

// Complete proposes completions at cursor.
func (s *Session) Complete(code string, cursor int) Completion {
	return Completion{CursorStart: cursor, CursorEnd: cursor}
}

// Inspect describes the symbol at cursor.
func (s *Session) Inspect(code string, cursor, detail int) (map[string]any, bool) { return nil, false }

// Close ends the session.
func (s *Session) Close() error { return nil }
