package symbols

import (
	"io"
	"log"
	"os"
	"strconv"
)

// These replace the symbols that would end the kernel's process: extract
// names them (osExit, logFatal, ...) instead of the real os.Exit and
// log.Fatal when it generates the os and log tables.

// Exit is the panic value of os.Exit and log.Fatal* called from a cell: the
// engine ends the cell with an error instead of the process.
type Exit struct {
	Code int
}

func (e Exit) Error() string {
	return "os.Exit(" + strconv.Itoa(e.Code) + ") called"
}

func osExit(code int) { panic(Exit{Code: code}) }

func osFindProcess(pid int) (*os.Process, error) { return os.FindProcess(pid) }

func logFatal(v ...any)            { log.Print(v...); panic(Exit{Code: 1}) }
func logFatalf(f string, v ...any) { log.Printf(f, v...); panic(Exit{Code: 1}) }
func logFatalln(v ...any)          { log.Println(v...); panic(Exit{Code: 1}) }

// logLogger is the log.Logger that cells get: Fatal* end the cell, not the
// process.
type logLogger struct {
	l *log.Logger
}

func logNew(out io.Writer, prefix string, flag int) *logLogger {
	return &logLogger{log.New(out, prefix, flag)}
}

func (l *logLogger) Fatal(v ...any)            { l.l.Print(v...); panic(Exit{Code: 1}) }
func (l *logLogger) Fatalf(f string, v ...any) { l.l.Printf(f, v...); panic(Exit{Code: 1}) }
func (l *logLogger) Fatalln(v ...any)          { l.l.Println(v...); panic(Exit{Code: 1}) }
func (l *logLogger) Flags() int                { return l.l.Flags() }
func (l *logLogger) Output(d int, s string) error {
	return l.l.Output(d+1, s)
}
func (l *logLogger) Panic(v ...any)            { l.l.Panic(v...) }
func (l *logLogger) Panicf(f string, v ...any) { l.l.Panicf(f, v...) }
func (l *logLogger) Panicln(v ...any)          { l.l.Panicln(v...) }
func (l *logLogger) Prefix() string            { return l.l.Prefix() }
func (l *logLogger) Print(v ...any)            { l.l.Print(v...) }
func (l *logLogger) Printf(f string, v ...any) { l.l.Printf(f, v...) }
func (l *logLogger) Println(v ...any)          { l.l.Println(v...) }
func (l *logLogger) SetFlags(flag int)         { l.l.SetFlags(flag) }
func (l *logLogger) SetOutput(w io.Writer)     { l.l.SetOutput(w) }
func (l *logLogger) SetPrefix(p string)        { l.l.SetPrefix(p) }
func (l *logLogger) Writer() io.Writer         { return l.l.Writer() }
