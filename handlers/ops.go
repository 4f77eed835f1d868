package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// ReadyCheck is one condition GET /readyz requires. Check returns nil when the condition
// holds; its error goes to the log only. Reason is what the client reads when it does not
// hold: a short phrase that reveals nothing about the installation.
type ReadyCheck struct {
	Reason string
	Check  func(ctx context.Context) error
}

// Ops is the operational side of the web server: what readiness requires and the metrics.
type Ops struct {
	// Ready are the conditions /readyz requires besides a writable database, checked in
	// order; the server passes, for example, "a model provider answers".
	Ready []ReadyCheck
	// Metrics, when set, records HTTP request metrics.
	Metrics *Metrics
	// MetricsToken, when set together with Metrics, serves GET /metrics on these routes
	// behind this bearer token. Without a token the public routes never serve metrics.
	MetricsToken string
}

// SetOps configures readiness and metrics; call it before Register.
func (h *Handler) SetOps(o Ops) { h.ops = o }

// Readiness timing. A probe is evaluated at most once per readyCacheFor whatever the number of
// callers (it commits a write, and /readyz needs no login); a caller waits for it at most
// readyWait, while the evaluation itself may take up to readyEvalTimeout (the database's own
// busy timeout is 10s).
const (
	readyCacheFor    = time.Second
	readyWait        = 3 * time.Second
	readyEvalTimeout = 15 * time.Second
)

// dbNotWritable is the reason /readyz gives when the write probe fails.
const dbNotWritable = "database not writable"

// Readyz answers GET /readyz: 200 "ready" when the database takes a write and every ReadyCheck
// holds, 503 with the reason of the first that does not. It needs no login and says nothing
// more, so a load balancer or orchestrator can ask it.
func (h *Handler) Readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), readyWait)
	defer cancel()
	checks := append([]ReadyCheck{{Reason: dbNotWritable, Check: h.store.WriteProbe}}, h.ops.Ready...)
	if reason := h.readiness.get(ctx, checks, h.log); reason != "" {
		return c.String(http.StatusServiceUnavailable, reason)
	}
	return c.String(http.StatusOK, "ready")
}

// readiness evaluates the checks in one goroutine at a time and shares the result.
type readiness struct {
	mu      sync.Mutex
	running chan struct{} // closed when the evaluation under way ends; nil when none is
	at      time.Time     // when the last evaluation ended
	reason  string        // its result: "" when ready
	current string        // Reason of the check being evaluated now
	logged  string        // the last reason logged, to log changes only
}

// get returns the reason the server is not ready, or "" when it is, from an evaluation at most
// readyCacheFor old. When ctx ends first it answers with the check still running.
func (r *readiness) get(ctx context.Context, checks []ReadyCheck, log *slog.Logger) string {
	r.mu.Lock()
	if r.running == nil && !r.at.IsZero() && time.Since(r.at) < readyCacheFor {
		defer r.mu.Unlock()
		return r.reason
	}
	if r.running == nil {
		r.running = make(chan struct{})
		go r.evaluate(checks, log, r.running)
	}
	done := r.running
	r.mu.Unlock()

	select {
	case <-done:
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.reason
	case <-ctx.Done():
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.current + " (check timed out)"
	}
}

func (r *readiness) evaluate(checks []ReadyCheck, log *slog.Logger, done chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), readyEvalTimeout)
	defer cancel()
	reason := ""
	var failure error
	for _, c := range checks {
		r.mu.Lock()
		r.current = c.Reason
		r.mu.Unlock()
		if err := c.Check(ctx); err != nil {
			reason, failure = c.Reason, err
			break
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reason, r.at, r.running = reason, time.Now(), nil
	if reason != r.logged {
		if reason == "" {
			log.Info("ready")
		} else {
			log.Warn("not ready", slog.String("reason", reason), slog.String("err", failure.Error()))
		}
		r.logged = reason
	}
	close(done)
}
