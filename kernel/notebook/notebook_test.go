package notebook

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadValid(t *testing.T) {
	nb, err := Read("testdata/hello.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	if nb.Format != 4 || nb.FormatMinor != 5 {
		t.Errorf("format = %d.%d, want 4.5", nb.Format, nb.FormatMinor)
	}
	if len(nb.Cells) != 6 {
		t.Fatalf("got %d cells, want 6", len(nb.Cells))
	}
	md := nb.Cells[0]
	if md.Type != Markdown || md.ID != "intro" || md.Source != "# Hello, golab\n\nA *tiny* notebook." {
		t.Errorf("markdown cell = %+v", md)
	}
	c := nb.Cells[1]
	if c.Type != Code || c.ExecutionCount != 7 || len(c.Outputs) != 1 || c.Outputs[0].Text != "stale output\n" {
		t.Errorf("code cell = %+v", c)
	}
	if got := c.Metadata["tags"]; !reflect.DeepEqual(got, []any{"setup"}) {
		t.Errorf("cell metadata tags = %#v", got)
	}
	if nb.Cells[2].Source != "for _, s := range []string{\"one\", \"two\"} {\n\tfmt.Println(s)\n}" {
		t.Errorf("joined source = %q", nb.Cells[2].Source)
	}
	if nb.Cells[5].Type != Raw {
		t.Errorf("last cell type = %q, want raw", nb.Cells[5].Type)
	}
	if got := nb.Title(); got != "Hello, golab" {
		t.Errorf("Title() = %q", got)
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		file string
		want string // a part of the error
	}{
		{"missing.ipynb", "no such file or directory"},
		{"not-json.ipynb", "not JSON"},
		{"empty.ipynb", "empty"},
		{"trailing.ipynb", "text follows"},
		{"array.ipynb", "not an object"},
		{"nbformat3.ipynb", "not an nbformat 4 notebook: nbformat is 3"},
		{"nbformat-string.ipynb", "no integer nbformat"},
		{"cells-not-list.ipynb", "cells is missing or not a list"},
		{"bad-cell-type.ipynb", `cell 1: cell_type "python"`},
		{"bad-source.ipynb", "cell 1: source is a list holding a number"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			before, _ := os.ReadFile(path)
			_, err := Read(path)
			if err == nil {
				t.Fatal("Read succeeded, want an error")
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not contain %q", msg, tt.want)
			}
			if !strings.Contains(msg, path) {
				t.Errorf("error %q does not name the file", msg)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(before, after) {
				t.Error("the input file changed")
			}
		})
	}
}

func TestNotJSONPosition(t *testing.T) {
	_, err := Parse([]byte("{\n \"a\": 1,\n oops\n}"))
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("error %v does not give line 3", err)
	}
}

func TestMarshalLayout(t *testing.T) {
	nb, err := Read("testdata/hello.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	data, err := nb.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, want := range []string{
		"{\n \"cells\": [\n  {\n   \"cell_type\": \"markdown\",\n   \"id\": \"intro\",",
		"   \"source\": [\n    \"# Hello, golab\\n\",\n    \"\\n\",\n    \"A *tiny* notebook.\"\n   ]",
		`"text": [` + "\n" + `      "stale output\n"`,
		`"raw <text>"`, // no HTML escaping
		`"big": 12345678901234567890`,
		`"f": 1.5`,
		"\"nbformat\": 4,\n \"nbformat_minor\": 5\n}\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("marshalled notebook lacks %q:\n%s", want, s)
		}
	}
	// Round trip: what Marshal writes reads back to the same notebook.
	nb2, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	data2, err := nb2.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, data2) {
		t.Errorf("second round trip differs:\n%s\n---\n%s", data, data2)
	}
}

func TestCellIDsAdded(t *testing.T) {
	nb, err := Parse([]byte(`{"nbformat":4,"nbformat_minor":5,"metadata":{},"cells":[{"cell_type":"code","metadata":{},"source":"1","outputs":[],"execution_count":null}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if nb.Cells[0].ID == "" {
		t.Error("nbformat 4.5 cell without an id was not given one")
	}
	old, err := Parse([]byte(`{"nbformat":4,"nbformat_minor":4,"metadata":{},"cells":[{"cell_type":"markdown","metadata":{},"source":"x"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := old.Marshal()
	if strings.Contains(string(data), `"id"`) {
		t.Errorf("nbformat 4.4 notebook got cell ids:\n%s", data)
	}
}

func TestWriteIsValidJSONAndAtomic(t *testing.T) {
	nb, err := Read("testdata/hello.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "out.ipynb")
	if err := nb.Write(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("written notebook is not JSON: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d files after Write, want 1 (no temporary left)", len(entries))
	}
	if err := nb.Write(filepath.Join(dir, "no", "such", "dir.ipynb")); err == nil {
		t.Error("Write into a missing folder succeeded")
	}
}

func TestSplitLines(t *testing.T) {
	tests := map[string][]string{
		"":         {},
		"a":        {"a"},
		"a\n":      {"a\n"},
		"a\nb":     {"a\n", "b"},
		"a\r\nb\n": {"a\r\n", "b\n"},
		"\n\n":     {"\n", "\n"},
	}
	for in, want := range tests {
		if got := splitLines(in); !reflect.DeepEqual(got, want) {
			t.Errorf("splitLines(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLessons(t *testing.T) {
	dir := t.TempDir()
	entries, err := os.ReadDir("testdata/lessons")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join("testdata/lessons", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Folders are skipped, even named like notebooks.
	for _, d := range []string{".ipynb_checkpoints", "sub.ipynb"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	lessons, err := Lessons(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lessons {
		s := filepath.Base(l.Path) + "=" + l.Title
		if l.Err != nil {
			s += " (error)"
		}
		got = append(got, s)
	}
	want := []string{
		"1-one.ipynb=One: waiting vs computing",
		"2-two.ipynb=Two: GOMAXPROCS",
		"3-untitled.ipynb=3-untitled",
		"4-broken.ipynb=4-broken (error)",
		"10-ten.ipynb=Ten: pipelines",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Lessons =\n%q\nwant\n%q", got, want)
	}
	if _, err := Lessons(filepath.Join(dir, "missing")); err == nil {
		t.Error("Lessons of a missing folder succeeded")
	}
}

func TestHeading(t *testing.T) {
	tests := map[string]string{
		"# Title":                 "Title",
		"  ## Two ##":             "Two",
		"#NoSpace\n# Real":        "Real",
		"text\n### Deep":          "Deep",
		"    # indented code":     "",
		"~~~\n# code\n~~~\n# Yes": "Yes",
		"# C# basics":             "C# basics",
		"#\n# After empty":        "After empty",
		"####### seven":           "",
	}
	for in, want := range tests {
		if got := heading(in); got != want {
			t.Errorf("heading(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.ipynb")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"nbformat":4,"nbformat_minor":5,"metadata":{},"cells":[{"cell_type":"code","source":["a"],"outputs":[{"output_type":"display_data","data":{"text/plain":["x"],"application/json":{"a":1}},"metadata":{}},{"output_type":"error","ename":"e","evalue":"v","traceback":["t"]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		nb, err := Parse(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			return
		}
		out, err := nb.Marshal()
		if err != nil {
			return // e.g. a JSON number Go cannot re-encode
		}
		nb2, err := Parse(out)
		if err != nil {
			t.Fatalf("Marshal wrote a notebook Parse rejects: %v\n%s", err, out)
		}
		out2, err := nb2.Marshal()
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("round trip not stable: %v\n%s\n---\n%s", err, out, out2)
		}
		var buf bytes.Buffer
		if err := HTML(&buf, nb); err != nil {
			t.Fatalf("HTML: %v", err)
		}
	})
}
