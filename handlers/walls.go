package handlers

import (
	"context"
	"log/slog"

	"github.com/labstack/echo/v4"

	"precis/storage"
)

// Ethical walls. Every route that shows or changes a document, its pages, its
// file, its summary or its jobs loads the document through readable, which
// lets through the members of its matter (and administrators when
// Config.AdminSeesContent is on). Anyone else gets exactly the answer a
// document that does not exist gets, so a wall does not even reveal that the
// document is there, and the refusal is recorded as "access.denied".

// canRead reports whether the signed-in user may read the matter's documents.
func (h *Handler) canRead(c echo.Context, matterID int64) (bool, error) {
	p := current(c)
	if p == nil {
		return false, nil
	}
	if p.admin() && h.cfg.AdminSeesContent {
		return true, nil
	}
	return h.store.IsMember(c.Request().Context(), matterID, p.user.ID)
}

// readable returns d when the user may read it; otherwise it records the
// refusal and returns notFound.
func (h *Handler) readable(c echo.Context, d *storage.Document, notFound error) (*storage.Document, error) {
	ok, err := h.canRead(c, d.MatterID)
	if err != nil {
		return nil, err
	}
	if !ok {
		h.refused(c, "document", d.ID)
		return nil, notFound
	}
	return d, nil
}

// refused records a refused access: who, which route, which object.
func (h *Handler) refused(c echo.Context, objectType string, id int64) {
	ctx := c.Request().Context()
	actor, _ := h.identify(c)
	if err := h.store.RecordEvent(ctx, storage.AuditEvent{Actor: actor, Action: "access.denied",
		ObjectType: objectType, ObjectID: id, Outcome: "denied",
		Details: map[string]any{"method": c.Request().Method, "route": c.Path()}}); err != nil {
		h.log.ErrorContext(ctx, "audit refused access", slog.Any("error", err))
	}
}

// viewed records that the user saw or downloaded something of a document:
// action is "document.view", "page.view", "summary.view" or
// "document.download". A failure to record is logged, and the view fails:
// what cannot be recorded is not shown.
func (h *Handler) viewed(c echo.Context, action string, d *storage.Document, details map[string]any) error {
	actor, _ := h.identify(c)
	return h.store.RecordEvent(c.Request().Context(), storage.AuditEvent{Actor: actor, Action: action,
		ObjectType: "document", ObjectID: d.ID, Details: details})
}

// actorName is the email of the signed-in user the request context carries,
// for storage calls that name who acts.
func actorName(ctx context.Context) string {
	if a, ok := storage.ActorFrom(ctx); ok && a.Name != "" {
		return a.Name
	}
	return "anonymous"
}
