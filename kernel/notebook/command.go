package notebook

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"text/tabwriter"
)

// Exit codes of RunCommand and LessonsCommand.
const (
	ExitOK          = 0   // every cell ran
	ExitCellError   = 1   // a cell failed, or an output could not be written
	ExitUsage       = 2   // bad arguments, or a notebook that cannot be read
	ExitInterrupted = 130 // ctx was cancelled (Ctrl-C), as shells report SIGINT
)

const runUsage = "usage: golab run NOTEBOOK.ipynb [--output OUT.ipynb] [--html OUT.html] [--allow-errors]"

// RunCommand declares the flags of `golab run` on fs and returns the
// command, which takes the arguments after "run" that fs.Parse left (or all
// of them: flags may come before and after the notebook).
//
// The command executes the notebook in-process, printing Markdown cells and
// outputs to stdout, and writes the executed notebook and an HTML page when
// asked, even after a cell error; the input file is never changed unless it
// is also named as the output. Errors go to stderr as one line. It returns
// ExitOK, ExitCellError, ExitUsage (bad arguments, or a notebook that
// cannot be read) or ExitInterrupted. While it runs, the first SIGINT
// (Ctrl-C) interrupts the running cell, as cancelling ctx does; a second one
// ends the process as usual.
func RunCommand(fs *flag.FlagSet) func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	output := fs.String("output", "", "write the executed notebook to `OUT.ipynb`")
	htmlOut := fs.String("html", "", "write the executed notebook as a standalone HTML page to `OUT.html`")
	allowErrors := fs.Bool("allow-errors", false, "run every cell even after one fails (exit code 0)")
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		fs.SetOutput(io.Discard)
		paths, err := parseInterleaved(fs, args)
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, runUsage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return ExitOK
		}
		if err != nil {
			fmt.Fprintf(stderr, "golab run: %v (%s)\n", err, runUsage)
			return ExitUsage
		}
		if len(paths) != 1 {
			fmt.Fprintf(stderr, "golab run: want one notebook, got %d (%s)\n", len(paths), runUsage)
			return ExitUsage
		}
		return runNotebook(ctx, paths[0], *output, *htmlOut, *allowErrors, stdout, stderr)
	}
}

func runNotebook(ctx context.Context, path, output, htmlOut string, allowErrors bool, stdout, stderr io.Writer) int {
	for _, out := range []string{output, htmlOut} {
		if out == "" {
			continue
		}
		if fi, err := os.Stat(filepath.Dir(out)); err != nil || !fi.IsDir() {
			fmt.Fprintf(stderr, "golab run: cannot write %s: folder %s does not exist\n", out, filepath.Dir(out))
			return ExitUsage
		}
	}
	nb, err := Read(path)
	if err != nil {
		fmt.Fprintf(stderr, "golab run: %v\n", err)
		return ExitUsage
	}
	ctx, stop := interruptible(ctx)
	defer stop()

	runErr := Run(ctx, nb, Options{Stdout: stdout, AllowErrors: allowErrors})
	code := ExitOK
	if runErr != nil {
		fmt.Fprintf(stderr, "golab run: %s: %v\n", path, runErr)
		code = ExitCellError
		var cellErr *CellError
		if !errors.As(runErr, &cellErr) && ctx.Err() != nil {
			code = ExitInterrupted
		}
	}
	// What ran is saved even when a cell failed: it shows where and why.
	if output != "" {
		if err := nb.Write(output); err != nil {
			fmt.Fprintf(stderr, "golab run: %v\n", err)
			code = max(code, ExitCellError)
		}
	}
	if htmlOut != "" {
		if err := nb.WriteHTML(htmlOut); err != nil {
			fmt.Fprintf(stderr, "golab run: %v\n", err)
			code = max(code, ExitCellError)
		}
	}
	return code
}

// interruptible returns a context that the first SIGINT cancels. After it,
// SIGINT has its default effect again, so a second Ctrl-C ends a run whose
// cell does not stop.
func interruptible(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	done := make(chan struct{})
	go func() {
		select {
		case <-sig:
			signal.Stop(sig)
			cancel()
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sig)
		close(done)
		cancel()
	}
}

// parseInterleaved parses flags that may come before, between and after the
// positional arguments, which it returns. After "--" everything is
// positional.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for i, a := range args {
		if a == "--" {
			args, rest = args[:i], args[i+1:]
			break
		}
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		// flag stops at "--" too, but that was split off above.
		if len(args) == 0 {
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	return append(positional, rest...), nil
}

const lessonsUsage = "usage: golab lessons [DIR]"

// LessonsCommand declares the flags of `golab lessons` (none but -h) on fs
// and returns the command, which takes the arguments after "lessons": an
// optional folder. It prints the lesson notebooks of the folder in order,
// with their titles and paths. Without a folder it looks in ./notebooks,
// then in the notebooks folder beside the folder of the golab binary
// (bin/golab in a checkout). It returns ExitOK; ExitCellError when a
// notebook cannot be read (it is listed, and its error printed to stderr);
// or ExitUsage with a one-line error on stderr.
func LessonsCommand(fs *flag.FlagSet) func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		fs.SetOutput(io.Discard)
		dirs, err := parseInterleaved(fs, args)
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, lessonsUsage)
			return ExitOK
		}
		if err != nil || len(dirs) > 1 {
			if err == nil {
				err = fmt.Errorf("want at most one folder, got %d", len(dirs))
			}
			fmt.Fprintf(stderr, "golab lessons: %v (%s)\n", err, lessonsUsage)
			return ExitUsage
		}
		return listLessons(dirs, stdout, stderr)
	}
}

func listLessons(dirs []string, stdout, stderr io.Writer) int {
	dir := ""
	if len(dirs) == 1 {
		dir = dirs[0]
	} else if dir = defaultLessonsDir(); dir == "" {
		fmt.Fprintf(stderr, "golab lessons: no notebooks folder here; name it (%s)\n", lessonsUsage)
		return ExitUsage
	}
	lessons, err := Lessons(dir)
	if err != nil {
		fmt.Fprintf(stderr, "golab lessons: %v\n", err)
		return ExitUsage
	}
	if len(lessons) == 0 {
		fmt.Fprintf(stderr, "golab lessons: no notebooks (*.ipynb) in %s\n", dir)
		return ExitUsage
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	code := ExitOK
	for _, l := range lessons {
		title := l.Title
		if l.Err != nil {
			title += " (unreadable)"
			code = ExitCellError
		}
		fmt.Fprintf(tw, "%s\t%s\n", title, l.Path)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\nRun one without Jupyter: golab run %s\n", lessons[0].Path)
	for _, l := range lessons {
		if l.Err != nil {
			fmt.Fprintf(stderr, "golab lessons: %v\n", l.Err)
		}
	}
	return code
}

func defaultLessonsDir() string {
	candidates := []string{"notebooks"}
	if exe, err := os.Executable(); err == nil {
		if exe, err = filepath.EvalSymlinks(exe); err == nil {
			candidates = append(candidates, filepath.Join(filepath.Dir(filepath.Dir(exe)), "notebooks"))
		}
	}
	for _, d := range candidates {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	return ""
}
