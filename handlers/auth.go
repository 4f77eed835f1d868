package handlers

import (
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"precis/storage"
	"precis/web"
)

// Default session timeouts, when Config leaves them at 0.
const (
	DefaultSessionIdle     = 30 * time.Minute
	DefaultSessionLifetime = 12 * time.Hour
)

// Session keys.
const (
	sessUserID = "user_id"
	sessNext   = "next" // where to go after signing in through single sign-on
)

// principal is who makes a request: a signed-in user, through a session or an
// API token.
type principal struct {
	user     *storage.User
	viaToken bool // true when an API token authenticated the request
}

func (p *principal) admin() bool { return p != nil && p.user.Role == storage.RoleAdmin }

const principalKey = "precis.principal"

// current returns who makes the request, nil for nobody.
func current(c echo.Context) *principal {
	p, _ := c.Get(principalKey).(*principal)
	return p
}

// cookieName gives a cookie the __Host- prefix when cookies are Secure: the
// browser then refuses it unless it is Secure, host-only and for path /.
func cookieName(name string, secure bool) string {
	if secure {
		return "__Host-" + name
	}
	return name
}

// newSessions returns the session manager: sessions in SQLite, a cookie that
// scripts cannot read, sent on top-level navigation from other sites only for
// GET (SameSite=Lax), ending with the browser, after the idle timeout, or at
// the absolute lifetime.
func newSessions(store scs.Store, cfg Config, log *slog.Logger) *scs.SessionManager {
	sm := scs.New()
	sm.Store = store
	sm.IdleTimeout = cfg.SessionIdle
	sm.Lifetime = cfg.SessionLifetime
	sm.Cookie.Name = cookieName("precis_session", cfg.SecureCookies)
	sm.Cookie.Path = "/"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = cfg.SecureCookies
	sm.Cookie.Persist = false
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		log.ErrorContext(r.Context(), "session", slog.Any("error", err))
		http.Error(w, internalMessage, http.StatusInternalServerError)
	}
	return sm
}

// csrfMiddleware refuses a state-changing request made with a session unless
// it carries the token of the session's CSRF cookie: in the X-CSRF-Token
// header (htmx sends it with every request), the _csrf query parameter (the
// streamed upload form) or the _csrf form field. Requests authenticated by
// an API token carry no cookie a browser would add, so they are not checked.
func (h *Handler) csrfMiddleware() echo.MiddlewareFunc {
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		Skipper: func(c echo.Context) bool { return bearerToken(c.Request()) != "" },
		TokenLookup: "header:" + web.CSRFHeader + ",query:" + web.CSRFFieldName +
			",form:" + web.CSRFFieldName,
		CookieName:     cookieName("precis_csrf", h.cfg.SecureCookies),
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   h.cfg.SecureCookies,
		CookieSameSite: http.SameSiteLaxMode,
		ContextKey:     "csrf",
		ErrorHandler: func(err error, c echo.Context) error {
			return echo.NewHTTPError(http.StatusForbidden,
				"This form has expired or did not come from Precis, so nothing was changed. "+
					"Reload the page and try again.")
		},
	})
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) string {
	v := r.Header.Get("Authorization")
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		return strings.TrimSpace(v[7:])
	}
	return ""
}

// authenticate finds who makes the request, from an API token or the
// session, and puts them in the request: for handlers, for the audit log
// (storage.WithActor: email, role, client address) and for the templates
// (web.WithViewer, web.WithCSRF). It refuses nobody; requireLogin does.
// An unknown or revoked token is refused at once with 401.
func (h *Handler) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		ctx := r.Context()
		if statelessRoutes[c.Path()] || unrouted(c) {
			// Health, metrics (with its own bearer token), static files, and
			// addresses no route serves (404 whoever asks).
			return next(c)
		}
		var p *principal
		if tok := bearerToken(r); tok != "" {
			u, err := h.store.APITokenUser(ctx, tok)
			if storage.ErrorCode(err) == storage.ENOTFOUND {
				return echo.NewHTTPError(http.StatusUnauthorized,
					"This API token is not valid: it is unknown, revoked, or its user is disabled.")
			} else if err != nil {
				return err
			}
			p = &principal{user: u, viaToken: true}
		} else if id := h.sessions.GetInt64(ctx, sessUserID); id > 0 {
			// The absolute lifetime needs no check here: signing in renews the token,
			// which sets the session's deadline, and the store never finds a session
			// past it.
			u, err := h.store.UserByID(ctx, id)
			switch {
			case storage.ErrorCode(err) == storage.ENOTFOUND || (err == nil && u.Disabled):
				// The account is gone or disabled: the session ends here.
				if err := h.sessions.Destroy(ctx); err != nil {
					return err
				}
			case err != nil:
				return err
			default:
				p = &principal{user: u}
			}
		}
		actor := storage.Actor{Name: "anonymous", Addr: c.RealIP()}
		if p != nil {
			c.Set(principalKey, p)
			actor.Name, actor.Role = p.user.Email, p.user.Role
			ctx = web.WithViewer(ctx, web.Viewer{Email: p.user.Email, Admin: p.admin()})
		}
		ctx = storage.WithActor(ctx, actor)
		if tok, ok := c.Get("csrf").(string); ok {
			ctx = web.WithCSRF(ctx, tok)
		}
		c.SetRequest(r.WithContext(ctx))
		return next(c)
	}
}

// publicRoutes are the route patterns anyone may reach without signing in.
// Every other route, including any added later, needs a signed-in user.
var publicRoutes = map[string]bool{
	"/healthz": true, "/readyz": true, "/metrics": true, web.StaticPrefix + "*": true,
	"/login": true, "/logout": true, "/auth/oidc/login": true, "/auth/oidc/callback": true, "/setup": true,
}

// statelessRoutes need no session: loading one would only cost a database
// write per request (the idle timeout is extended at every request).
var statelessRoutes = map[string]bool{
	"/healthz": true, "/readyz": true, "/metrics": true, web.StaticPrefix + "*": true,
}

// loadSession loads the request's session and saves it after the handler,
// except on the stateless routes.
func (h *Handler) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	withSession := echo.WrapMiddleware(h.sessions.LoadAndSave)(next)
	return func(c echo.Context) error {
		if statelessRoutes[c.Path()] || unrouted(c) {
			return next(c)
		}
		return withSession(c)
	}
}

// requireLogin lets signed-in users through. Others are sent to the sign-in
// page (htmx through HX-Redirect, since it does not follow a redirect into a
// whole page), and API clients get 401.
func (h *Handler) requireLogin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if current(c) != nil || publicRoutes[c.Path()] || unrouted(c) {
			return next(c)
		}
		r := c.Request()
		login := "/login"
		if r.Method == http.MethodGet && !isHTMX(c) {
			login += "?" + url.Values{"next": {r.URL.RequestURI()}}.Encode()
		}
		switch {
		case isHTMX(c) || r.Header.Get("HX-Request") == "true":
			c.Response().Header().Set("HX-Redirect", login)
			return c.NoContent(http.StatusUnauthorized)
		case strings.HasPrefix(r.URL.Path, "/api/") || !acceptsHTML(r):
			return echo.NewHTTPError(http.StatusUnauthorized, "Sign in first, or send an API token.")
		}
		return c.Redirect(http.StatusSeeOther, login)
	}
}

// unrouted reports whether no route matched the request, which then gets its
// 404 or 405 whoever asks: the list of routes is no secret.
func unrouted(c echo.Context) bool {
	hp := reflect.ValueOf(c.Handler()).Pointer()
	return hp == reflect.ValueOf(echo.NotFoundHandler).Pointer() ||
		hp == reflect.ValueOf(echo.MethodNotAllowedHandler).Pointer()
}

// acceptsHTML reports whether the client asks for a page (browsers send
// Accept: text/html; API clients rarely do).
func acceptsHTML(r *http.Request) bool {
	a := r.Header.Get("Accept")
	return a == "" || strings.Contains(a, "text/html") || strings.Contains(a, "*/*")
}

// identify returns who makes the request (their email, for the audit log) and
// whether they administer Precis.
func (h *Handler) identify(c echo.Context) (actor string, admin bool) {
	if p := current(c); p != nil {
		return p.user.Email, p.admin()
	}
	return "anonymous", false
}

// safeNext keeps a post-sign-in destination only when it is a path on this
// server, so the sign-in page cannot send anyone elsewhere.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}
