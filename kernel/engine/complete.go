package engine

import (
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/traefik/yaegi/stdlib/generic"

	"github.com/golab/golab/kernel/engine/symbols"
)

// IsComplete says whether code is ready to run: "incomplete" while a
// bracket, a raw string or a comment is open or the last line ends with an
// operator (with the indent for the next line), "invalid" when it can't
// parse, "complete" otherwise.
func (s *Session) IsComplete(code string) Completeness {
	if strings.TrimSpace(code) == "" {
		return Completeness{Status: "complete"}
	}
	fset := token.NewFileSet()
	file := fset.AddFile("cell", -1, len(code))
	var errs scanner.ErrorList
	var sc scanner.Scanner
	sc.Init(file, []byte(code), func(pos token.Position, msg string) { errs.Add(pos, msg) }, 0)
	depth := 0
	last := token.ILLEGAL
	for {
		_, t, lit := sc.Scan()
		if t == token.EOF {
			break
		}
		switch t {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth--
		}
		if !(t == token.SEMICOLON && lit == "\n") {
			last = t
		}
	}
	for _, e := range errs {
		if strings.Contains(e.Msg, "not terminated") && !strings.Contains(e.Msg, "string literal not terminated") ||
			e.Msg == "raw string literal not terminated" {
			return Completeness{Status: "incomplete", Indent: ""}
		}
	}
	if len(errs) > 0 {
		return Completeness{Status: "invalid"}
	}
	if depth < 0 {
		return Completeness{Status: "invalid"}
	}
	if depth > 0 {
		return Completeness{Status: "incomplete", Indent: strings.Repeat("    ", depth)}
	}
	if continues(last) {
		return Completeness{Status: "incomplete", Indent: "    "}
	}
	runs, err := splitCell(code)
	if err != nil {
		return Completeness{Status: "invalid"}
	}
	for _, r := range runs {
		src := runSource(code, "cell", r)
		if _, err := parser.ParseFile(token.NewFileSet(), "cell", src, parser.DeclarationErrors); err != nil {
			return Completeness{Status: "invalid"}
		}
	}
	return Completeness{Status: "complete"}
}

// continues reports whether a line ending in t goes on on the next line.
func continues(t token.Token) bool {
	switch t {
	case token.COMMA, token.PERIOD, token.ASSIGN, token.DEFINE, token.COLON, token.ARROW,
		token.LAND, token.LOR:
		return true
	}
	return t.IsOperator() && t != token.RPAREN && t != token.RBRACK && t != token.RBRACE &&
		t != token.SEMICOLON && t != token.INC && t != token.DEC && t != token.ELLIPSIS
}

// identStart is the byte offset where the identifier that ends at off
// begins (off itself when none does).
func identStart(code string, off int) int {
	start := off
	for start > 0 {
		r, n := utf8.DecodeLastRuneInString(code[:start])
		if !isIdentRune(r) {
			break
		}
		start -= n
	}
	return start
}

// Complete proposes completions for the identifier before cursor (counted
// in code points): names the session's cells declared, identifiers of the
// cell, keywords and builtins, package names, and after "pkg." the members
// of that package.
func (s *Session) Complete(code string, cursor int) Completion {
	off := byteOffset(code, cursor)
	start := identStart(code, off)
	prefix := code[start:off]
	res := Completion{CursorStart: cursor - utf8.RuneCountInString(prefix), CursorEnd: cursor}
	var cands []string
	if start > 0 && code[start-1] == '.' {
		x := identBefore(code, start-1)
		if x == "" {
			return res
		}
		p := s.packageFor(x, code)
		if p == "" {
			return res
		}
		cands = packageMembers(p)
	} else {
		cands = append(cands, s.names.globals()...)
		cands = append(cands, identsIn(code)...)
		cands = append(cands, keywords...)
		cands = append(cands, builtins...)
		cands = append(cands, knownPackageNames()...)
	}
	seen := map[string]bool{}
	for _, c := range cands {
		// The word being typed is not a completion of itself.
		if strings.HasPrefix(c, prefix) && c != prefix && !seen[c] && !strings.HasPrefix(c, "__golab") {
			seen[c] = true
			res.Matches = append(res.Matches, c)
		}
	}
	sort.Strings(res.Matches)
	return res
}

// byteOffset converts a position in code points to a byte offset in s.
func byteOffset(s string, cursor int) int {
	if cursor <= 0 {
		return 0
	}
	i := 0
	for n := range s {
		if i == cursor {
			return n
		}
		i++
	}
	return len(s)
}

func isIdentRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// identBefore is the identifier that ends at code[:end], or "".
func identBefore(code string, end int) string {
	start := end
	for start > 0 {
		r, n := utf8.DecodeLastRuneInString(code[:start])
		if !isIdentRune(r) {
			break
		}
		start -= n
	}
	return code[start:end]
}

// packageFor is the import path that name stands for in cells: an import
// of the session or of the cell being edited, else the standard package of
// that name.
func (s *Session) packageFor(name, code string) string {
	if p := s.names.importPath(name); p != "" {
		return p
	}
	for _, line := range strings.Split(code, "\n") {
		for _, q := range strings.Split(line, "\"")[1:] {
			if packageNames()[q] == name {
				return q
			}
		}
	}
	return defaultPackage()[name]
}

// defaultPackage maps a package name to the import path it means when the
// cell has not imported it: the standard package of that name (math/rand
// for rand), else the only package of that name.
var defaultPackage = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for p, name := range packageNames() {
		q, ok := m[name]
		if !ok || isStd(p) && (!isStd(q) || len(p) < len(q)) {
			m[name] = p
		}
	}
	return m
})

func isStd(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return !strings.Contains(first, ".")
}

var knownPackageNames = sync.OnceValue(func() []string {
	var out []string
	for name := range defaultPackage() {
		out = append(out, name)
	}
	return out
})

// packageMembers lists the exported names of a package that cells can use:
// its symbol table, plus the generic functions that the interpreter
// provides as source.
func packageMembers(p string) []string {
	var out []string
	for k := range symbols.Symbols[p+"/"+packageNames()[p]] {
		if token.IsExported(k) {
			out = append(out, k)
		}
	}
	out = append(out, genericMembers()[p]...)
	return out
}

// genericMembers are the exported functions of the packages that yaegi
// supplies as interpreted source (generic cmp, maps, slices).
var genericMembers = sync.OnceValue(func() map[string][]string {
	m := map[string][]string{}
	for _, src := range generic.Sources {
		f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		p := f.Name.Name // the standard package of that name
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() {
					m[p] = append(m[p], d.Name.Name)
				}
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					if ts, ok := sp.(*ast.TypeSpec); ok && ts.Name.IsExported() {
						m[p] = append(m[p], ts.Name.Name)
					}
				}
			}
		}
	}
	return m
})

// identsIn lists the identifiers that appear in code.
func identsIn(code string) []string {
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(code))
	var sc scanner.Scanner
	sc.Init(file, []byte(code), func(token.Position, string) {}, 0)
	var out []string
	for {
		_, t, lit := sc.Scan()
		if t == token.EOF {
			return out
		}
		if t == token.IDENT {
			out = append(out, lit)
		}
	}
}

var keywords = []string{
	"break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough",
	"for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range",
	"return", "select", "struct", "switch", "type", "var",
}

var builtins = []string{
	"any", "append", "bool", "byte", "cap", "clear", "close", "comparable", "complex",
	"complex128", "complex64", "copy", "delete", "error", "false", "float32", "float64",
	"imag", "int", "int16", "int32", "int64", "int8", "iota", "len", "make", "max", "min",
	"new", "nil", "panic", "print", "println", "real", "recover", "rune", "string", "true",
	"uint", "uint16", "uint32", "uint64", "uint8", "uintptr",
}
