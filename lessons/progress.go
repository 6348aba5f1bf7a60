package lessons

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ConfigDirEnv names the environment variable that overrides where progress
// is kept (default: os.UserConfigDir()/golab).
const ConfigDirEnv = "GOLAB_CONFIG_DIR"

// progressData is the file's content:
// {"version": 1, "passed": {"01/sleepers": {"at": "2026-…"}}}.
type progressData struct {
	Version int                  `json:"version"`
	Passed  map[string]passEntry `json:"passed"`
}

type passEntry struct {
	At time.Time `json:"at"`
}

// progressStore keeps progress.json in one directory.
type progressStore struct{ dir string }

// defaultStore is the store in $GOLAB_CONFIG_DIR or the user's config dir.
func defaultStore() (progressStore, error) {
	if d := os.Getenv(ConfigDirEnv); d != "" {
		return progressStore{dir: d}, nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return progressStore{}, fmt.Errorf("find the config directory for progress (set %s to choose one): %w", ConfigDirEnv, err)
	}
	return progressStore{dir: filepath.Join(d, "golab")}, nil
}

func (s progressStore) path() string { return filepath.Join(s.dir, "progress.json") }

// load reads the progress. A missing file is no progress. A file that does
// not parse is renamed to progress.json.corrupt-<time> and reported in the
// warnings; loading then starts afresh.
func (s progressStore) load() (progressData, []string, error) {
	empty := progressData{Version: 1, Passed: map[string]passEntry{}}
	b, err := os.ReadFile(s.path())
	if errors.Is(err, fs.ErrNotExist) {
		return empty, nil, nil
	}
	if err != nil {
		return empty, nil, fmt.Errorf("read progress: %w", err)
	}
	var d progressData
	if err := json.Unmarshal(b, &d); err != nil || d.Version < 1 {
		if err == nil {
			err = fmt.Errorf("version is %d", d.Version)
		}
		aside := s.path() + ".corrupt-" + time.Now().UTC().Format("20060102T150405.000Z")
		if rerr := os.Rename(s.path(), aside); rerr != nil {
			return empty, nil, fmt.Errorf("progress file %s is corrupt (%v) and could not be set aside: %w", s.path(), err, rerr)
		}
		return empty, []string{fmt.Sprintf("the progress file was corrupt (%v); it was set aside as %s and progress starts afresh", err, aside)}, nil
	}
	if d.Passed == nil {
		d.Passed = map[string]passEntry{}
	}
	return d, nil, nil
}

// save writes the progress atomically: a temporary file in the same
// directory, synced, then renamed over progress.json, so a crash leaves the
// old file or the new one, never half of one.
func (s progressStore) save(d progressData) (err error) {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	f, err := os.CreateTemp(s.dir, ".progress-*.json.tmp")
	if err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	if err = os.Rename(f.Name(), s.path()); err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	return nil
}

// markPassed records that exercise name passed at time at.
func (s progressStore) markPassed(name string, at time.Time) ([]string, error) {
	d, warns, err := s.load()
	if err != nil {
		return warns, err
	}
	d.Passed[name] = passEntry{At: at.UTC().Truncate(time.Second)}
	return warns, s.save(d)
}

// ProgressReport shows which exercises are done. It renders as a table.
type ProgressReport struct {
	// Items lists the exercises, in the order asked for.
	Items []ProgressItem
	// File is where progress is kept.
	File string
	// Warnings say what went wrong reading the file, if anything.
	Warnings []string
}

// ProgressItem is one exercise's state.
type ProgressItem struct {
	Lesson   string    // the part of the name before the first "/"
	Exercise string    // the rest
	Name     string    // the full name, as given to Check
	Done     bool      // a check passed
	At       time.Time // when it first or last passed
}

// Progress reports which of the named exercises ("lesson/exercise", the
// names given to Check) have passed their check; with no names it lists every
// exercise passed so far. It never fails: problems with the file are shown
// as warnings.
func Progress(exercises ...string) *ProgressReport {
	r := &ProgressReport{}
	s, err := defaultStore()
	if err != nil {
		r.Warnings = append(r.Warnings, err.Error())
		return r.fill(exercises, progressData{})
	}
	r.File = s.path()
	d, warns, err := s.load()
	r.Warnings = append(r.Warnings, warns...)
	if err != nil {
		r.Warnings = append(r.Warnings, err.Error())
	}
	return r.fill(exercises, d)
}

func (r *ProgressReport) fill(names []string, d progressData) *ProgressReport {
	if len(names) == 0 {
		for n := range d.Passed {
			names = append(names, n)
		}
		slices.Sort(names)
	}
	for _, n := range names {
		lesson, ex, ok := strings.Cut(n, "/")
		if !ok {
			lesson, ex = "", n
		}
		e, done := d.Passed[n]
		r.Items = append(r.Items, ProgressItem{Lesson: lesson, Exercise: ex, Name: n, Done: done, At: e.At})
	}
	return r
}

// Done counts the exercises done.
func (r *ProgressReport) Done() int {
	n := 0
	for _, it := range r.Items {
		if it.Done {
			n++
		}
	}
	return n
}

func (r *ProgressReport) headline() string {
	if len(r.Items) == 0 {
		return "No exercises passed yet."
	}
	return fmt.Sprintf("%d of %d exercises done", r.Done(), len(r.Items))
}

func (it ProgressItem) state() string {
	if !it.Done {
		return "not yet"
	}
	return "done " + it.At.Local().Format("2006-01-02 15:04")
}

// String renders the report as an aligned text table.
func (r *ProgressReport) String() string {
	var b strings.Builder
	b.WriteString(r.headline() + "\n")
	if len(r.Items) > 0 {
		var rows [][]string
		for _, it := range r.Items {
			rows = append(rows, []string{it.Lesson, it.Exercise, it.state()})
		}
		b.WriteString(alignLeft([]string{"lesson", "exercise", "state"}, rows))
	}
	for _, w := range r.Warnings {
		b.WriteString("! " + w + "\n")
	}
	return b.String()
}

// alignLeft left-aligns text columns.
func alignLeft(header []string, rows [][]string) string {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = textWidth(h)
	}
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], textWidth(c))
		}
	}
	var b strings.Builder
	for _, row := range append([][]string{header}, rows...) {
		for i, c := range row {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(c)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-textWidth(c)))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// HTML renders the report as a table with ✔ for done exercises.
func (r *ProgressReport) HTML() string {
	var b strings.Builder
	b.WriteString(`<div style="` + styleBox + `">`)
	fmt.Fprintf(&b, `<div style="font-weight:600;margin:0.2em 0">%s</div>`, esc(r.headline()))
	if len(r.Items) > 0 {
		left := strings.Replace(styleTD, "text-align:right", "text-align:left", 1)
		head := strings.Replace(styleTH, "text-align:right", "text-align:left", 1)
		b.WriteString(`<table style="` + styleTable + `"><thead><tr>`)
		for _, h := range []string{"lesson", "exercise", "state"} {
			fmt.Fprintf(&b, `<th style="%s">%s</th>`, head, h)
		}
		b.WriteString(`</tr></thead><tbody>`)
		for _, it := range r.Items {
			mark := `<span style="opacity:0.6">○ not yet</span>`
			if it.Done {
				mark = `<span style="color:#16a34a;font-weight:600">✔</span> ` + esc(it.state())
			}
			fmt.Fprintf(&b, `<tr><td style="%s">%s</td><td style="%s">%s</td><td style="%s">%s</td></tr>`,
				left, esc(it.Lesson), left, esc(it.Exercise), left, mark)
		}
		b.WriteString(`</tbody></table>`)
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, `<div style="%s">⚠ %s</div>`, styleFlag, esc(w))
	}
	if r.File != "" {
		fmt.Fprintf(&b, `<div style="%s">kept in %s</div>`, styleMachine, esc(r.File))
	}
	b.WriteString(`</div>`)
	return b.String()
}
