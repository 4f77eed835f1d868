package handlers

import (
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

	"github.com/labstack/echo/v4"
)

// DeleteDocument handles POST /documents/:id/delete, for members of the
// document's matter: the document, its file, its text, chunks and summaries
// go; the audit trail keeps its ids and hash. Refused (409) while its matter is
// on legal hold or a job for it runs.
func (h *Handler) DeleteDocument(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := h.document(c)
	if err != nil {
		return err
	}
	stored, err := h.store.DeleteDocument(ctx, d.ID, actorName(ctx))
	if err != nil {
		return err
	}
	// The row is gone, so the file is unreachable; a crash before this line
	// leaves a file that the server removes at its next start.
	if err := os.Remove(filepath.Join(h.filesDir, filepath.Base(stored))); err != nil && !errors.Is(err, fs.ErrNotExist) {
		h.log.ErrorContext(ctx, "remove deleted document's file", slog.Int64("document_id", d.ID), slog.Any("error", err))
	}
	h.log.InfoContext(ctx, "document deleted", slog.Int64("document_id", d.ID), slog.String("sha256", d.SHA256))
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", "/?deleted=1")
		return c.NoContent(http.StatusOK)
	}
	return c.Redirect(http.StatusSeeOther, "/?deleted=1")
}
