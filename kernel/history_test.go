package kernel

import "testing"

func TestHistoryFind(t *testing.T) {
	var h history
	for i, code := range []string{"x := 1", "fmt.Println(x)", "x := 1", "y := 2"} {
		h.add(i+1, code, "")
	}
	lines := func(es []historyEntry) (out []int) {
		for _, e := range es {
			out = append(out, e.line)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    historyQuery
		want []int
	}{
		{"tail", historyQuery{AccessType: "tail", N: 2}, []int{3, 4}},
		{"tail all", historyQuery{AccessType: "tail"}, []int{1, 2, 3, 4}},
		{"range", historyQuery{AccessType: "range", Start: 2, Stop: 4}, []int{2, 3}},
		{"range to end", historyQuery{AccessType: "range", Start: 3}, []int{3, 4}},
		{"range earlier session", historyQuery{AccessType: "range", Session: -1}, nil},
		{"search", historyQuery{AccessType: "search", Pattern: "x*"}, []int{1, 3}},
		{"search unique", historyQuery{AccessType: "search", Pattern: "x*", Unique: true}, []int{3}},
		{"search n", historyQuery{AccessType: "search", Pattern: "*", N: 1}, []int{4}},
	} {
		got := lines(h.find(tc.q))
		if len(got) != len(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
}
