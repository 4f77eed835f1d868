package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"precis/storage"
	"precis/web"
)

// maxPasswordLen bounds a submitted password, in bytes.
const maxPasswordLen = 1024

// SupplyPassword handles POST /documents/:id/password (form field "password") for an
// encrypted document: it hands the password to the job runner, in memory only, puts the
// document back to pending and queues its job again. The password is never stored, logged
// or put in the audit trail; a wrong one brings the document back as encrypted, saying so.
// htmx requests get the document's progress, others a redirect to the document.
func (h *Handler) SupplyPassword(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := h.document(c)
	if err != nil {
		return err
	}
	if !needsPassword(d) {
		return storage.Errorf(storage.ECONFLICT, "This document does not need a password.")
	}
	password := c.FormValue("password")
	switch {
	case password == "":
		return h.passwordError(c, d, "Enter the password of this PDF.")
	case len(password) > maxPasswordLen:
		return h.passwordError(c, d, fmt.Sprintf("This password is too long: at most %d characters.", maxPasswordLen))
	}
	j, err := h.latestJob(ctx, d.ID)
	if err != nil {
		return err
	}
	if j != nil && !j.Finished() {
		return storage.Errorf(storage.ECONFLICT, "This document is being read already. Wait until it is done.")
	}

	h.jobs.PutPassword(d.ID, password)
	if err := h.requeueWithPassword(ctx, d.ID, j); err != nil {
		h.jobs.DropPassword(d.ID)
		return err
	}
	h.jobs.Wake()
	h.log.InfoContext(ctx, "password supplied for an encrypted document", slog.Int64("document_id", d.ID))

	if !isHTMX(c) {
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/documents/%d", d.ID))
	}
	if d, err = h.store.Document(ctx, d.ID); err != nil {
		return err
	}
	v, err := h.progressView(ctx, d)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, web.Progress(v))
}

// requeueWithPassword resets the document's extraction and queues its job again: the
// latest one when it failed or was cancelled, a new one otherwise.
func (h *Handler) requeueWithPassword(ctx context.Context, docID int64, j *storage.Job) error {
	if err := h.store.ResetExtraction(ctx, docID, actorName(ctx)); err != nil {
		return err
	}
	if j != nil && (j.Status == storage.JobFailed || j.Status == storage.JobCancelled) {
		return h.store.RetryJob(ctx, j.ID, actorName(ctx))
	}
	_, err := h.store.CreateJob(ctx, docID, actorName(ctx))
	return err
}

// passwordError renders the password form again with msg next to the field (422).
func (h *Handler) passwordError(c echo.Context, d *storage.Document, msg string) error {
	ctx := c.Request().Context()
	if isHTMX(c) {
		v, err := h.progressView(ctx, d)
		if err != nil {
			return err
		}
		v.PasswordError = msg
		return render(c, http.StatusUnprocessableEntity, web.Progress(v))
	}
	v, err := h.documentView(ctx, d)
	if err != nil {
		return err
	}
	v.Progress.PasswordError = msg
	return render(c, http.StatusUnprocessableEntity, web.DocumentPage(v))
}
