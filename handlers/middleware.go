package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"precis/web"
)

// Every request gets an id: the client's X-Request-Id when it is well-formed (a proxy in front
// may have set it), a new random one otherwise. The id is sent back in X-Request-Id, written in
// the access log line and, through the request context, in every line logged while serving
// the request (see LogHandler).

// maxRequestIDLen bounds a client's request id; longer ones are replaced.
const maxRequestIDLen = 128

type requestIDKey struct{}

// WithRequestID returns ctx carrying the request id id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id ctx carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// validRequestID reports whether a client's request id may be used as it is: 1 to 128 letters,
// digits, '-', '_' or '.', so it cannot forge log lines or carry anything but an id.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// newRequestID returns 128 random bits in hex.
func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return hex.EncodeToString(b)
}

// LogHandler wraps next so that every record logged with a context that carries a request id
// gets a request_id attribute. Wrapping twice adds it once.
func LogHandler(next slog.Handler) slog.Handler {
	if _, ok := next.(requestIDHandler); ok {
		return next
	}
	return requestIDHandler{next}
}

type requestIDHandler struct{ slog.Handler }

// Handle implements slog.Handler.
func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// quietRoutes are polled by machines every few seconds, or fetched with every page (the
// static assets): their access lines are debug level.
var quietRoutes = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true, web.StaticPrefix + "*": true}

// observe gives the request its id, and when the request is done writes the access log line
// and the HTTP metrics. The line holds the method, the route pattern (ids stay out of it), the
// status, duration, response size and request id: never the query string, the body, or
// anything a user typed or uploaded.
func (h *Handler) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		r := c.Request()
		id := r.Header.Get(echo.HeaderXRequestID)
		if !validRequestID(id) {
			id = newRequestID()
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		ctx := WithRequestID(r.Context(), id)
		c.SetRequest(r.WithContext(ctx))

		if err := next(c); err != nil {
			c.Error(err) // writes the response now, so the line below has its status
		}

		took := time.Since(start)
		route := c.Path()
		if !h.routes[route] {
			route = "unmatched" // no route matched: the path is the client's, not ours
		}
		method := metricMethod(r.Method)
		status := c.Response().Status
		if h.ops.Metrics != nil {
			h.ops.Metrics.observeRequest(method, route, status, took)
		}
		level := slog.LevelInfo
		if quietRoutes[route] {
			level = slog.LevelDebug
		}
		h.log.LogAttrs(ctx, level, "request", slog.String("method", method), slog.String("route", route),
			slog.Int("status", status), slog.Float64("duration_ms", float64(took.Microseconds())/1000),
			slog.Int64("bytes", c.Response().Size))
		return nil
	}
}

// metricMethod keeps the methods a browser or a probe sends and folds anything else into
// "OTHER", so a client cannot grow the metric labels.
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}
