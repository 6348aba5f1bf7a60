package engine

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestIsComplete(t *testing.T) {
	s := newSession(t)
	for _, tc := range []struct {
		code, status string
	}{
		{"x := 1", "complete"},
		{"", "complete"},
		{"func f() {", "incomplete"},
		{"fmt.Println(1,", "incomplete"},
		{"x := 1 +", "incomplete"},
		{"s := `raw", "incomplete"},
		{"/* open comment", "incomplete"},
		{"x := )", "invalid"},
		{"x := 1)", "invalid"},
		{"func f() { return 1 }}", "invalid"},
		{"import \"fmt\"\nfmt.Println(1)\nfunc g() {}", "complete"},
	} {
		got := s.IsComplete(tc.code)
		if got.Status != tc.status {
			t.Errorf("IsComplete(%q) = %+v, want %s", tc.code, got, tc.status)
		}
		if got.Status == "incomplete" && strings.Contains(tc.code, "{") && got.Indent == "" {
			t.Errorf("IsComplete(%q): no indent", tc.code)
		}
		if got.Status != "incomplete" && got.Indent != "" {
			t.Errorf("IsComplete(%q): indent %q", tc.code, got.Indent)
		}
	}
}

func TestComplete(t *testing.T) {
	s := newSession(t)
	mustRun(t, s, `import "fmt"
func helperFunc() int { return 1 }
answerValue := 42`)
	check := func(code string, want ...string) Completion {
		t.Helper()
		c := s.Complete(code, utf8.RuneCountInString(code))
		for _, w := range want {
			if !slices.Contains(c.Matches, w) {
				t.Errorf("Complete(%q) = %v, missing %s", code, c.Matches, w)
			}
		}
		return c
	}
	c := check("fmt.Pr", "Printf", "Println", "Print")
	if c.CursorStart != 4 || c.CursorEnd != 6 {
		t.Errorf("positions %d-%d", c.CursorStart, c.CursorEnd)
	}
	check("x := help", "helperFunc")
	check("answ", "answerValue")
	if c := check("ret", "return"); slices.Contains(c.Matches, "ret") {
		t.Errorf("Complete(ret) proposes ret itself: %v", c.Matches)
	}
	check("strings.Repe", "Repeat")
	check("slices.Cont", "Contains")
	check("import \"math/rand\"\nrand.Int", "Intn")
	// Positions count code points.
	code := "s := \"héllo\"; fmt.Spr"
	c = check(code, "Sprintf")
	if n := utf8.RuneCountInString(code); c.CursorEnd != n || c.CursorStart != n-3 {
		t.Errorf("unicode positions %d-%d, len %d", c.CursorStart, c.CursorEnd, n)
	}
}

func TestInspect(t *testing.T) {
	s := newSession(t)
	mustRun(t, s, `// twice doubles n.
func twice(n int) int { return 2 * n }`)
	for _, tc := range []struct {
		code   string
		cursor int
		want   []string
	}{
		{"fmt.Println", -1, []string{"func Println(a ...any) (n int, err error)", "Println formats"}},
		{"fmt.Println(", -1, []string{"func Println"}},
		{"strings.Repeat(\"a\", 2)", 10, []string{"func Repeat(s string, count int) string"}},
		{"twice", -1, []string{"// twice doubles n.", "func twice(n int) int"}},
		{"len", -1, []string{"func len(v Type) int"}},
		{"errgroup.Group", -1, []string{"type Group struct"}},
	} {
		cur := tc.cursor
		if cur < 0 {
			cur = utf8.RuneCountInString(tc.code)
		}
		data, found := s.Inspect(tc.code, cur, 0)
		if !found {
			t.Errorf("Inspect(%q): not found", tc.code)
			continue
		}
		text, _ := data["text/plain"].(string)
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("Inspect(%q) = %q, missing %q", tc.code, text, w)
			}
		}
	}
	if _, found := s.Inspect("nosuchthing", 11, 0); found {
		t.Errorf("found nosuchthing")
	}
}

func TestStdin(t *testing.T) {
	s := newSession(t)
	var prompts int
	input := func(ctx context.Context, prompt string, password bool) (string, error) {
		prompts++
		return []string{"Ada", "42"}[prompts-1], nil
	}
	rec := &recorder{}
	res := s.Execute(context.Background(), Request{Code: `import ("bufio"; "fmt"; "os")
fmt.Print("name? ")
name, _ := bufio.NewReader(os.Stdin).ReadString('\n')
var n int
fmt.Scan(&n)
fmt.Printf("hi %s, %d\n", name[:len(name)-1], n+1)`, Input: input}, rec)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := rec.text("stdout"); got != "name? hi Ada, 43\n" {
		t.Errorf("stdout %q", got)
	}
	// Without an input function reads get EOF and a note.
	rec, res = execCell(t, s, `var line string
_, err := fmt.Scanln(&line)
err`)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if plain(res) != "EOF" || !strings.Contains(rec.text("stderr"), "allow_stdin") {
		t.Errorf("value %s, stderr %q", plain(res), rec.text("stderr"))
	}
}
