package engine

import (
	"context"
	"go/ast"
	"go/token"
	"reflect"
	"sort"
	"strings"
	"unsafe"

	"github.com/traefik/yaegi/interp"
)

// Redefinition. A cell may redefine a func, method, type, var or const that
// an earlier cell declared, and every later use must see the new one, also
// from declarations of earlier cells (a package's late binding: redefining
// base() changes what an earlier twice() returns). The interpreter binds a
// call to the function it found at compile time and keeps a struct type's
// first fields when the type is declared again, so the engine
//
//   - makes the interpreter forget a type before it is declared anew, and
//   - declares again, from their source, the earlier funcs, methods and
//     types that mention a redefined name, transitively.
//
// Variables are not declared again: that would reset their values.

// changes compares the declarations of a file run with the session's: the
// names whose source changed, and among them the types.
func (s *Session) changes(fset *token.FileSet, f *ast.File, src string) (changed, types []string) {
	var run names
	run.init()
	run.record(fset, f, src, false)
	s.names.mu.RLock()
	defer s.names.mu.RUnlock()
	for name, d := range run.decls {
		old := s.names.decls[name]
		if old == nil || old.Src == d.Src {
			continue
		}
		changed = append(changed, name)
		if d.Kind == "type" && old.Kind == "type" {
			types = append(types, name)
		}
	}
	sort.Strings(changed)
	return changed, types
}

// dependents lists, in declaration order, the earlier funcs, methods and
// types that mention one of changed, directly or through one another,
// leaving out those named in skip (declared again by the run itself).
func (s *Session) dependents(changed []string, skip map[string]bool) []*decl {
	trigger := map[string]bool{}
	add := func(name string) {
		trigger[name] = true
		if _, m, ok := strings.Cut(name, "."); ok {
			trigger[m] = true // a method is used by its name
		}
	}
	for _, c := range changed {
		add(c)
	}
	s.names.mu.RLock()
	all := make([]*decl, 0, len(s.names.decls))
	for _, d := range s.names.decls {
		if !skip[d.Name] && (d.Kind == "func" || d.Kind == "method" || d.Kind == "type") {
			all = append(all, d)
		}
	}
	s.names.mu.RUnlock()
	sort.Slice(all, func(i, j int) bool { return all[i].Seq < all[j].Seq })
	picked := map[*decl]bool{}
	for grew := true; grew; {
		grew = false
		for _, d := range all {
			if picked[d] {
				continue
			}
			for u := range d.Uses {
				if trigger[u] && u != d.Name {
					picked[d] = true
					add(d.Name)
					grew = true
					break
				}
			}
		}
	}
	var out []*decl
	for _, d := range all {
		if picked[d] {
			out = append(out, d)
		}
	}
	return out
}

// redeclare declares ds again from their source, after the names they use
// changed. A declaration that no longer compiles is reported on stderr and
// keeps its old meaning.
func (s *Session) redeclare(ctx context.Context, file string, ds []*decl) {
	if len(ds) == 0 {
		return
	}
	var code strings.Builder
	var r run
	for _, d := range ds {
		start := code.Len()
		code.WriteString(d.Src)
		r.Chunks = append(r.Chunks, chunk{Kind: chunkDecl, Start: start, End: code.Len(), Line: d.Line, Col: d.Col})
		code.WriteString("\n")
	}
	r.Kind = runFile
	s.replaying = true
	defer func() { s.replaying = false }()
	if err := s.evalRun(ctx, code.String(), file, r, false); err != nil {
		var list []string
		for _, d := range ds {
			list = append(list, d.Name)
		}
		s.em.write("stderr", "note: declaring again "+strings.Join(list, ", ")+", which use what this cell redefined, failed: "+err.Error()+"\n")
	}
}

// forgetTypes removes type names from the interpreter's package scope, so
// that declaring them again makes new types instead of keeping the first
// one's fields. yaegi offers no API for this; it reaches into the
// interpreter's unexported scope table, whose layout is fixed for the
// yaegi version go.mod pins (v0.16.1). If the layout is not as expected it
// does nothing.
func forgetTypes(in *interp.Interpreter, types []string) {
	if len(types) == 0 {
		return
	}
	field := func(v reflect.Value, name string) reflect.Value {
		f := v.FieldByName(name)
		if !f.IsValid() || !f.CanAddr() {
			return reflect.Value{}
		}
		return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
	}
	scopes := field(reflect.ValueOf(in).Elem(), "scopes")
	if !scopes.IsValid() || scopes.Kind() != reflect.Map || scopes.Type().Key().Kind() != reflect.String {
		return
	}
	sc := scopes.MapIndex(reflect.ValueOf("main"))
	if !sc.IsValid() || sc.Kind() != reflect.Pointer || sc.IsNil() || sc.Elem().Kind() != reflect.Struct {
		return
	}
	sym := field(sc.Elem(), "sym")
	if !sym.IsValid() || sym.Kind() != reflect.Map || sym.Type().Key().Kind() != reflect.String {
		return
	}
	for _, t := range types {
		sym.SetMapIndex(reflect.ValueOf(t), reflect.Value{})
	}
	// Instances of generic functions, such as the prelude's
	// __golab_show[main.T], are cached by the names of their type
	// arguments: forget those made for the old types.
	generic := field(reflect.ValueOf(in).Elem(), "generic")
	if !generic.IsValid() || generic.Kind() != reflect.Map || generic.Type().Key().Kind() != reflect.String {
		return
	}
	for _, k := range generic.MapKeys() {
		for _, t := range types {
			if mentionsType(k.String(), "main."+t) {
				generic.SetMapIndex(k, reflect.Value{})
				break
			}
		}
	}
}

// mentionsType reports whether the instance name s ("f[main.T,int]")
// mentions the type named t.
func mentionsType(s, t string) bool {
	for i := strings.Index(s, t); i >= 0; {
		end := i + len(t)
		if end == len(s) || !isIdentRune(rune(s[end])) {
			return true
		}
		j := strings.Index(s[end:], t)
		if j < 0 {
			break
		}
		i = end + j
	}
	return false
}
