package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"precis/storage"
)

// labelledDocument stores a document labelled labelID by bob, with a job.
func (v *env) labelledDocument(t *testing.T, name string, labelID int) (*storage.Document, *storage.Job) {
	t.Helper()
	ctx := context.Background()
	sum := sha256.Sum256([]byte(name))
	d := &storage.Document{SHA256: hex.EncodeToString(sum[:]), Filename: name, StoredName: hex.EncodeToString(sum[:16]) + ".pdf",
		Size: 10, ExtractStatus: storage.ExtractPending, LabelID: labelID, MatterID: v.matter}
	if _, err := v.store.CreateDocument(ctx, d, "bob"); err != nil {
		t.Fatal(err)
	}
	j, err := v.store.CreateJob(ctx, d.ID, "bob")
	if err != nil {
		t.Fatal(err)
	}
	return d, j
}

func TestDocumentPageShowsClassification(t *testing.T) {
	v := newEnv(t, Config{}, asStaff)
	ver := v.savePolicy(t, testSettings())
	ctx := context.Background()
	d, _ := v.labelledDocument(t, "nda.pdf", 2)

	doc := parse(t, v.get(t, fmt.Sprintf("/documents/%d", d.ID), false))
	if got := text(testID(doc, "document-label")); got != "Internal" {
		t.Errorf("label = %q", got)
	}
	if testID(doc, "findings-pending").Length() != 1 {
		t.Error("before the detectors ran the page must say so")
	}
	if trig, _ := testID(doc, "classification-facts").Attr("hx-trigger"); trig != "every 2s" {
		t.Errorf("facts of a queued, unread document must poll; hx-trigger = %q", trig)
	}

	j := v.claim(t)
	v.extract(t, d.ID, "ATTORNEY WORK PRODUCT", "mail j.doe@firm.test", "end")
	findings := []storage.Finding{
		{Detector: "privilege_marker", Category: "privilege", Page: 1, Match: "attorney work product", Count: 1},
		{Detector: "email", Category: "personal_data", Page: 2, Match: "j***@firm.test", Count: 3},
	}
	raise := &storage.LabelChange{DocumentID: d.ID, Actor: storage.SystemActor, From: 2, To: 4, Source: storage.LabelByDetector,
		Reason: "detectors: privilege_marker on p. 1 (implies Privileged)"}
	if err := v.store.SaveFindings(ctx, d.ID, findings, raise); err != nil {
		t.Fatal(err)
	}
	note := "gpu did not answer; ollama is next on the route."
	if err := v.store.SetJobRoute(ctx, j.ID, storage.JobRoute{Provider: "ollama", Model: "qwen", Label: "Privileged",
		PolicyVersion: ver, Skipped: []string{"gpu"}, Note: note}); err != nil {
		t.Fatal(err)
	}
	if err := v.store.CompleteJob(ctx, &storage.Summary{JobID: j.ID, Provider: "ollama", Model: "qwen",
		Engine: storage.EngineAbstractive, PolicyVersion: ver, Zone: "on-prem", Label: "Privileged",
		Sections: []storage.Section{{Title: "Term", Points: []storage.Point{{Text: "Two years.", Pages: []int{1}}}}}}); err != nil {
		t.Fatal(err)
	}

	doc = parse(t, v.get(t, fmt.Sprintf("/documents/%d", d.ID), false))
	if got := text(testID(doc, "document-label")); got != "Privileged" {
		t.Errorf("label after the detectors = %q", got)
	}
	if _, polls := testID(doc, "classification-facts").Attr("hx-trigger"); polls {
		t.Error("facts still poll after the detectors ran")
	}
	t.Run("findings with page links", func(t *testing.T) {
		rows := testID(doc, "finding")
		if rows.Length() != 2 {
			t.Fatalf("findings = %d", rows.Length())
		}
		email := doc.Find(`[data-testid="finding"][data-detector="email"]`)
		if href, _ := email.Find(`[data-testid="finding-page"]`).Attr("href"); href != fmt.Sprintf("/documents/%d/pages/2", d.ID) {
			t.Errorf("page link %q", href)
		}
		if got := text(email.Find(`[data-testid="finding-match"]`)); got != "j***@firm.test" {
			t.Errorf("match %q", got)
		}
		if got := text(email.Find(`[data-testid="finding-count"]`)); got != "3" {
			t.Errorf("count %q", got)
		}
		if !strings.Contains(text(email), "Confidential") {
			t.Errorf("an email finding implies Confidential under the default mapping: %q", text(email))
		}
	})
	t.Run("label history", func(t *testing.T) {
		changes := testID(doc, "label-change")
		if changes.Length() != 2 {
			t.Fatalf("history rows = %d", changes.Length())
		}
		first, second := changes.Eq(0), changes.Eq(1)
		if text(first.Find(`[data-testid="label-change-labels"]`)) != "not labelled → Internal" ||
			text(first.Find(`[data-testid="label-change-actor"]`)) != "bob" || text(first.Find(`[data-testid="label-change-source"]`)) != "upload" {
			t.Errorf("first change: %q", text(first))
		}
		if text(second.Find(`[data-testid="label-change-labels"]`)) != "Internal → Privileged" ||
			!strings.Contains(text(second.Find(`[data-testid="label-change-reason"]`)), "privilege_marker on p. 1") {
			t.Errorf("second change: %q", text(second))
		}
	})
	t.Run("summary provenance", func(t *testing.T) {
		if got := text(testID(doc, "provenance-provider")); got != "ollama" {
			t.Errorf("provider %q", got)
		}
		if got := text(testID(doc, "provenance-zone")); got != "on premises" {
			t.Errorf("zone %q", got)
		}
		if got := text(testID(doc, "provenance-version")); got != fmt.Sprintf("v%d", ver) {
			t.Errorf("version %q", got)
		}
		if got := text(testID(doc, "provenance-label")); got != "Privileged" {
			t.Errorf("label %q", got)
		}
		if got := text(testID(doc, "route-note")); got != note {
			t.Errorf("route note %q", got)
		}
	})
}

func TestChangeLabel(t *testing.T) {
	v := newEnv(t, Config{}, asStaff)
	v.savePolicy(t, testSettings())
	d, _ := v.labelledDocument(t, "lease.pdf", 2) // Internal
	path := fmt.Sprintf("/documents/%d/label", d.ID)
	current := func() int {
		doc, err := v.store.Document(context.Background(), d.ID)
		if err != nil {
			t.Fatal(err)
		}
		return doc.LabelID
	}
	form := func(to, from int, reason string) url.Values {
		return url.Values{"label": {fmt.Sprint(to)}, "from": {fmt.Sprint(from)}, "reason": {reason}}
	}

	t.Run("staff may raise", func(t *testing.T) {
		rec := v.postForm(t, path, form(3, 2, "names a client"), false, true)
		wantStatus(t, rec, http.StatusOK)
		doc := parse(t, rec)
		if got := text(testID(doc, "document-label")); got != "Confidential" || current() != 3 {
			t.Errorf("label %q / %d after raising", got, current())
		}
		if !strings.Contains(text(testID(doc, "label-notice")), "from Internal to Confidential") {
			t.Errorf("notice %q", text(testID(doc, "label-notice")))
		}
		last := testID(doc, "label-change").Last()
		if text(last.Find(`[data-testid="label-change-actor"]`)) != "alice@example.com" || text(last.Find(`[data-testid="label-change-source"]`)) != "user" {
			t.Errorf("history row %q", text(last))
		}
	})
	t.Run("staff may not lower", func(t *testing.T) {
		for _, htmx := range []bool{true, false} {
			rec := v.postForm(t, path, form(1, 3, "it is public now"), false, htmx)
			wantStatus(t, rec, http.StatusForbidden)
			doc := parse(t, rec)
			if msg := text(testID(doc, "label-error")); !strings.Contains(msg, "Only an administrator can lower") {
				t.Errorf("message %q", msg)
			}
			if got := text(testID(doc, "label-reason")); got != "it is public now" {
				t.Errorf("reason not kept: %q", got)
			}
		}
		if current() != 3 {
			t.Errorf("label %d after a refused lowering", current())
		}
	})
	t.Run("reason required", func(t *testing.T) {
		rec := v.postForm(t, path, form(4, 3, "  "), false, true)
		wantStatus(t, rec, http.StatusBadRequest)
		if msg := text(testID(parse(t, rec), "label-error")); !strings.Contains(msg, "Say why") {
			t.Errorf("message %q", msg)
		}
	})
	t.Run("changed meanwhile", func(t *testing.T) {
		rec := v.postForm(t, path, form(4, 2, "stale form"), false, true)
		wantStatus(t, rec, http.StatusConflict)
		if msg := text(testID(parse(t, rec), "label-error")); !strings.Contains(msg, "it is now Confidential") {
			t.Errorf("message %q", msg)
		}
	})
	t.Run("admin may lower", func(t *testing.T) {
		rec := v.postForm(t, path, form(1, 3, "published on the website"), true, false)
		wantStatus(t, rec, http.StatusSeeOther)
		if current() != 1 {
			t.Fatalf("label %d, want Public", current())
		}
		changes, _ := v.store.LabelChanges(context.Background(), d.ID)
		last := changes[len(changes)-1]
		if last.Actor != "root@example.com" || last.Source != storage.LabelByAdmin || last.Reason != "published on the website" {
			t.Errorf("change %+v", last)
		}
	})
	t.Run("unknown label", func(t *testing.T) {
		rec := v.postForm(t, path, url.Values{"label": {"Secret"}, "reason": {"x"}}, false, true)
		wantStatus(t, rec, http.StatusBadRequest)
		if msg := text(testID(parse(t, rec), "label-error")); !strings.Contains(msg, "Choose one of the labels") {
			t.Errorf("message %q", msg)
		}
	})
}
