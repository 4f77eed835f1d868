package handlers

// Single sign-on through OpenID Connect (authorization code flow with PKCE).
//
// An administrator turns it on by registering Precis as a client with the
// identity provider (redirect URI https://precis.example.com/auth/oidc/callback,
// scopes openid, email and profile, and a claim listing the user's groups in
// the ID token) and setting:
//
//	PRECIS_OIDC_ISSUER          the issuer URL, e.g. https://login.example.com/realms/firm
//	PRECIS_OIDC_CLIENT_ID       the client id registered with the provider
//	PRECIS_OIDC_CLIENT_SECRET   its secret
//	PRECIS_OIDC_REDIRECT_URL    https://precis.example.com/auth/oidc/callback
//	PRECIS_OIDC_GROUPS_CLAIM    the ID token claim with the groups (default "groups")
//	PRECIS_OIDC_ADMIN_GROUPS    comma-separated groups whose members are admins
//	PRECIS_OIDC_STAFF_GROUPS    comma-separated groups whose members are staff
//
// The sign-in page then shows "Sign in with single sign-on". Passwords keep
// working. A person signing in through the provider gets an account on first
// use (without a password) and, at every sign-in, the role their groups give:
// admin when any group is an admin group, else staff when any is a staff
// group; in neither, they are refused. The provider's discovery document is
// read on first use, not at start, so Precis starts while the provider is down.

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"precis/storage"
	"precis/web"
)

// DefaultGroupsClaim is the ID token claim read for groups when
// OIDCConfig.GroupsClaim is empty.
const DefaultGroupsClaim = "groups"

// OIDCConfig turns on single sign-on through an OpenID Connect provider.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL; its discovery document is read from
	// Issuer + "/.well-known/openid-configuration".
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is this server's callback as registered with the provider:
	// https://precis.example.com/auth/oidc/callback.
	RedirectURL string
	// GroupsClaim names the ID token claim that lists the user's groups.
	GroupsClaim string
	// AdminGroups and StaffGroups map groups to roles; a user in neither may
	// not sign in. Admin wins when a user is in both.
	AdminGroups []string
	StaffGroups []string
	// Scopes are asked for besides openid, email and profile, e.g. "groups"
	// for providers that put the groups claim in the token only then.
	Scopes []string
}

// Validate reports the first setting that is missing or unusable, so a
// misconfiguration stops the server at start instead of at the first sign-in.
func (c OIDCConfig) Validate() error {
	for _, s := range []struct{ name, value string }{
		{"PRECIS_OIDC_ISSUER", c.Issuer}, {"PRECIS_OIDC_CLIENT_ID", c.ClientID},
		{"PRECIS_OIDC_REDIRECT_URL", c.RedirectURL},
	} {
		if strings.TrimSpace(s.value) == "" {
			return fmt.Errorf("single sign-on: %s is required", s.name)
		}
	}
	for _, s := range []struct{ name, value string }{
		{"PRECIS_OIDC_ISSUER", c.Issuer}, {"PRECIS_OIDC_REDIRECT_URL", c.RedirectURL},
	} {
		if u, err := url.Parse(s.value); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("single sign-on: %s %q is not an http(s) URL", s.name, s.value)
		}
	}
	if len(c.AdminGroups) == 0 && len(c.StaffGroups) == 0 {
		return errors.New("single sign-on: set PRECIS_OIDC_ADMIN_GROUPS or PRECIS_OIDC_STAFF_GROUPS; " +
			"without groups nobody may sign in")
	}
	return nil
}

// Session keys of a sign-in under way at the provider.
const (
	sessOIDCState    = "oidc_state"
	sessOIDCNonce    = "oidc_nonce"
	sessOIDCVerifier = "oidc_verifier"
)

// oidcTimeout bounds each request to the provider (discovery, keys, token).
const oidcTimeout = 10 * time.Second

// ssoUnreachable is shown when the provider cannot be reached.
const ssoUnreachable = "Single sign-on is not reachable right now; sign in with your password or try again later."

// oidcLogin is single sign-on at run time: the settings, and the provider
// once its discovery document has been read.
type oidcLogin struct {
	cfg    OIDCConfig
	client *http.Client

	mu sync.Mutex
	p  *oidcProvider // nil until discovery succeeds
}

// oidcProvider is what discovery yields: the OAuth 2 endpoints and the ID
// token verifier with the provider's keys.
type oidcProvider struct {
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// newOIDCLogin returns single sign-on for cfg, not yet discovered.
func newOIDCLogin(cfg OIDCConfig) *oidcLogin {
	if cfg.GroupsClaim = strings.TrimSpace(cfg.GroupsClaim); cfg.GroupsClaim == "" {
		cfg.GroupsClaim = DefaultGroupsClaim
	}
	trim := func(groups []string) []string {
		var out []string
		for _, g := range groups {
			if g = strings.TrimSpace(g); g != "" {
				out = append(out, g)
			}
		}
		return out
	}
	cfg.AdminGroups, cfg.StaffGroups = trim(cfg.AdminGroups), trim(cfg.StaffGroups)
	return &oidcLogin{cfg: cfg, client: &http.Client{Timeout: oidcTimeout}}
}

// ctx returns ctx carrying the HTTP client used to talk to the provider.
func (o *oidcLogin) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, o.client)
}

// provider returns the discovered provider, reading the discovery document on
// first use. A failure is not kept: the next request tries again.
func (o *oidcLogin) provider(ctx context.Context) (*oidcProvider, error) {
	o.mu.Lock()
	p := o.p
	o.mu.Unlock()
	if p != nil {
		return p, nil
	}
	ctx, cancel := context.WithTimeout(o.ctx(ctx), oidcTimeout)
	defer cancel()
	disc, err := oidc.NewProvider(ctx, o.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", o.cfg.Issuer, err)
	}
	scopes := []string{oidc.ScopeOpenID, "email", "profile"}
	for _, s := range o.cfg.Scopes {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	p = &oidcProvider{
		oauth: oauth2.Config{ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret,
			Endpoint: disc.Endpoint(), RedirectURL: o.cfg.RedirectURL, Scopes: scopes},
		verifier: disc.Verifier(&oidc.Config{ClientID: o.cfg.ClientID}),
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.p == nil {
		o.p = p
	}
	return o.p, nil
}

// registerOIDC turns single sign-on on when the configuration asks for it and
// installs its routes. An unusable configuration is logged and leaves it off.
func (h *Handler) registerOIDC(e *echo.Echo) {
	if h.cfg.OIDC == nil {
		return
	}
	if err := h.cfg.OIDC.Validate(); err != nil {
		h.log.Error("single sign-on is off", slog.Any("error", err))
		return
	}
	h.oidc = newOIDCLogin(*h.cfg.OIDC)
	e.GET("/auth/oidc/login", h.OIDCLogin)
	e.GET("/auth/oidc/callback", h.OIDCCallback)
}

// OIDCLogin handles GET /auth/oidc/login: it keeps a fresh state, nonce and
// PKCE verifier in the session, with where to go afterwards (next), and sends
// the browser to the provider.
func (h *Handler) OIDCLogin(c echo.Context) error {
	ctx := c.Request().Context()
	next := safeNext(c.QueryParam("next"))
	if current(c) != nil {
		return c.Redirect(http.StatusSeeOther, next)
	}
	p, err := h.oidc.provider(ctx)
	if err != nil {
		h.log.ErrorContext(ctx, "single sign-on: provider unreachable", slog.Any("error", err))
		return render(c, http.StatusServiceUnavailable, web.LoginPage(web.LoginView{
			Next: next, SSO: true, Error: ssoUnreachable}))
	}
	state, nonce, verifier := rand.Text(), rand.Text(), oauth2.GenerateVerifier()
	h.sessions.Put(ctx, sessOIDCState, state)
	h.sessions.Put(ctx, sessOIDCNonce, nonce)
	h.sessions.Put(ctx, sessOIDCVerifier, verifier)
	h.sessions.Put(ctx, sessNext, next)
	return c.Redirect(http.StatusFound, p.oauth.AuthCodeURL(state, oidc.Nonce(nonce),
		oauth2.S256ChallengeOption(verifier)))
}

// ssoRefusal is a refused single sign-on: what the user reads and what the
// audit log keeps.
type ssoRefusal struct {
	status  int
	reason  string // audit reason, e.g. "state_mismatch"
	message string
	email   string        // from a verified ID token, or ""
	user    *storage.User // the account, when known
	detail  map[string]any
}

// refuse records r as a failed sign-in and shows the sign-in page with its
// message, with the password form and the single sign-on button to try again.
func (h *Handler) refuse(c echo.Context, next string, r ssoRefusal) error {
	ctx := c.Request().Context()
	ev := storage.AuditEvent{Actor: "anonymous", Action: "user.login_failed", ObjectType: "user",
		Outcome: storage.OutcomeError, Details: map[string]any{"method": "oidc", "reason": r.reason}}
	for k, v := range r.detail {
		ev.Details[k] = v
	}
	if r.email != "" {
		ev.Details["email"] = r.email
	}
	if r.user != nil {
		ev.Actor, ev.ObjectID = r.user.Email, r.user.ID
	}
	if err := h.store.RecordEvent(ctx, ev); err != nil {
		h.log.ErrorContext(ctx, "audit failed sign-in", slog.Any("error", err))
	}
	h.log.WarnContext(ctx, "single sign-on refused", slog.String("reason", r.reason))
	return render(c, r.status, web.LoginPage(web.LoginView{Email: r.email, Next: next, SSO: true, Error: r.message}))
}

// Messages of refused sign-ins.
const (
	ssoRestart = " Start again with \"Sign in with single sign-on\"."
	ssoExpired = "This single sign-on attempt has expired or was already used." + ssoRestart
	ssoInvalid = "The single sign-on provider's answer could not be verified, so you were not signed in." + ssoRestart
	ssoNoGroup = "Your account is not in a group that may use Precis. Ask your administrator."
)

// OIDCCallback handles GET /auth/oidc/callback, where the provider sends the
// browser back with a code. The code is exchanged (with the PKCE verifier)
// for an ID token, which must verify, carry the session's nonce, a verified
// email and a group that gives a role; the account is then created or its
// role brought in line with the groups, and the user signed in.
func (h *Handler) OIDCCallback(c echo.Context) error {
	ctx := c.Request().Context()
	q := c.QueryParams()
	// The attempt's secrets are used once, whatever happens next.
	state := h.sessions.PopString(ctx, sessOIDCState)
	nonce := h.sessions.PopString(ctx, sessOIDCNonce)
	verifier := h.sessions.PopString(ctx, sessOIDCVerifier)
	next := safeNext(h.sessions.PopString(ctx, sessNext))

	if e := q.Get("error"); e != "" {
		return h.refuse(c, next, ssoRefusal{status: http.StatusBadRequest, reason: "provider_error",
			detail:  map[string]any{"error": oauthErrorCode(e)},
			message: fmt.Sprintf("The single sign-on provider did not sign you in (%s).", oauthErrorCode(e)) + ssoRestart})
	}
	if state == "" || nonce == "" || verifier == "" {
		return h.refuse(c, next, ssoRefusal{status: http.StatusBadRequest, reason: "state_missing", message: ssoExpired})
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
		return h.refuse(c, next, ssoRefusal{status: http.StatusBadRequest, reason: "state_mismatch", message: ssoExpired})
	}
	if q.Get("code") == "" {
		return h.refuse(c, next, ssoRefusal{status: http.StatusBadRequest, reason: "code_missing", message: ssoInvalid})
	}
	p, err := h.oidc.provider(ctx)
	if err != nil {
		h.log.ErrorContext(ctx, "single sign-on: provider unreachable", slog.Any("error", err))
		return h.refuse(c, next, ssoRefusal{status: http.StatusServiceUnavailable,
			reason: "provider_unreachable", message: ssoUnreachable})
	}
	id, r := h.exchange(ctx, p, q.Get("code"), verifier, nonce)
	if r != nil {
		return h.refuse(c, next, *r)
	}
	u, r, err := h.ssoUser(ctx, id)
	if err != nil {
		return err
	} else if r != nil {
		return h.refuse(c, next, *r)
	}
	if err := h.signIn(c, u, "oidc"); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// oauthErrorCode returns the provider's error code when it looks like one
// (RFC 6749 codes are short, lower case and underscores), else "unknown":
// anyone can put any text in the callback's address.
func oauthErrorCode(s string) string {
	if len(s) > 64 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz_") != "" {
		return "unknown"
	}
	return s
}

// ssoIdentity is who the provider vouched for in a verified ID token.
type ssoIdentity struct {
	email, name string
	groups      []string
}

// exchange trades the code and PKCE verifier for an ID token at the provider
// and verifies it: signature, issuer, audience, expiry and nonce. It reads
// the identity from its claims.
func (h *Handler) exchange(ctx context.Context, p *oidcProvider, code, verifier, nonce string) (*ssoIdentity, *ssoRefusal) {
	tok, err := p.oauth.Exchange(h.oidc.ctx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			h.log.ErrorContext(ctx, "single sign-on: token request failed", slog.Any("error", err))
			return nil, &ssoRefusal{status: http.StatusBadGateway, reason: "provider_unreachable", message: ssoUnreachable}
		}
		var re *oauth2.RetrieveError
		detail := map[string]any{}
		if errors.As(err, &re) {
			detail["error"] = oauthErrorCode(re.ErrorCode)
		}
		h.log.WarnContext(ctx, "single sign-on: code exchange refused", slog.Any("error", err))
		return nil, &ssoRefusal{status: http.StatusBadRequest, reason: "exchange_failed", message: ssoInvalid, detail: detail}
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, &ssoRefusal{status: http.StatusBadRequest, reason: "id_token_missing", message: ssoInvalid}
	}
	idt, err := p.verifier.Verify(h.oidc.ctx(ctx), raw)
	if err != nil {
		reason := "token_invalid"
		if _, ok := errors.AsType[*oidc.TokenExpiredError](err); ok {
			reason = "token_expired"
		}
		h.log.WarnContext(ctx, "single sign-on: ID token refused", slog.String("reason", reason), slog.Any("error", err))
		return nil, &ssoRefusal{status: http.StatusBadRequest, reason: reason, message: ssoInvalid}
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return nil, &ssoRefusal{status: http.StatusBadRequest, reason: "nonce_mismatch", message: ssoInvalid}
	}
	return h.oidc.identity(idt)
}

// ssoUser returns the account of id, creating it (without a password) when
// there is none and giving it the role of id's groups. Disabled accounts and
// people in no allowed group are refused.
func (h *Handler) ssoUser(ctx context.Context, id *ssoIdentity) (*storage.User, *ssoRefusal, error) {
	u, err := h.store.UserByEmail(ctx, id.email)
	if storage.ErrorCode(err) == storage.ENOTFOUND {
		u = nil
	} else if err != nil {
		return nil, nil, err
	}
	role, ok := h.oidc.role(id.groups)
	if !ok {
		return nil, &ssoRefusal{status: http.StatusForbidden, reason: "no_group", email: id.email, user: u,
			message: ssoNoGroup, detail: map[string]any{"groups": len(id.groups)}}, nil
	}
	if u == nil {
		nu := &storage.User{Email: id.email, Name: id.name, Role: role}
		err := h.store.CreateUser(ctx, nu, "", "oidc")
		switch storage.ErrorCode(err) {
		case "":
			return nu, nil, nil
		case storage.ECONFLICT: // another sign-in created it meanwhile
			if u, err = h.store.UserByEmail(ctx, id.email); err != nil {
				return nil, nil, err
			}
		case storage.EINVALID:
			return nil, &ssoRefusal{status: http.StatusBadRequest, reason: "email_invalid", email: id.email,
				message: storage.ErrorMessage(err)}, nil
		default:
			return nil, nil, err
		}
	}
	if u.Disabled {
		return nil, &ssoRefusal{status: http.StatusForbidden, reason: "disabled", email: id.email, user: u,
			message: "Your Precis account is disabled. Ask your administrator."}, nil
	}
	if u.Role != role {
		err := h.store.SetUserRole(ctx, u.ID, role, "oidc")
		if storage.ErrorCode(err) == storage.ECONFLICT {
			return nil, &ssoRefusal{status: http.StatusConflict, reason: "last_admin", email: id.email, user: u,
				message: storage.ErrorMessage(err)}, nil
		} else if err != nil {
			return nil, nil, err
		}
		u.Role = role
	}
	return u, nil, nil
}
