// Package notebook reads, runs and writes Jupyter notebooks (nbformat 4)
// without Jupyter.
//
// It is golab's headless front end: Run executes a notebook's code cells in
// order on an in-process engine.Session (no ZeroMQ, no Python), records their
// outputs the way a Jupyter front end would, and prints Markdown cells and
// the text/plain form of every output to a terminal. Write saves the executed
// notebook in Jupyter's own layout, HTML renders it as a standalone page, and
// Lessons lists the lesson notebooks of a folder. RunCommand and
// LessonsCommand are the `golab run` and `golab lessons` subcommands.
package notebook

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Cell types.
const (
	Code     = "code"
	Markdown = "markdown"
	Raw      = "raw"
)

// Output types.
const (
	Stream        = "stream"
	DisplayData   = "display_data"
	ExecuteResult = "execute_result"
	Error         = "error"
)

// A Notebook is an nbformat 4 notebook.
type Notebook struct {
	// Format and FormatMinor are nbformat and nbformat_minor; Format is 4.
	Format, FormatMinor int
	// Metadata is the notebook's metadata (kernelspec, language_info, ...).
	Metadata map[string]any
	// Cells are the notebook's cells in order.
	Cells []*Cell
}

// A Cell is one cell of a notebook.
type Cell struct {
	// Type is Code, Markdown or Raw.
	Type string
	// ID is the cell id (nbformat 4.5 and later); "" in older notebooks.
	ID string
	// Source is the cell's text.
	Source string
	// Metadata is the cell's metadata.
	Metadata map[string]any
	// Attachments are a Markdown or raw cell's attachments, nil for none.
	Attachments map[string]any
	// ExecutionCount is a code cell's execution count; 0 means none (null).
	ExecutionCount int
	// Outputs are a code cell's outputs.
	Outputs []*Output
}

// An Output is one output of a code cell.
type Output struct {
	// Type is Stream, DisplayData, ExecuteResult or Error.
	Type string
	// Name ("stdout" or "stderr") and Text belong to a Stream.
	Name, Text string
	// Data maps MIME types to content and Metadata holds per-MIME
	// metadata, for DisplayData and ExecuteResult. Text content is a
	// string; JSON content (application/json, application/*+json) is any
	// JSON value.
	Data, Metadata map[string]any
	// ExecutionCount belongs to an ExecuteResult.
	ExecutionCount int
	// EName, EValue and Traceback belong to an Error.
	EName, EValue string
	Traceback     []string
	// DisplayID is the transient display_id that update_display_data
	// messages name. It is not saved in the file.
	DisplayID string
}

// text returns the text/plain form of o, as a terminal shows it.
func (o *Output) text() string {
	switch o.Type {
	case Stream:
		return o.Text
	case Error:
		if len(o.Traceback) > 0 {
			return strings.Join(o.Traceback, "\n")
		}
		return o.EName + ": " + o.EValue
	}
	if s, ok := o.Data["text/plain"].(string); ok {
		return s
	}
	return ""
}

// Read reads and validates the nbformat 4 notebook in the file at path. The
// file is only read, never changed. Every error is one line that names the
// file.
func Read(path string) (*Notebook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("read notebook %s: %w", path, pe.Err)
		}
		return nil, fmt.Errorf("read notebook %s: %w", path, err)
	}
	nb, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("read notebook %s: %w", path, err)
	}
	return nb, nil
}

// Parse decodes and validates an nbformat 4 notebook. It never panics;
// errors are one line.
func Parse(data []byte) (*Notebook, error) {
	top, err := decodeObject(data)
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := position(data, se.Offset)
			return nil, fmt.Errorf("not JSON: %v (line %d, column %d)", se, line, col)
		}
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	obj, ok := top.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a notebook: the JSON is %s, not an object", kind(top))
	}
	format, ok := intValue(obj["nbformat"])
	if !ok {
		return nil, errors.New("not a notebook: no integer nbformat field")
	}
	if format != 4 {
		return nil, fmt.Errorf("not an nbformat 4 notebook: nbformat is %d (open and save it in a current Jupyter to convert it)", format)
	}
	nb := &Notebook{Format: 4}
	if v, present := obj["nbformat_minor"]; present {
		if nb.FormatMinor, ok = intValue(v); !ok || nb.FormatMinor < 0 {
			return nil, errors.New("invalid notebook: nbformat_minor is not a non-negative integer")
		}
	}
	if nb.Metadata, err = objectField(obj, "metadata"); err != nil {
		return nil, fmt.Errorf("invalid notebook: %w", err)
	}
	cells, ok := obj["cells"].([]any)
	if !ok {
		return nil, errors.New("invalid notebook: cells is missing or not a list")
	}
	for i, c := range cells {
		cell, err := parseCell(c)
		if err != nil {
			return nil, fmt.Errorf("invalid notebook: cell %d: %w", i+1, err)
		}
		nb.Cells = append(nb.Cells, cell)
	}
	nb.ensureIDs()
	return nb, nil
}

func parseCell(v any) (*Cell, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("is %s, not an object", kind(v))
	}
	c := &Cell{}
	c.Type, _ = obj["cell_type"].(string)
	switch c.Type {
	case Code, Markdown, Raw:
	default:
		return nil, fmt.Errorf("cell_type %s is not code, markdown or raw", short(obj["cell_type"]))
	}
	if id, present := obj["id"]; present {
		if c.ID, ok = id.(string); !ok {
			return nil, errors.New("id is not a string")
		}
	}
	var err error
	if c.Source, err = multiline(obj["source"], "source"); err != nil {
		return nil, err
	}
	if c.Metadata, err = objectField(obj, "metadata"); err != nil {
		return nil, err
	}
	if c.Type != Code {
		if _, present := obj["attachments"]; present {
			if c.Attachments, err = objectField(obj, "attachments"); err != nil {
				return nil, err
			}
		}
		return c, nil
	}
	if n, present := obj["execution_count"]; present && n != nil {
		if c.ExecutionCount, ok = intValue(n); !ok || c.ExecutionCount < 0 {
			return nil, errors.New("execution_count is not null or a non-negative integer")
		}
	}
	outs, present := obj["outputs"]
	if !present || outs == nil {
		return c, nil
	}
	list, ok := outs.([]any)
	if !ok {
		return nil, errors.New("outputs is not a list")
	}
	for j, o := range list {
		out, err := parseOutput(o)
		if err != nil {
			return nil, fmt.Errorf("output %d: %w", j+1, err)
		}
		c.Outputs = append(c.Outputs, out)
	}
	return c, nil
}

func parseOutput(v any) (*Output, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("is %s, not an object", kind(v))
	}
	o := &Output{}
	o.Type, _ = obj["output_type"].(string)
	var err error
	switch o.Type {
	case Stream:
		if o.Name, ok = obj["name"].(string); !ok {
			return nil, errors.New("stream has no name")
		}
		if o.Text, err = multiline(obj["text"], "text"); err != nil {
			return nil, err
		}
	case DisplayData, ExecuteResult:
		data, err := objectField(obj, "data")
		if err != nil {
			return nil, err
		}
		if o.Data, err = mimeBundle(data); err != nil {
			return nil, err
		}
		if o.Metadata, err = objectField(obj, "metadata"); err != nil {
			return nil, err
		}
		if o.Type == ExecuteResult {
			if n := obj["execution_count"]; n != nil {
				if o.ExecutionCount, ok = intValue(n); !ok || o.ExecutionCount < 0 {
					return nil, errors.New("execution_count is not null or a non-negative integer")
				}
			}
		}
	case Error:
		o.EName, _ = obj["ename"].(string)
		o.EValue, _ = obj["evalue"].(string)
		tb, _ := obj["traceback"].([]any)
		for _, line := range tb {
			s, ok := line.(string)
			if !ok {
				return nil, errors.New("traceback holds a non-string")
			}
			o.Traceback = append(o.Traceback, s)
		}
	default:
		return nil, fmt.Errorf("output_type %s is not stream, display_data, execute_result or error", short(obj["output_type"]))
	}
	return o, nil
}

// mimeBundle joins the multiline strings of non-JSON MIME types.
func mimeBundle(data map[string]any) (map[string]any, error) {
	for mime, v := range data {
		if isJSONMIME(mime) {
			continue
		}
		s, err := multiline(v, "data["+mime+"]")
		if err != nil {
			return nil, err
		}
		data[mime] = s
	}
	return data, nil
}

// isJSONMIME reports whether content of this MIME type is stored as JSON
// rather than as (multiline) text, as nbformat decides.
func isJSONMIME(mime string) bool {
	return mime == "application/json" ||
		strings.HasPrefix(mime, "application/") && strings.HasSuffix(mime, "+json")
}

// multiline decodes nbformat's multiline string: a string or a list of
// strings to join. A missing value is "".
func multiline(v any, field string) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case []any:
		var b strings.Builder
		for _, part := range x {
			s, ok := part.(string)
			if !ok {
				return "", fmt.Errorf("%s is a list holding %s, not only strings", field, kind(part))
			}
			b.WriteString(s)
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("%s is %s, not a string or a list of strings", field, kind(v))
}

// objectField returns obj[name] as an object; missing is an empty object.
func objectField(obj map[string]any, name string) (map[string]any, error) {
	switch x := obj[name].(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return x, nil
	}
	return nil, fmt.Errorf("%s is %s, not an object", name, kind(obj[name]))
}

func decodeObject(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty")
		}
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("text follows the JSON value")
	}
	return v, nil
}

func intValue(v any) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	if err != nil || int64(int(i)) != i {
		return 0, false
	}
	return int(i), true
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

// short quotes a JSON value for an error message, cut to a few characters.
func short(v any) string {
	if v == nil {
		return "(missing)"
	}
	b, _ := json.Marshal(v)
	if len(b) > 40 {
		b = append(b[:37:37], "..."...)
	}
	return string(b)
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	if offset < 0 {
		offset = 0
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// Marshal encodes nb as Jupyter writes notebooks: keys sorted, indented by
// one space, text split into lines, a final newline.
// Cells of an nbformat 4.5+ notebook that have no id get a new one.
func (nb *Notebook) Marshal() ([]byte, error) {
	nb.ensureIDs()
	cells := make([]any, 0, len(nb.Cells))
	for _, c := range nb.Cells {
		cells = append(cells, c.jsonValue())
	}
	meta := nb.Metadata
	if meta == nil {
		meta = map[string]any{}
	}
	doc := map[string]any{
		"cells":          cells,
		"metadata":       meta,
		"nbformat":       4,
		"nbformat_minor": nb.FormatMinor,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode notebook: %w", err)
	}
	return buf.Bytes(), nil
}

func (c *Cell) jsonValue() map[string]any {
	m := map[string]any{
		"cell_type": c.Type,
		"metadata":  orEmpty(c.Metadata),
		"source":    splitLines(c.Source),
	}
	if c.ID != "" {
		m["id"] = c.ID
	}
	if c.Type != Code {
		if c.Attachments != nil {
			m["attachments"] = c.Attachments
		}
		return m
	}
	m["execution_count"] = countValue(c.ExecutionCount)
	outs := make([]any, 0, len(c.Outputs))
	for _, o := range c.Outputs {
		outs = append(outs, o.jsonValue())
	}
	m["outputs"] = outs
	return m
}

func (o *Output) jsonValue() map[string]any {
	m := map[string]any{"output_type": o.Type}
	switch o.Type {
	case Stream:
		m["name"] = o.Name
		m["text"] = splitLines(o.Text)
	case DisplayData, ExecuteResult:
		data := map[string]any{}
		for mime, v := range o.Data {
			if s, ok := v.(string); ok && !isJSONMIME(mime) {
				data[mime] = splitLines(s)
			} else {
				data[mime] = v
			}
		}
		m["data"] = data
		m["metadata"] = orEmpty(o.Metadata)
		if o.Type == ExecuteResult {
			m["execution_count"] = countValue(o.ExecutionCount)
		}
	case Error:
		m["ename"] = o.EName
		m["evalue"] = o.EValue
		tb := o.Traceback
		if tb == nil {
			tb = []string{}
		}
		m["traceback"] = tb
	}
	return m
}

func countValue(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// splitLines splits s after each newline, as Python's
// str.splitlines(keepends=True) does for "\n" and "\r\n".
func splitLines(s string) []string {
	lines := []string{}
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}

// ensureIDs gives every cell of an nbformat 4.5+ notebook an id, as the
// format requires.
func (nb *Notebook) ensureIDs() {
	if nb.FormatMinor < 5 {
		return
	}
	for _, c := range nb.Cells {
		if c.ID == "" {
			c.ID = newCellID()
		}
	}
}

func newCellID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Write saves nb to the file at path, replacing it only once the whole
// notebook is written.
func (nb *Notebook) Write(path string) error {
	data, err := nb.Marshal()
	if err != nil {
		return err
	}
	return writeFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeFileAtomic writes a file through a temporary file in the same folder
// and renames it into place, so a failure leaves the old file as it was.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
