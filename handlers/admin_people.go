package handlers

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"precis/storage"
	"precis/web"
)

// registerPeople installs the administration pages for users and matters on
// the /admin group a, which requireAdmin guards. Every change is a POST that
// redirects back to the page it came from; storage writes its audit event, with
// the acting admin as actor, in the same transaction.
func (h *Handler) registerPeople(a *echo.Group) {
	a.GET("/users", h.AdminUsers)
	a.POST("/users", h.AdminCreateUser)
	a.GET("/users/:id", h.AdminUser)
	a.POST("/users/:id/role", h.AdminSetRole)
	a.POST("/users/:id/disable", h.AdminDisableUser)
	a.POST("/users/:id/enable", h.AdminEnableUser)
	a.POST("/users/:id/password", h.AdminSetPassword)
	a.POST("/users/:id/matters", h.AdminAddUserMatter)
	a.POST("/users/:id/matters/remove", h.AdminRemoveUserMatter)
	a.POST("/users/:id/tokens/revoke", h.AdminRevokeToken)

	a.GET("/matters", h.AdminMatters)
	a.POST("/matters", h.AdminCreateMatter)
	a.GET("/matters/:id", h.AdminMatter)
	a.POST("/matters/:id/rename", h.AdminRenameMatter)
	a.POST("/matters/:id/members", h.AdminAddMember)
	a.POST("/matters/:id/members/remove", h.AdminRemoveMember)
	a.POST("/matters/:id/hold", h.AdminHoldMatter)
	a.POST("/matters/:id/release", h.AdminReleaseMatter)
}

// peopleNotices are the notices a redirect after a change carries in its "done"
// parameter. Only these keys are shown, so a crafted link cannot put its own text on
// the page.
var peopleNotices = map[string]string{
	"user-created":   "User created. They can sign in with the password you gave them.",
	"role":           "Role changed.",
	"disabled":       "Account disabled: the user can no longer sign in, and their API tokens do not work.",
	"enabled":        "Account enabled.",
	"password":       "Password set. Give it to the user in person or by phone.",
	"member-added":   "Member added: they now see the matter's documents.",
	"member-removed": "Member removed: they no longer see the matter's documents.",
	"token-revoked":  "API token revoked.",
	"matter-created": "Matter created. Add members so that they see its documents.",
	"renamed":        "Matter saved.",
	"hold":           "The matter is on legal hold: none of its documents can be deleted.",
	"released":       "Legal hold released.",
}

// peopleFrame is the frame of a users or matters page, with the notice of the change
// that redirected to it.
func (h *Handler) peopleFrame(c echo.Context, tab, title string) (web.AdminFrame, error) {
	f := web.AdminFrame{Tab: tab, Title: title, Notice: peopleNotices[c.QueryParam("done")]}
	pol, err := h.policyIfAny(c.Request().Context())
	if err != nil {
		return f, err
	}
	if pol != nil {
		f.Version = pol.Version
	}
	return f, nil
}

// redirectDone goes back to page after a change, with the notice that says what was done.
func redirectDone(c echo.Context, page, done string) error {
	return c.Redirect(http.StatusSeeOther, page+"?"+url.Values{"done": {done}}.Encode())
}

// formID reads a numeric id from a form field; 0 when absent or not a number.
func formID(c echo.Context, field string) int64 {
	id, err := strconv.ParseInt(c.FormValue(field), 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// refusal sorts the error of a change: a refusal the user can act on (invalid input, a
// conflict, an unknown member or token) gives its status and message, to show next to
// the form; anything else is returned as is, for the error handler.
func refusal(err error) (status int, msg string, other error) {
	switch storage.ErrorCode(err) {
	case storage.EINVALID, storage.ECONFLICT, storage.ENOTFOUND:
		return statusOf[storage.ErrorCode(err)], storage.ErrorMessage(err), nil
	}
	return 0, "", err
}
