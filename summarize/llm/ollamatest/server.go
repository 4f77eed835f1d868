// Package ollamatest runs a real Ollama server for integration tests.
//
// There is no model hub in tests: the server is the ollama binary built from
// its Go module by scripts/build-ollama.sh, and the model is a tiny
// random-weight llama model that WriteTinyModel writes as a GGUF file. The
// model's text is gibberish, but everything around it is real: the HTTP API,
// streaming, token counts, context limits, and structured outputs (a JSON
// schema in "format" becomes a llama.cpp grammar).
package ollamatest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ollama/ollama/api"
)

// ModelName is the name under which the tiny model is registered.
const ModelName = "precis-tiny:latest"

// chatTemplate renders a conversation as plain "role: content" lines. The
// tiny model has no chat format of its own; any template works, this one
// keeps prompts short and readable in the server log.
const chatTemplate = `{{- range .Messages }}{{ .Role }}: {{ .Content }}
{{ end }}assistant: `

// startTimeout bounds StartServer when its context has no deadline.
const startTimeout = 60 * time.Second

// Server is a running `ollama serve` child process with the tiny model
// registered as Model.
type Server struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:41234.
	URL string
	// Model is the registered model name, ModelName.
	Model string
	// Client talks to the server.
	Client *api.Client
	// Dir holds the models, HOME and the server log.
	Dir string
	// LogPath is the server's log file (stdout and stderr of ollama serve
	// and of its runner processes).
	LogPath string

	cmd      *exec.Cmd
	exited   chan struct{}
	stopOnce sync.Once
	logFile  *os.File
}

// StartServer starts `ollama serve` on a free local port with its models,
// HOME and log under dir, waits until it answers, writes the tiny model and
// registers it as ModelName. ctx bounds only the start; the server runs until
// Stop or Kill. The server log goes to LogPath and, when logw is not nil,
// to logw as well. A missing binary is an error that names
// scripts/build-ollama.sh.
func StartServer(ctx context.Context, dir string, logw io.Writer) (*Server, error) {
	bin, err := FindBinary()
	if err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, startTimeout)
		defer cancel()
	}
	s, err := spawn(bin, dir, logw)
	if err != nil {
		return nil, err
	}
	if err := s.waitReady(ctx); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w\n%s", err, s.LogTail(40))
	}
	if err := s.createModel(ctx); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w\n%s", err, s.LogTail(40))
	}
	slog.Info("ollamatest: server ready", slog.String("url", s.URL),
		slog.String("model", s.Model), slog.Int("pid", s.cmd.Process.Pid))
	return s, nil
}

// spawn starts ollama serve in its own process group (see sysProcAttr).
func spawn(bin, dir string, logw io.Writer) (*Server, error) {
	home := filepath.Join(dir, "home")
	models := filepath.Join(dir, "models")
	for _, d := range []string{home, models} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("ollamatest: %w", err)
		}
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "ollama-serve.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("ollamatest: %w", err)
	}
	var out io.Writer = logFile
	if logw != nil {
		out = io.MultiWriter(logFile, logw)
	}

	cmd := exec.Command(bin, "serve")
	cmd.Dir = dir
	cmd.Env = append(environWithout("OLLAMA_", "HOME="),
		"HOME="+home,
		"OLLAMA_HOST="+addr,
		"OLLAMA_MODELS="+models,
		"OLLAMA_NO_CLOUD=1",
		"OLLAMA_KEEP_ALIVE=30m",
	)
	if os.Getenv("PRECIS_OLLAMA_DEBUG") != "" {
		cmd.Env = append(cmd.Env, "OLLAMA_DEBUG=1")
	}
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = sysProcAttr()
	// With logw set, output goes through a pipe that runner processes
	// inherit; do not let Wait hang on it after ollama serve is gone.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("ollamatest: start %s serve: %w", bin, err)
	}
	u := &url.URL{Scheme: "http", Host: addr}
	s := &Server{
		URL:     u.String(),
		Model:   ModelName,
		Client:  api.NewClient(u, &http.Client{}),
		Dir:     dir,
		LogPath: logPath,
		cmd:     cmd,
		exited:  make(chan struct{}),
		logFile: logFile,
	}
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

// waitReady polls the server until it answers or the process exits.
func (s *Server) waitReady(ctx context.Context) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := s.Client.Version(ctx); err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("ollamatest: ollama serve exited during start: %v", s.cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("ollamatest: ollama serve did not answer at %s: %w", s.URL, ctx.Err())
		case <-tick.C:
		}
	}
}

// createModel writes the tiny model into Dir, uploads it as a blob and
// registers it, as `ollama create` does for a Modelfile with FROM a file.
func (s *Server) createModel(ctx context.Context) error {
	path := filepath.Join(s.Dir, "precis-tiny.gguf")
	if err := WriteTinyModel(path); err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("ollamatest: %w", err)
	}
	sum := sha256.Sum256(data)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	if err := s.Client.CreateBlob(ctx, digest, bytes.NewReader(data)); err != nil {
		return fmt.Errorf("ollamatest: upload model blob: %w", err)
	}
	stream := false
	req := &api.CreateRequest{
		Model:    ModelName,
		Files:    map[string]string{filepath.Base(path): digest},
		Template: chatTemplate,
		Stream:   &stream,
		// One thread: by default a runner starts one thread per core and they spin waiting
		// for each other; on a 2-core machine two servers then crawl (0.05x), and even one
		// is about 10x slower on this tiny model than with a single thread.
		Parameters: map[string]any{"num_thread": 1},
	}
	var last string
	err = s.Client.Create(ctx, req, func(p api.ProgressResponse) error {
		last = p.Status
		return nil
	})
	if err != nil {
		return fmt.Errorf("ollamatest: create model %s: %w", ModelName, err)
	}
	if last != "success" {
		return fmt.Errorf("ollamatest: create model %s: last status %q", ModelName, last)
	}
	return nil
}

// Stop ends the server and its runners: SIGTERM to the process group, then
// SIGKILL if it has not exited after a few seconds. Stop is safe to call
// more than once and after Kill.
func (s *Server) Stop() { s.stop(syscall.SIGTERM, 5*time.Second) }

// Kill ends the server and its runners at once with SIGKILL, as a crash
// would. Requests in flight are cut off; note that api.Client's streaming
// calls (Chat, Generate) then often return nil without a final Done chunk.
func (s *Server) Kill() { s.stop(syscall.SIGKILL, 0) }

func (s *Server) stop(sig syscall.Signal, grace time.Duration) {
	s.stopOnce.Do(func() {
		pgid := s.cmd.Process.Pid
		_ = syscall.Kill(-pgid, sig)
		select {
		case <-s.exited:
		case <-time.After(grace):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-s.exited
		}
		// Runners may outlive ollama serve for a moment; the group id stays
		// valid while any member lives.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		s.logFile.Close()
	})
}

// Exited is closed when the ollama serve process has exited.
func (s *Server) Exited() <-chan struct{} { return s.exited }

// LogTail returns the last n lines of the server log.
func (s *Server) LogTail(n int) string {
	data, err := os.ReadFile(s.LogPath)
	if err != nil {
		return fmt.Sprintf("(server log %s: %v)", s.LogPath, err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "--- ollama serve log (" + s.LogPath + ") ---\n" + strings.Join(lines, "\n")
}

// freeAddr returns a local address with a port that was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("ollamatest: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// environWithout returns os.Environ() minus variables with any of prefixes,
// so a developer's own OLLAMA_* settings do not leak into the test server.
func environWithout(prefixes ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !hasAnyPrefix(kv, prefixes) {
			env = append(env, kv)
		}
	}
	return env
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
