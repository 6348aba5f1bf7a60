package engine

import (
	"encoding/base64"
	"fmt"
	"reflect"

	"github.com/traefik/yaegi/interp"

	"github.com/golab/golab/kernel/display"
)

// The engine gives each interpreter a small native package, imported by the
// prelude under the name __golab, through which interpreted code reports
// back: the cell's value, goroutine panics. Rendering rich values happens in
// interpreted code (the prelude), because methods of types declared in a
// cell are invisible to native reflection.

// rtPath is the import path of the engine's native package for cells.
const rtPath = "golab.internal/rt"

// Rich is what the prelude learns about a value by its methods. It is
// exported to the interpreter as __golab.Rich.
type Rich struct {
	Value    any
	Has      int // bits: 1 HTML, 2 Markdown, 4 SVG, 8 PNG, 16 JSON, 32 Text
	HTML     string
	Markdown string
	SVG      string
	PNG      []byte
	JSON     any
	Text     string
}

// Data turns what the prelude found into a display bundle. The prelude sees
// the methods of types declared in cells; the methods of native types (the
// lessons' results, say) are found here, by Go's own type assertions, since
// the interpreter does not match native values against interfaces declared
// in interpreted code. A panicking method is reported in text/plain.
func (r Rich) Data() (d display.Data) {
	switch x := r.Value.(type) {
	case display.Data, *display.Data:
		return display.Render(x)
	}
	defer func() {
		if e := recover(); e != nil {
			d = display.Data{Bundle: map[string]any{display.TextPlain: fmt.Sprintf("<display of %T panicked: %v>", r.Value, e)}}
		}
	}()
	v := r.Value
	d.Bundle = map[string]any{}
	if r.Has&1 != 0 {
		d.Bundle[display.TextHTML] = r.HTML
	} else if x, ok := v.(display.HTMLer); ok {
		d.Bundle[display.TextHTML] = x.HTML()
	}
	if r.Has&2 != 0 {
		d.Bundle[display.TextMarkdown] = r.Markdown
	} else if x, ok := v.(display.Markdowner); ok {
		d.Bundle[display.TextMarkdown] = x.Markdown()
	}
	if r.Has&4 != 0 {
		d.Bundle[display.ImageSVG] = r.SVG
	} else if x, ok := v.(display.SVGer); ok {
		d.Bundle[display.ImageSVG] = x.SVG()
	}
	png, hasPNG := r.PNG, r.Has&8 != 0
	if x, ok := v.(display.PNGer); ok && !hasPNG {
		png, hasPNG = x.PNG(), true
	}
	if hasPNG {
		d.Bundle[display.ImagePNG] = base64.StdEncoding.EncodeToString(png)
	}
	if r.Has&16 != 0 {
		d.Bundle[display.JSONType] = r.JSON
	} else if x, ok := v.(display.JSONer); ok {
		d.Bundle[display.JSONType] = x.JSON()
	}
	if r.Has&32 != 0 {
		d.Bundle[display.TextPlain] = r.Text
	} else {
		d.Bundle[display.TextPlain] = display.Text(v)
	}
	placeJSON(d.Bundle)
	return d
}

// placeJSON applies display's rule for JSON beside other rich forms: it
// goes under display.JSONData, so that JupyterLab shows the richer form.
func placeJSON(b map[string]any) {
	j, ok := b[display.JSONType]
	if !ok {
		j, ok = b[display.JSONData]
	}
	if !ok {
		return
	}
	delete(b, display.JSONType)
	delete(b, display.JSONData)
	for _, m := range []string{display.TextHTML, display.TextMarkdown, display.ImageSVG, display.ImagePNG} {
		if _, rich := b[m]; rich {
			b[display.JSONData] = j
			return
		}
	}
	b[display.JSONType] = j
}

// prelude is interpreted once per interpreter, before the first cell.
const prelude = `package main

import __golab "` + rtPath + `"

func __golab_rich(v any) (r __golab.Rich) {
	r.Value = v
	defer func() {
		if e := recover(); e != nil {
			r = __golab.Rich{Value: v, Has: 32, Text: __golab.Sprint("<display panicked: ", e, ">")}
		}
	}()
	if x, ok := v.(interface{ HTML() string }); ok {
		r.HTML = x.HTML()
		r.Has |= 1
	}
	if x, ok := v.(interface{ Markdown() string }); ok {
		r.Markdown = x.Markdown()
		r.Has |= 2
	}
	if x, ok := v.(interface{ SVG() string }); ok {
		r.SVG = x.SVG()
		r.Has |= 4
	}
	if x, ok := v.(interface{ PNG() []byte }); ok {
		r.PNG = x.PNG()
		r.Has |= 8
	}
	if x, ok := v.(interface{ JSON() any }); ok {
		r.JSON = x.JSON()
		r.Has |= 16
	}
	if x, ok := v.(interface{ String() string }); ok {
		r.Text = x.String()
		r.Has |= 32
	} else if x, ok := v.(interface{ Error() string }); ok {
		r.Text = x.Error()
		r.Has |= 32
	}
	return r
}

func __golab_show(vs ...any) {
	if len(vs) == 1 && vs[0] != nil {
		__golab.Result(__golab_rich(vs[0]))
	}
}

func __golab_display(v any) any { return __golab.Build(__golab_rich(v)) }

func __golab_gopanic(r any, where string) { __golab.GoPanic(r, where, -1) }

func __golab_go(where string, count int, f func()) { __golab.Go(where, count, f) }

func __golab_cell() int { return __golab.Cell() }

func __golab_wrap(where string, f func()) func() { return __golab.Wrap(where, f) }

func __golab_wrape(where string, f func() error) func() error { return __golab.WrapE(where, f) }

func __golab_clear(x any) { __golab.Clear(x) }

type __golab_ordered interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr | ~float32 | ~float64 | ~string
}

func __golab_min[T __golab_ordered](x T, ys ...T) T {
	for _, y := range ys {
		if y < x {
			x = y
		}
	}
	return x
}

func __golab_max[T __golab_ordered](x T, ys ...T) T {
	for _, y := range ys {
		if y > x {
			x = y
		}
	}
	return x
}
`

// runtimeSymbols is the native package the prelude imports, bound to s.
func (s *Session) runtimeSymbols() interp.Exports {
	return interp.Exports{
		rtPath + "/rt": {
			"Rich":    reflect.ValueOf((*Rich)(nil)),
			"Result":  reflect.ValueOf(s.setResult),
			"Build":   reflect.ValueOf(func(r Rich) display.Data { return r.Data() }),
			"Sprint":  reflect.ValueOf(fmt.Sprint),
			"GoPanic": reflect.ValueOf(s.goPanic),
			"Go":      reflect.ValueOf(s.runGoroutine),
			"Cell":    reflect.ValueOf(s.cellCount),
			"Wrap":    reflect.ValueOf(s.wrapGoroutine),
			"WrapE":   reflect.ValueOf(s.wrapGoroutineE),
			"Clear":   reflect.ValueOf(clearValue),
		},
	}
}

// clearValue implements the builtin clear for maps and slices.
func clearValue(x any) {
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Map, reflect.Slice:
		v.Clear()
	}
}
