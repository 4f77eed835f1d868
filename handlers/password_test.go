package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"precis/storage"
	"precis/summarize/extract"
)

// passwordRequest builds POST /documents/:id/password with the form field password.
func passwordRequest(docID int64, password string) *http.Request {
	form := url.Values{"password": {password}}
	req := httptest.NewRequest(http.MethodPost, fmt.Sprintf("/documents/%d/password", docID), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// encryptedDocument records a document whose extraction found it encrypted and whose job
// failed for it, as the runner would.
func (v *env) encryptedDocument(t *testing.T, name, message string) (*storage.Document, *storage.Job) {
	t.Helper()
	ctx := context.Background()
	d, _ := v.createDocument(t, name)
	if err := v.store.SaveExtraction(ctx, d.ID, storage.ExtractEncrypted, message, nil); err != nil {
		t.Fatal(err)
	}
	j := v.claim(t)
	if err := v.store.FailJob(ctx, j.ID, extract.StatusMessage(extract.StatusEncrypted), false); err != nil {
		t.Fatal(err)
	}
	return d, j
}

func TestPasswordForm(t *testing.T) {
	v := newEnv(t, Config{})
	d, _ := v.encryptedDocument(t, "locked.pdf", extract.StatusMessage(extract.StatusEncrypted))
	doc := parse(t, v.get(t, fmt.Sprintf("/documents/%d", d.ID), false))
	form := testID(doc, "password-form")
	if form.Length() != 1 || testID(doc, "password-input").AttrOr("type", "") != "password" {
		t.Fatal("an encrypted document's page has no password field")
	}
	want := "This PDF needs a password. Enter it to extract the text; Precis uses it only in memory and never stores it."
	if got := text(form.Find("label")); got != want {
		t.Errorf("label = %q", got)
	}
	if got := text(testID(doc, "status")); got != "Needs a password" {
		t.Errorf("status = %q", got)
	}
	if action := form.AttrOr("action", ""); action != fmt.Sprintf("/documents/%d/password", d.ID) {
		t.Errorf("form action = %q", action)
	}

	// Encrypted in a way nothing here can open: a password would not help.
	other, _ := v.encryptedDocument(t, "aes256.pdf", extract.MsgUnsupportedEncryption)
	doc = parse(t, v.get(t, fmt.Sprintf("/documents/%d", other.ID), false))
	if testID(doc, "password-form").Length() != 0 {
		t.Error("password form offered for an encryption Precis cannot open")
	}
}

func TestSupplyPassword(t *testing.T) {
	const password = "correct horse battery staple"
	v := newEnv(t, Config{})
	ctx := context.Background()
	d, j := v.encryptedDocument(t, "locked.pdf", extract.StatusMessage(extract.StatusEncrypted))

	t.Run("empty password", func(t *testing.T) {
		rec := v.do(t, passwordRequest(d.ID, ""), true)
		wantStatus(t, rec, http.StatusUnprocessableEntity)
		doc := parse(t, rec)
		if got := text(testID(doc, "password-error")); got != "Enter the password of this PDF." {
			t.Errorf("error = %q", got)
		}
		if _, ok := v.queue.password(d.ID); ok || v.queue.wakes.Load() != 0 {
			t.Error("an empty password was handed to the runner")
		}
	})
	t.Run("document that is not encrypted", func(t *testing.T) {
		plain, _ := v.createDocument(t, "plain.pdf")
		rec := v.do(t, passwordRequest(plain.ID, password), false)
		wantStatus(t, rec, http.StatusConflict)
	})
	t.Run("password", func(t *testing.T) {
		rec := v.do(t, passwordRequest(d.ID, password), false)
		wantStatus(t, rec, http.StatusSeeOther)
		if loc := rec.Header().Get("Location"); loc != fmt.Sprintf("/documents/%d", d.ID) {
			t.Errorf("Location = %q", loc)
		}
		if pw, ok := v.queue.password(d.ID); !ok || pw != password || v.queue.wakes.Load() != 1 {
			t.Errorf("runner got %q (%v), %d wakes", pw, ok, v.queue.wakes.Load())
		}
		got, _ := v.store.Document(ctx, d.ID)
		job, _ := v.store.Job(ctx, j.ID)
		if got.ExtractStatus != storage.ExtractPending || job.Status != storage.JobQueued {
			t.Errorf("document %q, job %q; want pending and queued", got.ExtractStatus, job.Status)
		}
		events, _ := v.store.AuditEvents(ctx, 0, 0)
		found := false
		for _, e := range events {
			b, _ := json.Marshal(e)
			if strings.Contains(string(b), password) {
				t.Errorf("audit event %s holds the password", b)
			}
			found = found || (e.Action == "document.password_supplied" && e.ObjectID == d.ID)
		}
		if !found {
			t.Error("no document.password_supplied audit event")
		}
		if strings.Contains(v.logs.String(), password) {
			t.Error("the password is in the log")
		}
	})
	t.Run("again while it is queued", func(t *testing.T) {
		rec := v.do(t, passwordRequest(d.ID, password), true)
		wantStatus(t, rec, http.StatusConflict)
	})
}

func TestSupplyPasswordHTMX(t *testing.T) {
	v := newEnv(t, Config{})
	d, _ := v.encryptedDocument(t, "locked.pdf", extract.MsgWrongPassword)
	doc := parse(t, v.get(t, fmt.Sprintf("/documents/%d", d.ID), false))
	if got := text(testID(doc, "status-detail")); got != extract.MsgWrongPassword || testID(doc, "password-form").Length() != 1 {
		t.Errorf("after a wrong password: detail %q, form %d", got, testID(doc, "password-form").Length())
	}
	rec := v.do(t, passwordRequest(d.ID, "second try"), true)
	wantStatus(t, rec, http.StatusOK)
	if isFullPage(rec) {
		t.Error("htmx request got a full page")
	}
	doc = parse(t, rec)
	if got, _ := testID(doc, "progress").Attr("data-status"); got != "queued" || testID(doc, "password-form").Length() != 0 {
		t.Errorf("progress status %q, password form %d; want queued, no form", got, testID(doc, "password-form").Length())
	}
}

func TestExtractNotes(t *testing.T) {
	v := newEnv(t, Config{})
	ctx := context.Background()
	d, _ := v.createDocument(t, "memo.pdf")
	pages := []storage.Page{
		{Number: 1, Text: "Lease agreement between A and B.", Status: storage.PageOK, Quality: 0.98, Warnings: []string{extract.WarnHiddenText}},
		{Number: 2, Text: "hX`qM~q xJ^h;v?ow{qmw", Status: storage.PageOK, Extractor: storage.ExtractorPoppler, Quality: 0.2, Warnings: []string{extract.WarnGarbled}},
		{Number: 3, Text: "Signed by both parties.", Status: storage.PageOK, Extractor: storage.ExtractorOCR, Quality: 0.85},
	}
	if err := v.store.SaveExtraction(ctx, d.ID, storage.ExtractOK, "", pages); err != nil {
		t.Fatal(err)
	}
	doc := parse(t, v.get(t, fmt.Sprintf("/documents/%d", d.ID), false))
	notes := map[string]string{}
	testID(doc, "extract-note").Each(func(_ int, s *goquery.Selection) { notes[s.AttrOr("data-kind", "")] = text(s) })
	if !strings.HasPrefix(notes["hidden-text"], "This PDF contains invisible text; it was left out of the summary.") {
		t.Errorf("hidden-text note = %q", notes["hidden-text"])
	}
	if !strings.Contains(notes["garbled"], "page 2") {
		t.Errorf("garbled note = %q", notes["garbled"])
	}

	page := parse(t, v.get(t, fmt.Sprintf("/documents/%d/pages/3", d.ID), false))
	if got := testID(page, "page-extractor").AttrOr("data-extractor", ""); got != "ocr" {
		t.Errorf("page 3 extractor = %q", got)
	}
	if got := text(testID(page, "page-quality")); got != "0.85 (fair)" {
		t.Errorf("page 3 quality = %q", got)
	}
	page = parse(t, v.get(t, fmt.Sprintf("/documents/%d/pages/1", d.ID), false))
	if testID(page, "page-hidden").Length() != 1 || testID(page, "page-extractor").AttrOr("data-extractor", "") != "native" {
		t.Error("page 1 does not say it holds hidden text, or where its text came from")
	}
	if testID(parse(t, v.get(t, fmt.Sprintf("/documents/%d/pages/2", d.ID), false)), "page-garbled").Length() != 1 {
		t.Error("page 2 does not say its text is garbled")
	}

	t.Run("no OCR on this server", func(t *testing.T) {
		scan, j := v.createDocument(t, "scan.pdf")
		v.store.SaveExtraction(ctx, scan.ID, storage.ExtractNoText, extract.MsgNoTextNoOCR, nil)
		v.store.CancelJob(ctx, j.ID, "test")
		doc := parse(t, v.get(t, fmt.Sprintf("/documents/%d", scan.ID), false))
		if testID(doc, "extract-note").AttrOr("data-kind", "") != "no-ocr" ||
			!strings.Contains(text(testID(doc, "status-detail")), "OCR is not available on this server") {
			t.Errorf("notes %q, detail %q", text(testID(doc, "extract-note")), text(testID(doc, "status-detail")))
		}
		if got := text(testID(doc, "status")); got != "No text" {
			t.Errorf("status = %q", got)
		}
	})
	t.Run("garbled document", func(t *testing.T) {
		g, j := v.createDocument(t, "mojibake.pdf")
		v.store.SaveExtraction(ctx, g.ID, storage.ExtractGarbled, "", nil)
		v.store.CancelJob(ctx, j.ID, "test")
		doc := parse(t, v.get(t, fmt.Sprintf("/documents/%d", g.ID), false))
		if got := text(testID(doc, "status")); got != "Unreadable text" {
			t.Errorf("status = %q", got)
		}
		if !strings.HasPrefix(text(testID(doc, "status-detail")), "The text of this PDF could not be read reliably") ||
			testID(doc, "extract-note").AttrOr("data-kind", "") != "garbled" {
			t.Errorf("detail %q, note %q", text(testID(doc, "status-detail")), text(testID(doc, "extract-note")))
		}
	})
}
