package engine

import (
	"fmt"
	"go/scanner"
	"go/token"
)

// A cell mixes imports, declarations and statements in any order, but the
// interpreter takes either a file (imports and declarations) or a function
// body (statements) at a time. Splitting cuts a cell into top-level chunks at
// the semicolons (written or automatic) outside any brackets, classifies each
// by its first tokens, and groups neighbours of the same kind into runs that
// are evaluated in order.

// chunkKind is what a top-level chunk of a cell is.
type chunkKind int

const (
	chunkStmt    chunkKind = iota // a statement
	chunkImport                   // an import declaration
	chunkDecl                     // a const, type, var, func or method declaration
	chunkPackage                  // a package clause, ignored
)

func (k chunkKind) String() string {
	switch k {
	case chunkImport:
		return "import"
	case chunkDecl:
		return "decl"
	case chunkPackage:
		return "package"
	}
	return "stmt"
}

// chunk is one top-level item of a cell: src[Start:End], including the
// comments before it.
type chunk struct {
	Kind       chunkKind
	Start, End int    // byte offsets in the cell
	Line, Col  int    // position of Start in the cell, 1-based
	First      string // the keyword or first token, for declarations: "func", "type", ...
	// Defines are the names a statement declares with := at its top level.
	Defines []string
	// Uses are the identifiers a declaration mentions.
	Uses []string
}

// runKind is how a run is given to the interpreter.
type runKind int

const (
	runFile  runKind = iota // imports and declarations, as a file
	runStmts                // statements, as the body of a function
)

// run is a sequence of chunks evaluated in one go.
type run struct {
	Kind   runKind
	Chunks []chunk
}

// SyntaxError is a cell that does not even scan: an unterminated string or
// comment, an invalid character.
type SyntaxError struct {
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

type tok struct {
	pos token.Pos
	tok token.Token
	lit string
}

// splitChunks cuts src into its top-level chunks. It never panics; a cell
// that does not scan gives a *SyntaxError.
func splitChunks(src string) ([]chunk, error) {
	fset := token.NewFileSet()
	file := fset.AddFile("cell", -1, len(src))
	var first *SyntaxError
	var s scanner.Scanner
	s.Init(file, []byte(src), func(pos token.Position, msg string) {
		if first == nil {
			first = &SyntaxError{Line: pos.Line, Col: pos.Column, Msg: msg}
		}
	}, 0)

	var chunks []chunk
	var toks []tok
	depth := 0
	// header is set between a for, if, switch or select keyword and the
	// brace that opens its block, where semicolons separate the clauses.
	header := false
	start := 0 // where the next chunk's text starts
	cut := func(end int) {
		if len(toks) == 0 {
			start = end
			return
		}
		p := file.Position(file.Pos(start))
		c := chunk{Start: start, End: end, Line: p.Line, Col: p.Column}
		c.Kind, c.First = classify(toks)
		switch c.Kind {
		case chunkStmt:
			c.Defines = defines(toks)
		case chunkDecl:
			for _, t := range toks {
				if t.tok == token.IDENT {
					c.Uses = append(c.Uses, t.lit)
				}
			}
		}
		chunks = append(chunks, c)
		toks = toks[:0]
		start = end
	}
	for {
		pos, t, lit := s.Scan()
		if t == token.EOF {
			break
		}
		switch t {
		case token.FOR, token.IF, token.SWITCH, token.SELECT:
			if depth == 0 {
				header = true
			}
		case token.LBRACE:
			if depth == 0 {
				header = false
			}
			depth++
		case token.LPAREN, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if depth > 0 {
				depth--
			}
		case token.SEMICOLON:
			if depth == 0 && (!header || lit == "\n") {
				header = false
				end := file.Offset(pos)
				if lit == ";" {
					end++ // keep a written semicolon with its chunk
				}
				if end > len(src) {
					end = len(src)
				}
				cut(end)
				continue
			}
		}
		toks = append(toks, tok{pos, t, lit})
	}
	cut(len(src))
	if first != nil {
		return nil, first
	}
	return chunks, nil
}

// classify tells what a chunk is from its tokens.
func classify(toks []tok) (chunkKind, string) {
	switch toks[0].tok {
	case token.PACKAGE:
		return chunkPackage, "package"
	case token.IMPORT:
		return chunkImport, "import"
	case token.CONST, token.TYPE, token.VAR:
		return chunkDecl, toks[0].tok.String()
	case token.FUNC:
		if len(toks) > 1 && toks[1].tok == token.IDENT {
			return chunkDecl, "func"
		}
		// func (recv) Name(...) is a method; func(...) ... { } is a literal.
		if len(toks) > 1 && toks[1].tok == token.LPAREN {
			depth := 0
			for i := 1; i < len(toks); i++ {
				switch toks[i].tok {
				case token.LPAREN, token.LBRACK, token.LBRACE:
					depth++
				case token.RPAREN, token.RBRACK, token.RBRACE:
					depth--
				}
				if depth == 0 {
					if i+2 < len(toks) && toks[i+1].tok == token.IDENT && toks[i+2].tok == token.LPAREN {
						return chunkDecl, "method"
					}
					break
				}
			}
		}
	}
	return chunkStmt, ""
}

// defines returns the names before a top-level := of a statement.
func defines(toks []tok) []string {
	var names []string
	for i := 0; i < len(toks); i += 2 {
		if toks[i].tok != token.IDENT {
			return nil
		}
		names = append(names, toks[i].lit)
		if i+1 >= len(toks) {
			return nil
		}
		switch toks[i+1].tok {
		case token.DEFINE:
			return names
		case token.COMMA:
		default:
			return nil
		}
	}
	return nil
}

// splitCell cuts a cell into the runs to evaluate, in order. Imports go
// first, then the declarations (funcs, methods, types, consts) that mention
// no variable declared by the cell's own statements, so that a statement may
// use a function or type declared below it, as in a Go package; everything
// else keeps the cell's order.
func splitCell(src string) ([]run, error) {
	chunks, err := splitChunks(src)
	if err != nil {
		return nil, err
	}
	stmtNames := map[string]bool{}
	for _, c := range chunks {
		for _, n := range c.Defines {
			stmtNames[n] = true
		}
	}
	hoist := func(c chunk) bool {
		if c.Kind != chunkDecl || c.First == "var" {
			return false
		}
		for _, u := range c.Uses {
			if stmtNames[u] {
				return false
			}
		}
		return true
	}
	var runs []run
	add := func(kind runKind, c chunk) {
		if n := len(runs); n > 0 && runs[n-1].Kind == kind {
			runs[n-1].Chunks = append(runs[n-1].Chunks, c)
			return
		}
		runs = append(runs, run{Kind: kind, Chunks: []chunk{c}})
	}
	for _, c := range chunks {
		if c.Kind == chunkImport {
			add(runFile, c)
		}
	}
	for _, c := range chunks {
		if hoist(c) {
			add(runFile, c)
		}
	}
	for _, c := range chunks {
		switch {
		case c.Kind == chunkImport || c.Kind == chunkPackage || hoist(c):
		case c.Kind == chunkDecl:
			add(runFile, c)
		default:
			add(runStmts, c)
		}
	}
	return runs, nil
}
