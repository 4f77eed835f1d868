package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"precis/auth"
	"precis/storage"
	"precis/web"
)

// registerAccount installs the signed-in user's own page: their matters, their
// password, and the API tokens they use for automation.
func (h *Handler) registerAccount(e *echo.Echo) {
	e.GET("/account", h.Account)
	e.POST("/account/tokens", h.CreateToken)
	e.POST("/account/tokens/:id/revoke", h.RevokeToken)
	e.POST("/account/password", h.ChangePassword)
}

// accountView loads the account page of the signed-in user.
func (h *Handler) accountView(c echo.Context) (web.AccountView, error) {
	ctx := c.Request().Context()
	u := current(c).user
	v := web.AccountView{Email: u.Email, Name: u.Name, Role: u.Role, HasPassword: u.PasswordHash != ""}
	ms, err := h.store.UserMatters(ctx, u.ID)
	if err != nil {
		return v, err
	}
	for _, m := range ms {
		v.Matters = append(v.Matters, web.MatterItem{ID: m.ID, Title: m.Title(), LegalHold: m.LegalHold})
	}
	toks, err := h.store.APITokens(ctx, u.ID)
	if err != nil {
		return v, err
	}
	for _, t := range toks {
		v.Tokens = append(v.Tokens, web.TokenItem{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt,
			LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt})
	}
	return v, nil
}

// Account handles GET /account.
func (h *Handler) Account(c echo.Context) error {
	v, err := h.accountView(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, web.AccountPage(v))
}

// CreateToken handles POST /account/tokens: a new API token for the signed-in
// user, shown on this response only.
func (h *Handler) CreateToken(c echo.Context) error {
	ctx := c.Request().Context()
	u := current(c).user
	name := strings.TrimSpace(c.FormValue("name"))
	v, err := h.accountView(c)
	if err != nil {
		return err
	}
	if name == "" || len(name) > 100 {
		v.TokenError = "Give the token a name of at most 100 characters, such as the script that will use it."
		return render(c, http.StatusBadRequest, web.AccountPage(v))
	}
	tok, err := h.store.CreateAPIToken(ctx, u.ID, name, u.Email)
	if err != nil {
		return err
	}
	if v, err = h.accountView(c); err != nil {
		return err
	}
	v.NewToken = tok
	return render(c, http.StatusOK, web.AccountPage(v))
}

// RevokeToken handles POST /account/tokens/:id/revoke, for the user's own tokens.
func (h *Handler) RevokeToken(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id", "token")
	if err != nil {
		return err
	}
	u := current(c).user
	err = h.store.RevokeAPIToken(ctx, u.ID, id, u.Email)
	if storage.ErrorCode(err) == storage.ENOTFOUND {
		return storage.Errorf(storage.ENOTFOUND, "You have no API token %d.", id)
	} else if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account")
}

// ChangePassword handles POST /account/password: the current password, then
// the new one twice.
func (h *Handler) ChangePassword(c echo.Context) error {
	ctx := c.Request().Context()
	u := current(c).user
	v, err := h.accountView(c)
	if err != nil {
		return err
	}
	fail := func(status int, msg string) error {
		v.PasswordError = msg
		return render(c, status, web.AccountPage(v))
	}
	if u.PasswordHash == "" {
		return fail(http.StatusConflict, "You sign in through single sign-on, so there is no password to change here.")
	}
	if ok, _, err := auth.Verify(c.FormValue("current"), u.PasswordHash); err != nil || !ok {
		return fail(http.StatusUnauthorized, "Your current password is not right.")
	}
	pw := c.FormValue("new")
	if pw != c.FormValue("confirm") {
		return fail(http.StatusBadRequest, "The two new passwords are not the same.")
	}
	if err := auth.CheckPasswordPolicy(pw); err != nil {
		return fail(http.StatusBadRequest, err.Error())
	}
	hash, err := auth.Hash(pw)
	if err != nil {
		return err
	}
	if err := h.store.SetPassword(ctx, u.ID, hash, u.Email); err != nil {
		return err
	}
	if v, err = h.accountView(c); err != nil {
		return err
	}
	v.PasswordNotice = "Your password has been changed."
	return render(c, http.StatusOK, web.AccountPage(v))
}
