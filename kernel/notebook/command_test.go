package notebook

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCommand runs `golab run args...` as main.go does: its flag set parses
// the leading flags, the command gets the rest.
func runCommand(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCommandContext(t, context.Background(), args...)
}

func runCommandContext(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	fs := flag.NewFlagSet("golab run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cmd := RunCommand(fs)
	if err := fs.Parse(args); err != nil {
		// main.go reports these itself; the command sees the same
		// arguments and must report them the same way when called
		// with all of them.
		code = cmd(ctx, args, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	code = cmd(ctx, fs.Args(), &out, &errOut)
	return code, out.String(), errOut.String()
}

func lessonsCommand(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	fs := flag.NewFlagSet("golab lessons", flag.ContinueOnError)
	code = LessonsCommand(fs)(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRunCommandUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "want one notebook, got 0"},
		{[]string{"a.ipynb", "b.ipynb"}, "want one notebook, got 2"},
		{[]string{"--bogus", "testdata/hello.ipynb"}, "flag provided but not defined: -bogus"},
		{[]string{"testdata/hello.ipynb", "--output"}, "flag needs an argument"},
		{[]string{"testdata/missing.ipynb"}, "testdata/missing.ipynb: no such file or directory"},
		{[]string{"testdata/not-json.ipynb"}, "not JSON"},
		{[]string{"testdata/nbformat3.ipynb"}, "not an nbformat 4 notebook"},
		{[]string{"testdata/hello.ipynb", "--html", "/no/such/dir/x.html"}, "folder /no/such/dir does not exist"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCommand(t, tt.args...)
			if code != ExitUsage {
				t.Errorf("exit code %d, want %d", code, ExitUsage)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.want)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "golab run: ") {
				t.Errorf("stderr is not one golab run: line: %q", stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
		})
	}
}

func TestRunCommandHelp(t *testing.T) {
	code, stdout, _ := runCommand(t, "-h")
	if code != ExitOK || !strings.Contains(stdout, "usage: golab run") || !strings.Contains(stdout, "-allow-errors") {
		t.Errorf("help: code %d, stdout %q", code, stdout)
	}
}

func TestRunCommandWritesOutputs(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "in.ipynb")
	orig, err := os.ReadFile("testdata/hello.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(input, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	outNB, outHTML := filepath.Join(dir, "out.ipynb"), filepath.Join(dir, "out.html")
	// Flags after the notebook, as the README writes them.
	code, stdout, stderr := runCommand(t, input, "--output", outNB, "--html="+outHTML)
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "one\ntwo\n") || !strings.Contains(stdout, "42\n") {
		t.Errorf("stdout = %q", stdout)
	}
	if now, _ := os.ReadFile(input); !bytes.Equal(now, orig) {
		t.Error("the input notebook changed")
	}
	nb, err := Read(outNB)
	if err != nil {
		t.Fatal(err)
	}
	if nb.Cells[4].ExecutionCount != 3 {
		t.Errorf("output notebook not executed: %+v", nb.Cells[4])
	}
	if page, err := os.ReadFile(outHTML); err != nil || !strings.Contains(string(page), "<!DOCTYPE html>") {
		t.Errorf("HTML page: %v", err)
	}
}

func TestRunCommandCellError(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.ipynb")
	code, stdout, stderr := runCommand(t, "testdata/error.ipynb", "--output", out)
	if code != ExitCellError {
		t.Errorf("exit code %d, want %d", code, ExitCellError)
	}
	if !strings.Contains(stderr, "cell 2 (In [2]) failed") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr = %q", stderr)
	}
	if !strings.Contains(stdout, "undefinedThing") {
		t.Errorf("stdout lacks the traceback: %q", stdout)
	}
	// The partial run is saved, showing the error.
	nb, err := Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if o := nb.Cells[1].Outputs; len(o) != 1 || o[0].Type != Error {
		t.Errorf("saved error cell outputs = %+v", o)
	}

	// A leading flag, parsed by main.go's flag set.
	code, _, stderr = runCommand(t, "--allow-errors", "testdata/error.ipynb")
	if code != ExitOK || stderr != "" {
		t.Errorf("--allow-errors: exit %d, stderr %q", code, stderr)
	}
}

func TestRunCommandInterrupted(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "spin.ipynb")
	nb := codeNotebook("for {\n}")
	if err := nb.Write(input); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if code, _, stderr := runCommandContext(t, ctx, input); code != ExitInterrupted {
		t.Errorf("exit code %d, want %d (stderr %q)", code, ExitInterrupted, stderr)
	}
}

func TestLessonsCommand(t *testing.T) {
	code, out, errOut := lessonsCommand("testdata/lessons")
	if code != ExitCellError {
		t.Errorf("exit %d, want %d for the unreadable lesson", code, ExitCellError)
	}
	if e := errOut; strings.Count(e, "\n") != 1 || !strings.Contains(e, "4-broken.ipynb: not JSON") {
		t.Errorf("stderr = %q", e)
	}
	lines := strings.Split(out, "\n")
	if len(lines) < 5 {
		t.Fatalf("output:\n%s", out)
	}
	if !strings.HasPrefix(lines[0], "One: waiting vs computing  ") || !strings.HasSuffix(lines[0], filepath.Join("testdata/lessons", "1-one.ipynb")) {
		t.Errorf("first line = %q", lines[0])
	}
	if !strings.Contains(lines[3], "4-broken (unreadable)") || !strings.Contains(lines[4], "Ten: pipelines") {
		t.Errorf("lines 4 and 5 = %q, %q", lines[3], lines[4])
	}
	// The path column is aligned.
	col := strings.Index(lines[0], "testdata/")
	for _, l := range lines[1:5] {
		if strings.Index(l, "testdata/") != col {
			t.Errorf("path column not aligned:\n%s", out)
			break
		}
	}

	code, _, errOut = lessonsCommand("testdata/nope")
	if code != ExitUsage || strings.Count(errOut, "\n") != 1 {
		t.Errorf("missing folder: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = lessonsCommand("a", "b")
	if code != ExitUsage || !strings.Contains(errOut, "at most one folder") {
		t.Errorf("two folders: exit %d, stderr %q", code, errOut)
	}
}
