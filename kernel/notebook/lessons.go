package notebook

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// A Lesson is one lesson notebook.
type Lesson struct {
	// Path is the notebook's file: the folder given to Lessons joined with
	// the file's name.
	Path string
	// Title is the notebook's first Markdown heading, or its file name
	// without .ipynb when it has none.
	Title string
	// Err is why the notebook could not be read; its Title is then the
	// file name.
	Err error
}

// Lessons lists the notebooks (*.ipynb) in dir, not its subfolders, in the
// order of their names, numbers compared as numbers ("2-x" before "10-x").
// A notebook that cannot be read is listed with its Err set.
func Lessons(dir string) ([]Lesson, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list lessons: %w", err)
	}
	var names []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".ipynb") {
			continue
		}
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { return naturalLess(names[i], names[j]) })
	lessons := make([]Lesson, 0, len(names))
	for _, name := range names {
		l := Lesson{Path: filepath.Join(dir, name), Title: strings.TrimSuffix(name, ".ipynb")}
		nb, err := Read(l.Path)
		if err != nil {
			l.Err = err
		} else if t := nb.Title(); t != "" {
			l.Title = t
		}
		lessons = append(lessons, l)
	}
	return lessons, nil
}

// Title returns the text of the notebook's first Markdown heading, or ""
// when it has none.
func (nb *Notebook) Title() string {
	for _, c := range nb.Cells {
		if c.Type != Markdown {
			continue
		}
		if t := heading(c.Source); t != "" {
			return t
		}
	}
	return ""
}

// heading returns the text of the first ATX heading ("# Title") in the
// Markdown source, outside fenced code blocks.
func heading(src string) string {
	fence := ""
	for _, line := range strings.Split(src, "\n") {
		t := strings.TrimRight(line, " \t\r")
		indent := len(t) - len(strings.TrimLeft(t, " "))
		if indent > 3 {
			continue
		}
		t = t[indent:]
		if fence != "" {
			if strings.HasPrefix(t, fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fence = t[:3]
			continue
		}
		level := len(t) - len(strings.TrimLeft(t, "#"))
		if level < 1 || level > 6 {
			continue
		}
		rest := t[level:]
		if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
			continue
		}
		rest = strings.TrimSpace(rest)
		// A closing run of #s preceded by a space is not part of the text.
		if i := strings.LastIndexFunc(rest, func(r rune) bool { return r != '#' }); i >= 0 && i < len(rest)-1 && (rest[i] == ' ' || rest[i] == '\t') {
			rest = strings.TrimSpace(rest[:i])
		} else if i < 0 {
			rest = ""
		}
		if rest != "" {
			return rest
		}
	}
	return ""
}

// naturalLess orders names by their leading number first, when both have
// one, then as strings.
func naturalLess(a, b string) bool {
	na, ra := leadingNumber(a)
	nb, rb := leadingNumber(b)
	if ra && rb && na != nb {
		return na < nb
	}
	return a < b
}

func leadingNumber(s string) (int, bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, false
	}
	n, err := strconv.Atoi(s[:i])
	return n, err == nil
}
