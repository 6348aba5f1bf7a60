// Package kernelspec installs golab's kernelspec: the kernel.json and logos
// that tell Jupyter how to start the kernel, in the layout of
// `jupyter kernelspec install`.
package kernelspec

import (
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// Name is the kernel's name in Jupyter (kernel_name, the folder's name).
const Name = "golab"

//go:embed logo-64x64.png logo-32x32.png
var logos embed.FS

// Spec is the content of kernel.json.
type Spec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode"`
	Env           map[string]string `json:"env,omitempty"`
	Metadata      map[string]any    `json:"metadata,omitempty"`
}

// For returns the spec that starts the golab binary at exe.
func For(exe string) Spec {
	return Spec{
		Argv:          []string{exe, "kernel", "{connection_file}"},
		DisplayName:   "Go (golab)",
		Language:      "go",
		InterruptMode: "message",
	}
}

// Dir is where Install puts the kernelspec: PREFIX/share/jupyter/kernels/golab
// with a prefix, otherwise the user's Jupyter data dir.
func Dir(prefix string) (string, error) {
	if prefix != "" {
		abs, err := filepath.Abs(prefix)
		if err != nil {
			return "", fmt.Errorf("kernelspec prefix: %w", err)
		}
		return filepath.Join(abs, "share", "jupyter", "kernels", Name), nil
	}
	data, err := userDataDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(data, "kernels", Name), nil
}

// userDataDir is Jupyter's user data dir: JUPYTER_DATA_DIR, else the
// platform's default, as jupyter_core computes it.
func userDataDir() (string, error) {
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return filepath.Abs(d)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the Jupyter data dir: %w", err)
	}
	switch runtime.GOOS {
	case "darwin":
		return filepath.Join(home, "Library", "Jupyter"), nil
	case "windows":
		if app := os.Getenv("APPDATA"); app != "" {
			return filepath.Join(app, "jupyter"), nil
		}
		return filepath.Join(home, "AppData", "Roaming", "jupyter"), nil
	}
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "jupyter"), nil
	}
	return filepath.Join(home, ".local", "share", "jupyter"), nil
}

// Install writes the kernelspec for the binary exe (made absolute) into dir,
// replacing whatever an earlier install left there.
func Install(dir, exe string) error {
	exe, err := filepath.Abs(exe)
	if err != nil {
		return fmt.Errorf("install kernelspec: %w", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("install kernelspec: remove old %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("install kernelspec: %w", err)
	}
	spec, err := json.MarshalIndent(For(exe), "", "  ")
	if err != nil {
		return fmt.Errorf("install kernelspec: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kernel.json"), append(spec, '\n'), 0o644); err != nil {
		return fmt.Errorf("install kernelspec: %w", err)
	}
	for _, name := range []string{"logo-64x64.png", "logo-32x32.png"} {
		data, _ := logos.ReadFile(name) // embedded: cannot fail
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("install kernelspec: %w", err)
		}
	}
	return nil
}
