package handlers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"precis/storage"
	"precis/web"
)

// received is one uploaded file, streamed to a temporary file and hashed.
type received struct {
	tmpPath  string
	filename string
	size     int64
	sha256   string
}

// uploadRefusal is a problem with the upload the user can fix: no file, a
// file over the limit. It is shown next to the upload field.
type uploadRefusal struct {
	status  int
	message string
}

func (r *uploadRefusal) Error() string { return r.message }

// CreateDocuments handles POST /documents, multipart field "files" with one or
// more files. Each file is streamed to a temporary file under DataDir/files
// while its SHA-256 is computed, so no file is held in memory. Only when
// every file is within the limit are they kept: renamed to generated names,
// recorded as documents (a file already uploaded is recognised by its hash
// and not stored twice) and queued for summarizing. htmx gets the new list,
// a plain form post a redirect to /.
func (h *Handler) CreateDocuments(c echo.Context) error {
	ctx := c.Request().Context()
	var label, matter uploadLabel
	files, err := h.receive(c, &label, &matter)
	defer func() {
		for _, f := range files {
			_ = os.Remove(f.tmpPath) // no-op for files already kept
		}
	}()
	var labelID int
	var matterID int64
	if err == nil {
		matterID, err = h.resolveUploadMatter(c, matter)
	}
	if err == nil {
		labelID, err = h.resolveUploadLabel(ctx, label)
	}
	var refusal *uploadRefusal
	if errors.As(err, &refusal) {
		return h.refuseUpload(c, refusal)
	} else if err != nil {
		return err
	}
	actor, _ := h.identify(c)

	created, woke := 0, false
	defer func() {
		if woke { // also when a later file failed: the jobs queued so far are real
			h.jobs.Wake()
		}
	}()
	var duplicates []string
	for _, f := range files {
		doc, existing, err := h.keep(ctx, f, matterID, labelID, actor)
		if err == nil && existing {
			err = h.raiseOnReupload(ctx, doc, labelID, actor)
		}
		if err != nil {
			return err
		}
		queued, err := h.queue(ctx, doc, existing)
		if err != nil {
			return err
		}
		woke = woke || queued
		if existing {
			duplicates = append(duplicates, f.filename)
		} else {
			created++
		}
		h.log.InfoContext(ctx, "document uploaded", slog.Int64("document_id", doc.ID),
			slog.String("sha256", doc.SHA256), slog.Int64("size", doc.Size), slog.Bool("duplicate", existing))
	}

	if !isHTMX(c) {
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/?uploaded=%d&duplicates=%d", created, len(duplicates)))
	}
	v, err := h.documentsView(c)
	if err != nil {
		return err
	}
	msg := web.UploadMessage{Text: uploadNotice(created, len(duplicates), duplicates)}
	return render(c, http.StatusOK, templ.Join(web.DocumentList(v), web.UploadMessageBox(msg, true)))
}

// receive streams the "files" parts of the request to temporary files and
// reads the "label" and "matter" fields, which come before the files. It
// returns what it received so far even with an error, for cleanup.
func (h *Handler) receive(c echo.Context, label, matter *uploadLabel) ([]received, error) {
	req := c.Request()
	limit := h.cfg.MaxUploadBytes*maxFilesPerUpload + 1<<20 // files plus multipart overhead
	tooLarge := &uploadRefusal{http.StatusRequestEntityTooLarge, fmt.Sprintf(
		"This upload is too large: at most %d files of up to %s each can be uploaded at once. Nothing was uploaded.",
		maxFilesPerUpload, web.FormatBytes(h.cfg.MaxUploadBytes))}
	if req.ContentLength > limit {
		return nil, tooLarge
	}
	req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
	mr, err := req.MultipartReader()
	if err != nil {
		return nil, &uploadRefusal{http.StatusBadRequest, "Choose one or more PDF files to upload."}
	}
	if err := os.MkdirAll(h.filesDir, 0o700); err != nil {
		return nil, fmt.Errorf("upload: create files directory: %w", err)
	}

	var files []received
	for {
		part, err := mr.NextPart()
		var mbe *http.MaxBytesError
		if err == io.EOF {
			break
		} else if errors.As(err, &mbe) {
			return files, tooLarge
		} else if err != nil {
			return files, &uploadRefusal{http.StatusBadRequest,
				"The upload arrived incomplete. Nothing was uploaded; try again."}
		}
		if field := map[string]*uploadLabel{"label": label, "matter": matter}[part.FormName()]; field != nil &&
			part.FileName() == "" {
			if err := field.read(part); err != nil {
				drain(req.Body)
				return files, err
			}
			continue
		}
		if part.FormName() != "files" || part.FileName() == "" {
			// Other fields, and the empty part of a file input left empty.
			_ = part.Close()
			continue
		}
		if len(files) == maxFilesPerUpload {
			drain(req.Body)
			return files, &uploadRefusal{http.StatusBadRequest, fmt.Sprintf(
				"Upload at most %d files at a time. Nothing was uploaded.", maxFilesPerUpload)}
		}
		f, err := h.receiveFile(part)
		if f.tmpPath != "" {
			files = append(files, f)
		}
		if errors.As(err, &mbe) {
			return files, tooLarge
		} else if err != nil {
			drain(req.Body)
			return files, err
		}
	}
	if len(files) == 0 {
		return nil, &uploadRefusal{http.StatusBadRequest, "Choose one or more PDF files to upload."}
	}
	return files, nil
}

// receiveFile copies one part to a temporary file, hashing it on the way.
func (h *Handler) receiveFile(part *multipart.Part) (received, error) {
	defer part.Close()
	name := cleanFilename(part.FileName())
	tmp, err := os.CreateTemp(h.filesDir, ".upload-*.tmp")
	if err != nil {
		return received{}, fmt.Errorf("upload: create temporary file: %w", err)
	}
	f := received{tmpPath: tmp.Name(), filename: name}
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, sum), io.LimitReader(part, h.cfg.MaxUploadBytes+1))
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("upload: write temporary file: %w", cerr)
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return f, err
		}
		return f, &uploadRefusal{http.StatusBadRequest,
			"The upload arrived incomplete. Nothing was uploaded; try again."}
	}
	if n > h.cfg.MaxUploadBytes {
		return f, &uploadRefusal{http.StatusRequestEntityTooLarge, fmt.Sprintf(
			"%q is larger than the %s limit for one file. Nothing was uploaded; split the file or upload a smaller copy.",
			name, web.FormatBytes(h.cfg.MaxUploadBytes))}
	}
	f.size, f.sha256 = n, hex.EncodeToString(sum.Sum(nil))
	return f, nil
}

// keep renames a received file to a generated name and records it with the
// label, by actor. When the same file was uploaded before, the new copy is
// deleted and the existing document returned (its label unchanged).
func (h *Handler) keep(ctx context.Context, f received, matterID int64, labelID int, actor string) (*storage.Document, bool, error) {
	stored, err := storedName()
	if err != nil {
		return nil, false, err
	}
	path := filepath.Join(h.filesDir, stored)
	if err := os.Rename(f.tmpPath, path); err != nil {
		return nil, false, fmt.Errorf("upload: rename temporary file: %w", err)
	}
	d := &storage.Document{
		SHA256: f.sha256, Filename: f.filename, StoredName: stored, Size: f.size,
		ExtractStatus: storage.ExtractPending, LabelID: labelID, MatterID: matterID,
	}
	existing, err := h.store.CreateDocument(ctx, d, actor)
	if err != nil || existing {
		_ = os.Remove(path)
	}
	if err != nil {
		return nil, false, err
	}
	return d, existing, nil
}

// queue creates the summarizing job of a new document, or of an existing one
// that never got a job. An existing document's failed or cancelled job is
// left for the user to retry. It reports whether a job was queued.
func (h *Handler) queue(ctx context.Context, d *storage.Document, existing bool) (bool, error) {
	if existing {
		j, err := h.latestJob(ctx, d.ID)
		if err != nil || j != nil {
			return false, err
		}
	}
	_, err := h.store.CreateJob(ctx, d.ID, actorName(ctx))
	if storage.ErrorCode(err) == storage.ENOTFOUND {
		// A member deleted the new document before its job was queued: the upload
		// itself succeeded, and there is nothing left to summarize.
		return false, nil
	} else if err != nil {
		return false, err
	}
	return true, nil
}

// refuseUpload answers a refused upload: the page again with the message next
// to the upload field, or for htmx the message alone, retargeted there.
func (h *Handler) refuseUpload(c echo.Context, r *uploadRefusal) error {
	msg := web.UploadMessage{Error: true, Text: r.message}
	if isHTMX(c) {
		c.Response().Header().Set("HX-Retarget", "#upload-message")
		c.Response().Header().Set("HX-Reswap", "outerHTML")
		return render(c, r.status, web.UploadMessageBox(msg, false))
	}
	v, err := h.documentsView(c)
	if err != nil {
		return err
	}
	v.Message = msg
	return render(c, r.status, web.DocumentsPage(v))
}

// drain reads the rest of a refused upload (bounded by the request limit), so
// the browser gets to read the answer instead of a reset connection.
func drain(body io.Reader) { _, _ = io.Copy(io.Discard, body) }

// storedName generates the name a file is kept under: random, so it reveals
// nothing and cannot collide or escape the directory.
func storedName() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("upload: random name: %w", err)
	}
	return hex.EncodeToString(b) + ".pdf", nil
}

// cleanFilename makes an uploaded file name safe to show and store: valid
// UTF-8, no control characters, at most 255 characters.
func cleanFilename(name string) string {
	name = strings.ToValidUTF8(filepath.Base(strings.ReplaceAll(name, `\`, "/")), "")
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name))
	if r := []rune(name); len(r) > 255 {
		name = string(r[:255])
	}
	if name == "" || name == "." || name == "/" {
		return "document.pdf"
	}
	return name
}

// uploadNotice says what an upload did.
func uploadNotice(created, duplicates int, names []string) string {
	var parts []string
	switch {
	case created == 1:
		parts = append(parts, "1 file uploaded; its summary is on the way.")
	case created > 1:
		parts = append(parts, fmt.Sprintf("%d files uploaded; their summaries are on the way.", created))
	}
	switch {
	case len(names) > 0:
		parts = append(parts, "Already uploaded before, not stored again: "+strings.Join(names, ", ")+".")
	case duplicates == 1:
		parts = append(parts, "1 file was already uploaded before and was not stored again.")
	case duplicates > 1:
		parts = append(parts, fmt.Sprintf("%d files were already uploaded before and were not stored again.", duplicates))
	}
	return strings.Join(parts, " ")
}
