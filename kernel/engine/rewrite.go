package engine

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/golab/golab/kernel/engine/symbols"
)

// The engine rewrites a cell's source before the interpreter sees it, to
// give it what yaegi v0.16.1 lacks or gets wrong:
//
//   - a go statement recovers a panic of its goroutine and reports it
//     instead of letting it end the process; so do func literals passed to
//     a Go method (sync.WaitGroup.Go, errgroup.Group.Go) or time.AfterFunc;
//   - loop variables are per iteration (Go 1.22) where a closure, a go or
//     defer statement or & can observe them;
//   - range over an integer (Go 1.22) becomes a three-clause loop;
//   - min, max and clear (Go 1.21) call the prelude;
//   - the last expression statement hands its value to the prelude, which
//     renders it by its methods, also for types declared in cells;
//   - display.Show, display.New and Handle.Update get their argument
//     rendered by the prelude for the same reason.
//
// Rewrites are text edits computed from the syntax tree. They add no
// newlines, so line numbers in errors and panics stay those of the cell.
// Some edits are optional: when the interpreter rejects them (the last
// expression has no value, say) the run is compiled again without them.

// edit replaces src[at:end] with text.
type edit struct {
	at, end int
	text    string
	tag     string // "" for edits always applied, else the optional group
	// order sorts insertions at one position: lower first. A wrapper that
	// must sit inside others opens with a high order and closes with a low.
	order int
}

// Optional groups, in the order they are given up when compilation fails.
const (
	tagShow     = "show"     // last expression value
	tagUpdate   = "update"   // Handle.Update argument
	tagRangeInt = "rangeint" // range over an integer whose type was guessed
	tagGoHoist  = "gohoist"  // go f(x): f and x evaluated at the go statement
	tagGoLate   = "golate"   // go f(x) as go func(){ f(x) }(): the fallback
)

// variants are the sets of optional groups tried in turn.
var variants = [][]string{
	{tagShow, tagUpdate, tagRangeInt, tagGoHoist},
	{tagUpdate, tagRangeInt, tagGoHoist},
	{tagRangeInt, tagGoHoist},
	{tagGoHoist},
	{tagGoLate},
}

// applyEdits returns src with the edits whose tag is "" or in tags applied.
func applyEdits(src string, edits []edit, tags []string) string {
	on := map[string]bool{"": true}
	for _, t := range tags {
		on[t] = true
	}
	var use []edit
	for _, e := range edits {
		if on[e.tag] {
			use = append(use, e)
		}
	}
	// By position; at one position, insertions before a replacement.
	sort.SliceStable(use, func(i, j int) bool {
		if use[i].at != use[j].at {
			return use[i].at < use[j].at
		}
		insI, insJ := use[i].end == use[i].at, use[j].end == use[j].at
		if insI && insJ {
			return use[i].order < use[j].order
		}
		return insI && !insJ
	})
	var b strings.Builder
	pos := 0
	for _, e := range use {
		if e.at < pos {
			continue // overlapping: keep the first
		}
		b.WriteString(src[pos:e.at])
		b.WriteString(e.text)
		pos = e.end
	}
	b.WriteString(src[pos:])
	return b.String()
}

// rewriter computes the edits for one parsed run.
type rewriter struct {
	s     *Session
	fset  *token.FileSet
	file  *token.File
	src   string
	edits []edit

	intVars map[string]bool // names the run declares with an integer type
	display string          // the name cells know the display package by
	err     error           // the first construct the interpreter can't run
	root    *ast.File       // the run's syntax tree
}

func (rw *rewriter) off(p token.Pos) int { return rw.file.Offset(p) }

func (rw *rewriter) add(at, end int, text, tag string) {
	rw.edits = append(rw.edits, edit{at: at, end: end, text: text, tag: tag})
}

func (rw *rewriter) insert(p token.Pos, text, tag string) {
	o := rw.off(p)
	rw.add(o, o, text, tag)
}

func (rw *rewriter) text(n ast.Node) string { return rw.src[rw.off(n.Pos()):rw.off(n.End())] }

// rewriteRun computes the edits for a run parsed from src into f. body is
// the statements' body for a statement run, else nil.
func (s *Session) rewriteRun(fset *token.FileSet, f *ast.File, src string, body *ast.BlockStmt, wantValue bool) ([]edit, error) {
	rw := &rewriter{s: s, fset: fset, file: fset.File(f.Pos()), src: src, intVars: map[string]bool{}, root: f}
	rw.display = s.displayName(f)
	rw.collectInts(f)
	rw.walk(f, nil)
	if body != nil && wantValue {
		rw.showLast(body)
	}
	if body != nil {
		rw.trackLines(body)
	}
	if body == nil {
		if fd := mainFunc(f); fd != nil {
			rw.add(rw.off(fd.Name.Pos()), rw.off(fd.Name.End()), "__golab_main", "")
		}
	}
	return rw.edits, rw.err
}

// mainFunc returns the declaration of func main in a file run. The
// interpreter would run main again after every later cell, so the engine
// renames it and calls it once, as running a program would.
func mainFunc(f *ast.File) *ast.FuncDecl {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "main" && fd.Body != nil &&
			fd.Type.Params.NumFields() == 0 && fd.Type.Results.NumFields() == 0 {
			return fd
		}
	}
	return nil
}

// displayName is the name cells use for the display package: from the
// session's imports or this run's.
func (s *Session) displayName(f *ast.File) string {
	const p = "github.com/golab/golab/kernel/display"
	for _, is := range f.Imports {
		if is.Path.Value == `"`+p+`"` {
			if is.Name != nil {
				return is.Name.Name
			}
			return "display"
		}
	}
	s.names.mu.RLock()
	defer s.names.mu.RUnlock()
	for name, path := range s.names.imports {
		if path == p {
			return name
		}
	}
	return ""
}

// walk visits n with its parent, applying the rewrites.
func (rw *rewriter) walk(n, parent ast.Node) {
	ast.Inspect(n, func(c ast.Node) bool {
		switch c := c.(type) {
		case *ast.GoStmt:
			rw.goStmt(c)
		case *ast.CallExpr:
			rw.call(c)
		case *ast.AssignStmt:
			rw.shadow(c)
		case *ast.ForStmt:
			rw.forStmt(c)
		case *ast.RangeStmt:
			rw.rangeStmt(c, nil)
		case *ast.LabeledStmt:
			if r, ok := c.Stmt.(*ast.RangeStmt); ok {
				rw.rangeStmt(r, c)
				for _, n := range []ast.Expr{r.Key, r.Value, r.X} {
					if n != nil {
						rw.walk(n, r)
					}
				}
				rw.walk(r.Body, r)
				return false
			}
		}
		return true
	})
}

// where is the cell line of a go statement, quoted, for panic reports.
func (rw *rewriter) where(at token.Pos) string {
	p := rw.fset.Position(at)
	return strconv.Quote(fmt.Sprintf("%s:%d", p.Filename, p.Line))
}

// guard is what is put first in the function of a goroutine that a cell
// starts. Its first defer is native, so it runs even when an interrupt
// stops the interpreted code: the engine counts the goroutines of each
// cell that still run. The second recovers a panic and reports it with the
// cell line of the go statement instead of letting it end the process.
func (rw *rewriter) guard(at token.Pos) string {
	w := rw.where(at)
	return "defer __golab.GoExit(__golab.GoEnter()); defer func() { if __golab_r := recover(); __golab_r != nil { __golab.GoPanic(__golab_r, " + w + ", -1) } }(); "
}

// goStmt guards the goroutine of a go statement:
//
//	go func() { ... }()  ->  go func() { guard; ... }()
//	go f(a, b)           ->  { __golab_f, __golab_a0, __golab_a1 := f, a, b; go func() { guard; __golab_f(__golab_a0, __golab_a1) }() }
//
// The second form evaluates f and its arguments at the go statement, as Go
// does. The text of f and of each argument stays where it is, so edits
// inside them still apply; literal arguments move into the call, since a
// variable would give an untyped constant its default type.
func (rw *rewriter) goStmt(g *ast.GoStmt) {
	call := g.Call
	if lit, ok := call.Fun.(*ast.FuncLit); ok {
		rw.insert(lit.Body.Lbrace+1, rw.guard(g.Pos()), "")
		return
	}
	if id, ok := call.Fun.(*ast.Ident); ok && isBuiltinFunc(id.Name) {
		return
	}
	guard := rw.guard(g.Pos())
	// Fallback: go func() { guard; f(x) }(), evaluating f and x late.
	rw.add(rw.off(g.Go), rw.off(call.Pos()), "go func() { "+guard, tagGoLate)
	rw.insert(call.End(), " }()", tagGoLate)

	names := []string{"__golab_f"}
	var callArgs []string
	prevEnd := call.Lparen + 1
	for i, a := range call.Args {
		gap := rw.src[rw.off(prevEnd):rw.off(a.Pos())]
		nl := strings.Repeat("\n", strings.Count(gap, "\n"))
		if isLiteralArg(a) {
			rw.add(rw.off(prevEnd), rw.off(a.End()), nl, tagGoHoist)
			callArgs = append(callArgs, rw.text(a))
		} else {
			name := fmt.Sprintf("__golab_a%d", i)
			names = append(names, name)
			callArgs = append(callArgs, name)
			rw.add(rw.off(prevEnd), rw.off(a.Pos()), ", "+nl, tagGoHoist)
		}
		prevEnd = a.End()
	}
	ell := ""
	if call.Ellipsis.IsValid() {
		ell = "..."
	}
	rw.add(rw.off(g.Go), rw.off(call.Fun.Pos()), "{ "+strings.Join(names, ", ")+" := ", tagGoHoist)
	tail := rw.src[rw.off(prevEnd):rw.off(call.Rparen)]
	tail = strings.Repeat("\n", strings.Count(tail, "\n"))
	rw.add(rw.off(prevEnd), rw.off(call.End()), tail+"; go func() { "+guard+"__golab_f("+strings.Join(callArgs, ", ")+ell+") }() }", tagGoHoist)
}

// isLiteralArg reports whether an argument is a literal constant, which
// keeps its place in the call.
func isLiteralArg(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit:
		return true
	case *ast.Ident:
		return e.Name == "nil" || e.Name == "true" || e.Name == "false"
	case *ast.ParenExpr:
		return isLiteralArg(e.X)
	case *ast.UnaryExpr:
		return isLiteralArg(e.X)
	case *ast.BinaryExpr:
		return isLiteralArg(e.X) && isLiteralArg(e.Y)
	}
	return false
}

func isBuiltinFunc(name string) bool {
	switch name {
	case "append", "cap", "clear", "close", "complex", "copy", "delete", "imag", "len", "make",
		"max", "min", "new", "panic", "print", "println", "real", "recover":
		return true
	}
	return false
}

// call rewrites calls: min, max, clear; func literals run by Go methods and
// time.AfterFunc; display calls.
func (rw *rewriter) call(c *ast.CallExpr) {
	switch fn := c.Fun.(type) {
	case *ast.Ident:
		switch fn.Name {
		case "min", "max":
			if !rw.s.names.declared(fn.Name) && len(c.Args) > 0 {
				rw.minMax(c, fn)
			}
		case "clear":
			if !rw.s.names.declared(fn.Name) && len(c.Args) == 1 {
				rw.add(rw.off(fn.Pos()), rw.off(fn.End()), "__golab_clear", "")
			}
		}
	case *ast.SelectorExpr:
		name := fn.Sel.Name
		if x, ok := fn.X.(*ast.Ident); ok && rw.display != "" && x.Name == rw.display && (name == "Show" || name == "New") && len(c.Args) == 1 {
			rw.wrapArg(c.Args[0], "")
			return
		}
		if name == "Update" && len(c.Args) == 1 && rw.display != "" {
			rw.wrapArg(c.Args[0], tagUpdate)
			return
		}
		if name == "Go" || name == "AfterFunc" {
			for _, a := range c.Args {
				if lit, ok := a.(*ast.FuncLit); ok {
					rw.wrapFunc(lit)
				}
			}
		}
	}
}

func (rw *rewriter) wrapArg(a ast.Expr, tag string) {
	rw.insert(a.Pos(), "__golab_display(", tag)
	rw.insert(a.End(), ")", tag)
}

// minMax calls the prelude's generic min or max. The interpreter infers
// the type parameter from the first argument, so a literal first argument
// moves to the end when another argument has a type; when all are literals
// and one is a float, the first becomes a float64.
func (rw *rewriter) minMax(c *ast.CallExpr, fn *ast.Ident) {
	rw.add(rw.off(fn.Pos()), rw.off(fn.End()), "__golab_"+fn.Name, "")
	allLit, anyFloat := true, false
	for _, a := range c.Args {
		if !isLiteralArg(a) {
			allLit = false
		}
		if bl, ok := a.(*ast.BasicLit); ok && bl.Kind == token.FLOAT {
			anyFloat = true
		}
	}
	first := c.Args[0]
	switch {
	case allLit && anyFloat:
		rw.insert(first.Pos(), "float64(", "")
		rw.insert(first.End(), ")", "")
	case !allLit && isLiteralArg(first) && len(c.Args) > 1:
		rw.add(rw.off(first.Pos()), rw.off(c.Args[1].Pos()), "", "")
		rw.insert(c.Args[len(c.Args)-1].End(), ", "+rw.text(first), "")
	}
}

// closureUses reports whether body can observe a loop variable after its
// iteration: it has a func literal, a go or defer statement, or takes an
// address.
func closureUses(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit, *ast.GoStmt, *ast.DeferStmt:
			found = true
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				found = true
			}
		}
		return !found
	})
	return found
}

// assigns reports whether body assigns to one of names.
func assigns(body *ast.BlockStmt, names []string) bool {
	is := func(e ast.Expr) bool {
		id, ok := e.(*ast.Ident)
		if !ok {
			return false
		}
		for _, n := range names {
			if id.Name == n {
				return true
			}
		}
		return false
	}
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok != token.DEFINE {
				for _, l := range n.Lhs {
					if is(l) {
						found = true
					}
				}
			}
		case *ast.IncDecStmt:
			if is(n.X) {
				found = true
			}
		}
		return !found
	})
	return found
}

// perIteration gives each iteration of a loop its own copy of the loop
// variables vars, as Go 1.22 does: the body starts with a fresh variable
// per loop variable, and the body's uses refer to it. (The interpreter
// mishandles the shorter "v := v": the new v reads itself.) Uses are found
// by the parser's object resolution, so shadowing declarations in the body
// keep their own meaning.
func (rw *rewriter) perIteration(body *ast.BlockStmt, vars []*ast.Ident, tag string) {
	var decl strings.Builder
	renamed := map[*ast.Object]string{}
	for _, v := range vars {
		if v.Obj == nil {
			continue
		}
		fresh := fmt.Sprintf("__golab_%s_%d", v.Name, rw.off(v.Pos()))
		renamed[v.Obj] = fresh
		fmt.Fprintf(&decl, " %s := %s;", fresh, v.Name)
		ast.Inspect(body, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && id.Obj == v.Obj && id != v {
				rw.add(rw.off(id.Pos()), rw.off(id.End()), fresh, tag)
			}
			return true
		})
	}
	if decl.Len() > 0 {
		rw.insert(body.Lbrace+1, decl.String()+" ", tag)
	}
	rw.captureLocals(body, renamed, tag)
}

// captureLocals makes each func literal in a loop body copy the variables
// of the iteration that it reads, when it is made:
//
//	func() error { use(v) }  ->  func() func() error { v := v; return func() error { use(v) } }()
//
// The interpreter keeps one slot per variable of a function's frame, not
// one per iteration, so without the copy a closure that runs after its
// iteration (g.Go, wg.Go, a callback) would see a later iteration's values.
// renamed maps the loop variables to the names perIteration gave their
// copies. A literal that assigns to such a variable or takes its address
// shares it on purpose and is left alone.
func (rw *rewriter) captureLocals(body *ast.BlockStmt, renamed map[*ast.Object]string, tag string) {
	locals := map[*ast.Object]string{}
	for o, n := range renamed {
		locals[o] = n
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Obj != nil && id.Name != "_" {
						locals[id.Obj] = id.Name
					}
				}
			}
		case *ast.ValueSpec:
			for _, id := range n.Names {
				if id.Obj != nil && id.Name != "_" {
					locals[id.Obj] = id.Name
				}
			}
		}
		return true
	})
	local := func(e ast.Expr) bool {
		id, ok := e.(*ast.Ident)
		if !ok || id.Obj == nil {
			return false
		}
		_, ok = locals[id.Obj]
		return ok
	}
	// capture returns the locals lit reads, or nil when it has none or
	// shares one on purpose.
	capture := func(lit *ast.FuncLit) []string {
		var names []string
		seen, shared := map[string]bool{}, false
		ast.Inspect(lit.Body, func(m ast.Node) bool {
			switch m := m.(type) {
			case *ast.Ident:
				if name, ok := locals[m.Obj]; ok && m.Obj != nil && !seen[name] {
					seen[name] = true
					names = append(names, name)
				}
			case *ast.AssignStmt:
				if m.Tok != token.DEFINE {
					for _, l := range m.Lhs {
						shared = shared || local(l)
					}
				}
			case *ast.IncDecStmt:
				shared = shared || local(m.X)
			case *ast.UnaryExpr:
				shared = shared || (m.Op == token.AND && local(m.X))
			}
			return true
		})
		if shared {
			return nil
		}
		return names
	}
	// wrap puts the code from..to in a function literal that is called at
	// once and first copies names: open, the copies, then lead.
	wrap := func(from, to token.Pos, open string, names []string, lead string) {
		var b strings.Builder
		b.WriteString(open)
		for _, name := range names {
			fmt.Fprintf(&b, " %s := %s;", name, name)
		}
		b.WriteString(lead)
		o := rw.off(from)
		rw.edits = append(rw.edits, edit{at: o, end: o, text: b.String(), tag: tag, order: 1})
		o = rw.off(to)
		rw.edits = append(rw.edits, edit{at: o, end: o, text: " }()", tag: tag, order: -1})
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			// go func() { ... }(): the interpreter makes the closure in the
			// new goroutine, too late to copy there, so the whole statement
			// runs in a function of its own: func() { v := v; go ... }().
			if lit, ok := n.Call.Fun.(*ast.FuncLit); ok {
				if names := capture(lit); len(names) > 0 {
					wrap(n.Pos(), n.End(), "func() {", names, " ")
				}
				return false
			}
		case *ast.FuncLit:
			if names := capture(n); len(names) > 0 {
				wrap(n.Pos(), n.End(), fmt.Sprintf("func() %s {", rw.text(n.Type)), names, " return ")
			}
			return false
		}
		return true
	})
}

// forStmt gives a three-clause loop per-iteration variables when a closure
// can see them and the body does not change them.
func (rw *rewriter) forStmt(f *ast.ForStmt) {
	if !closureUses(f.Body) {
		return
	}
	as, ok := f.Init.(*ast.AssignStmt)
	if !ok || as.Tok != token.DEFINE {
		rw.captureLocals(f.Body, nil, "")
		return
	}
	var vars []*ast.Ident
	var names []string
	for _, l := range as.Lhs {
		if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
			vars = append(vars, id)
			names = append(names, id.Name)
		}
	}
	if !assigns(f.Body, names) {
		rw.perIteration(f.Body, vars, "")
	} else {
		rw.captureLocals(f.Body, nil, "")
	}
}

// rangeVars gives a range loop per-iteration variables when a closure can
// see them.
func (rw *rewriter) rangeVars(r *ast.RangeStmt) {
	if !closureUses(r.Body) {
		return
	}
	if r.Tok != token.DEFINE {
		rw.captureLocals(r.Body, nil, "")
		return
	}
	var vars []*ast.Ident
	for _, e := range []ast.Expr{r.Key, r.Value} {
		if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
			vars = append(vars, id)
		}
	}
	rw.perIteration(r.Body, vars, "")
}

// rangeStmt rewrites a range statement, labeled or not.
func (rw *rewriter) rangeStmt(r *ast.RangeStmt, label *ast.LabeledStmt) {
	if rw.err == nil && rw.isFunc(r.X) {
		rw.err = rangeFuncError(rw.fset.Position(r.For))
		return
	}
	if !rw.rangeInt(r, label) {
		rw.rangeVars(r)
	}
}

// rangeInt turns range over an integer into a three-clause loop:
//
//	for i := range n { ... }  ->  for i := n - n; i < n; i++ { ... }
//
// (n - n is a zero of n's type), or, when n has side effects,
//
//	{ __golab_n := f(); for i := __golab_n - __golab_n; i < __golab_n; i++ { ... } }
func (rw *rewriter) rangeInt(r *ast.RangeStmt, label *ast.LabeledStmt) bool {
	sure, maybe := rw.isInt(r.X)
	if !sure && !maybe {
		return false
	}
	tag := ""
	if !sure {
		tag = tagRangeInt
	}
	key := "__golab_i"
	if id, ok := r.Key.(*ast.Ident); ok && id.Name != "_" {
		key = id.Name
	}
	if r.Key != nil && r.Tok != token.DEFINE {
		return false // for i = range n: rare, left to the interpreter
	}
	n := rw.text(r.X)
	if strings.Contains(n, "\n") {
		return false
	}
	start := r.For
	if label != nil {
		start = label.Pos()
	}
	if !pure(r.X) {
		rw.insert(start, "{ __golab_n := "+n+"; ", tag)
		rw.insert(r.End(), " }", tag)
		n = "__golab_n"
	}
	// Replace "for k := range x" (or "for range x") up to the body.
	rw.add(rw.off(r.For), rw.off(r.Body.Lbrace), fmt.Sprintf("for %s := %s - %s; %s < %s; %s++ ", key, n, n, key, n, key), tag)
	if closureUses(r.Body) {
		if id, ok := r.Key.(*ast.Ident); ok && key != "__golab_i" && !assigns(r.Body, []string{key}) {
			rw.perIteration(r.Body, []*ast.Ident{id}, tag)
		} else {
			rw.captureLocals(r.Body, nil, tag)
		}
	}
	return true
}

// pure reports whether evaluating e twice is the same as once.
func pure(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident, *ast.BasicLit:
		return true
	case *ast.SelectorExpr:
		return pure(e.X)
	case *ast.ParenExpr:
		return pure(e.X)
	case *ast.UnaryExpr:
		return e.Op != token.ARROW && pure(e.X)
	case *ast.BinaryExpr:
		return pure(e.X) && pure(e.Y)
	case *ast.IndexExpr:
		return pure(e.X) && pure(e.Index)
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok && (id.Name == "len" || id.Name == "cap" || intTypes[id.Name]) {
			for _, a := range e.Args {
				if !pure(a) {
					return false
				}
			}
			return true
		}
	}
	return false
}

var intTypes = map[string]bool{
	"int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true,
	"byte": true, "rune": true,
}

// collectInts notes the names the run declares with an integer type or
// value, ignoring scopes: a guess that isInt reports as such.
func (rw *rewriter) collectInts(f *ast.File) {
	typeIsInt := func(t ast.Expr) bool {
		id, ok := t.(*ast.Ident)
		return ok && intTypes[id.Name]
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE && len(n.Lhs) == len(n.Rhs) {
				for i, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						sure, _ := rw.isInt(n.Rhs[i])
						rw.intVars[id.Name] = sure
					}
				}
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				switch {
				case n.Type != nil:
					rw.intVars[id.Name] = typeIsInt(n.Type)
				case i < len(n.Values):
					sure, _ := rw.isInt(n.Values[i])
					rw.intVars[id.Name] = sure
				}
			}
		case *ast.Field:
			for _, id := range n.Names {
				rw.intVars[id.Name] = typeIsInt(n.Type)
			}
		case *ast.RangeStmt:
			if id, ok := n.Key.(*ast.Ident); ok {
				sure, _ := rw.isInt(n.X)
				rw.intVars[id.Name] = sure
			}
		}
		return true
	})
}

// isInt tells whether e has an integer type: sure from its form or from
// the interpreter's globals and symbol tables; maybe from a declaration of
// the same name in the run.
func (rw *rewriter) isInt(e ast.Expr) (sure, maybe bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		return e.Kind == token.INT, false
	case *ast.ParenExpr:
		return rw.isInt(e.X)
	case *ast.UnaryExpr:
		if e.Op == token.SUB || e.Op == token.ADD || e.Op == token.XOR {
			return rw.isInt(e.X)
		}
	case *ast.BinaryExpr:
		switch e.Op {
		case token.SHL, token.SHR:
			return rw.isInt(e.X)
		case token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.AND, token.OR, token.XOR, token.AND_NOT:
			xs, xm := rw.isInt(e.X)
			ys, ym := rw.isInt(e.Y)
			if isFloatLit(e.X) || isFloatLit(e.Y) {
				return false, false
			}
			return xs || ys, xm || ym
		}
	case *ast.CallExpr:
		switch fn := e.Fun.(type) {
		case *ast.Ident:
			return fn.Name == "len" || fn.Name == "cap" || intTypes[fn.Name], false
		case *ast.SelectorExpr:
			if v, ok := rw.packageSymbol(fn); ok && v.Kind() == reflect.Func && v.Type().NumOut() == 1 {
				return isIntKind(v.Type().Out(0).Kind()), false
			}
		}
	case *ast.SelectorExpr:
		if v, ok := rw.packageSymbol(e); ok {
			if c, ok := v.Interface().(constant.Value); ok {
				return c.Kind() == constant.Int, false
			}
			return isIntKind(v.Kind()), false
		}
	case *ast.Ident:
		if isInt, ok := rw.intVars[e.Name]; ok {
			return false, isInt
		}
		if v, ok := rw.s.in.Globals()[e.Name]; ok && v.IsValid() {
			if c, ok := v.Interface().(constant.Value); ok {
				return c.Kind() == constant.Int, false
			}
			return isIntKind(v.Kind()), false
		}
	}
	return false, false
}

func isFloatLit(e ast.Expr) bool {
	bl, ok := e.(*ast.BasicLit)
	return ok && bl.Kind == token.FLOAT
}

func isIntKind(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}

// packageSymbol finds pkg.Name in the symbol tables when pkg names an
// imported package.
func (rw *rewriter) packageSymbol(sel *ast.SelectorExpr) (reflect.Value, bool) {
	x, ok := sel.X.(*ast.Ident)
	if !ok {
		return reflect.Value{}, false
	}
	p := rw.s.names.importPath(x.Name)
	if p == "" {
		return reflect.Value{}, false
	}
	v, ok := symbols.Symbols[p+"/"+packageNames()[p]][sel.Sel.Name]
	return v, ok && v.IsValid()
}

// discarded are calls whose results a notebook does not show: in Go their
// results are ignored when they are used as statements.
var discarded = map[string]map[string]bool{
	"fmt": {"Print": true, "Printf": true, "Println": true, "Fprint": true, "Fprintf": true, "Fprintln": true,
		"Scan": true, "Scanf": true, "Scanln": true, "Fscan": true, "Fscanf": true, "Fscanln": true,
		"Sscan": true, "Sscanf": true, "Sscanln": true},
	"": {"copy": true, "print": true, "println": true, "panic": true, "close": true, "delete": true, "clear": true},
}

// showLast makes the last statement of body, when it is an expression,
// hand its value to the prelude: x becomes __golab_show(x).
func (rw *rewriter) showLast(body *ast.BlockStmt) {
	if len(body.List) == 0 {
		return
	}
	es, ok := body.List[len(body.List)-1].(*ast.ExprStmt)
	if !ok {
		return
	}
	if call, ok := es.X.(*ast.CallExpr); ok {
		switch fn := call.Fun.(type) {
		case *ast.Ident:
			if discarded[""][fn.Name] {
				return
			}
		case *ast.SelectorExpr:
			if pkg, ok := fn.X.(*ast.Ident); ok && discarded[rw.s.names.importPath(pkg.Name)][fn.Sel.Name] {
				return
			}
		}
	}
	rw.insert(es.X.Pos(), "__golab_show(", tagShow)
	rw.insert(es.X.End(), ")", tagShow)
}

// isFunc reports whether e is surely a function: a func literal or a name
// declared as a func, by this run or an earlier cell.
func (rw *rewriter) isFunc(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.FuncLit:
		return true
	case *ast.ParenExpr:
		return rw.isFunc(e.X)
	case *ast.Ident:
		if e.Obj != nil {
			_, ok := e.Obj.Decl.(*ast.FuncDecl)
			return ok
		}
		rw.s.names.mu.RLock()
		defer rw.s.names.mu.RUnlock()
		d := rw.s.names.decls[e.Name]
		return d != nil && d.Kind == "func"
	}
	return false
}

// rangeFuncError is the error for range over a function (Go 1.23
// iterators), which the interpreter cannot run.
func rangeFuncError(pos token.Position) error {
	return fmt.Errorf("%s: range over a function (a Go 1.23 iterator) is not supported in cells: call the function with the loop body as its yield argument instead, e.g. seq(func(v T) bool { ...; return true })", pos)
}

// wrapFunc hands a func literal that a native function will run on a
// goroutine of its own (sync.WaitGroup.Go, errgroup.Group.Go,
// time.AfterFunc) to the engine, which counts it and recovers its panics
// like a go statement's; a literal of another type gets the guard. (A guard
// inside the literal would do too, but the interpreter mixes up closures
// that contain a deferred func literal when native code runs them
// concurrently.)
func (rw *rewriter) wrapFunc(lit *ast.FuncLit) {
	wrap := ""
	if lit.Type.Params.NumFields() == 0 {
		switch res := lit.Type.Results; {
		case res.NumFields() == 0:
			wrap = "__golab_wrap"
		case res.NumFields() == 1 && len(res.List[0].Names) == 0:
			if id, ok := res.List[0].Type.(*ast.Ident); ok && id.Name == "error" {
				wrap = "__golab_wrape"
			}
		}
	}
	if wrap == "" {
		rw.insert(lit.Body.Lbrace+1, rw.guard(lit.Pos()), "")
		return
	}
	rw.insert(lit.Pos(), wrap+"("+rw.where(lit.Pos())+", ", "")
	rw.insert(lit.End(), ")", "")
}

// shadow renames the new variable of "x := x", which the interpreter gets
// wrong (the new x reads itself, not the outer x): the idiom that gave
// loop variables a copy per iteration before Go 1.22.
func (rw *rewriter) shadow(as *ast.AssignStmt) {
	if as.Tok != token.DEFINE || len(as.Lhs) != len(as.Rhs) {
		return
	}
	for k, l := range as.Lhs {
		lid, ok := l.(*ast.Ident)
		rid, ok2 := as.Rhs[k].(*ast.Ident)
		if !ok || !ok2 || lid.Name != rid.Name || lid.Name == "_" || lid.Obj == nil || lid.Obj == rid.Obj {
			continue
		}
		fresh := fmt.Sprintf("__golab_%s_%d", lid.Name, rw.off(lid.Pos()))
		rw.add(rw.off(lid.Pos()), rw.off(lid.End()), fresh, "")
		scope := rw.enclosingBlock(as)
		if scope == nil {
			continue
		}
		ast.Inspect(scope, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && id != lid && id.Obj == lid.Obj {
				rw.add(rw.off(id.Pos()), rw.off(id.End()), fresh, "")
			}
			return true
		})
	}
}

// enclosingBlock is the innermost block or case clause that holds st.
func (rw *rewriter) enclosingBlock(st ast.Stmt) ast.Node {
	var found ast.Node
	ast.Inspect(rw.root, func(n ast.Node) bool {
		if found != nil || n == nil {
			return false
		}
		var list []ast.Stmt
		switch b := n.(type) {
		case *ast.BlockStmt:
			list = b.List
		case *ast.CaseClause:
			list = b.Body
		case *ast.CommClause:
			list = b.Body
		}
		for _, s := range list {
			if s == st {
				found = n
				return false
			}
		}
		return true
	})
	return found
}

// trackLines makes each top-level statement of a statement run note its
// cell line before it runs, so that a panic can name the statement it came
// from: the interpreter names only the first statement of the run. (The
// first statement of body is the engine's own call to __golab.Started.)
// The notes go at the end of the previous statement, so the columns of
// the cell's code stay as they are.
func (rw *rewriter) trackLines(body *ast.BlockStmt) {
	for k := 1; k < len(body.List); k++ {
		line := rw.fset.Position(body.List[k].Pos()).Line
		rw.insert(body.List[k-1].End(), fmt.Sprintf("; __golab.At(%d)", line), "")
	}
}
