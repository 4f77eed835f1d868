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
	"precis/summarize/policy"
)

// app is what serve and summarize share: configuration, logger, providers and extractor.
type app struct {
	cfg     *Config
	log     *slog.Logger
	extract extract.Runner
}

func newApp(cfg *Config, logw io.Writer) (*app, error) {
	a := &app{cfg: cfg, log: newLogger(cfg, logw)}
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
	slog.SetDefault(a.log) // the extraction runner logs through the default logger
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
	if err := removeOrphanFiles(ctx, store, files, a.log); err != nil {
		return err
	}

	pol, err := applyPolicy(ctx, a.cfg, store)
	if err != nil {
		return err
	}
	a.log.Info("policy in force", slog.Int64("version", pol.Version), slog.String("managed_by", pol.Managed))
	pols := summarize.StorePolicies{Store: store}
	metrics := handlers.NewMetrics(version, a.log)
	metrics.WatchStore(store)
	router := a.newRouter(store, pols, summarize.StoreLabels(store))
	build := router.Build
	router.Build = func(p policy.Provider) (llm.Provider, error) { // every model call is measured
		lp, err := build(p)
		if err != nil {
			return nil, err
		}
		return llm.Instrument(lp, metrics), nil
	}
	runner := &summarize.Runner{Store: store, Extractor: a.extract, Backends: router,
		Labeler: &summarize.Labeler{Store: store, Policies: pols, Scan: summarize.Detect}, FilesDir: files,
		Workers: a.cfg.Workers, Lease: a.cfg.JobLease, Owner: owner(), Logger: a.log}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	sso, err := a.cfg.Auth.oidc()
	if err != nil {
		return err
	}
	au := a.cfg.Auth
	setupToken, err := firstStartToken(ctx, store)
	if err != nil {
		return err
	}
	h := handlers.New(store, runner, handlers.Config{DataDir: a.cfg.DataDir, MaxUploadBytes: int64(a.cfg.MaxUploadMB) << 20,
		SecretKey: a.cfg.SecretKey, TestProvider: testProvider(build), AnchorFile: a.cfg.anchorFile(),
		SecureCookies: au.SecureCookies, SessionIdle: au.SessionIdle, SessionLifetime: au.SessionLifetime,
		AdminSeesContent: au.AdminSeesContent, OIDC: sso, SetupToken: setupToken}, a.log)
	ops := handlers.Ops{Metrics: metrics, Ready: []handlers.ReadyCheck{
		{Reason: "a classification label has no reachable model provider", Check: router.Ready}}}
	if a.cfg.MetricsAddr == "" {
		ops.MetricsToken = a.cfg.MetricsToken // no token: no /metrics on the public address
	}
	h.SetOps(ops)
	h.Register(e)

	servers, listeners, err := a.listen(e, metrics)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Precis %s listening on http://%s (data in %s)\n", version, listeners[0].Addr(), a.cfg.DataDir)
	if setupToken != "" {
		fmt.Fprintf(stdout, "  No administrator yet. To create the first one, open (once, while this server runs):\n"+
			"    http://%s/setup?token=%s\n"+
			"  (use the host name people reach this server by), or run: precis user add --email E --role admin\n",
			listeners[0].Addr(), setupToken)
	}
	if len(listeners) > 1 {
		fmt.Fprintf(stdout, "  metrics: http://%s/metrics\n", listeners[1].Addr())
	}
	for _, p := range router.Describe(ctx) {
		fmt.Fprintln(stdout, "  provider:", p)
	}

	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	workersDone := make(chan struct{})
	go func() {
		runner.Run(workCtx)
		close(workersDone)
	}()
	anchorCtx, stopAnchor := context.WithCancel(ctx)
	anchorDone := make(chan struct{})
	go func() {
		a.anchorLoop(anchorCtx, store)
		close(anchorDone)
	}()
	served := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { served <- srv.Serve(listeners[i]) }()
	}

	select {
	case <-ctx.Done():
	case err = <-served:
		a.log.Error("HTTP server failed", slog.String("err", err.Error()))
	}
	stopAnchor() // anchors the head once more before the shutdown
	<-anchorDone
	return errors.Join(err, a.shutdown(servers, runner, stopWork, workersDone, store))
}

// listen opens the web server's address and, when PRECIS_METRICS_ADDR is set, the metrics
// address, and returns a server for each, the web server first.
func (a *app) listen(e http.Handler, metrics *handlers.Metrics) ([]*http.Server, []net.Listener, error) {
	if a.cfg.MetricsAddr != "" && a.cfg.MetricsAddr == a.cfg.Addr {
		return nil, nil, errors.New("PRECIS_METRICS_ADDR must differ from PRECIS_ADDR: it is the metrics' own address")
	}
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s: %w", a.cfg.Addr, err)
	}
	servers := []*http.Server{{Handler: e, ReadHeaderTimeout: 10 * time.Second}}
	listeners := []net.Listener{ln}
	if a.cfg.MetricsAddr == "" {
		if a.cfg.MetricsToken == "" {
			a.log.Info("metrics are off: set PRECIS_METRICS_ADDR or PRECIS_METRICS_TOKEN to serve them")
		}
		return servers, listeners, nil
	}
	mln, err := net.Listen("tcp", a.cfg.MetricsAddr)
	if err != nil {
		ln.Close()
		return nil, nil, fmt.Errorf("listen on %s (PRECIS_METRICS_ADDR): %w", a.cfg.MetricsAddr, err)
	}
	if host, _, _ := net.SplitHostPort(a.cfg.MetricsAddr); a.cfg.MetricsToken == "" && !isLoopback(host) {
		a.log.Warn("metrics are served without a token on a non-loopback address; set PRECIS_METRICS_TOKEN",
			slog.String("addr", a.cfg.MetricsAddr))
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(a.cfg.MetricsToken))
	servers = append(servers, &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second})
	return servers, append(listeners, mln), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// shutdown stops the server in order, logging each step with its duration: stop taking
// requests and stop claiming jobs; let the running jobs finish until PRECIS_SHUTDOWN_TIMEOUT
// has passed, then cancel them (their model calls stop, their saved chunks stay, and their
// leases are handed back so the next start resumes them at once); checkpoint the WAL into
// the database file; close the store.
func (a *app) shutdown(servers []*http.Server, runner *summarize.Runner, stopWork context.CancelFunc,
	workersDone <-chan struct{}, store *storage.Store) error {
	start := time.Now()
	deadline := start.Add(a.cfg.ShutdownTimeout)
	a.log.Info("shutting down", slog.Duration("timeout", a.cfg.ShutdownTimeout))
	runner.Drain()

	var errs []error
	step := time.Now()
	httpCtx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	for _, srv := range servers {
		if err := srv.Shutdown(httpCtx); err != nil {
			srv.Close() // requests still open at the deadline are cut
			errs = append(errs, fmt.Errorf("stop HTTP server: %w", err))
		}
	}
	a.log.Info("shutdown: stopped taking requests", slog.Duration("took", time.Since(step)))

	step = time.Now()
	select {
	case <-workersDone:
		a.log.Info("shutdown: running jobs finished, no new job claimed", slog.Duration("took", time.Since(step)))
	case <-time.After(time.Until(deadline)):
		a.log.Warn("shutdown: timeout reached, stopping the running jobs; they resume at the next start",
			slog.Duration("waited", time.Since(step)))
		stopWork()
		<-workersDone
		a.log.Info("shutdown: running jobs stopped, their leases released", slog.Duration("took", time.Since(step)))
	}
	stopWork()

	step = time.Now()
	if err := store.Checkpoint(context.Background()); err != nil {
		errs = append(errs, err)
		a.log.Error("shutdown: WAL checkpoint", slog.String("err", err.Error()), slog.Duration("took", time.Since(step)))
	} else {
		a.log.Info("shutdown: WAL checkpointed", slog.Duration("took", time.Since(step)))
	}
	step = time.Now()
	if err := store.Close(); err != nil {
		errs = append(errs, err)
	}
	a.log.Info("shutdown: store closed", slog.Duration("took", time.Since(step)),
		slog.Duration("total", time.Since(start)))
	return errors.Join(errs...)
}

// testProvider is the admin pages' test-connection button: it builds the provider afresh
// (with its current API key), probes it and says how long that took and the context length.
func testProvider(build func(policy.Provider) (llm.Provider, error)) handlers.ProviderTester {
	return func(ctx context.Context, p policy.Provider) (time.Duration, int, error) {
		if p.Kind == policy.KindBuiltin {
			return 0, 0, nil
		}
		lp, err := build(p)
		if err != nil {
			return 0, 0, err
		}
		start := time.Now()
		lim, err := lp.Probe(ctx)
		return time.Since(start), lim.ContextTokens, err
	}
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

// firstStartToken returns a random one-time token for the setup link while the
// database has no user, "" once it has one.
func firstStartToken(ctx context.Context, store *storage.Store) (string, error) {
	n, err := store.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	return rand.Text(), nil
}
