//go:build unix

package notebook

import (
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// interruptAt sends SIGINT to this process once "spinning" was printed, when
// the run's signal handler is surely installed.
type interruptAt struct {
	mu   sync.Mutex
	buf  strings.Builder
	sent bool
}

func (w *interruptAt) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.sent && strings.Contains(w.buf.String(), "spinning") {
		w.sent = true
		time.AfterFunc(100*time.Millisecond, func() { syscall.Kill(syscall.Getpid(), syscall.SIGINT) })
	}
	return len(p), nil
}

func TestRunCommandCtrlC(t *testing.T) {
	input := filepath.Join(t.TempDir(), "spin.ipynb")
	nb := codeNotebook("import \"fmt\"", "fmt.Println(\"spinning\")", "for {\n}", "fmt.Println(\"after\")")
	if err := nb.Write(input); err != nil {
		t.Fatal(err)
	}
	var out interruptAt
	var errOut strings.Builder
	done := make(chan int, 1)
	go func() { done <- runNotebook(t.Context(), input, "", "", false, &out, &errOut) }()
	select {
	case code := <-done:
		if code != ExitInterrupted {
			t.Errorf("exit code %d, want %d; stderr %q", code, ExitInterrupted, errOut.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("Ctrl-C did not stop the run")
	}
	if strings.Contains(out.buf.String(), "after") {
		t.Error("a cell after the interrupted one ran")
	}
}
