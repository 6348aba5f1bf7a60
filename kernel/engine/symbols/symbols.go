// Package symbols holds the yaegi symbol tables that let cells import
// compiled packages: the standard library of the Go release that generated
// them, golang.org/x/sync/errgroup and semaphore, the kernel's display
// package and the lessons package.
//
// The tables are generated with yaegi's extract package (what `yaegi
// extract` runs) and committed; regenerate them after a Go upgrade or an API
// change with
//
//	go generate ./kernel/engine/symbols
//
// Standard packages that are left out, and why, are listed in generate.go.
package symbols

import "reflect"

//go:generate go run generate.go -std
//go:generate go run generate.go github.com/golab/golab/lessons

// Symbols maps "importpath/name" to the package's exported symbols, in the
// form interp.Interpreter.Use takes.
var Symbols = map[string]map[string]reflect.Value{}
