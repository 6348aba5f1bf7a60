package kernel

import (
	"context"
	"io"

	"github.com/golab/golab/kernel/engine"
)

// Lazy returns an Interpreter that is made by start on a goroutine of its
// own, begun at once: the kernel binds its sockets and answers kernel_info
// meanwhile, and the first request that needs the interpreter waits for it.
// If start fails, every cell fails with its error.
func Lazy(start func() (Interpreter, error)) *LazyInterpreter {
	l := &LazyInterpreter{ready: make(chan struct{})}
	go func() {
		defer close(l.ready)
		l.in, l.err = start()
	}()
	return l
}

// LazyInterpreter is an Interpreter being made in the background; see Lazy.
type LazyInterpreter struct {
	ready chan struct{}
	in    Interpreter
	err   error
}

func (l *LazyInterpreter) get() Interpreter {
	<-l.ready
	return l.in
}

// Close waits for the interpreter and closes it, if it has a Close method.
func (l *LazyInterpreter) Close() error {
	if c, ok := l.get().(io.Closer); ok {
		return c.Close()
	}
	return nil
}

func (l *LazyInterpreter) Execute(ctx context.Context, req engine.Request, out engine.Output) engine.Result {
	in := l.get()
	if in == nil {
		return engine.Result{Err: &engine.Error{Name: "engine failed to start", Value: l.err.Error(),
			Traceback: []string{"engine failed to start: " + l.err.Error()}}}
	}
	return in.Execute(ctx, req, out)
}

func (l *LazyInterpreter) IsComplete(code string) engine.Completeness {
	if in := l.get(); in != nil {
		return in.IsComplete(code)
	}
	return engine.Completeness{Status: "unknown"}
}

func (l *LazyInterpreter) Complete(code string, cursor int) engine.Completion {
	if in := l.get(); in != nil {
		return in.Complete(code, cursor)
	}
	return engine.Completion{CursorStart: cursor, CursorEnd: cursor}
}

func (l *LazyInterpreter) Inspect(code string, cursor, detail int) (map[string]any, bool) {
	if in := l.get(); in != nil {
		return in.Inspect(code, cursor, detail)
	}
	return nil, false
}
