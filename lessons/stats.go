package lessons

import (
	"slices"
	"time"
)

// summary is the median, minimum and maximum of a set of wall times.
type summary struct {
	median, min, max time.Duration
}

// summarize computes the summary of ds; the median of an even count is the
// mean of the two middle values. An empty set gives zeros.
func summarize(ds []time.Duration) summary {
	if len(ds) == 0 {
		return summary{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return summary{median: med, min: s[0], max: s[n-1]}
}

// spread is (max-min)/median: how far apart the repeats were, as a fraction.
func (s summary) spread() float64 {
	if s.median <= 0 {
		return 0
	}
	return float64(s.max-s.min) / float64(s.median)
}

// medianDuration is the median of ds.
func medianDuration(ds []time.Duration) time.Duration { return summarize(ds).median }
