package engine

import (
	"bytes"
	"go/ast"
	"go/build"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/golab/golab/kernel/display"
)

// Inspect describes the name at cursor (counted in code points): for a
// member of a package its declaration and doc comment, read from the Go
// sources; for a name declared by a cell, its source. data is a MIME bundle
// with text/plain.
func (s *Session) Inspect(code string, cursor, detail int) (data map[string]any, found bool) {
	x, name := wordAt(code, byteOffset(code, cursor))
	if name == "" {
		return nil, false
	}
	var text string
	if x != "" {
		s.names.mu.RLock()
		d := s.names.decls[x+"."+name]
		s.names.mu.RUnlock()
		switch p := s.packageFor(x, code); {
		case d != nil:
			text = d.Src + "\n\n(declared in a cell)"
		case p != "":
			text = s.docs.lookup(p, name)
		}
	} else {
		s.names.mu.RLock()
		d := s.names.decls[name]
		isVar := s.names.vars[name]
		s.names.mu.RUnlock()
		switch {
		case d != nil:
			text = d.Src + "\n\n(declared in a cell)"
		case isVar:
			text = "var " + name + " (declared by a statement in a cell)"
		case s.packageFor(name, code) != "":
			text = s.docs.packageDoc(s.packageFor(name, code))
		default:
			text = s.docs.lookup("builtin", name)
		}
	}
	if text == "" {
		return nil, false
	}
	return map[string]any{display.TextPlain: text}, true
}

// wordAt finds the identifier at or just before off, and the identifier
// before a dot in front of it: "fmt", "Println" for "fmt.Pri|ntln(". With
// the cursor inside a call's parentheses it names the function called.
func wordAt(code string, off int) (x, name string) {
	if off > len(code) {
		off = len(code)
	}
	end := off
	for end < len(code) {
		r, n := utf8.DecodeRuneInString(code[end:])
		if !isIdentRune(r) {
			break
		}
		end += n
	}
	start := identStart(code, off)
	if start == end {
		// Inside a call: back up to the unclosed '(' and take the name
		// before it.
		depth := 0
		for i := off - 1; i >= 0; i-- {
			switch code[i] {
			case ')':
				depth++
			case '(':
				if depth == 0 {
					return wordAt(code, i)
				}
				depth--
			case '\n':
				if depth == 0 && i < off-1 {
					return "", ""
				}
			}
		}
		return "", ""
	}
	name = code[start:end]
	if start > 0 && code[start-1] == '.' {
		x = identBefore(code, start-1)
	}
	return x, name
}

// docs reads doc comments from Go sources, once per package, on demand.
type docs struct {
	mu   sync.Mutex
	pkgs map[string]*doc.Package
	fset *token.FileSet
}

// goroot is the Go installation whose sources document the standard
// library: `go env GOROOT`, else the one that built the kernel.
var goroot = sync.OnceValue(func() string {
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		if d := strings.TrimSpace(string(out)); d != "" {
			return d
		}
	}
	return runtime.GOROOT() //nolint:staticcheck // only a fallback
})

// sourceDir is where the sources of an importable package are, or "".
func sourceDir(importPath string) string {
	if isStd(importPath) {
		return filepath.Join(goroot(), "src", filepath.FromSlash(importPath))
	}
	const self = "github.com/golab/golab"
	if rest, ok := strings.CutPrefix(importPath, self); ok {
		// This file is kernel/engine/inspect.go of the module.
		_, file, _, ok := runtime.Caller(0)
		if !ok {
			return ""
		}
		root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
		return filepath.Join(root, filepath.FromSlash(rest))
	}
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		cache = filepath.Join(build.Default.GOPATH, "pkg", "mod")
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range info.Deps {
			if strings.HasPrefix(importPath, m.Path+"/") || importPath == m.Path {
				return filepath.Join(cache, m.Path+"@"+m.Version, strings.TrimPrefix(importPath, m.Path))
			}
		}
	}
	// Test binaries carry no dependency list: take the newest version in
	// the module cache.
	for mod := importPath; mod != "."; mod = path.Dir(mod) {
		dirs, _ := filepath.Glob(filepath.Join(cache, filepath.FromSlash(mod)+"@*"))
		if len(dirs) > 0 {
			sort.Strings(dirs) // good enough to pick among cached versions
			return filepath.Join(dirs[len(dirs)-1], strings.TrimPrefix(importPath, mod))
		}
	}
	return ""
}

// load parses the package at importPath for its documentation.
func (d *docs) load(importPath string) *doc.Package {
	d.mu.Lock()
	defer d.mu.Unlock()
	if p, ok := d.pkgs[importPath]; ok {
		return p
	}
	if d.pkgs == nil {
		d.pkgs = map[string]*doc.Package{}
		d.fset = token.NewFileSet()
	}
	d.pkgs[importPath] = nil
	dir := sourceDir(importPath)
	if dir == "" {
		return nil
	}
	bp, err := build.Default.ImportDir(dir, 0)
	if err != nil && importPath != "builtin" {
		return nil
	}
	names := bp.GoFiles
	if importPath == "builtin" {
		names = []string{"builtin.go"}
	}
	var files []*ast.File
	for _, n := range names {
		f, err := parser.ParseFile(d.fset, filepath.Join(dir, n), nil, parser.ParseComments|parser.SkipObjectResolution)
		if err == nil {
			files = append(files, f)
		}
	}
	mode := doc.Mode(0)
	if importPath == "builtin" {
		mode = doc.AllDecls
	}
	p, err := doc.NewFromFiles(d.fset, files, importPath, mode)
	if err != nil {
		return nil
	}
	d.pkgs[importPath] = p
	return p
}

// packageDoc is the doc comment of a package.
func (d *docs) packageDoc(importPath string) string {
	p := d.load(importPath)
	if p == nil {
		return ""
	}
	return "package " + p.Name + ` // import "` + importPath + "\"\n\n" + strings.TrimSpace(p.Doc)
}

// lookup is the declaration and doc comment of name in a package.
func (d *docs) lookup(importPath, name string) string {
	p := d.load(importPath)
	if p == nil {
		return ""
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	show := func(decl ast.Decl, text string) string {
		var b bytes.Buffer
		if fd, ok := decl.(*ast.FuncDecl); ok {
			c := *fd
			c.Body, c.Doc = nil, nil
			decl = &c
		} else if gd, ok := decl.(*ast.GenDecl); ok {
			c := *gd
			c.Doc = nil
			decl = &c
		}
		if err := (&printer.Config{Mode: printer.UseSpaces, Tabwidth: 4}).Fprint(&b, d.fset, decl); err != nil {
			return ""
		}
		if importPath != "builtin" {
			b.WriteString("\n\n" + `package ` + p.Name + ` // import "` + importPath + `"`)
		}
		if t := strings.TrimSpace(text); t != "" {
			b.WriteString("\n\n" + t)
		}
		return b.String()
	}
	values := func(vs []*doc.Value) string {
		for _, v := range vs {
			for _, n := range v.Names {
				if n == name {
					return show(v.Decl, v.Doc)
				}
			}
		}
		return ""
	}
	for _, f := range p.Funcs {
		if f.Name == name {
			return show(f.Decl, f.Doc)
		}
	}
	if s := values(p.Consts); s != "" {
		return s
	}
	if s := values(p.Vars); s != "" {
		return s
	}
	for _, t := range p.Types {
		if t.Name == name {
			return show(t.Decl, t.Doc)
		}
		for _, f := range t.Funcs {
			if f.Name == name {
				return show(f.Decl, f.Doc)
			}
		}
		if s := values(t.Consts); s != "" {
			return s
		}
		if s := values(t.Vars); s != "" {
			return s
		}
	}
	return ""
}
