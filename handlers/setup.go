package handlers

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"precis/auth"
	"precis/storage"
	"precis/web"
)

// First start. With no user yet, the server prints a one-time setup link
// (Config.SetupToken, random, valid for that run); whoever opens it creates
// the first administrator and is signed in. Once any user exists the page is
// gone, whatever the token. There is never a default password.

// setupAllowed reports whether the setup page may be used with this token.
func (h *Handler) setupAllowed(c echo.Context, token string) (bool, error) {
	if h.cfg.SetupToken == "" || subtle.ConstantTimeCompare([]byte(token), []byte(h.cfg.SetupToken)) != 1 {
		return false, nil
	}
	n, err := h.store.CountUsers(c.Request().Context())
	return n == 0, err
}

var setupGone = storage.Errorf(storage.ENOTFOUND,
	"This setup link is not valid: it was used already, or it is from an earlier start of the server. Sign in, "+
		"or create an administrator with: precis user add --email you@example.com --role admin")

// SetupPage handles GET /setup?token=...: the form for the first administrator.
func (h *Handler) SetupPage(c echo.Context) error {
	tok := c.QueryParam("token")
	if ok, err := h.setupAllowed(c, tok); err != nil {
		return err
	} else if !ok {
		return setupGone
	}
	return render(c, http.StatusOK, web.SetupPage(web.SetupView{Token: tok}))
}

// Setup handles POST /setup: creates the first administrator and signs them in.
func (h *Handler) Setup(c echo.Context) error {
	ctx := c.Request().Context()
	tok := c.FormValue("token")
	if ok, err := h.setupAllowed(c, tok); err != nil {
		return err
	} else if !ok {
		return setupGone
	}
	v := web.SetupView{Token: tok, Email: strings.TrimSpace(c.FormValue("email")), Name: strings.TrimSpace(c.FormValue("name"))}
	pw := c.FormValue("password")
	if pw != c.FormValue("confirm") {
		v.Error = "The two passwords are not the same."
	} else if err := auth.CheckPasswordPolicy(pw); err != nil {
		v.Error = err.Error()
	}
	if v.Error != "" {
		return render(c, http.StatusBadRequest, web.SetupPage(v))
	}
	hash, err := auth.Hash(pw)
	if err != nil {
		return err
	}
	u := &storage.User{Email: v.Email, Name: v.Name, Role: storage.RoleAdmin}
	if err := h.store.CreateUser(ctx, u, hash, "setup"); err != nil {
		if storage.ErrorCode(err) == storage.EINVALID {
			v.Error = storage.ErrorMessage(err)
			return render(c, http.StatusBadRequest, web.SetupPage(v))
		}
		return err
	}
	h.log.InfoContext(ctx, "first administrator created through the setup link", "user_id", u.ID)
	if err := h.signIn(c, u, "password"); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/matters")
}
