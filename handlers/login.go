package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"precis/auth"
	"precis/storage"
	"precis/web"
)

// Sign-in throttling: after this many failed attempts within throttleWindow
// an account (counted since its last successful sign-in) or a client address
// is refused until the window has passed.
const (
	throttleWindow     = 15 * time.Minute
	maxAccountFailures = 5
	maxAddressFailures = 20
)

// badLogin is the one message for every failed sign-in, so the page does not
// tell whether an account exists.
const badLogin = "The email address or password is not right."

// dummyHash is verified against when the account does not exist or has no
// password, so a failed sign-in takes as long either way.
var dummyHash = sync.OnceValue(func() string {
	h, err := auth.Hash("precis timing equaliser")
	if err != nil {
		panic(err)
	}
	return h
})

// LoginPage handles GET /login.
func (h *Handler) LoginPage(c echo.Context) error {
	next := safeNext(c.QueryParam("next"))
	if current(c) != nil {
		return c.Redirect(http.StatusSeeOther, next)
	}
	v := web.LoginView{Next: next, SSO: h.oidc != nil}
	if c.QueryParam("signed_out") == "1" {
		v.Notice = "You have signed out."
	}
	return render(c, http.StatusOK, web.LoginPage(v))
}

// Login handles POST /login: email and password. A success starts a new
// session under a new token (so a token planted before sign-in is worth
// nothing) and goes to next; a failure shows the form again with the email.
func (h *Handler) Login(c echo.Context) error {
	ctx := c.Request().Context()
	email := strings.TrimSpace(c.FormValue("email"))
	v := web.LoginView{Email: email, Next: safeNext(c.FormValue("next")), SSO: h.oidc != nil}
	if email == "" || c.FormValue("password") == "" {
		v.Error = "Enter your email address and password."
		return render(c, http.StatusBadRequest, web.LoginPage(v))
	}
	keys := []string{"account:" + strings.ToLower(email), "addr:" + c.RealIP()}
	if wait, err := h.throttled(ctx, keys); err != nil {
		return err
	} else if wait != "" {
		h.loginFailed(ctx, email, nil, "throttled")
		v.Error = wait
		return render(c, http.StatusTooManyRequests, web.LoginPage(v))
	}

	u, err := h.store.UserByEmail(ctx, email)
	if err != nil && storage.ErrorCode(err) != storage.ENOTFOUND {
		return err
	}
	hash := dummyHash()
	if u != nil && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	ok, rehash, verr := auth.Verify(c.FormValue("password"), hash)
	reason := ""
	switch {
	case verr != nil:
		h.log.ErrorContext(ctx, "stored password hash unreadable", slog.Int64("user_id", u.ID), slog.Any("error", verr))
		reason = "bad_hash"
	case u == nil:
		reason = "unknown_account"
	case u.PasswordHash == "":
		reason = "no_password"
	case !ok:
		reason = "wrong_password"
	case u.Disabled:
		reason = "disabled"
	}
	for _, k := range keys {
		if err := h.store.RecordLoginAttempt(ctx, k, reason == ""); err != nil {
			return err
		}
	}
	if reason != "" {
		h.loginFailed(ctx, email, u, reason)
		v.Error = badLogin
		return render(c, http.StatusUnauthorized, web.LoginPage(v))
	}
	if rehash {
		if nh, err := auth.Hash(c.FormValue("password")); err == nil {
			if err := h.store.SetPassword(ctx, u.ID, nh, u.Email); err != nil {
				h.log.WarnContext(ctx, "rehash password", slog.Int64("user_id", u.ID), slog.Any("error", err))
			}
		}
	}
	if err := h.signIn(c, u, "password"); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, v.Next)
}

// signIn starts a session for u under a fresh token and records the sign-in
// ("user.login", with the method: password or oidc).
func (h *Handler) signIn(c echo.Context, u *storage.User, method string) error {
	ctx := storage.WithActor(c.Request().Context(), storage.Actor{Name: u.Email, Role: u.Role, Addr: c.RealIP()})
	if err := h.sessions.RenewToken(ctx); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	h.sessions.Put(ctx, sessUserID, u.ID)
	if err := h.store.RecordLogin(ctx, u.ID, u.Email, method); err != nil {
		return err
	}
	if _, err := h.store.Sessions().DeleteExpired(ctx); err != nil {
		h.log.WarnContext(ctx, "delete expired sessions", slog.Any("error", err))
	}
	return nil
}

// throttled returns a message when any key has too many recent failures.
func (h *Handler) throttled(ctx context.Context, keys []string) (string, error) {
	since := time.Now().Add(-throttleWindow)
	for _, k := range keys {
		limit := maxAddressFailures
		n, err := h.store.RecentFailures(ctx, k, since)
		if strings.HasPrefix(k, "account:") {
			limit = maxAccountFailures
			n, err = h.store.FailuresSinceSuccess(ctx, k, since)
		}
		if err != nil {
			return "", err
		}
		if n >= limit {
			return fmt.Sprintf("Too many failed sign-ins. Wait %d minutes and try again, or ask an administrator "+
				"to set a new password.", int(throttleWindow.Minutes())), nil
		}
	}
	return "", nil
}

// loginFailed records a failed sign-in. The typed address is kept only when
// it names an account; otherwise only its hash, since people type passwords
// into the wrong field.
func (h *Handler) loginFailed(ctx context.Context, email string, u *storage.User, reason string) {
	ev := storage.AuditEvent{Actor: "anonymous", Action: "user.login_failed", ObjectType: "user",
		Outcome: storage.OutcomeError, Details: map[string]any{"reason": reason}}
	if u != nil {
		ev.Actor, ev.ObjectID = u.Email, u.ID
	} else {
		sum := sha256.Sum256([]byte(strings.ToLower(email)))
		ev.Details["email_sha256"] = hex.EncodeToString(sum[:])
	}
	if err := h.store.RecordEvent(ctx, ev); err != nil {
		h.log.ErrorContext(ctx, "audit failed sign-in", slog.Any("error", err))
	}
}

// Logout handles POST /logout: the session ends on the server, not only in the
// browser, so a copied cookie stops working too.
func (h *Handler) Logout(c echo.Context) error {
	ctx := c.Request().Context()
	if p := current(c); p != nil && !p.viaToken {
		if err := h.store.RecordEvent(ctx, storage.AuditEvent{Actor: p.user.Email, Action: "user.logout",
			ObjectType: "user", ObjectID: p.user.ID}); err != nil {
			return err
		}
	}
	if err := h.sessions.Destroy(ctx); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	return c.Redirect(http.StatusSeeOther, "/login?signed_out=1")
}
