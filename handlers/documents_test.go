package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"precis/storage"
)

func TestListFragmentAndPage(t *testing.T) {
	v := newEnv(t, Config{})
	v.createDocument(t, "lease.pdf")

	for _, path := range []string{"/", "/documents"} {
		t.Run("full page "+path, func(t *testing.T) {
			rec := v.get(t, path, false)
			wantStatus(t, rec, http.StatusOK)
			if !isFullPage(rec) {
				t.Fatal("want a full page")
			}
			doc := parse(t, rec)
			if testID(doc, "upload-form").Length() != 1 || testID(doc, "document-list").Length() != 1 {
				t.Error("page lacks the upload form or the list")
			}
		})
	}
	t.Run("htmx fragment", func(t *testing.T) {
		rec := v.get(t, "/documents", true)
		wantStatus(t, rec, http.StatusOK)
		if isFullPage(rec) {
			t.Fatal("htmx request got a full page")
		}
		doc := parse(t, rec)
		if testID(doc, "upload-form").Length() != 0 || testID(doc, "document-row").Length() != 1 {
			t.Errorf("fragment = %s", rec.Body.String())
		}
	})
	t.Run("polls while a document is in progress", func(t *testing.T) {
		list := testID(parse(t, v.get(t, "/documents", true)), "document-list")
		if trig, _ := list.Attr("hx-trigger"); trig != "every 2s" {
			t.Errorf("hx-trigger = %q, want every 2s", trig)
		}
	})
	t.Run("stops polling when none is", func(t *testing.T) {
		v.complete(t, v.claim(t), storage.EngineExtractive, 0)
		list := testID(parse(t, v.get(t, "/documents", true)), "document-list")
		if _, ok := list.Attr("hx-trigger"); ok {
			t.Error("list still polls with every job done")
		}
		if got := text(list.Find(`[data-testid="status"]`)); got != "Done" {
			t.Errorf("status = %q, want Done", got)
		}
	})
	t.Run("refused document says why", func(t *testing.T) {
		other, _ := v.createDocument(t, "scan.pdf")
		ctx := context.Background()
		v.store.SaveExtraction(ctx, other.ID, storage.ExtractNotPDF, "", nil)
		j := v.claim(t)
		v.store.FailJob(ctx, j.ID, "This file is not a PDF.", false)
		doc := parse(t, v.get(t, "/documents", true))
		row := doc.Find(fmt.Sprintf(`[data-testid="document-row"][data-document-id="%d"]`, other.ID))
		if got, _ := row.Attr("data-status"); got != "refused" {
			t.Errorf("data-status = %q, want refused", got)
		}
		if got := text(row.Find(`[data-testid="status-detail"]`)); !strings.HasPrefix(got, "This file is not a PDF.") {
			t.Errorf("detail = %q", got)
		}
		// The extractor's own, more specific message wins.
		specific := "This PDF is encrypted in a way Precis cannot open."
		v.store.SaveExtraction(ctx, other.ID, storage.ExtractEncrypted, specific, nil)
		doc = parse(t, v.get(t, fmt.Sprintf("/documents/%d", other.ID), false))
		if got := text(testID(doc, "status-detail")); got != specific {
			t.Errorf("detail = %q, want %q", got, specific)
		}
		if testID(doc, "retry-button").Length() != 0 {
			t.Error("Retry offered for a file that must be fixed first")
		}
	})
}

func TestDocumentPage(t *testing.T) {
	v := newEnv(t, Config{})
	d, _ := v.createDocument(t, "Master Services Agreement.pdf")
	doc := parse(t, v.get(t, fmt.Sprintf("/documents/%d", d.ID), false))
	if got := text(testID(doc, "document-title")); got != d.Filename {
		t.Errorf("title = %q", got)
	}
	if got := text(testID(doc, "document-sha")); got != d.SHA256[:12] {
		t.Errorf("sha = %q, want %q", got, d.SHA256[:12])
	}
	if got := text(testID(doc, "document-size")); got != "1.2 KB" {
		t.Errorf("size = %q", got)
	}
	if testID(doc, "progress").Length() != 1 || testID(doc, "cancel-button").Length() != 1 {
		t.Error("page lacks progress or the cancel button")
	}
}

func TestProgress(t *testing.T) {
	v := newEnv(t, Config{})
	ctx := context.Background()
	d, _ := v.createDocument(t, "nda.pdf")
	path := fmt.Sprintf("/documents/%d/progress", d.ID)
	progress := func(t *testing.T) (status, trigger, label string, has func(string) bool) {
		t.Helper()
		rec := v.get(t, path, true)
		wantStatus(t, rec, http.StatusOK)
		if isFullPage(rec) {
			t.Fatal("progress for htmx is a full page")
		}
		doc := parse(t, rec)
		p := testID(doc, "progress")
		status, _ = p.Attr("data-status")
		trigger, _ = p.Attr("hx-trigger")
		return status, trigger, text(p.Find(`[data-testid="status"]`)),
			func(id string) bool { return testID(doc, id).Length() > 0 }
	}

	status, trigger, label, _ := progress(t)
	if status != "queued" || trigger != "every 1s" || label != "Queued" {
		t.Errorf("queued: status %q trigger %q label %q", status, trigger, label)
	}

	j := v.claim(t)
	v.store.SetJobStage(ctx, j.ID, storage.StageExtracting)
	if _, _, label, _ := progress(t); label != "Extracting text" {
		t.Errorf("extracting: label %q", label)
	}

	v.extract(t, d.ID, "one", "two", "three")
	chunks, err := v.store.SaveChunks(ctx, j.ID, []storage.Chunk{
		{Seq: 0, FirstPage: 1, LastPage: 1, Text: "a"}, {Seq: 1, FirstPage: 2, LastPage: 2, Text: "b"},
		{Seq: 2, FirstPage: 3, LastPage: 3, Text: "c"},
	})
	if err != nil {
		t.Fatal(err)
	}
	v.store.SetJobStage(ctx, j.ID, storage.StageMapping)
	v.store.SaveChunkResult(ctx, storage.ChunkResult{JobID: j.ID, ChunkID: chunks[0].ID, Output: "{}"})
	status, trigger, label, has := progress(t)
	if status != "running" || trigger != "every 1s" || label != "Summarizing 1 of 3 chunks" || !has("chunk-progress") {
		t.Errorf("mapping: status %q trigger %q label %q", status, trigger, label)
	}

	v.store.SetJobStage(ctx, j.ID, storage.StageReducing)
	if _, _, label, _ := progress(t); label != "Combining chunk summaries" {
		t.Errorf("reducing: label %q", label)
	}

	v.complete(t, j, storage.EngineAbstractive, 0, storage.Section{Title: "Parties",
		Points: []storage.Point{{Text: "Acme and Beta.", Pages: []int{1}}}})
	status, trigger, label, has = progress(t)
	if status != "done" || trigger != "" || label != "Done" {
		t.Errorf("done: status %q trigger %q label %q", status, trigger, label)
	}
	if !has("summary") || has("cancel-button") || has("retry-button") {
		t.Error("done: want the summary and no buttons")
	}

	t.Run("without htmx it is the document page", func(t *testing.T) {
		rec := v.get(t, path, false)
		if !isFullPage(rec) || testID(parse(t, rec), "progress").Length() != 1 {
			t.Error("want the full document page")
		}
	})
}

func TestProgressFailed(t *testing.T) {
	v := newEnv(t, Config{})
	d, _ := v.createDocument(t, "nda.pdf")
	j := v.claim(t)
	v.store.FailJob(context.Background(), j.ID, "The model server did not answer.", false)

	doc := parse(t, v.get(t, fmt.Sprintf("/documents/%d/progress", d.ID), true))
	p := testID(doc, "progress")
	if _, ok := p.Attr("hx-trigger"); ok {
		t.Error("a failed job's progress still polls")
	}
	if got := text(p.Find(`[data-testid="status-detail"]`)); got != "The model server did not answer." {
		t.Errorf("detail = %q", got)
	}
	if testID(doc, "retry-button").Length() != 1 || testID(doc, "cancel-button").Length() != 0 {
		t.Error("want Retry and no Cancel")
	}
}

func TestDocumentNotFoundAndBadID(t *testing.T) {
	v := newEnv(t, Config{})
	tests := []struct {
		path   string
		status int
		msg    string
	}{
		{"/documents/42", http.StatusNotFound, "There is no document 42 that you can open."},
		{"/documents/42/summary", http.StatusNotFound, "There is no document 42 that you can open."},
		{"/documents/abc", http.StatusBadRequest, "The document number in this address is not valid"},
		{"/documents/0/progress", http.StatusBadRequest, "The document number in this address is not valid"},
		{"/no/such/route", http.StatusNotFound, "There is nothing at this address."},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := v.get(t, tt.path, false)
			wantStatus(t, rec, tt.status)
			doc := parse(t, rec)
			if testID(doc, "error-page").Length() != 1 {
				t.Fatal("want the error page")
			}
			if got := text(testID(doc, "error-message")); !strings.HasPrefix(got, tt.msg) {
				t.Errorf("message = %q, want prefix %q", got, tt.msg)
			}
		})
	}
	t.Run("htmx error goes to the flash area", func(t *testing.T) {
		rec := v.get(t, "/documents/42/progress", true)
		wantStatus(t, rec, http.StatusNotFound)
		if rec.Header().Get("HX-Retarget") != "#flash" || isFullPage(rec) {
			t.Errorf("retarget %q, full page %v", rec.Header().Get("HX-Retarget"), isFullPage(rec))
		}
	})
	if strings.Contains(v.logs.String(), "level=ERROR") {
		t.Errorf("client errors were logged as errors:\n%s", v.logs.String())
	}
}
