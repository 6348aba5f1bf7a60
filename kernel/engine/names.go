package engine

import (
	"fmt"
	"go/ast"
	"go/token"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/golab/golab/kernel/engine/symbols"
)

// names is what the cells of a session have imported and declared, kept
// apart from the interpreter so that completion and inspection can read it
// while a cell runs.
type names struct {
	mu      sync.RWMutex
	imports map[string]string // package name in cells -> import path
	decls   map[string]*decl  // top-level name -> its latest declaration
	vars    map[string]bool   // variables declared by statements (x := ...)
	seq     int               // the last decl.Seq given
}

// decl is one top-level declaration made by a cell.
type decl struct {
	Name string // "f", or "T.M" for a method
	Kind string // "func", "method", "type", "var" or "const"
	Src  string // its source, with its doc comment
	Cell string // where it was declared: "cell[3]"
	// Line and Col are where Src starts in its cell.
	Line, Col int
	// Seq orders declarations by when they were last made.
	Seq int
	// Uses are the identifiers that the declaration mentions.
	Uses map[string]bool
}

func (n *names) init() {
	n.imports = map[string]string{}
	n.decls = map[string]*decl{}
	n.vars = map[string]bool{}
}

// importPath is the path of the package that cells know by name, or "".
func (n *names) importPath(name string) string {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.imports[name]
}

// packageNames maps the import path of every package cells can import to
// its name. It is computed once, from the symbol tables.
var packageNames = sync.OnceValue(func() map[string]string {
	m := make(map[string]string, len(symbols.Symbols))
	for k := range symbols.Symbols {
		if k == "." {
			continue
		}
		m[path.Dir(k)] = path.Base(k)
	}
	// cmp, maps and slices are generic: the interpreter has them as source.
	for p := range genericMembers() {
		m[p] = p
	}
	return m
})

// checkImports validates the imports of a run and drops those the session
// already has, since the interpreter refuses to import a name twice.
func (s *Session) checkImports(f *ast.File) error {
	pkgs := packageNames()
	decls := f.Decls[:0]
	s.names.mu.RLock()
	defer s.names.mu.RUnlock()
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			decls = append(decls, d)
			continue
		}
		specs := gd.Specs[:0]
		for _, sp := range gd.Specs {
			is := sp.(*ast.ImportSpec)
			p, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				return fmt.Errorf("%s: bad import path %s", s.in.FileSet().Position(is.Pos()), is.Path.Value)
			}
			name, known := pkgs[p]
			if !known {
				return unavailable(s.in.FileSet().Position(is.Pos()), p)
			}
			if is.Name != nil {
				name = is.Name.Name
			}
			switch have, ok := s.names.imports[name]; {
			case name == "_":
				continue // the package's init already ran in the kernel
			case ok && have == p:
				continue // imported by an earlier cell
			case ok:
				return fmt.Errorf("%s: %s already names package %q; import %q under another name, e.g. import x%s %q", s.in.FileSet().Position(is.Pos()), name, have, p, name, p)
			}
			specs = append(specs, is)
		}
		if len(specs) > 0 {
			gd.Specs = specs
			decls = append(decls, gd)
		}
	}
	f.Decls = decls
	return nil
}

// record notes what a run that ran without error imported and declared. src
// is the run's source as parsed into f.
func (n *names) record(fset *token.FileSet, f *ast.File, src string, stmts bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	text := func(from, to token.Pos) string {
		tf := fset.File(from)
		if tf == nil {
			return ""
		}
		a, b := tf.Offset(from), tf.Offset(to)
		if a < 0 || b > len(src) || a > b {
			return ""
		}
		return src[a:b]
	}
	cellOf := func(p token.Pos) string { return fset.Position(p).Filename }
	if stmts {
		fn := f.Decls[0].(*ast.FuncDecl)
		for _, st := range fn.Body.List {
			switch st := st.(type) {
			case *ast.AssignStmt:
				if st.Tok == token.DEFINE {
					for _, l := range st.Lhs {
						if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
							n.vars[id.Name] = true
						}
					}
				}
			case *ast.DeclStmt:
				if gd, ok := st.Decl.(*ast.GenDecl); ok {
					n.recordGen(fset, gd, text, cellOf)
				}
			}
		}
		return
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			if d.Tok == token.IMPORT {
				for _, sp := range d.Specs {
					is := sp.(*ast.ImportSpec)
					p, _ := strconv.Unquote(is.Path.Value)
					name := packageNames()[p]
					if is.Name != nil {
						name = is.Name.Name
					}
					n.imports[name] = p
				}
				continue
			}
			n.recordGen(fset, d, text, cellOf)
		case *ast.FuncDecl:
			start := d.Pos()
			if d.Doc != nil {
				start = d.Doc.Pos()
			}
			p := fset.Position(start)
			n.seq++
			dl := &decl{Name: d.Name.Name, Kind: "func", Src: text(start, d.End()), Cell: cellOf(d.Pos()),
				Line: p.Line, Col: p.Column, Seq: n.seq, Uses: identsOf(d)}
			if d.Recv != nil && len(d.Recv.List) == 1 {
				dl.Kind = "method"
				dl.Name = recvName(d.Recv.List[0].Type) + "." + d.Name.Name
			}
			n.decls[dl.Name] = dl
		}
	}
}

func (n *names) recordGen(fset *token.FileSet, d *ast.GenDecl, text func(a, b token.Pos) string, cellOf func(token.Pos) string) {
	kind := d.Tok.String()
	for _, sp := range d.Specs {
		start, end := sp.Pos(), sp.End()
		if len(d.Specs) == 1 || d.Lparen == token.NoPos {
			start, end = d.Pos(), d.End()
			if d.Doc != nil {
				start = d.Doc.Pos()
			}
		}
		var ids []*ast.Ident
		switch sp := sp.(type) {
		case *ast.ValueSpec:
			ids = sp.Names
			if sp.Doc != nil && start == sp.Pos() {
				start = sp.Doc.Pos()
			}
		case *ast.TypeSpec:
			ids = []*ast.Ident{sp.Name}
			if sp.Doc != nil && start == sp.Pos() {
				start = sp.Doc.Pos()
			}
		}
		src := kind + " " + strings.TrimPrefix(text(start, end), kind+" ")
		if start == d.Pos() || (d.Doc != nil && start == d.Doc.Pos()) {
			src = text(start, end)
		}
		p := fset.Position(start)
		uses := identsOf(sp)
		for _, id := range ids {
			if id.Name == "_" {
				continue
			}
			n.seq++
			n.decls[id.Name] = &decl{Name: id.Name, Kind: kind, Src: src, Cell: cellOf(id.Pos()),
				Line: p.Line, Col: p.Column, Seq: n.seq, Uses: uses}
			if kind == "var" {
				n.vars[id.Name] = true
			}
		}
	}
}

// recvName is the type name of a method receiver: T for T, *T, T[P].
func recvName(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return "?"
		}
	}
}

// globals lists the names cells declared (functions, types, constants and
// variables) and the packages they imported, sorted.
func (n *names) globals() []string {
	n.mu.RLock()
	defer n.mu.RUnlock()
	set := map[string]bool{}
	for k, d := range n.decls {
		if d.Kind != "method" {
			set[k] = true
		}
	}
	for k := range n.vars {
		set[k] = true
	}
	for k := range n.imports {
		if k != "." && k != "_" {
			set[k] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// unavailable explains why a package can't be imported.
func unavailable(pos token.Position, p string) error {
	if why, ok := symbols.Unavailable[p]; ok {
		return fmt.Errorf("%s: package %q is not available in cells: %s", pos, p, why)
	}
	return fmt.Errorf("%s: package %q is not available in cells: they can import the standard library, golang.org/x/sync/errgroup and semaphore, github.com/golab/golab/lessons and github.com/golab/golab/kernel/display", pos, p)
}

// declared reports whether a cell declared name at top level.
func (n *names) declared(name string) bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	_, ok := n.decls[name]
	return ok || n.vars[name]
}

// identsOf is the set of identifiers in n.
func identsOf(n ast.Node) map[string]bool {
	m := map[string]bool{}
	ast.Inspect(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			m[id.Name] = true
		}
		return true
	})
	return m
}
