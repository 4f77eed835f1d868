package ollamatest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// errNoBinary is wrapped by FindBinary's error when ollama is not installed.
var errNoBinary = errors.New("ollama binary not found; build it with scripts/build-ollama.sh")

// BinaryEnv names the environment variable that overrides where the ollama
// binary is.
const BinaryEnv = "PRECIS_OLLAMA_BIN"

// Start starts a server for the test (see StartServer) in a temporary
// directory and stops it when the test ends. A test that fails gets the tail
// of the server log in its output. A missing ollama binary fails the test;
// it is never skipped.
func Start(t testing.TB) *Server {
	t.Helper()
	dir := t.TempDir()
	s, err := StartServer(t.Context(), dir, nil)
	if err != nil {
		t.Fatalf("start ollama: %v", err)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Log(s.LogTail(80))
		}
	})
	return s
}

// FindBinary returns the path of the ollama binary: $PRECIS_OLLAMA_BIN, else
// ollama on PATH, else ollama in `go env GOBIN` or `go env GOPATH`/bin,
// where scripts/build-ollama.sh installs it.
func FindBinary() (string, error) {
	if p := os.Getenv(BinaryEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("ollamatest: %s=%s: %w; %w", BinaryEnv, p, err, errNoBinary)
		}
		return p, nil
	}
	if p, err := exec.LookPath("ollama"); err == nil {
		return p, nil
	}
	tried := []string{"$PATH"}
	for _, dir := range goBinDirs() {
		p := filepath.Join(dir, "ollama")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		tried = append(tried, p)
	}
	return "", fmt.Errorf("ollamatest: %w (looked in %s; or set %s)",
		errNoBinary, strings.Join(tried, ", "), BinaryEnv)
}

// goBinDirs lists where `go install` puts binaries.
func goBinDirs() []string {
	out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output()
	if err != nil {
		home, _ := os.UserHomeDir()
		return []string{filepath.Join(home, "go", "bin")}
	}
	var dirs []string
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) > 0 && strings.TrimSpace(lines[0]) != "" {
		dirs = append(dirs, strings.TrimSpace(lines[0]))
	}
	if len(lines) > 1 {
		for _, p := range filepath.SplitList(strings.TrimSpace(lines[1])) {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
	}
	return dirs
}
