// Package handlers is the HTTP layer of Precis: echo routes for uploading
// documents, following their summarization jobs and reading summaries, the
// central error handler and the security headers. It renders web components
// and keeps its data in storage.
package handlers

import (
	"time"

	"bytes"
	"fmt"
	"github.com/alexedwards/scs/v2"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"precis/storage"
	"precis/web"
)

// DefaultMaxUploadBytes is the per-file upload limit when Config leaves it at 0.
const DefaultMaxUploadBytes int64 = 100 << 20

// maxFilesPerUpload bounds the files of one upload request, and with the
// per-file limit the size of the request.
const maxFilesPerUpload = 20

// JobQueue is the part of the job runner the handlers need: after a job is
// created or retried, Wake lets an idle worker claim it at once instead of at
// its next poll. *summarize.Runner implements it.
type JobQueue interface {
	Wake()
	// PutPassword keeps, in memory only, the password a user gave for the
	// encrypted document docID, for its next extraction, which uses it once.
	PutPassword(docID int64, password string)
	// DropPassword forgets a password that will not be used after all.
	DropPassword(docID int64)
}

// Config is what the handlers need to know about the installation.
type Config struct {
	// DataDir is the data directory; uploaded files go to DataDir/files.
	DataDir string
	// MaxUploadBytes is the largest file accepted; 0 means DefaultMaxUploadBytes.
	MaxUploadBytes int64
	// SecureCookies marks the session and CSRF cookies Secure and gives them the
	// __Host- prefix. Set it when Precis is served over TLS or behind a proxy that
	// terminates TLS; browsers do not send Secure cookies over plain HTTP.
	SecureCookies bool
	// SessionIdle ends a session after this long without a request, and
	// SessionLifetime this long after sign-in whatever happens; 0 means
	// DefaultSessionIdle and DefaultSessionLifetime.
	SessionIdle     time.Duration
	SessionLifetime time.Duration
	// AdminSeesContent lets administrators read every matter's documents. Off,
	// they see documents' metadata and the audit trail, and read a matter's
	// documents only as its members.
	AdminSeesContent bool
	// OIDC turns on single sign-on; nil leaves only passwords.
	OIDC *OIDCConfig
	// SetupToken, when not empty, is the one-time token of the setup link that
	// creates the first administrator while there is no user.
	SetupToken string
	// SecretKey is the 32-byte PRECIS_SECRET_KEY that seals API keys entered in the admin
	// pages; without it such keys are refused.
	SecretKey []byte
	// TestProvider backs the providers page's "test connection" button; nil hides it.
	TestProvider ProviderTester
	// AnchorFile is the audit anchor file the audit page verifies the log against; ""
	// means no anchors, so only the hash chain itself is checked.
	AnchorFile string
}

// Handler serves the web interface.
type Handler struct {
	store    *storage.Store
	jobs     JobQueue
	cfg      Config
	log      *slog.Logger
	filesDir string
	csrf     *http.CrossOriginProtection
	sessions *scs.SessionManager
	oidc     *oidcLogin // nil when single sign-on is off

	ops       Ops
	readiness readiness
	routes    map[string]bool // the registered route patterns, for metric labels
}

// New returns a Handler. A nil jobs is allowed (jobs are then found at the
// workers' next poll); a nil logger means slog.Default().
func New(store *storage.Store, jobs JobQueue, cfg Config, logger *slog.Logger) *Handler {
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if logger == nil {
		logger = slog.Default()
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = DefaultSessionIdle
	}
	if cfg.SessionLifetime <= 0 {
		cfg.SessionLifetime = DefaultSessionLifetime
	}
	logger = slog.New(LogHandler(logger.Handler())) // lines logged while serving carry the request id
	if jobs == nil {
		jobs = noQueue{}
	}
	return &Handler{
		store:    store,
		jobs:     jobs,
		cfg:      cfg,
		log:      logger,
		filesDir: filepath.Join(cfg.DataDir, "files"),
		csrf:     http.NewCrossOriginProtection(),
		sessions: newSessions(store.Sessions(), cfg, logger),
	}
}

// Register installs the routes, the static assets, the request ids and access
// log, the security headers and the central error handler on e; /readyz and,
// with a token (see Ops), /metrics too.
func (h *Handler) Register(e *echo.Echo) {
	e.HTTPErrorHandler = h.HTTPErrorHandler
	e.Use(h.observe)
	e.Use(h.secure)
	e.Use(h.loadSession)
	e.Use(h.csrfMiddleware())
	e.Use(h.authenticate)
	e.Use(h.requireLogin)

	e.GET("/healthz", h.Healthz)
	e.GET("/readyz", h.Readyz)
	if h.ops.Metrics != nil && h.ops.MetricsToken != "" {
		e.GET("/metrics", echo.WrapHandler(h.ops.Metrics.Handler(h.ops.MetricsToken)))
	}
	e.GET(web.StaticPrefix+"*", echo.WrapHandler(web.StaticHandler()))
	e.GET("/login", h.LoginPage)
	e.POST("/login", h.Login)
	e.POST("/logout", h.Logout)
	e.GET("/setup", h.SetupPage)
	e.POST("/setup", h.Setup)
	h.registerOIDC(e)
	h.registerAccount(e)

	e.GET("/", h.ListDocuments)
	e.GET("/documents", h.ListDocuments)
	e.POST("/documents", h.CreateDocuments)
	e.GET("/documents/:id", h.ShowDocument)
	e.GET("/documents/:id/progress", h.Progress)
	e.GET("/documents/:id/summary", h.Summary)
	e.GET("/documents/:id/pages/:n", h.PageText)
	e.GET("/documents/:id/file", h.DownloadFile)
	e.POST("/documents/:id/password", h.SupplyPassword)
	e.POST("/documents/:id/delete", h.DeleteDocument)
	e.POST("/jobs/:id/cancel", h.CancelJob)
	e.POST("/jobs/:id/retry", h.RetryJob)
	h.registerClassification(e)
	h.registerAudit(e)

	h.routes = map[string]bool{}
	for _, r := range e.Routes() {
		h.routes[r.Path] = true
	}
}

// contentSecurityPolicy allows scripts and styles from this server only: no
// inline scripts, inline event handlers or inline styles, no framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// secure sets the security headers of every response and refuses cross-origin
// state-changing requests (CSRF), judged by Sec-Fetch-Site and Origin.
func (h *Handler) secure(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		hd := c.Response().Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		// Pages show confidential documents: keep them out of caches. The
		// static handler replaces this for its assets.
		hd.Set("Cache-Control", "no-store")
		hd.Add("Vary", "HX-Request")
		if err := h.csrf.Check(c.Request()); err != nil {
			return echo.NewHTTPError(http.StatusForbidden,
				"This request came from another site and was refused. Open Precis directly and try again.")
		}
		return next(c)
	}
}

// Healthz answers GET /healthz with 200 "ok" when the database answers, 503
// otherwise; it says nothing more.
func (h *Handler) Healthz(c echo.Context) error {
	if err := h.store.Ping(c.Request().Context()); err != nil {
		h.log.ErrorContext(c.Request().Context(), "health check: database", slog.Any("error", err))
		return c.String(http.StatusServiceUnavailable, "unavailable")
	}
	return c.String(http.StatusOK, "ok")
}

// isHTMX reports whether htmx made the request, so a fragment is wanted. A
// history-restore request wants the full page.
func isHTMX(c echo.Context) bool {
	r := c.Request()
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") != "true"
}

// render renders comp into a buffer first, so a failed render becomes a clean
// error response instead of half a page.
func render(c echo.Context, status int, comp templ.Component) error {
	var buf bytes.Buffer
	if err := comp.Render(c.Request().Context(), &buf); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// page renders the fragment for htmx requests and the full page otherwise.
func page(c echo.Context, fragment, full templ.Component) error {
	if isHTMX(c) {
		return render(c, http.StatusOK, fragment)
	}
	return render(c, http.StatusOK, full)
}

// pathID parses a positive integer path parameter; what names it in the
// message ("document", "job", "page").
func pathID(c echo.Context, name, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, storage.Errorf(storage.EINVALID,
			"The %s number in this address is not valid: it must be a whole number from 1 up.", what)
	}
	return id, nil
}

// noQueue is the JobQueue used when none is given.
type noQueue struct{}

func (noQueue) Wake()                     {}
func (noQueue) PutPassword(int64, string) {}
func (noQueue) DropPassword(int64)        {}
