// Command golab is a Jupyter kernel for Go, with lessons on concurrency
// versus parallelism.
//
//	golab kernel CONNECTION_FILE    run as a Jupyter kernel (Jupyter starts this)
//	golab install [--prefix DIR]    install the kernelspec named "golab"
//	golab run NOTEBOOK.ipynb        run a notebook without Jupyter
//	golab lessons                   list the lesson notebooks
//	golab version                   print the version
//
// Run `golab COMMAND --help` for a command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/golab/golab/kernel"
	"github.com/golab/golab/kernel/engine"
	"github.com/golab/golab/kernel/kernelspec"
	"github.com/golab/golab/kernel/notebook"
)

// version is golab's version.
const version = "0.1.0"

// A command is one subcommand. setup declares its flags on fs and returns
// the function that runs it with the arguments left after the flags; that
// function returns the process's exit code.
type command struct {
	name, args, summary string
	setup               func(fs *flag.FlagSet) func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

var commands []command

func init() {
	commands = []command{
		{"kernel", "CONNECTION_FILE", "run as a Jupyter kernel (Jupyter starts this)", kernelCommand},
		{"install", "[--prefix DIR]", "install the kernelspec named golab", installCommand},
		{"run", "NOTEBOOK.ipynb [--output OUT.ipynb] [--html OUT.html] [--allow-errors]", "run a notebook without Jupyter, in-process", notebook.RunCommand},
		{"lessons", "[DIR]", "list the lesson notebooks with their titles, in order", notebook.LessonsCommand},
		{"version", "", "print golab's version", versionCommand},
	}
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command line args: --help prints usage; a bad flag or
// argument gets one line on stderr and exit code 2.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		fs := flag.NewFlagSet("golab "+c.name, flag.ContinueOnError)
		exec := c.setup(fs)
		fs.SetOutput(io.Discard)
		fs.Usage = func() {}
		err := fs.Parse(args[1:])
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "usage: golab %s %s\n\n%s\n", c.name, c.args, c.summary)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return 0
		}
		if err != nil {
			fmt.Fprintf(stderr, "golab %s: %v (see golab %s --help)\n", c.name, err, c.name)
			return 2
		}
		return exec(ctx, fs.Args(), stdout, stderr)
	}
	fmt.Fprintf(stderr, "golab: unknown command %q (see golab --help)\n", args[0])
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "golab: a Jupyter kernel for Go, with lessons on concurrency versus parallelism")
	fmt.Fprintln(w, "\nusage:")
	for _, c := range commands {
		fmt.Fprintf(w, "  golab %s\n        %s\n", strings.TrimSpace(c.name+" "+c.args), c.summary)
	}
	fmt.Fprintln(w, "\nRun golab COMMAND --help for a command's flags.")
}

func kernelCommand(fs *flag.FlagSet) func(context.Context, []string, io.Writer, io.Writer) int {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		if len(args) != 1 {
			fmt.Fprintf(stderr, "golab kernel: want one CONNECTION_FILE argument, got %d\n", len(args))
			return 2
		}
		conn, err := kernel.ReadConnection(args[0])
		if err != nil {
			fmt.Fprintf(stderr, "golab kernel: %v\n", err)
			return 2
		}
		// The engine starts while the sockets are bound, so the first
		// kernel_info is answered at once.
		interp := kernel.Lazy(func() (kernel.Interpreter, error) {
			s, err := engine.New()
			if err != nil {
				return nil, fmt.Errorf("start the Go engine: %w", err)
			}
			return s, nil
		})
		defer interp.Close()
		goVersion := strings.TrimPrefix(runtime.Version(), "go")
		info := kernel.Info{
			Version:         version,
			LanguageVersion: goVersion,
			Banner:          fmt.Sprintf("golab %s: Go %s, interpreted by yaegi", version, goVersion),
		}
		if err := kernel.Serve(ctx, conn, interp, kernel.Options{Info: info, Log: stderr}); err != nil {
			fmt.Fprintf(stderr, "golab kernel: %v\n", err)
			return 1
		}
		return 0
	}
}

func installCommand(fs *flag.FlagSet) func(context.Context, []string, io.Writer, io.Writer) int {
	prefix := fs.String("prefix", "", "install under `DIR`/share/jupyter/kernels/golab (as jupyter kernelspec install --prefix does); default: the user's Jupyter data dir")
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		if len(args) != 0 {
			fmt.Fprintf(stderr, "golab install: unexpected argument %q\n", args[0])
			return 2
		}
		exe, err := os.Executable()
		if err == nil {
			var dir string
			if dir, err = kernelspec.Dir(*prefix); err == nil {
				if err = kernelspec.Install(dir, exe); err == nil {
					fmt.Fprintf(stdout, "installed kernelspec %s in %s\n", kernelspec.Name, dir)
					return 0
				}
			}
		}
		fmt.Fprintf(stderr, "golab install: %v\n", err)
		return 1
	}
}

func versionCommand(fs *flag.FlagSet) func(context.Context, []string, io.Writer, io.Writer) int {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		fmt.Fprintf(stdout, "golab %s (%s %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return 0
	}
}
