package engine

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func TestProbe(t *testing.T) {
	b, err := os.ReadFile("/tmp/probe/cells.txt")
	if err != nil {
		t.Skip()
	}
	s := newSession(t)
	for i, code := range strings.Split(string(b), "\n----\n") {
		rec := &recorder{}
		ctx, cancel := context.WithTimeout(context.Background(), probeTimeout())
		t0 := time.Now()
		res := s.Execute(ctx, Request{Code: code, Count: i + 1}, rec)
		cancel()
		fmt.Printf("=== [%d] %s\n", i+1, code)
		fmt.Printf("  took %v\n", time.Since(t0).Round(time.Millisecond))
		for _, m := range rec.streams {
			fmt.Printf("  %s: %q\n", m.name, m.text)
		}
		for _, d := range rec.displays {
			fmt.Printf("  display(update=%v id=%s): %v\n", d.update, d.d.ID, d.d.Bundle)
		}
		if res.Value != nil {
			fmt.Printf("  value: %v\n", res.Value.Bundle)
		}
		if res.Err != nil {
			fmt.Printf("  ERR %s: %s\n    %s\n", res.Err.Name, res.Err.Value, strings.Join(res.Err.Traceback, "\n    "))
		}
	}
}

func probeTimeout() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("PROBE_TIMEOUT")); err == nil {
		return d
	}
	return 3 * time.Second
}
