package lessons

import (
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		in             []time.Duration
		med, min, max  time.Duration
		spreadAbove020 bool
	}{
		{nil, 0, 0, 0, false},
		{[]time.Duration{5 * ms}, 5 * ms, 5 * ms, 5 * ms, false},
		{[]time.Duration{30 * ms, 10 * ms, 20 * ms}, 20 * ms, 10 * ms, 30 * ms, true},
		{[]time.Duration{40 * ms, 10 * ms, 20 * ms, 30 * ms}, 25 * ms, 10 * ms, 40 * ms, true},
		{[]time.Duration{100 * ms, 101 * ms, 99 * ms}, 100 * ms, 99 * ms, 101 * ms, false},
	}
	for _, tt := range tests {
		s := summarize(tt.in)
		if s.median != tt.med || s.min != tt.min || s.max != tt.max {
			t.Errorf("summarize(%v) = %+v, want median %v min %v max %v", tt.in, s, tt.med, tt.min, tt.max)
		}
		if got := s.spread() > noisySpread; got != tt.spreadAbove020 {
			t.Errorf("summarize(%v).spread() = %v, flagged %v, want %v", tt.in, s.spread(), got, tt.spreadAbove020)
		}
	}
	in := []time.Duration{3, 1, 2}
	summarize(in)
	if in[0] != 3 {
		t.Errorf("summarize sorted its input in place: %v", in)
	}
}
