package lessons

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProgressSaveAtomic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "golab")
	s := progressStore{dir: dir}
	if warns, err := s.markPassed("01/sleepers", time.Now()); err != nil || len(warns) > 0 {
		t.Fatalf("markPassed: %v %v", warns, err)
	}
	if _, err := s.markPassed("02/tokio", time.Now()); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "progress.json" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("dir holds %v, want only progress.json (no temp files left)", names)
	}
	b, err := os.ReadFile(s.path())
	if err != nil {
		t.Fatal(err)
	}
	var d progressData
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("progress.json is not JSON: %v\n%s", err, b)
	}
	if d.Version != 1 || len(d.Passed) != 2 || d.Passed["01/sleepers"].At.IsZero() {
		t.Errorf("progress = %+v", d)
	}
}

func TestProgressCorruptSetAside(t *testing.T) {
	dir := t.TempDir()
	s := progressStore{dir: dir}
	garbage := []byte("{not json")
	if err := os.WriteFile(s.path(), garbage, 0o644); err != nil {
		t.Fatal(err)
	}
	warns, err := s.markPassed("01/sleepers", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "corrupt") {
		t.Errorf("warnings %q, want one about the corrupt file", warns)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "progress.json.corrupt-*"))
	if len(matches) != 1 {
		t.Fatalf("set-aside files %v, want 1", matches)
	}
	if b, _ := os.ReadFile(matches[0]); string(b) != string(garbage) {
		t.Errorf("set-aside file holds %q, want the corrupt content", b)
	}
	d, warns, err := s.load()
	if err != nil || len(warns) != 0 || len(d.Passed) != 1 {
		t.Errorf("after recovery: %+v %q %v", d, warns, err)
	}
}

func TestProgressReport(t *testing.T) {
	t.Setenv(ConfigDirEnv, t.TempDir())
	if r := Check("01/sleepers", func(c *Checker) { c.True(true, "") }); !r.Passed || !r.Saved {
		t.Fatalf("check = %+v", r)
	}
	rep := Progress("01/sleepers", "01/compute", "02/tokio")
	if rep.Done() != 1 || len(rep.Items) != 3 {
		t.Fatalf("report %+v", rep)
	}
	if it := rep.Items[0]; it.Lesson != "01" || it.Exercise != "sleepers" || !it.Done {
		t.Errorf("item %+v", it)
	}
	txt, h := rep.String(), rep.HTML()
	if !strings.Contains(txt, "1 of 3 exercises done") || !strings.Contains(txt, "not yet") || !strings.Contains(txt, "done 2") {
		t.Errorf("text:\n%s", txt)
	}
	if !strings.Contains(h, "✔") || !strings.Contains(h, "not yet") || !strings.Contains(h, "<table") {
		t.Errorf("html:\n%s", h)
	}
	if all := Progress(); len(all.Items) != 1 || all.Items[0].Name != "01/sleepers" {
		t.Errorf("Progress() = %+v, want the one passed exercise", all.Items)
	}
}

func TestProgressUnwritable(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(ConfigDirEnv, filepath.Join(blocker, "golab")) // a directory under a file: cannot exist
	r := Check("01/x", func(c *Checker) {})
	if !r.Passed || r.Saved || len(r.Warnings) == 0 {
		t.Errorf("check with an unwritable config dir = %+v, want a pass with a warning", r)
	}
	if rep := Progress("01/x"); rep.Done() != 0 || len(rep.Warnings) == 0 && rep.File == "" {
		t.Errorf("report %+v", rep)
	}
}
