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

// bundle builds the display bundle of v. The prelude passes v itself and,
// for each rich form, v again through a function that the interpreter
// knows (by MapTypes) to look for that method: a value of a type declared
// in a cell arrives there wrapped in a native type that has the method, so
// a native type assertion finds it. Native values arrive as they are. A
// method that panics is reported in text/plain. A nil v has no bundle.
func bundle(v, h, m, svg, png, j, t any) (out any) {
	if v == nil {
		return nil
	}
	if d, ok := v.(display.Data); ok {
		return display.Render(d)
	}
	if d, ok := v.(*display.Data); ok {
		return display.Render(d)
	}
	defer func() {
		if e := recover(); e != nil {
			out = display.Data{Bundle: map[string]any{display.TextPlain: fmt.Sprintf("<display of %T panicked: %v>", v, e)}}
		}
	}()
	b := map[string]any{}
	if x, ok := h.(display.HTMLer); ok {
		b[display.TextHTML] = x.HTML()
	}
	if x, ok := m.(display.Markdowner); ok {
		b[display.TextMarkdown] = x.Markdown()
	}
	if x, ok := svg.(display.SVGer); ok {
		b[display.ImageSVG] = x.SVG()
	}
	if x, ok := png.(display.PNGer); ok {
		b[display.ImagePNG] = base64.StdEncoding.EncodeToString(x.PNG())
	}
	if x, ok := j.(display.JSONer); ok {
		b[display.JSONType] = x.JSON()
	}
	if x, ok := t.(fmt.Stringer); ok {
		b[display.TextPlain] = x.String()
	} else {
		b[display.TextPlain] = display.Text(v)
	}
	placeJSON(b)
	return display.Data{Bundle: b}
}

// The identity functions through which the prelude passes a value, one per
// interface that the interpreter should wrap it in (see bundle).
func htmlOf(v any) any     { return v }
func markdownOf(v any) any { return v }
func svgOf(v any) any      { return v }
func pngOf(v any) any      { return v }
func jsonOf(v any) any     { return v }
func textOf(v any) any     { return v }

// wrapping maps the identity functions to the interfaces they ask for.
var wrapping = func() map[reflect.Value][]reflect.Type {
	m := map[reflect.Value][]reflect.Type{}
	for f, t := range map[*func(any) any]any{
		&htmlOfFn: (*display.HTMLer)(nil), &markdownOfFn: (*display.Markdowner)(nil), &svgOfFn: (*display.SVGer)(nil),
		&pngOfFn: (*display.PNGer)(nil), &jsonOfFn: (*display.JSONer)(nil), &textOfFn: (*fmt.Stringer)(nil),
	} {
		m[reflect.ValueOf(*f)] = []reflect.Type{reflect.TypeOf(t).Elem()}
	}
	return m
}()

var htmlOfFn, markdownOfFn, svgOfFn, pngOfFn, jsonOfFn, textOfFn = htmlOf, markdownOf, svgOf, pngOf, jsonOf, textOf

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

func __golab_bundle[__golab_T any](v __golab_T) any {
	return __golab.Bundle(v, __golab.HTMLOf(v), __golab.MarkdownOf(v), __golab.SVGOf(v), __golab.PNGOf(v), __golab.JSONOf(v), __golab.TextOf(v))
}

func __golab_wrap(where string, f func()) func() { return __golab.Wrap(where, f) }

func __golab_wrape(where string, f func() error) func() error { return __golab.WrapE(where, f) }

func __golab_show[__golab_T any](v __golab_T) { __golab.Result(__golab_bundle(v)) }

func __golab_display[__golab_T any](v __golab_T) any { return __golab_bundle(v) }

func __golab_clear(x any) { __golab.Clear(x) }

type __golab_ordered interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr | ~float32 | ~float64 | ~string
}

func __golab_min[__golab_T __golab_ordered](x __golab_T, ys ...__golab_T) __golab_T {
	for _, y := range ys {
		if y < x {
			x = y
		}
	}
	return x
}

func __golab_max[__golab_T __golab_ordered](x __golab_T, ys ...__golab_T) __golab_T {
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
	rt := map[string]reflect.Value{
		"Bundle":  reflect.ValueOf(bundle),
		"Result":  reflect.ValueOf(s.setResult),
		"GoPanic": reflect.ValueOf(s.goPanic),
		"GoEnter": reflect.ValueOf(s.goEnter),
		"Started": reflect.ValueOf(s.started),
		"At":      reflect.ValueOf(s.at),
		"GoExit":  reflect.ValueOf(s.goExit),
		"Wrap":    reflect.ValueOf(s.wrapGoroutine),
		"WrapE":   reflect.ValueOf(s.wrapGoroutineE),
		"Clear":   reflect.ValueOf(clearValue),
	}
	for name, f := range map[string]*func(any) any{
		"HTMLOf": &htmlOfFn, "MarkdownOf": &markdownOfFn, "SVGOf": &svgOfFn,
		"PNGOf": &pngOfFn, "JSONOf": &jsonOfFn, "TextOf": &textOfFn,
	} {
		rt[name] = reflect.ValueOf(*f)
	}
	return interp.Exports{
		rtPath + "/rt": rt,
		".":            {"MapTypes": reflect.ValueOf(wrapping)},
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
