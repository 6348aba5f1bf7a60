package engine

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

func TestSplitCell(t *testing.T) {
	for _, tc := range []struct {
		code string
		want string // runs: "file" or "stmts", with their chunks' kinds
	}{
		{"x := 1", "stmts[stmt]"},
		{"import \"fmt\"\nfmt.Println(1)", "file[import] stmts[stmt]"},
		{"fmt.Println(f())\nfunc f() int { return 1 }\nimport \"fmt\"", "file[import decl] stmts[stmt]"},
		// A declaration that uses a variable of the cell's statements
		// keeps its place after them.
		{"n := 3\nvar m = n\nm", "stmts[stmt] file[decl] stmts[stmt]"},
		// The clauses of a for, if or switch stay one statement.
		{"for i := 0; i < 3; i++ { println(i) }", "stmts[stmt]"},
		{"if x := f(); x > 0 {\n}\ny := 2", "stmts[stmt stmt]"},
		{"func (p P) M() {}\ntype P struct{}", "file[decl decl]"},
		{"package main\nx := 1", "stmts[stmt]"},
		{"f := func() {}\nf()", "stmts[stmt stmt]"},
	} {
		runs, err := splitCell(tc.code)
		if err != nil {
			t.Errorf("%q: %v", tc.code, err)
			continue
		}
		var got []string
		for _, r := range runs {
			var kinds []string
			for _, c := range r.Chunks {
				kinds = append(kinds, c.Kind.String())
			}
			name := "file"
			if r.Kind == runStmts {
				name = "stmts"
			}
			got = append(got, name+"["+strings.Join(kinds, " ")+"]")
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("%q: %s, want %s", tc.code, g, tc.want)
		}
	}
	if _, err := splitCell("x := \"open"); err == nil {
		t.Error("unterminated string: no error")
	}
}

// FuzzSplitCell checks that no input panics the splitter, and that the
// chunks it returns lie inside the cell, in order.
func FuzzSplitCell(f *testing.F) {
	for _, s := range []string{
		"x := 1", "import \"fmt\"\nfmt.Println(1)", "func f() {", "}}}", "for i := 0; i < 3; i++ {}",
		"type T struct{ X int }\nT{1}", "/* open", "`raw", "go func() { panic(1) }()", "if a; b {} else if c; d {}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		runs, err := splitCell(code)
		if err != nil {
			return
		}
		for _, r := range runs {
			for _, c := range r.Chunks {
				if c.Start < 0 || c.End > len(code) || c.Start > c.End {
					t.Fatalf("chunk %d-%d outside %d bytes", c.Start, c.End, len(code))
				}
			}
			_ = runSource(code, "cell", r)
		}
	})
}

// FuzzRewrite checks that no cell panics the rewriter.
func FuzzRewrite(f *testing.F) {
	for _, s := range []string{
		"for i := range 10 { go func() { println(i) }() }", "go f(1, x...)", "min(1, 2.5)", "clear(m)",
		"for i := 0; i < 3; i++ { defer func() { _ = &i }() }", "L: for k, v := range f() { _ = k; _ = v }",
		"display.Show(x)", "g.Go(func() error { return nil })", "func main() {}",
	} {
		f.Add(s)
	}
	s, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, code string) {
		runs, err := splitCell(code)
		if err != nil {
			return
		}
		for i, r := range runs {
			src := runSource(code, "cell", r)
			fset := token.NewFileSet()
			file, err := parser.ParseFile(fset, "cell", src, parser.DeclarationErrors|parser.ParseComments)
			if err != nil {
				continue
			}
			body, err := runBody(file, r, "cell")
			if err != nil {
				continue
			}
			edits, _ := s.rewriteRun(fset, file, src, body, i == len(runs)-1)
			for _, tags := range variants {
				_ = applyEdits(src, edits, tags)
			}
		}
	})
}
