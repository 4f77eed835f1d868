package handlers

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"precis/storage"
)

// deletable stores a document of v.matter whose job is done, with its file
// under DataDir/files, and returns it with the file's path.
func deletable(t *testing.T, v *env, name string) (*storage.Document, string) {
	t.Helper()
	d, _ := v.createDocument(t, name)
	j := v.claim(t)
	if j.DocumentID != d.ID {
		t.Fatalf("claimed the job of document %d, want %d", j.DocumentID, d.ID)
	}
	v.extract(t, d.ID, "first page", "second page")
	v.complete(t, j, storage.EngineExtractive, 0,
		storage.Section{Title: "Parties", Points: []storage.Point{{Text: "A and B", Pages: []int{1}}}})
	path := filepath.Join(v.dataDir, "files", d.StoredName)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("%PDF-1.7 "+name), 0o600); err != nil {
		t.Fatal(err)
	}
	return d, path
}

func deleteURL(id int64) string { return fmt.Sprintf("/documents/%d/delete", id) }

// deleteEvents returns the "document.delete" audit events of the document.
func deleteEvents(t *testing.T, v *env, id int64) []storage.AuditEvent {
	t.Helper()
	evs, err := v.store.QueryAudit(context.Background(), storage.AuditFilter{Action: "document.delete",
		ObjectType: "document", ObjectID: id})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// wantIntact fails the test unless the document, its summary and its file
// are all still there.
func wantIntact(t *testing.T, v *env, d *storage.Document, path string) {
	t.Helper()
	ctx := context.Background()
	if _, err := v.store.Document(ctx, d.ID); err != nil {
		t.Fatalf("the document is gone: %v", err)
	}
	if s, err := v.store.LatestSummary(ctx, d.ID); err != nil || s == nil {
		t.Fatalf("the summary is gone: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the file is gone: %v", err)
	}
	if evs := deleteEvents(t, v, d.ID); len(evs) != 0 {
		t.Fatalf("document.delete events = %d, want 0", len(evs))
	}
}

func TestDeleteDocumentRemovesFile(t *testing.T) {
	v := newEnv(t, Config{}, asStaff)
	ctx := context.Background()
	d, path := deletable(t, v, "doomed.pdf")
	other, otherPath := deletable(t, v, "kept.pdf")

	rec := v.post(t, deleteURL(d.ID), false)
	wantStatus(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/?deleted=1" {
		t.Errorf("Location = %q, want /?deleted=1", loc)
	}
	if _, err := v.store.Document(ctx, d.ID); storage.ErrorCode(err) != storage.ENOTFOUND {
		t.Fatalf("Document after delete = %v, want not found", err)
	}
	if pages, err := v.store.Pages(ctx, d.ID); len(pages) != 0 {
		t.Errorf("pages after delete = %d, %v", len(pages), err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the deleted document's file: stat = %v, want it removed", err)
	}
	if _, err := os.Stat(otherPath); err != nil {
		t.Errorf("the other document's file: %v", err)
	}
	if _, err := v.store.Document(ctx, other.ID); err != nil {
		t.Errorf("the other document: %v", err)
	}
	evs := deleteEvents(t, v, d.ID)
	if len(evs) != 1 || evs[0].Actor != "alice@example.com" || evs[0].MatterID != v.matter ||
		evs[0].Details["sha256"] != d.SHA256 {
		t.Fatalf("document.delete events = %+v", evs)
	}
	if strings.Contains(v.logs.String(), "first page") {
		t.Error("the log holds document text")
	}

	// The list says so, and the document is no longer in it, nor can it be opened.
	rec = v.get(t, "/?deleted=1", false)
	wantStatus(t, rec, http.StatusOK)
	doc := parse(t, rec)
	if msg := text(testID(doc, "upload-message")); !strings.Contains(msg, "The document was deleted.") {
		t.Errorf("message on the list = %q", msg)
	}
	if rows := testID(doc, "document-row").Filter(fmt.Sprintf(`[data-document-id="%d"]`, d.ID)); rows.Length() != 0 {
		t.Error("the deleted document is still listed")
	}
	wantStatus(t, v.get(t, fmt.Sprintf("/documents/%d", d.ID), false), http.StatusNotFound)
	wantStatus(t, v.post(t, deleteURL(d.ID), false), http.StatusNotFound)
}

func TestDeleteDocumentHTMX(t *testing.T) {
	v := newEnv(t, Config{})
	d, path := deletable(t, v, "doomed.pdf")

	rec := v.post(t, deleteURL(d.ID), true)
	wantStatus(t, rec, http.StatusOK)
	if got := rec.Header().Get("HX-Redirect"); got != "/?deleted=1" {
		t.Errorf("HX-Redirect = %q, want /?deleted=1", got)
	}
	if _, err := v.store.Document(context.Background(), d.ID); storage.ErrorCode(err) != storage.ENOTFOUND {
		t.Fatalf("Document after delete = %v, want not found", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("file after delete: stat = %v, want it removed", err)
	}
}

// TestDeleteDocumentBehindWall: a member of another matter gets the answer
// of a document that does not exist, and nothing is deleted.
func TestDeleteDocumentBehindWall(t *testing.T) {
	v := newEnv(t, Config{})
	d, path := deletable(t, v, "walled.pdf")
	m2 := testMatter(t, v.store, "C-2", "M-2")
	_, tok := testUser(t, v.store, "other", false, m2)

	for _, htmx := range []bool{false, true} {
		req := httpPost(deleteURL(d.ID))
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := v.do(t, req, htmx)
		wantStatus(t, rec, http.StatusNotFound)
		want := fmt.Sprintf("There is no document %d that you can open.", d.ID)
		if msg := text(testID(parse(t, rec), "error-message")); !strings.Contains(msg, want) {
			t.Errorf("htmx=%v: message = %q, want %q", htmx, msg, want)
		}
		if rec.Header().Get("HX-Redirect") != "" {
			t.Errorf("htmx=%v: a refused deletion redirects", htmx)
		}
	}
	wantIntact(t, v, d, path)
	denied, err := v.store.QueryAudit(context.Background(), storage.AuditFilter{Action: "access.denied",
		ObjectType: "document", ObjectID: d.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(denied) != 2 || denied[0].Actor != "other@example.com" {
		t.Fatalf("access.denied events = %+v, want two by other@example.com", denied)
	}
}

func TestDeleteDocumentRefusedOnHold(t *testing.T) {
	v := newEnv(t, Config{})
	ctx := context.Background()
	d, path := deletable(t, v, "held.pdf")
	const reason = "Litigation hold 2025-17"
	if err := v.store.SetLegalHold(ctx, v.matter, true, reason, "admin@example.com"); err != nil {
		t.Fatal(err)
	}

	// The page says so, and offers no delete button.
	rec := v.get(t, fmt.Sprintf("/documents/%d", d.ID), false)
	wantStatus(t, rec, http.StatusOK)
	doc := parse(t, rec)
	hold := testID(doc, "legal-hold")
	if hold.Length() != 1 || text(hold.Find(`[data-testid="legal-hold-badge"]`)) != "Legal hold" ||
		!strings.Contains(text(hold), reason) {
		t.Fatalf("legal hold notice = %q", text(hold))
	}
	if testID(doc, "delete-form").Length() != 0 {
		t.Error("a delete form on a document on legal hold")
	}

	// A request made anyway is refused and deletes nothing.
	for _, htmx := range []bool{false, true} {
		rec = v.post(t, deleteURL(d.ID), htmx)
		wantStatus(t, rec, http.StatusConflict)
		if msg := text(testID(parse(t, rec), "error-message")); !strings.Contains(msg, "legal hold") {
			t.Errorf("htmx=%v: message = %q, want it to name the legal hold", htmx, msg)
		}
	}
	wantIntact(t, v, d, path)

	// Released, the page offers the delete button again, and it works.
	if err := v.store.SetLegalHold(ctx, v.matter, false, "", "admin@example.com"); err != nil {
		t.Fatal(err)
	}
	doc = parse(t, v.get(t, fmt.Sprintf("/documents/%d", d.ID), false))
	if testID(doc, "legal-hold").Length() != 0 || testID(doc, "legal-hold-badge").Length() != 0 {
		t.Error("the legal hold notice is shown after the release")
	}
	form := testID(doc, "delete-form")
	if form.Length() != 1 || form.AttrOr("action", "") != deleteURL(d.ID) || form.AttrOr("method", "") != "post" {
		t.Fatalf("delete form after the release: %d, action %q", form.Length(), form.AttrOr("action", ""))
	}
	wantStatus(t, v.post(t, deleteURL(d.ID), false), http.StatusSeeOther)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("file after delete: stat = %v, want it removed", err)
	}
}

func TestDeleteDocumentRefusedWhileJobRuns(t *testing.T) {
	v := newEnv(t, Config{})
	d, _ := v.createDocument(t, "busy.pdf")
	path := filepath.Join(v.dataDir, "files", d.StoredName)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("%PDF-1.7"), 0o600); err != nil {
		t.Fatal(err)
	}

	rec := v.post(t, deleteURL(d.ID), false)
	wantStatus(t, rec, http.StatusConflict)
	if msg := text(testID(parse(t, rec), "error-message")); !strings.Contains(msg, "Cancel the job first") {
		t.Errorf("message = %q", msg)
	}
	if _, err := v.store.Document(context.Background(), d.ID); err != nil {
		t.Fatalf("the document is gone: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the file is gone: %v", err)
	}
}
