package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"precis/auth"
	"precis/storage"
	"precis/web"
)

// userPage is the address of a user's administration page.
func userPage(id int64) string { return "/admin/users/" + strconv.FormatInt(id, 10) }

// adminUserRow is the row of a user, with the number of their matters.
func adminUserRow(u storage.User, matters int) web.AdminUserRow {
	return web.AdminUserRow{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Disabled: u.Disabled,
		CreatedAt: u.CreatedAt, LastLogin: u.LastLoginAt, Matters: matters}
}

// usersView lists every user with the number of their matters, and the add form.
func (h *Handler) usersView(c echo.Context, form web.AdminUserForm) (web.AdminUsersView, error) {
	ctx := c.Request().Context()
	v := web.AdminUsersView{Form: form, MinPassword: auth.MinPasswordLen}
	var err error
	if v.Frame, err = h.peopleFrame(c, "users", "Users"); err != nil {
		return v, err
	}
	users, err := h.store.ListUsers(ctx)
	if err != nil {
		return v, err
	}
	for _, u := range users {
		ms, err := h.store.UserMatters(ctx, u.ID)
		if err != nil {
			return v, err
		}
		v.Users = append(v.Users, adminUserRow(u, len(ms)))
	}
	return v, nil
}

// AdminUsers handles GET /admin/users: the users and the form that adds one.
func (h *Handler) AdminUsers(c echo.Context) error {
	v, err := h.usersView(c, web.AdminUserForm{Role: storage.RoleStaff})
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, web.AdminUsersPage(v))
}

// AdminCreateUser handles POST /admin/users: fields email, name, role and password (the
// initial password, which must pass auth.CheckPasswordPolicy). A refused form comes back
// with the input, except the password, and a message next to the field.
func (h *Handler) AdminCreateUser(c echo.Context) error {
	ctx := c.Request().Context()
	form := web.AdminUserForm{Email: strings.TrimSpace(c.FormValue("email")),
		Name: strings.TrimSpace(c.FormValue("name")), Role: c.FormValue("role")}
	password := c.FormValue("password")
	if form.Role != storage.RoleAdmin && form.Role != storage.RoleStaff {
		form.RoleError = "Choose a role: Staff or Administrator."
	}
	if err := auth.CheckPasswordPolicy(password); err != nil {
		form.PasswordError = userMessage(err)
	}
	status := http.StatusBadRequest
	if form.RoleError == "" && form.PasswordError == "" {
		hash, err := auth.Hash(password)
		if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		actor, _ := h.identify(c)
		u := &storage.User{Email: form.Email, Name: form.Name, Role: form.Role}
		err = h.store.CreateUser(ctx, u, hash, actor)
		if err == nil {
			h.log.InfoContext(ctx, "user created", slog.Int64("user", u.ID), slog.String("role", u.Role),
				slog.String("actor", actor))
			return redirectDone(c, userPage(u.ID), "user-created")
		}
		st, msg, other := refusal(err)
		if other != nil {
			return other
		}
		status, form.EmailError = st, msg
	}
	if form.PasswordError == "" && password != "" {
		form.PasswordError = "The password is not kept when the form is refused: type it again."
	}
	v, err := h.usersView(c, form)
	if err != nil {
		return err
	}
	return render(c, status, web.AdminUsersPage(v))
}

// userView is a user's page, for the admin of the request.
func (h *Handler) userView(c echo.Context, u *storage.User) (web.AdminUserView, error) {
	ctx := c.Request().Context()
	v := web.AdminUserView{MinPassword: auth.MinPasswordLen}
	var err error
	if v.Frame, err = h.peopleFrame(c, "users", u.Email); err != nil {
		return v, err
	}
	mine, err := h.store.UserMatters(ctx, u.ID)
	if err != nil {
		return v, err
	}
	all, err := h.store.Matters(ctx)
	if err != nil {
		return v, err
	}
	tokens, err := h.store.APITokens(ctx, u.ID)
	if err != nil {
		return v, err
	}
	actor, _ := h.identify(c)
	v.User, v.Self = adminUserRow(*u, len(mine)), strings.EqualFold(actor, u.Email)
	for _, m := range mine {
		v.Matters = append(v.Matters, web.AdminOption{ID: m.ID, Title: m.Title()})
	}
	for _, m := range all {
		if !slices.ContainsFunc(mine, func(x storage.Matter) bool { return x.ID == m.ID }) {
			v.AddMatters = append(v.AddMatters, web.AdminOption{ID: m.ID, Title: m.Title()})
		}
	}
	for _, t := range tokens {
		v.Tokens = append(v.Tokens, web.AdminTokenRow{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt,
			LastUsed: t.LastUsedAt, RevokedAt: t.RevokedAt})
	}
	return v, nil
}

// pathUser loads the user whose id is in the path; ENOTFOUND for an unknown one.
func (h *Handler) pathUser(c echo.Context) (*storage.User, error) {
	id, err := pathID(c, "id", "user")
	if err != nil {
		return nil, err
	}
	return h.store.UserByID(c.Request().Context(), id)
}

// AdminUser handles GET /admin/users/:id: the user, their matters and API tokens, and
// the forms that change them.
func (h *Handler) AdminUser(c echo.Context) error {
	u, err := h.pathUser(c)
	if err != nil {
		return err
	}
	v, err := h.userView(c, u)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, web.AdminUserPage(v))
}

// userChange is one change to a user, made by actor; it returns the key of the notice
// to show (peopleNotices) or the URL to go to when it starts with "/".
type userChange func(ctx context.Context, u *storage.User, actor string) (done string, err error)

// changeUser runs change on the user of the path and goes back to the user's page. A
// refused change shows the page again with the message, placed by show, and the status
// of the refusal.
func (h *Handler) changeUser(c echo.Context, change userChange, show func(*web.AdminUserView, string)) error {
	u, err := h.pathUser(c)
	if err != nil {
		return err
	}
	actor, _ := h.identify(c)
	done, err := change(c.Request().Context(), u, actor)
	if err == nil {
		if strings.HasPrefix(done, "/") {
			return c.Redirect(http.StatusSeeOther, done)
		}
		return redirectDone(c, userPage(u.ID), done)
	}
	status, msg, other := refusal(err)
	if other != nil {
		return other
	}
	if u, err = h.store.UserByID(c.Request().Context(), u.ID); err != nil {
		return err
	}
	v, err := h.userView(c, u)
	if err != nil {
		return err
	}
	show(&v, msg)
	return render(c, status, web.AdminUserPage(v))
}

// AdminSetRole handles POST /admin/users/:id/role: field role. Storage refuses to take
// the role of the last enabled admin. An admin who makes themselves staff goes to the
// documents list, as the administration pages are no longer theirs.
func (h *Handler) AdminSetRole(c echo.Context) error {
	role := c.FormValue("role")
	return h.changeUser(c, func(ctx context.Context, u *storage.User, actor string) (string, error) {
		if role == u.Role {
			return "", storage.Errorf(storage.ECONFLICT, "%s is already %s; nothing changed.", u.Email, roleName(role))
		}
		if err := h.store.SetUserRole(ctx, u.ID, role, actor); err != nil {
			return "", err
		}
		if strings.EqualFold(actor, u.Email) && role != storage.RoleAdmin {
			return "/", nil
		}
		return "role", nil
	}, func(v *web.AdminUserView, msg string) { v.RoleError = msg })
}

// roleName names a role for people.
func roleName(role string) string {
	if role == storage.RoleAdmin {
		return "an administrator"
	}
	return "staff"
}

// AdminDisableUser handles POST /admin/users/:id/disable. An admin cannot disable their
// own account, and storage refuses to disable the last enabled admin.
func (h *Handler) AdminDisableUser(c echo.Context) error {
	return h.setDisabled(c, true)
}

// AdminEnableUser handles POST /admin/users/:id/enable.
func (h *Handler) AdminEnableUser(c echo.Context) error {
	return h.setDisabled(c, false)
}

func (h *Handler) setDisabled(c echo.Context, disabled bool) error {
	return h.changeUser(c, func(ctx context.Context, u *storage.User, actor string) (string, error) {
		switch {
		case disabled && strings.EqualFold(actor, u.Email):
			return "", storage.Errorf(storage.ECONFLICT,
				"You cannot disable your own account. Another administrator can, if it must be disabled.")
		case u.Disabled == disabled && disabled:
			return "", storage.Errorf(storage.ECONFLICT, "The account of %s is already disabled.", u.Email)
		case u.Disabled == disabled:
			return "", storage.Errorf(storage.ECONFLICT, "The account of %s is already enabled.", u.Email)
		}
		if err := h.store.SetUserDisabled(ctx, u.ID, disabled, actor); err != nil {
			return "", err
		}
		if disabled {
			return "disabled", nil
		}
		return "enabled", nil
	}, func(v *web.AdminUserView, msg string) { v.StatusError = msg })
}

// AdminSetPassword handles POST /admin/users/:id/password: field password, which must
// pass auth.CheckPasswordPolicy. The password is never sent back.
func (h *Handler) AdminSetPassword(c echo.Context) error {
	password := c.FormValue("password")
	return h.changeUser(c, func(ctx context.Context, u *storage.User, actor string) (string, error) {
		if err := auth.CheckPasswordPolicy(password); err != nil {
			return "", storage.Errorf(storage.EINVALID, "%s", userMessage(err))
		}
		hash, err := auth.Hash(password)
		if err != nil {
			return "", fmt.Errorf("set password: %w", err)
		}
		if err := h.store.SetPassword(ctx, u.ID, hash, actor); err != nil {
			return "", err
		}
		return "password", nil
	}, func(v *web.AdminUserView, msg string) { v.PasswordError = msg })
}

// AdminAddUserMatter handles POST /admin/users/:id/matters: field matter_id, the matter
// the user joins.
func (h *Handler) AdminAddUserMatter(c echo.Context) error {
	matterID := formID(c, "matter_id")
	return h.changeUser(c, func(ctx context.Context, u *storage.User, actor string) (string, error) {
		if matterID == 0 {
			return "", storage.Errorf(storage.EINVALID, "Choose the matter to add %s to.", u.Email)
		}
		return "member-added", h.store.AddMember(ctx, matterID, u.ID, actor)
	}, func(v *web.AdminUserView, msg string) { v.MatterError = msg })
}

// AdminRemoveUserMatter handles POST /admin/users/:id/matters/remove: field matter_id,
// the matter the user leaves.
func (h *Handler) AdminRemoveUserMatter(c echo.Context) error {
	matterID := formID(c, "matter_id")
	return h.changeUser(c, func(ctx context.Context, u *storage.User, actor string) (string, error) {
		if matterID == 0 {
			return "", storage.Errorf(storage.EINVALID, "Choose the matter to remove %s from.", u.Email)
		}
		return "member-removed", h.store.RemoveMember(ctx, matterID, u.ID, actor)
	}, func(v *web.AdminUserView, msg string) { v.MatterError = msg })
}

// AdminRevokeToken handles POST /admin/users/:id/tokens/revoke: field token_id, one of
// the user's API tokens.
func (h *Handler) AdminRevokeToken(c echo.Context) error {
	tokenID := formID(c, "token_id")
	return h.changeUser(c, func(ctx context.Context, u *storage.User, actor string) (string, error) {
		err := h.store.RevokeAPIToken(ctx, u.ID, tokenID, actor)
		if storage.ErrorCode(err) == storage.ENOTFOUND {
			return "", storage.Errorf(storage.ENOTFOUND, "%s has no such API token; it may have been deleted.", u.Email)
		}
		return "token-revoked", err
	}, func(v *web.AdminUserView, msg string) { v.TokenError = msg })
}
