package handlers

import (
	"errors"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"precis/storage"
	"precis/summarize/extract"
	"precis/web"
)

// ListDocuments handles GET / and GET /documents: the documents page, or for
// htmx (the list polling itself) just the list.
func (h *Handler) ListDocuments(c echo.Context) error {
	v, err := h.documentsView(c)
	if err != nil {
		return err
	}
	v.Message = redirectNotice(c)
	if c.QueryParam("deleted") == "1" {
		v.Message = web.UploadMessage{Text: "The document was deleted."}
	}
	return page(c, web.DocumentList(v), web.DocumentsPage(v))
}

// ShowDocument handles GET /documents/:id: the document's facts, the progress
// of its job and, when done, its summary.
func (h *Handler) ShowDocument(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := h.document(c)
	if err != nil {
		return err
	}
	v, err := h.documentView(ctx, d)
	if err != nil {
		return err
	}
	if err := h.viewed(c, "document.view", d, map[string]any{"summary": v.Progress.Summary != nil}); err != nil {
		return err
	}
	return render(c, http.StatusOK, web.DocumentPage(v))
}

// Progress handles GET /documents/:id/progress: the progress fragment, which
// polls this route while the job runs. Without htmx it is the document page.
func (h *Handler) Progress(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := h.document(c)
	if err != nil {
		return err
	}
	if !isHTMX(c) {
		v, err := h.documentView(ctx, d)
		if err != nil {
			return err
		}
		return render(c, http.StatusOK, web.DocumentPage(v))
	}
	v, err := h.progressView(ctx, d)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, web.Progress(v))
}

// Summary handles GET /documents/:id/summary: the latest summary, as a
// fragment or a page of its own.
func (h *Handler) Summary(c echo.Context) error {
	d, err := h.document(c)
	if err != nil {
		return err
	}
	s, err := h.store.LatestSummary(c.Request().Context(), d.ID)
	if storage.ErrorCode(err) == storage.ENOTFOUND {
		return storage.Errorf(storage.ENOTFOUND,
			"This document has no summary yet. Open the document to follow its progress.")
	} else if err != nil {
		return err
	}
	if err := h.viewed(c, "summary.view", d, map[string]any{"summary_id": s.ID}); err != nil {
		return err
	}
	v := summaryView(d, s)
	return page(c, web.Summary(v), web.SummaryPage(v))
}

// PageText handles GET /documents/:id/pages/:n: the extracted text of page n.
func (h *Handler) PageText(c echo.Context) error {
	d, err := h.document(c)
	if err != nil {
		return err
	}
	n, err := pathID(c, "n", "page")
	if err != nil {
		return err
	}
	p, err := h.store.Page(c.Request().Context(), d.ID, int(min(n, 1<<30)))
	if storage.ErrorCode(err) == storage.ENOTFOUND {
		if d.PageCount == 0 {
			return storage.Errorf(storage.ENOTFOUND,
				"The text of this document is not available: it has not been read yet, or it could not be read.")
		}
		return storage.Errorf(storage.ENOTFOUND,
			"Page %d does not exist: this document has %d pages.", n, d.PageCount)
	} else if err != nil {
		return err
	}
	if err := h.viewed(c, "page.view", d, map[string]any{"page": p.Number}); err != nil {
		return err
	}
	return render(c, http.StatusOK, web.PageTextPage(web.PageView{
		DocumentID: d.ID, Filename: d.Filename, Number: p.Number, Total: d.PageCount, Text: p.Text,
		Extractor: p.Extractor, Quality: p.Quality,
		Garbled: slices.Contains(p.Warnings, extract.WarnGarbled), Hidden: slices.Contains(p.Warnings, extract.WarnHiddenText),
	}))
}

// DownloadFile handles GET /documents/:id/file: the original upload, as an
// attachment under its original name.
func (h *Handler) DownloadFile(c echo.Context) error {
	d, err := h.document(c)
	if err != nil {
		return err
	}
	f, err := os.Open(filepath.Join(h.filesDir, filepath.Base(d.StoredName)))
	if errors.Is(err, fs.ErrNotExist) {
		h.log.WarnContext(c.Request().Context(), "stored file missing",
			slog.Int64("document_id", d.ID), slog.String("stored_name", d.StoredName))
		return storage.Errorf(storage.ENOTFOUND,
			"The original file of this document is missing from the server. Tell your administrator.")
	} else if err != nil {
		return err
	}
	defer f.Close()
	if err := h.viewed(c, "document.download", d, map[string]any{"sha256": d.SHA256}); err != nil {
		return err
	}

	contentType := "application/pdf"
	if d.ExtractStatus == storage.ExtractNotPDF || d.ExtractStatus == storage.ExtractEmptyFile {
		contentType = "application/octet-stream"
	}
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": d.Filename})
	if disposition == "" {
		disposition = "attachment"
	}
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentType, contentType)
	hd.Set(echo.HeaderContentDisposition, disposition)
	http.ServeContent(c.Response(), c.Request(), "", d.CreatedAt, f)
	return nil
}

// document loads the document named by the :id path parameter.
func (h *Handler) document(c echo.Context) (*storage.Document, error) {
	id, err := pathID(c, "id", "document")
	if err != nil {
		return nil, err
	}
	notFound := storage.Errorf(storage.ENOTFOUND,
		"There is no document %d that you can open. It may have been deleted; go back to the documents list.", id)
	d, err := h.store.Document(c.Request().Context(), id)
	if storage.ErrorCode(err) == storage.ENOTFOUND {
		return nil, notFound
	} else if err != nil {
		return nil, err
	}
	return h.readable(c, d, notFound)
}

// redirectNotice is the notice after a plain (non-htmx) upload, which
// redirects to / with the counts in the query.
func redirectNotice(c echo.Context) web.UploadMessage {
	uploaded, _ := strconv.Atoi(c.QueryParam("uploaded"))
	duplicates, _ := strconv.Atoi(c.QueryParam("duplicates"))
	return web.UploadMessage{Text: uploadNotice(uploaded, duplicates, nil)}
}
