package engine

import (
	"context"
	"testing"

	"github.com/golab/golab/kernel/display"
)

type discard struct{}

func (discard) Stream(string, string)      {}
func (discard) Display(display.Data, bool) {}
func (discard) Clear(bool)                 {}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		s, err := New()
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

func BenchmarkExecuteTrivial(b *testing.B) {
	s, err := New()
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	s.Execute(ctx, Request{Code: "x := 1"}, discard{})
	for b.Loop() {
		res := s.Execute(ctx, Request{Code: "x + 1", Count: 1}, discard{})
		if res.Err != nil {
			b.Fatal(res.Err)
		}
	}
}
