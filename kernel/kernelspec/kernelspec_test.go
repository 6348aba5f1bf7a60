package kernelspec

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestInstallWithPrefix(t *testing.T) {
	prefix := t.TempDir()
	dir, err := Dir(prefix)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(prefix, "share", "jupyter", "kernels", "golab"); dir != want {
		t.Fatalf("dir %s, want %s", dir, want)
	}
	// A stale file from an earlier install must go.
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "stale.txt"), []byte("x"), 0o644)
	if err := Install(dir, "golab"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "stale.txt")); !os.IsNotExist(err) {
		t.Fatal("reinstall left an old file behind")
	}
	var spec Spec
	data, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(spec.Argv[0]) || spec.Argv[1] != "kernel" || spec.Argv[2] != "{connection_file}" {
		t.Fatalf("argv %q", spec.Argv)
	}
	if spec.DisplayName != "Go (golab)" || spec.Language != "go" || spec.InterruptMode != "message" {
		t.Fatalf("spec %+v", spec)
	}
	f, err := os.Open(filepath.Join(dir, "logo-64x64.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width != 64 || cfg.Height != 64 {
		t.Fatalf("logo %+v %v", cfg, err)
	}
}

func TestUserDataDir(t *testing.T) {
	d := t.TempDir()
	t.Setenv("JUPYTER_DATA_DIR", d)
	dir, err := Dir("")
	if err != nil || dir != filepath.Join(d, "kernels", "golab") {
		t.Fatalf("%s %v", dir, err)
	}
}
