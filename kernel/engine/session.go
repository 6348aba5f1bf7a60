package engine

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"io"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	"github.com/traefik/yaegi/interp"

	"github.com/golab/golab/kernel/display"
	"github.com/golab/golab/kernel/engine/symbols"
)

// Session is one interpreter whose state persists between cells. Execute
// runs one cell at a time; IsComplete, Complete and Inspect may be called at
// any time, also while a cell runs.
type Session struct {
	mu sync.Mutex // held by Execute: one cell at a time
	in *interp.Interpreter

	em     emitter
	stdin  stdinReader
	stdout io.Writer
	stderr io.Writer

	// cell is the state of the running cell, shared with the goroutines
	// it starts.
	cell struct {
		sync.Mutex
		running bool
		count   int
		cancel  context.CancelFunc
		stop    chan struct{} // closed when the cell is interrupted
		result  *display.Data
		panic   *Error   // first panic of a goroutine of the cell
		traces  []string // the interpreter's panic trace lines, in order
		started func()   // called when the statements of a run start
		at      int      // cell line of the top-level statement running
	}

	gor goroutines // goroutines that cells started and that still run

	replaying bool // set while earlier declarations are declared again

	names names // what cells declared and imported, for complete and inspect
	docs  docs  // doc comments of packages, read when first inspected
}

// New starts a session: an interpreter with the standard library, the
// lessons and display packages, and the engine's prelude.
func New() (*Session, error) {
	s := &Session{}
	s.em.onPanic = s.panicTrace
	s.stdout = &streamOut{e: &s.em, name: "stdout"}
	s.stderr = &streamOut{e: &s.em, name: "stderr"}
	s.stdin.em = &s.em
	s.cell.stop = make(chan struct{})
	s.names.init()
	in, err := s.newInterpreter()
	if err != nil {
		return nil, err
	}
	s.in = in
	return s, nil
}

// newInterpreter makes an interpreter wired to the session.
func (s *Session) newInterpreter() (*interp.Interpreter, error) {
	in := interp.New(interp.Options{
		Stdin:        &s.stdin,
		Stdout:       s.stdout,
		Stderr:       s.stderr,
		Unrestricted: true,
		// Cells import compiled packages only: never look for sources.
		SourcecodeFilesystem: fstest.MapFS{},
		Args:                 []string{"golab"},
	})
	if err := in.Use(symbols.Symbols); err != nil {
		return nil, fmt.Errorf("load symbols: %w", err)
	}
	if err := in.Use(s.runtimeSymbols()); err != nil {
		return nil, fmt.Errorf("load engine runtime: %w", err)
	}
	s.overrideSymbols(in)
	if _, err := in.Eval(prelude); err != nil {
		return nil, fmt.Errorf("load prelude: %w", err)
	}
	// Imports belong to a file, and all cells are the file "cell": the
	// rewritten code of cells reaches the engine's package as __golab.
	f, err := parser.ParseFile(in.FileSet(), cellName(0), "package main; import __golab \""+rtPath+"\"", 0)
	if err == nil {
		var prog *interp.Program
		if prog, err = in.CompileAST(f); err == nil {
			_, err = in.Execute(prog)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("load engine runtime into cells: %w", err)
	}
	return in, nil
}

// overrideSymbols replaces the symbols of in that would escape the cell:
// the process's own standard streams, os.Exit and log.Fatal, and time.Sleep,
// which must stop when the cell is interrupted.
func (s *Session) overrideSymbols(in *interp.Interpreter) {
	set := func(pkg, name string, v reflect.Value) {
		// Symbols(path) returns the interpreter's own table for a
		// compiled package, so this changes only in.
		if p := in.Symbols(pkg)[pkg]; p != nil {
			p[name] = v
		}
	}
	var stdin io.Reader = &s.stdin
	stdout, stderr := s.stdout, s.stderr
	set("os", "Stdin", reflect.ValueOf(&stdin).Elem())
	set("os", "Stdout", reflect.ValueOf(&stdout).Elem())
	set("os", "Stderr", reflect.ValueOf(&stderr).Elem())
	fatal := func(print func(...any)) func(...any) {
		return func(v ...any) { print(v...); panic(symbols.Exit{Code: 1}) }
	}
	logger := func() func(...any) {
		return func(v ...any) { fmt.Fprint(stderr, time.Now().Format("2006/01/02 15:04:05 ")+fmt.Sprintln(v...)) }
	}
	set("log", "Fatal", reflect.ValueOf(fatal(logger())))
	set("log", "Fatalln", reflect.ValueOf(fatal(logger())))
	set("log", "Fatalf", reflect.ValueOf(func(f string, v ...any) {
		fmt.Fprint(stderr, time.Now().Format("2006/01/02 15:04:05 ")+fmt.Sprintf(f, v...)+"\n")
		panic(symbols.Exit{Code: 1})
	}))
	set("os", "Exit", reflect.ValueOf(func(code int) { panic(symbols.Exit{Code: code}) }))
	set("time", "Sleep", reflect.ValueOf(s.sleep))
}

// sleep is time.Sleep for cells: it returns early, ending the goroutine,
// when the cell is interrupted.
func (s *Session) sleep(d time.Duration) {
	s.cell.Lock()
	stop := s.cell.stop
	s.cell.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-stop:
		runtime.Goexit()
	}
}

// Execute runs one cell. Cancelling ctx interrupts it: the cell and the
// goroutines it started stop, and the result carries an "interrupted"
// error.
func (s *Session) Execute(ctx context.Context, req Request, out Output) (res Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	display.SetSink(&s.em)
	s.em.begin(out, req.Count)
	defer s.em.end()

	cellCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.cell.Lock()
	s.cell.running = true
	s.cell.count = req.Count
	s.cell.cancel = cancel
	s.cell.result = nil
	s.cell.panic = nil
	s.cell.at = 0
	s.cell.traces = nil
	select {
	case <-s.cell.stop:
		s.cell.stop = make(chan struct{})
	default:
	}
	s.cell.Unlock()
	s.stdin.begin(cellCtx, req.Input)
	defer func() {
		s.stdin.end()
		s.cell.Lock()
		s.cell.running = false
		s.cell.cancel = nil
		s.cell.Unlock()
	}()
	defer func() {
		if r := recover(); r != nil {
			res = Result{Err: internalError(r)}
		}
	}()

	runs, err := splitCell(req.Code)
	if err != nil {
		return Result{Err: s.cellError(ctx, err)}
	}
	file := cellName(req.Count)
	for i, r := range runs {
		wantValue := i == len(runs)-1 && !req.Silent
		if err := s.evalRun(cellCtx, req.Code, file, r, wantValue); err != nil {
			return Result{Err: s.cellError(ctx, err)}
		}
	}
	s.cell.Lock()
	defer s.cell.Unlock()
	if s.cell.panic != nil {
		return Result{Err: s.cell.panic}
	}
	return Result{Value: s.cell.result}
}

// cellName is the file name of every cell's code in positions. It is the
// same for all cells: the interpreter keys imports by file name, and cells
// share their imports.
func cellName(int) string { return "cell" }

// evalRun parses, rewrites, compiles and runs one run of a cell.
func (s *Session) evalRun(ctx context.Context, code, file string, r run, wantValue bool) error {
	src := runSource(code, file, r)
	// The first parse, in a file set of its own, finds the rewrites; the
	// rewritten source is parsed again into the interpreter's file set.
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.DeclarationErrors|parser.ParseComments)
	if err != nil {
		return err
	}
	body, err := runBody(f, r, file)
	if err != nil {
		return err
	}
	edits, err := s.rewriteRun(fset, f, src, body, wantValue)
	if err != nil {
		return err
	}
	var changed []string
	if r.Kind == runFile {
		var types []string
		changed, types = s.changes(fset, f, src)
		if s.replaying {
			types = nil
			for _, d := range f.Decls {
				if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.TYPE {
					for _, sp := range gd.Specs {
						types = append(types, sp.(*ast.TypeSpec).Name.Name)
					}
				}
			}
		}
		forgetTypes(s.in, types)
	}
	prog, err := s.compileVariants(src, edits, r, file)
	if err != nil {
		if g := s.inferredGenericCall(f); g != "" {
			return fmt.Errorf("%w (the interpreter infers type arguments poorly: give them explicitly, as in %s[int](...), and declare the type of a variable that holds the result at the top level of a cell, as in var x int = %s[int](...))", err, g, g)
		}
		if strings.Contains(err.Error(), "nil type") {
			// The interpreter's way to fail on range over a function
			// value it could not see as one.
			var pos token.Position
			ast.Inspect(f, func(n ast.Node) bool {
				if r, ok := n.(*ast.RangeStmt); ok && !pos.IsValid() {
					pos = fset.Position(r.For)
				}
				return !pos.IsValid()
			})
			if pos.IsValid() {
				return fmt.Errorf("%w (or: %w)", err, rangeFuncError(pos))
			}
		}
		return err
	}
	if err := s.execute(ctx, prog); err != nil {
		return err
	}
	if r.Kind == runFile && mainFunc(f) != nil {
		// A cell that declares func main runs it, as running a program would.
		if err := s.evalStmts(ctx, file, "__golab_main()"); err != nil {
			return err
		}
	}
	var redeclared map[string]bool
	if len(changed) > 0 && !s.replaying {
		redeclared = map[string]bool{}
		for _, d := range f.Decls {
			for id := range declaredNames(d) {
				redeclared[id] = true
			}
		}
	}
	s.names.record(fset, f, src, r.Kind == runStmts)
	if redeclared != nil {
		s.redeclare(ctx, file, s.dependents(changed, redeclared))
	}
	return nil
}

// declaredNames are the names a top-level declaration declares, "T.M" for a
// method.
func declaredNames(d ast.Decl) map[string]bool {
	m := map[string]bool{}
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv != nil && len(d.Recv.List) == 1 {
			m[recvName(d.Recv.List[0].Type)+"."+d.Name.Name] = true
		} else {
			m[d.Name.Name] = true
		}
	case *ast.GenDecl:
		for _, sp := range d.Specs {
			switch sp := sp.(type) {
			case *ast.TypeSpec:
				m[sp.Name.Name] = true
			case *ast.ValueSpec:
				for _, id := range sp.Names {
					m[id.Name] = true
				}
			}
		}
	}
	return m
}

// inferredGenericCall names a generic function, declared by the run or an
// earlier cell, that the run calls without type arguments; "" if none.
func (s *Session) inferredGenericCall(f *ast.File) string {
	generic := map[string]bool{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Type.TypeParams != nil {
			generic[fd.Name.Name] = true
		}
	}
	s.names.mu.RLock()
	for name, d := range s.names.decls {
		if d.Kind == "func" && strings.Contains(d.Src, "func "+name+"[") {
			generic[name] = true
		}
	}
	s.names.mu.RUnlock()
	found := ""
	ast.Inspect(f, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok && found == "" {
			if id, ok := c.Fun.(*ast.Ident); ok && generic[id.Name] {
				found = id.Name
			}
		}
		return found == ""
	})
	return found
}

// runBody is the function body that holds a statement run, nil for a file
// run.
func runBody(f *ast.File, r run, file string) (*ast.BlockStmt, error) {
	if r.Kind != runStmts {
		return nil, nil
	}
	fn, ok := f.Decls[0].(*ast.FuncDecl)
	if len(f.Decls) != 1 || !ok || fn.Body == nil {
		return nil, errors.New(file + ": unbalanced braces")
	}
	return fn.Body, nil
}

// compileVariants applies the edits to src and compiles the result, giving
// up the optional rewrites variant by variant when the interpreter rejects
// them (a last expression that has no value, say). The error is that of the
// variant closest to the cell's own code.
func (s *Session) compileVariants(src string, edits []edit, r run, file string) (*interp.Program, error) {
	tried := map[string]bool{}
	var lastErr error
	for _, tags := range variants {
		text := applyEdits(src, edits, tags)
		if tried[text] {
			continue
		}
		tried[text] = true
		if debugSource {
			fmt.Fprintf(os.Stderr, "--- variant %v\n%s\n", tags, text)
		}
		f, err := parser.ParseFile(s.in.FileSet(), file, text, parser.DeclarationErrors)
		if err != nil {
			lastErr = err
			continue
		}
		if err := s.checkImports(f); err != nil {
			return nil, err
		}
		var root ast.Node = f
		if r.Kind == runStmts {
			body, err := runBody(f, r, file)
			if err != nil {
				return nil, err
			}
			root = body
		} else if len(f.Decls) == 0 {
			return nil, nil // only imports the session already has
		}
		prog, err := s.compileAST(root)
		if err == nil {
			return prog, nil
		}
		if debugSource {
			fmt.Fprintf(os.Stderr, "--- error: %v\n", err)
		}
		lastErr = err
	}
	return nil, lastErr
}

var debugSource = os.Getenv("GOLAB_DEBUG_SOURCE") != ""

// evalStmts compiles and runs statements the engine itself writes.
func (s *Session) evalStmts(ctx context.Context, file, stmts string) error {
	f, err := parser.ParseFile(s.in.FileSet(), file, "package main; func main() {__golab.Started();"+stmts+"}", 0)
	if err != nil {
		return err
	}
	prog, err := s.compileAST(f.Decls[0].(*ast.FuncDecl).Body)
	if err != nil {
		return err
	}
	return s.execute(ctx, prog)
}

// execute runs a compiled program; ctx interrupts it.
//
// It does not let the interpreter watch ctx: ExecuteWithContext returns at
// once when its context ends and leaves the interrupted code running on,
// and writing its results, on a goroutine of its own, which then races with
// the next cell over the interpreter's state. Instead the engine stops the
// interpreter itself and waits, up to settleTime, for the code to return;
// only code blocked in a native call that nothing can stop is left behind
// (and reported by settle).
func (s *Session) execute(ctx context.Context, prog *interp.Program) error {
	if prog == nil {
		return nil
	}
	started := make(chan struct{})
	var once sync.Once
	s.cell.Lock()
	s.cell.started = func() { once.Do(func() { close(started) }) }
	s.cell.Unlock()
	done := make(chan error, 1)
	go func() {
		_, err := s.in.ExecuteWithContext(context.Background(), prog)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	// The statements of a run tell when they start (see runSource): from
	// then on the interpreter has the state that its stop needs.
	select {
	case <-started:
	case err := <-done:
		if err != nil {
			return err
		}
		return ctx.Err()
	case <-time.After(settleTime):
	}
	s.interrupted() // sleeps return
	stopInterp(s.in)
	select {
	case <-done:
	case <-time.After(settleTime):
	}
	return ctx.Err()
}

// at notes the cell line of the top-level statement that starts to run.
func (s *Session) at(line int) {
	s.cell.Lock()
	s.cell.at = line
	s.cell.Unlock()
}

// mainFrameAt corrects the place of the cell's own frame in the
// interpreter's panic trace (it names the first statement of the run) to
// the line of the statement that was running; it adds the frame when the
// trace has none.
func mainFrameAt(traces []string, line int) []string {
	if line <= 0 {
		return traces
	}
	for i, t := range traces {
		if strings.HasSuffix(t, ": panic: main(...)") {
			file, _, _ := strings.Cut(t, ":")
			traces[i] = fmt.Sprintf("%s:%d: panic: main(...)", file, line)
			return traces
		}
	}
	return append(traces, fmt.Sprintf("cell:%d: panic: main(...)", line))
}

// started is called by the first statement of every statement run.
func (s *Session) started() {
	s.cell.Lock()
	f := s.cell.started
	s.cell.Unlock()
	if f != nil {
		f()
	}
}

// runSource is the source the parser sees for a run: its chunks, each
// behind a line directive that maps positions back to the cell. A
// statement run starts by telling the engine that it started (see
// execute).
func runSource(code, file string, r run) string {
	var b strings.Builder
	if r.Kind == runStmts {
		b.WriteString("package main; func main() {")
		if len(r.Chunks) > 0 {
			// At the position of the first statement, which the
			// interpreter names as the frame's place in panics.
			line, col := firstCode(code, r.Chunks[0])
			fmt.Fprintf(&b, "\n/*line %s:%d:%d*/__golab.Started();", file, line, col)
		}
	} else {
		b.WriteString("package main;")
	}
	for _, c := range r.Chunks {
		fmt.Fprintf(&b, "\n/*line %s:%d:%d*/", file, c.Line, c.Col)
		b.WriteString(code[c.Start:c.End])
	}
	if r.Kind == runStmts {
		b.WriteString("\n}")
	}
	b.WriteString("\n")
	return b.String()
}

// firstCode is the position in the cell of the first character of c that
// is not white space.
func firstCode(code string, c chunk) (line, col int) {
	line, col = c.Line, c.Col
	for _, r := range code[c.Start:c.End] {
		switch r {
		case '\n':
			line, col = line+1, 1
		case ' ', '\t', '\r':
			col++
		default:
			return line, col
		}
	}
	return line, col
}

func (s *Session) compileAST(root ast.Node) (prog *interp.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the interpreter failed on this code: %v", r)
		}
	}()
	return s.in.CompileAST(root)
}

// setResult receives the cell's value from the prelude: a display.Data, or
// nil for a value that shows nothing.
func (s *Session) setResult(v any) {
	d, ok := v.(display.Data)
	if !ok {
		return
	}
	s.cell.Lock()
	s.cell.result = &d
	s.cell.Unlock()
}

// panicTrace receives a line the interpreter prints while a panic unwinds
// a frame of interpreted code.
func (s *Session) panicTrace(line string) {
	s.cell.Lock()
	defer s.cell.Unlock()
	if len(s.cell.traces) < 100 {
		s.cell.traces = append(s.cell.traces, line)
	}
}

// takeTraces returns and forgets the collected panic trace lines.
func (s *Session) takeTraces() []string {
	s.cell.Lock()
	defer s.cell.Unlock()
	t := s.cell.traces
	s.cell.traces = nil
	return t
}

// goPanic receives the value of a panic recovered in a goroutine started
// by the cell numbered count (-1: the running or last cell). While that
// cell runs, the panic ends it with an error, as a panic ends a Go program;
// otherwise it is reported on stderr, labelled with its cell, in the next
// output the front end receives.
func (s *Session) goPanic(v any, where string, count int) {
	traces := s.takeTraces()
	e := panicError(v, traces)
	e.Value += " (in a goroutine started at " + where + ")"
	e.Traceback[0] = e.Name + ": " + e.Value
	s.cell.Lock()
	if count < 0 {
		count = s.cell.count
	}
	ours := s.cell.running && s.cell.count == count
	if ours && s.cell.panic == nil {
		s.cell.panic = e
		if s.cell.cancel != nil {
			s.cell.cancel()
		}
	}
	s.cell.Unlock()
	if !ours {
		s.em.writeFrom(count, "stderr", strings.Join(e.Traceback, "\n")+"\n")
	}
}

// cellError turns what stopped a cell into its error output.
func (s *Session) cellError(ctx context.Context, err error) *Error {
	s.cell.Lock()
	gp := s.cell.panic
	s.cell.Unlock()
	if gp != nil {
		return gp
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		s.interrupted()
		s.cell.Lock()
		count := s.cell.count
		s.cell.Unlock()
		tb := []string{"interrupted: the cell was interrupted"}
		for _, n := range s.settle(count) {
			tb = append(tb, "note: "+n)
		}
		return &Error{Name: "interrupted", Value: "the cell was interrupted", Traceback: tb}
	}
	var p interp.Panic
	if errors.As(err, &p) {
		s.cell.Lock()
		at := s.cell.at
		s.cell.Unlock()
		return panicError(p.Value, mainFrameAt(s.takeTraces(), at))
	}
	var el scanner.ErrorList
	var se *SyntaxError
	switch {
	case errors.As(err, &el):
		lines := make([]string, 0, len(el))
		for _, e := range el {
			lines = append(lines, e.Error())
		}
		return &Error{Name: "syntax error", Value: el[0].Error(), Traceback: append([]string{"syntax error: " + el[0].Error()}, lines[1:]...)}
	case errors.As(err, &se):
		return &Error{Name: "syntax error", Value: se.Error(), Traceback: []string{"syntax error: " + se.Error()}}
	}
	msg := err.Error()
	tb := []string{"compile error: " + msg}
	if hint := genericStdHint(msg); hint != "" {
		tb = append(tb, hint)
	}
	return &Error{Name: "compile error", Value: msg, Traceback: tb}
}

// undefinedGeneric matches the interpreter's error for a member of slices,
// maps or cmp that its interpreted copy of those packages lacks.
var undefinedGeneric = regexp.MustCompile(`undefined selector: (slices|maps|cmp)\.(\w+)`)

// genericStdHint explains a missing generic standard function, or is "".
func genericStdHint(msg string) string {
	m := undefinedGeneric.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	hint := fmt.Sprintf("hint: %s.%s is a generic function the interpreter does not have: cells get slices, maps and cmp from Go 1.22's source without the sorting functions", m[1], m[2])
	if m[1] == "slices" && strings.HasPrefix(m[2], "Sort") {
		hint += "; sort with sort.Ints, sort.Strings or sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })"
	}
	return hint
}

// interrupted stops what the cell left running: sleeps return, the
// goroutines that wait in them end.
func (s *Session) interrupted() {
	s.cell.Lock()
	defer s.cell.Unlock()
	select {
	case <-s.cell.stop:
	default:
		close(s.cell.stop)
	}
}

// panicError describes a panic with its value and the cell lines it went
// through.
func panicError(v any, traces []string) *Error {
	if ex, ok := v.(symbols.Exit); ok {
		msg := ex.Error() + ": the cell stopped, the kernel keeps running"
		return &Error{Name: "exit", Value: msg, Traceback: []string{"exit: " + msg}}
	}
	val := fmt.Sprint(v)
	if e, ok := v.(error); ok {
		val = e.Error()
	}
	tb := []string{"panic: " + val}
	for _, t := range traces {
		tb = append(tb, "    at "+strings.TrimSuffix(strings.Replace(t, ": panic", "", 1), "(...)"))
	}
	return &Error{Name: "panic", Value: val, Traceback: tb}
}

func internalError(r any) *Error {
	msg := fmt.Sprintf("the interpreter failed: %v", r)
	return &Error{Name: "internal error", Value: msg, Traceback: []string{"internal error: " + msg, "the kernel keeps running; the session's state may be partly updated"}}
}

// Close ends the session. Goroutines that cells started are stopped where
// the interpreter can stop them.
func (s *Session) Close() error {
	s.interrupted()
	return nil
}
