package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"precis/storage"
	"precis/summarize"
	"precis/summarize/policy"
	"precis/web"
)

// maxNote bounds the note saved with a policy version.
const maxNote = 200

// registerClassification installs the document label routes and the administration pages
// (labels, detectors, watchlist, providers, the policy grid, the version history), all of
// which go through requireAdmin.
func (h *Handler) registerClassification(e *echo.Echo) {
	e.GET("/documents/:id/classification", h.ClassificationFacts)
	e.POST("/documents/:id/label", h.ChangeLabel)

	a := e.Group("/admin", h.requireAdmin)
	a.GET("", h.AdminIndex)
	a.GET("/labels", h.AdminLabels)
	a.POST("/labels", h.AddLabel)
	a.POST("/labels/rename", h.RenameLabel)
	a.POST("/labels/default", h.SetDefaultLabel)
	a.GET("/detectors", h.AdminDetectors)
	a.POST("/detectors", h.SaveDetectors)
	a.GET("/watchlist", h.AdminWatchlist)
	a.POST("/watchlist", h.SaveWatchlist)
	a.GET("/providers", h.AdminProviders)
	a.POST("/providers", h.AddProvider)
	a.POST("/providers/update", h.UpdateProvider)
	a.POST("/providers/delete", h.RemoveProvider)
	a.POST("/providers/test", h.TestProvider)
	a.GET("/policy", h.AdminPolicy)
	a.POST("/policy", h.SavePolicyGrid)
	a.GET("/history", h.AdminHistory)
	h.registerPeople(a)
}

// requireAdmin is the one check every administration page and action goes through: it
// refuses anyone who is not an administrator with 403.
func (h *Handler) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, admin := h.identify(c); !admin {
			return echo.NewHTTPError(http.StatusForbidden,
				"Only administrators can open the administration pages and change the classification settings. "+
					"Ask an administrator if a setting needs changing.")
		}
		return next(c)
	}
}

// currentPolicy reads the policy in force, at every call: a change an admin saves applies
// to the very next request and model call.
func (h *Handler) currentPolicy(ctx context.Context) (*policy.Policy, error) {
	p, err := summarize.StorePolicies{Store: h.store}.Current(ctx)
	if storage.ErrorCode(err) == storage.ENOTFOUND {
		return nil, storage.Errorf(storage.ENOTFOUND,
			"No classification policy is stored yet. Restart Precis: it saves the default policy when it starts.")
	}
	return p, err
}

// policyIfAny is currentPolicy, with nil when none is stored yet.
func (h *Handler) policyIfAny(ctx context.Context) (*policy.Policy, error) {
	p, err := h.currentPolicy(ctx)
	if storage.ErrorCode(err) == storage.ENOTFOUND {
		return nil, nil
	}
	return p, err
}

// editablePolicy loads the policy for a change. It refuses with 409 settings that a
// --config file declares, and a form shown with an older version than the one in force
// (someone else saved meanwhile: redo the change on what they saved, not over it).
func (h *Handler) editablePolicy(c echo.Context) (*policy.Policy, error) {
	pol, err := h.currentPolicy(c.Request().Context())
	if err != nil {
		return nil, err
	}
	if pol.Managed != "" {
		return nil, storage.Errorf(storage.ECONFLICT, "%s", (&policy.ManagedError{File: pol.Managed}).Error())
	}
	if v := c.FormValue("version"); v != "" && v != strconv.FormatInt(pol.Version, 10) {
		return nil, storage.Errorf(storage.ECONFLICT,
			"The policy was changed while you were editing it; it is now v%d. Nothing was saved: open the page again and redo your change.",
			pol.Version)
	}
	return pol, nil
}

// adminFrame is the frame of an administration page, with the notice the redirect after a
// save carries in its query.
func adminFrame(c echo.Context, pol *policy.Policy, tab, title string) web.AdminFrame {
	f := web.AdminFrame{Tab: tab, Title: title, Version: pol.Version, Managed: pol.Managed}
	var notes []string
	if v, err := strconv.ParseInt(c.QueryParam("saved"), 10, 64); err == nil && v > 0 {
		notes = append(notes, fmt.Sprintf("Saved as policy v%d; it applies from the next model call.", v))
	}
	if c.QueryParam("unchanged") == "1" {
		notes = append(notes, "Nothing changed in the policy.")
	}
	if c.QueryParam("key") == "1" {
		notes = append(notes, "The API key was stored encrypted; it is never shown again.")
	}
	f.Notice = strings.Join(notes, " ")
	return f
}

// savePolicy stores validated settings as the next policy version, by the admin of the
// request, with source "admin". saved is false when nothing changed.
func (h *Handler) savePolicy(c echo.Context, next policy.Settings, note string) (version int64, saved bool, err error) {
	ctx := c.Request().Context()
	if err := next.Validate(); err != nil {
		return 0, false, storage.Errorf(storage.EINVALID, "%s", err.Error())
	}
	body, err := json.Marshal(next)
	if err != nil {
		return 0, false, fmt.Errorf("save policy: %w", err)
	}
	actor, _ := h.identify(c)
	if r := []rune(note); len(r) > maxNote {
		note = string(r[:maxNote])
	}
	version, saved, err = h.store.SavePolicy(ctx, actor, "admin", note, body)
	if err != nil {
		return 0, false, err
	}
	h.log.InfoContext(ctx, "policy saved", slog.Int64("version", version), slog.Bool("changed", saved),
		slog.String("actor", actor))
	return version, saved, nil
}

// saveAndReturn saves the settings and redirects to the page, which says what happened.
func (h *Handler) saveAndReturn(c echo.Context, next policy.Settings, note, page string) error {
	version, saved, err := h.savePolicy(c, next, note)
	if err != nil {
		return err
	}
	return redirectSaved(c, page, version, saved, false)
}

func redirectSaved(c echo.Context, page string, version int64, saved, key bool) error {
	q := url.Values{}
	if saved {
		q.Set("saved", strconv.FormatInt(version, 10))
	} else {
		q.Set("unchanged", "1")
	}
	if key {
		q.Set("key", "1")
	}
	return c.Redirect(http.StatusSeeOther, page+"?"+q.Encode())
}

// userMessage turns an error of a settings edit into a sentence: a capital first letter
// and a full stop.
func userMessage(err error) string {
	msg := strings.TrimSpace(err.Error())
	if msg == "" {
		return msg
	}
	r, n := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[n:]
	if !strings.ContainsAny(msg[len(msg)-1:], ".!?") {
		msg += "."
	}
	return msg
}

// AdminIndex handles GET /admin: the policy grid.
func (h *Handler) AdminIndex(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, "/admin/policy")
}

// AdminHistory handles GET /admin/history: the saved policy versions, newest first.
func (h *Handler) AdminHistory(c echo.Context) error {
	ctx := c.Request().Context()
	pol, err := h.currentPolicy(ctx)
	if err != nil {
		return err
	}
	versions, err := h.store.PolicyHistory(ctx, 500)
	if err != nil {
		return err
	}
	v := web.HistoryView{Frame: adminFrame(c, pol, "history", "Policy versions")}
	for _, p := range versions {
		v.Versions = append(v.Versions, web.PolicyVersionView{Version: p.Version, At: p.CreatedAt, Actor: p.Actor,
			Source: p.Source, Note: p.Note, SHA256: p.SHA256})
	}
	return render(c, http.StatusOK, web.AdminHistoryPage(v))
}
