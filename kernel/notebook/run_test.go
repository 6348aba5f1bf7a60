package notebook

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golab/golab/kernel/display"
	"github.com/golab/golab/kernel/engine"
)

// codeNotebook builds a notebook of code cells.
func codeNotebook(sources ...string) *Notebook {
	nb := &Notebook{Format: 4, FormatMinor: 5, Metadata: map[string]any{}}
	for _, s := range sources {
		nb.Cells = append(nb.Cells, &Cell{Type: Code, Source: s, Metadata: map[string]any{}})
	}
	return nb
}

func TestRunHello(t *testing.T) {
	nb, err := Read("testdata/hello.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Run(context.Background(), nb, Options{Stdout: &out}); err != nil {
		t.Fatalf("Run: %v\noutput:\n%s", err, &out)
	}
	imp, print, empty, value := nb.Cells[1], nb.Cells[2], nb.Cells[3], nb.Cells[4]
	if imp.ExecutionCount != 1 {
		t.Errorf("import cell count = %d, want 1", imp.ExecutionCount)
	}
	for _, o := range imp.Outputs {
		// The stale output is gone. (An engine may show a value for an
		// import; none shows a stream or an error.)
		if o.Type != ExecuteResult {
			t.Errorf("import cell output: %+v", o)
		}
	}
	// Whether a statement cell shows a value is the engine's business; the
	// runner must merge its stream text into one output.
	var streams []*Output
	for _, o := range print.Outputs {
		if o.Type != ExecuteResult {
			streams = append(streams, o)
		}
	}
	if print.ExecutionCount != 2 || len(streams) != 1 {
		t.Fatalf("print cell: count %d, outputs %+v; want 2 and one merged stream", print.ExecutionCount, streams)
	}
	if o := streams[0]; o.Type != Stream || o.Name != "stdout" || o.Text != "one\ntwo\n" {
		t.Errorf("print cell output = %+v", o)
	}
	if empty.ExecutionCount != 0 || len(empty.Outputs) != 0 {
		t.Errorf("empty cell ran: %+v", empty)
	}
	if value.ExecutionCount != 3 || len(value.Outputs) != 1 {
		t.Fatalf("value cell: %+v", value)
	}
	if o := value.Outputs[0]; o.Type != ExecuteResult || o.ExecutionCount != 3 || o.Data["text/plain"] != "42" {
		t.Errorf("value cell output = %+v", o)
	}
	// Blocks are set off by blank lines.
	got := out.String()
	i := strings.Index(got, "\n\none\ntwo\n")
	if !strings.HasPrefix(got, "# Hello, golab\n\nA *tiny* notebook.\n\n") || i < 0 || !strings.HasSuffix(got[i:], "\n\n42\n") {
		t.Errorf("printed:\n%q", got)
	}
	li, _ := nb.Metadata["language_info"].(map[string]any)
	if li["name"] != "go" {
		t.Errorf("language_info = %v", nb.Metadata["language_info"])
	}
}

func TestRunStopsOnError(t *testing.T) {
	nb, err := Read("testdata/error.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = Run(context.Background(), nb, Options{Stdout: &out})
	var ce *CellError
	if !errors.As(err, &ce) {
		t.Fatalf("Run error = %v, want a *CellError", err)
	}
	if ce.Cell != 2 || ce.Count != 2 {
		t.Errorf("CellError cell %d count %d, want 2 and 2", ce.Cell, ce.Count)
	}
	failed := nb.Cells[1]
	if len(failed.Outputs) != 1 || failed.Outputs[0].Type != Error || failed.Outputs[0].EName == "" || len(failed.Outputs[0].Traceback) == 0 {
		t.Errorf("failed cell outputs = %+v", failed.Outputs)
	}
	if !strings.Contains(out.String(), "undefinedThing") {
		t.Errorf("the error is not printed:\n%s", &out)
	}
	last := nb.Cells[2]
	if last.ExecutionCount != 3 || len(last.Outputs) != 1 || last.Outputs[0].Text != "kept\n" {
		t.Errorf("the cell after the error was changed: %+v", last)
	}
}

func TestRunAllowErrors(t *testing.T) {
	nb, err := Read("testdata/error.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), nb, Options{AllowErrors: true}); err != nil {
		t.Fatalf("Run with AllowErrors: %v", err)
	}
	last := nb.Cells[2]
	if last.ExecutionCount != 3 || len(last.Outputs) != 1 || last.Outputs[0].Type != ExecuteResult || last.Outputs[0].Data["text/plain"] != "2" {
		t.Errorf("cell after the error: %+v", last.Outputs)
	}
}

func TestRunInterrupt(t *testing.T) {
	nb := codeNotebook("n := 0", "for {\n\tn++\n}", "n = -1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(300*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() { done <- Run(ctx, nb, Options{}) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run error = %v, want one wrapping context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after the interrupt")
	}
	if o := nb.Cells[1].Outputs; len(o) != 1 || o[0].Type != Error {
		t.Errorf("interrupted cell outputs = %+v, want one error", o)
	}
	if nb.Cells[2].ExecutionCount != 0 {
		t.Error("a cell after the interrupt ran")
	}
}

// TestDisplayUpdates drives the collector through the engine.Output
// interface the way the engine does while a cell shows progress.
func TestDisplayUpdates(t *testing.T) {
	var out bytes.Buffer
	r := &runner{w: &out, displays: map[string][]*Output{}, atLineStart: true}
	first := &Cell{Type: Code, ExecutionCount: 1}
	c1 := &collector{r: r, cell: first}
	c1.Stream("stdout", "start ")
	c1.Stream("stdout", "now\n")
	c1.Display(display.Data{Bundle: map[string]any{"text/plain": "0%"}, ID: "p"}, false)
	c1.Stream("stdout", "working\n")
	c1.Display(display.Data{Bundle: map[string]any{"text/plain": "50%"}, ID: "p"}, true)
	c1.Stream("stderr", "warn\n")
	c1.Display(display.Data{Bundle: map[string]any{"text/plain": "100%", "text/html": "<b>done</b>"}, ID: "p"}, true)
	// Printed so far: only what precedes the display that may change.
	if got := out.String(); got != "start now\n" {
		t.Errorf("printed during the cell: %q", got)
	}
	c1.finish(engine.Result{})

	if n := len(first.Outputs); n != 4 {
		t.Fatalf("got %d outputs, want 4: %+v", n, first.Outputs)
	}
	p := first.Outputs[1]
	if p.Type != DisplayData || p.Data["text/plain"] != "100%" || p.Data["text/html"] != "<b>done</b>" {
		t.Errorf("updated display = %+v", p)
	}
	if o := first.Outputs[2]; o.Name != "stdout" || o.Text != "working\n" {
		t.Errorf("output 3 = %+v", o)
	}
	if o := first.Outputs[3]; o.Name != "stderr" || o.Text != "warn\n" {
		t.Errorf("output 4 = %+v", o)
	}
	if got, want := out.String(), "start now\n100%\nworking\nwarn\n"; got != want {
		t.Errorf("printed %q, want %q", got, want)
	}

	// A later cell may update the display of an earlier one.
	second := &Cell{Type: Code, ExecutionCount: 2}
	c2 := &collector{r: r, cell: second}
	c2.Display(display.Data{Bundle: map[string]any{"text/plain": "again"}, ID: "p"}, true)
	c2.Display(display.Data{Bundle: map[string]any{"text/plain": "ghost"}, ID: "unknown"}, true)
	c2.finish(engine.Result{})
	if p.Data["text/plain"] != "again" || len(second.Outputs) != 0 {
		t.Errorf("cross-cell update: first %v, second %+v", p.Data, second.Outputs)
	}
	data, err := (&Notebook{Format: 4, FormatMinor: 5, Cells: []*Cell{first}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), `"p"`) {
		t.Errorf("the transient display_id was saved:\n%s", data)
	}
}

func TestRunWritesValidNotebookAndHTML(t *testing.T) {
	nb, err := Read("testdata/hello.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), nb, Options{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := nb.Write(filepath.Join(dir, "out.ipynb")); err != nil {
		t.Fatal(err)
	}
	back, err := Read(filepath.Join(dir, "out.ipynb"))
	if err != nil {
		t.Fatalf("the executed notebook does not read back: %v", err)
	}
	if o := back.Cells[4].Outputs; len(o) != 1 || o[0].Data["text/plain"] != "42" {
		t.Errorf("read back outputs = %+v", o)
	}
	if err := nb.WriteHTML(filepath.Join(dir, "out.html")); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "out.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<title>Hello, golab</title>",
		"<h1>Hello, golab</h1>",
		"<em>tiny</em>",
		"In [3]:",
		"fmt.Println(s)",
		"<pre>one\ntwo\n</pre>",
		"<pre>42</pre>",
		"raw &lt;text&gt;",
	} {
		if !strings.Contains(string(page), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}

func TestHTMLOutputs(t *testing.T) {
	png := "iVBORw0KGgo="
	nb := &Notebook{Format: 4, Cells: []*Cell{{
		Type: Code, Source: "x", ExecutionCount: 1,
		Outputs: []*Output{
			{Type: DisplayData, Data: map[string]any{"text/html": "<table><tr><th>GOMAXPROCS</th></tr></table>", "text/plain": "t"}},
			{Type: DisplayData, Data: map[string]any{"image/svg+xml": `<svg id="tl"></svg>`, "text/plain": "svg"}},
			{Type: DisplayData, Data: map[string]any{"image/png": png, "text/plain": "png"}},
			{Type: DisplayData, Data: map[string]any{"image/png": `x" onerror="alert(1)`, "text/plain": "bad png"}},
			{Type: DisplayData, Data: map[string]any{"text/markdown": "**bold**", "text/plain": "md"}},
			{Type: Stream, Name: "stdout", Text: "<script>alert(1)</script>"},
			{Type: Error, EName: "panic", EValue: "boom", Traceback: []string{"\x1b[31mpanic: boom\x1b[0m"}},
		},
	}}}
	var buf bytes.Buffer
	if err := HTML(&buf, nb); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{
		"<table><tr><th>GOMAXPROCS</th></tr></table>",
		`<svg id="tl"></svg>`,
		`<img src="data:image/png;base64,` + png + `"`,
		"<pre>bad png</pre>",
		"<strong>bold</strong>",
		"&lt;script&gt;alert(1)&lt;/script&gt;",
		"<pre>panic: boom</pre>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(page, "onerror") || strings.Contains(page, "\x1b") {
		t.Error("HTML carries unsafe or terminal-only text")
	}
}

// TestRunDisplayThroughEngine shows and updates a display from cells, the
// way lesson cells report progress, through the real engine.
func TestRunDisplayThroughEngine(t *testing.T) {
	nb := codeNotebook(
		`import "github.com/golab/golab/kernel/display"`,
		`h := display.New(display.HTML("<b>0%</b>"))`,
		`h.Update(display.HTML("<b>100%</b>"))`,
	)
	err := Run(context.Background(), nb, Options{})
	if o := nb.Cells[0].Outputs; len(o) > 0 && o[len(o)-1].Type == Error {
		t.Skipf("this engine offers no display package to cells: %s", o[len(o)-1].EValue)
	}
	if err != nil {
		t.Fatal(err)
	}
	var shown []*Output
	for _, o := range nb.Cells[1].Outputs {
		if o.Type == DisplayData {
			shown = append(shown, o)
		}
	}
	if len(shown) != 1 {
		t.Fatalf("cell 2 outputs = %+v, want one display", nb.Cells[1].Outputs)
	}
	if got := shown[0].Data["text/html"]; got != "<b>100%</b>" {
		t.Errorf("the display shows %v after the update in cell 3, want <b>100%%</b>", got)
	}
	for _, o := range nb.Cells[2].Outputs {
		if o.Type == DisplayData {
			t.Errorf("the update added a display to cell 3: %+v", o)
		}
	}
}
