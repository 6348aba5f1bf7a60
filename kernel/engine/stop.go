package engine

import (
	_ "unsafe" // for go:linkname

	"github.com/traefik/yaegi/interp"
)

// interpStop is the interpreter's own stop, what ExecuteWithContext calls
// when its context ends: it makes the interpreted code of the running
// execution, and of the goroutines it started, return.
//
//go:linkname interpStop github.com/traefik/yaegi/interp.(*Interpreter).stop
func interpStop(in *interp.Interpreter)

// stopInterp stops the execution that in runs. It must be called only while
// an ExecuteWithContext of in runs, once: the stop closes that execution's
// channel. A second stop would close it again; that panic is absorbed.
func stopInterp(in *interp.Interpreter) {
	defer func() { _ = recover() }()
	interpStop(in)
}
