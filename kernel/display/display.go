// Package display turns Go values into Jupyter display bundles and lets code
// running in a cell show them.
//
// A value chooses how it looks by the methods it has, the way fmt uses String:
//
//	HTML() string     -> text/html
//	Markdown() string -> text/markdown
//	SVG() string      -> image/svg+xml
//	PNG() []byte      -> image/png (sent base64-encoded)
//	JSON() any        -> application/json (see below)
//	String() string   -> text/plain (otherwise fmt's %v, with strings quoted)
//
// Every bundle carries text/plain, so a terminal front end always has
// something to print. All the methods a value has are sent together and the
// front end picks the richest it can show.
//
// JSON is the exception to "the richest wins": JupyterLab 4 ranks its
// application/json renderer (an expandable tree) above text/html, so a
// bundle with both would show the tree instead of the table. When a value
// has JSON and also HTML, Markdown, SVG or PNG, its JSON is therefore sent
// under JSONData ("application/vnd.golab+json"), which no front end renders
// but which keeps the data in the notebook for tools; only when JSON is the
// value's sole rich form is it sent as application/json.
//
// Show, New and Handle.Update send to the Sink that the kernel's engine
// installs while a session runs; without one (a plain Go program, a test) they
// do nothing. That sink is the one piece of process-wide state here, set by the
// engine alone: native packages such as lessons use it to report progress in
// place while a long experiment runs.
package display

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sync/atomic"
)

// MIME types of the bundles this package builds.
const (
	TextPlain    = "text/plain"
	TextHTML     = "text/html"
	TextMarkdown = "text/markdown"
	ImageSVG     = "image/svg+xml"
	ImagePNG     = "image/png"
	JSONType     = "application/json"
	// JSONData carries a value's JSON when the bundle has a richer form
	// too; see the package documentation.
	JSONData = "application/vnd.golab+json"
)

// Data is one display bundle: the same content in several MIME types.
type Data struct {
	// Bundle maps a MIME type to its content: a string, or for JSON any
	// value that encoding/json can marshal.
	Bundle map[string]any
	// Metadata is per-MIME metadata; nil when there is none.
	Metadata map[string]any
	// ID is the display_id that later updates name; "" for a display that
	// is never updated.
	ID string
}

// The interfaces a value may implement to choose its rendering.
type (
	// HTMLer renders as text/html.
	HTMLer interface{ HTML() string }
	// Markdowner renders as text/markdown.
	Markdowner interface{ Markdown() string }
	// SVGer renders as image/svg+xml.
	SVGer interface{ SVG() string }
	// PNGer renders as image/png.
	PNGer interface{ PNG() []byte }
	// JSONer renders as application/json, or as JSONData beside a
	// richer form.
	JSONer interface{ JSON() any }
)

// Render builds the bundle for v from the methods v's type has. A Data (or
// *Data) is already a bundle and is returned as it is, without its ID. It
// never panics: a method that panics is reported in the text/plain form
// instead.
func Render(v any) (d Data) {
	switch x := v.(type) {
	case Data:
		x.ID = ""
		return x
	case *Data:
		if x != nil {
			d := *x
			d.ID = ""
			return d
		}
	}
	d.Bundle = map[string]any{}
	defer func() {
		if r := recover(); r != nil {
			d.Bundle = map[string]any{TextPlain: fmt.Sprintf("<display of %T panicked: %v>", v, r)}
		}
	}()
	if x, ok := v.(HTMLer); ok {
		d.Bundle[TextHTML] = x.HTML()
	}
	if x, ok := v.(Markdowner); ok {
		d.Bundle[TextMarkdown] = x.Markdown()
	}
	if x, ok := v.(SVGer); ok {
		d.Bundle[ImageSVG] = x.SVG()
	}
	if x, ok := v.(PNGer); ok {
		d.Bundle[ImagePNG] = base64.StdEncoding.EncodeToString(x.PNG())
	}
	if x, ok := v.(JSONer); ok {
		j := x.JSON()
		d.Bundle[JSONType] = j
		for _, m := range []string{TextHTML, TextMarkdown, ImageSVG, ImagePNG} {
			if _, ok := d.Bundle[m]; ok {
				delete(d.Bundle, JSONType)
				d.Bundle[JSONData] = j
				break
			}
		}
	}
	d.Bundle[TextPlain] = Text(v)
	return d
}

// Text is the text/plain form of v: its String method when it has one
// (or Error for an error), otherwise fmt's %v, with strings quoted as Go
// would write them.
func Text(v any) string {
	switch x := v.(type) {
	case fmt.Stringer:
		return x.String()
	case error:
		return x.Error()
	case string:
		return fmt.Sprintf("%q", x)
	}
	return fmt.Sprintf("%v", v)
}

// HTML is a value that displays as the given HTML.
type HTML string

// HTML returns h.
func (h HTML) HTML() string { return string(h) }

// String returns the HTML source, for terminals.
func (h HTML) String() string { return string(h) }

// Markdown is a value that displays as the given Markdown.
type Markdown string

// Markdown returns m.
func (m Markdown) Markdown() string { return string(m) }

// String returns the Markdown source, for terminals.
func (m Markdown) String() string { return string(m) }

// SVG is a value that displays as the given SVG document.
type SVG string

// SVG returns s.
func (s SVG) SVG() string { return string(s) }

// String describes the picture for terminals.
func (s SVG) String() string { return fmt.Sprintf("<svg image, %d bytes>", len(s)) }

// Sink receives what Show and Handle.Update send. The kernel's engine
// implements it; update is true for an update_display_data.
type Sink interface {
	Display(d Data, update bool)
}

var sink atomic.Pointer[Sink]

// SetSink installs s as the receiver of displays and returns the one it
// replaces; nil removes it. Only the engine that runs cells calls this.
func SetSink(s Sink) (old Sink) {
	var p *Sink
	if s != nil {
		p = &s
	}
	if q := sink.Swap(p); q != nil {
		return *q
	}
	return nil
}

func send(d Data, update bool) {
	if p := sink.Load(); p != nil {
		(*p).Display(d, update)
	}
}

// Clearer is a Sink that can also clear the running cell's output.
type Clearer interface {
	Clear(wait bool)
}

// Clear clears the running cell's output so far, as IPython's
// clear_output does; with wait, the front end clears only when the next
// output arrives, so a cell that redraws does not flicker.
func Clear(wait bool) {
	if p := sink.Load(); p != nil {
		if c, ok := (*p).(Clearer); ok {
			c.Clear(wait)
		}
	}
}

// Show displays v now, as an output of the running cell.
func Show(v any) { send(Render(v), false) }

// A Handle is a display that can be replaced in place, for progress.
type Handle struct{ id string }

// New displays v and returns a handle whose Update replaces it.
func New(v any) *Handle {
	h := &Handle{id: newID()}
	d := Render(v)
	d.ID = h.id
	send(d, false)
	return h
}

// Update replaces what the handle shows with v.
func (h *Handle) Update(v any) {
	d := Render(v)
	d.ID = h.id
	send(d, true)
}

// ID is the handle's display_id.
func (h *Handle) ID() string { return h.id }

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
