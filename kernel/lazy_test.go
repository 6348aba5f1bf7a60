package kernel

import (
	"context"
	"errors"
	"testing"

	"github.com/golab/golab/kernel/engine"
)

func TestLazyStartFailureFailsCells(t *testing.T) {
	l := Lazy(func() (Interpreter, error) { return nil, errors.New("no symbols") })
	res := l.Execute(context.Background(), engine.Request{Code: "1"}, nil)
	if res.Err == nil || res.Err.Value != "no symbols" {
		t.Fatalf("got %+v, want the start error", res.Err)
	}
	if got := l.IsComplete("x"); got.Status != "unknown" {
		t.Errorf("IsComplete %+v", got)
	}
	if err := l.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestLazyUsesTheEngine(t *testing.T) {
	l := Lazy(func() (Interpreter, error) { return engine.New() })
	defer l.Close()
	if got := l.IsComplete("func f() {"); got.Status != "incomplete" {
		t.Errorf("IsComplete through Lazy: %+v", got)
	}
}
