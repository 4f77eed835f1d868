package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/labstack/echo/v4"

	"precis/handlers"
	"precis/storage"
	"precis/summarize"
	"precis/summarize/extract"
	"precis/summarize/llm"
)

// app is what serve and summarize share: configuration, logger, providers and extractor.
type app struct {
	cfg      *Config
	log      *slog.Logger
	backends *summarize.Backends
	extract  extract.Runner
}

func newApp(cfg *Config, logw io.Writer) (*app, error) {
	a := &app{cfg: cfg, log: newLogger(cfg, logw), backends: &summarize.Backends{Choice: cfg.Provider}}
	if cfg.OllamaURL != "" {
		o, err := llm.NewOllama(llm.OllamaConfig{URL: cfg.OllamaURL, Model: cfg.OllamaModel, Slots: cfg.OllamaSlots,
			MaxContext: cfg.OllamaMaxContext, Timeout: cfg.OllamaTimeout, Retries: 3})
		if err != nil {
			return nil, err
		}
		a.backends.Ollama = o
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable for the extraction child process: %w", err)
	}
	lim := extract.DefaultLimits()
	lim.Timeout = cfg.ExtractTimeout
	lim.CPUSeconds = int(cfg.ExtractTimeout.Seconds())
	lim.MemoryBytes = int64(cfg.ExtractMemoryMB) << 20
	lim.MaxPages = cfg.ExtractMaxPages
	lim.OCRMaxPages = cfg.ExtractOCRPages
	if lim.OCRMaxPages == 0 {
		lim.OCRMaxPages = -1 // no OCR
	}
	a.extract = extract.Runner{Command: []string{exe, "extract"}, Limits: lim}
	return a, nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, _, err := loadConfig("serve", args, os.Getenv, nil)
	if err != nil {
		fmt.Fprintln(stderr, "precis:", err)
		return 2
	}
	a, err := newApp(cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "precis:", err)
		return 2
	}
	if err := a.serve(ctx, stdout); err != nil {
		a.log.Error("server stopped", slog.String("err", err.Error()))
		return 1
	}
	return 0
}

// serve runs the HTTP server and the workers until ctx is done, then shuts down in order:
// stop taking requests, stop claiming jobs and wait for running ones, close the store.
func (a *app) serve(ctx context.Context, stdout io.Writer) error {
	files := filepath.Join(a.cfg.DataDir, "files")
	if err := os.MkdirAll(files, 0o750); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	store, err := storage.Open(ctx, filepath.Join(a.cfg.DataDir, "precis.db"))
	if err != nil {
		return err
	}
	defer store.Close()

	runner := &summarize.Runner{Store: store, Extractor: a.extract, Backends: a.backends, FilesDir: files,
		Workers: a.cfg.Workers, Lease: a.cfg.JobLease, Owner: owner(), Logger: a.log}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	h := handlers.New(store, runner, handlers.Config{DataDir: a.cfg.DataDir, MaxUploadBytes: int64(a.cfg.MaxUploadMB) << 20}, a.log)
	h.Register(e)

	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.cfg.Addr, err)
	}
	fmt.Fprintf(stdout, "Precis %s listening on http://%s (data in %s)\n", version, ln.Addr(), a.cfg.DataDir)
	for _, p := range a.backends.Describe(ctx) {
		fmt.Fprintln(stdout, "  provider:", p)
	}

	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	workersDone := make(chan struct{})
	go func() {
		runner.Run(workCtx)
		close(workersDone)
	}()
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case <-ctx.Done():
	case err = <-served:
	}
	a.log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if serr := srv.Shutdown(shutCtx); serr != nil && err == nil {
		err = serr
	}
	stopWork()
	<-workersDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// owner names this process in job leases.
func owner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, _, err := loadConfig("migrate", args, os.Getenv, nil)
	if err != nil {
		fmt.Fprintln(stderr, "precis:", err)
		return 2
	}
	store, err := storage.Open(ctx, filepath.Join(cfg.DataDir, "precis.db"))
	if err != nil {
		fmt.Fprintln(stderr, "precis:", err)
		return 1
	}
	defer store.Close()
	fmt.Fprintln(stdout, "database is up to date:", filepath.Join(cfg.DataDir, "precis.db"))
	return 0
}
