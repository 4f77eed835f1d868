package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

func TestCancelAndRetry(t *testing.T) {
	v := newEnv(t, Config{})
	d, j := v.createDocument(t, "nda.pdf")
	cancel := fmt.Sprintf("/jobs/%d/cancel", j.ID)
	retry := fmt.Sprintf("/jobs/%d/retry", j.ID)

	// The buttons post to these addresses.
	doc := parse(t, v.get(t, fmt.Sprintf("/documents/%d", d.ID), false))
	if action, _ := testID(doc, "cancel-button").Closest("form").Attr("action"); action != cancel {
		t.Errorf("cancel form action = %q, want %q", action, cancel)
	}

	t.Run("cancel a queued job", func(t *testing.T) {
		rec := v.post(t, cancel, true)
		wantStatus(t, rec, http.StatusOK)
		p := testID(parse(t, rec), "progress")
		if st, _ := p.Attr("data-status"); st != "cancelled" {
			t.Errorf("status = %q, want cancelled", st)
		}
		if _, ok := p.Attr("hx-trigger"); ok {
			t.Error("cancelled progress still polls")
		}
		if p.Find(`[data-testid="retry-button"]`).Length() != 1 {
			t.Error("no Retry button after cancel")
		}
	})
	t.Run("cancel again is a conflict with a clear message", func(t *testing.T) {
		rec := v.post(t, cancel, true)
		wantStatus(t, rec, http.StatusConflict)
		doc := parse(t, rec)
		if got := text(testID(doc, "progress-notice")); got != "Could not cancel this job. The job has already finished." {
			t.Errorf("notice = %q", got)
		}
		if testID(doc, "retry-button").Length() != 1 {
			t.Error("conflict response does not show the current buttons")
		}
	})
	t.Run("retry", func(t *testing.T) {
		before := v.queue.wakes.Load()
		rec := v.post(t, retry, true)
		wantStatus(t, rec, http.StatusOK)
		p := testID(parse(t, rec), "progress")
		if trig, _ := p.Attr("hx-trigger"); trig != "every 1s" {
			t.Errorf("retried job's progress does not poll: %q", trig)
		}
		if v.queue.wakes.Load() != before+1 {
			t.Error("retry did not wake a worker")
		}
	})
	t.Run("retry again is a conflict", func(t *testing.T) {
		rec := v.post(t, retry, false)
		wantStatus(t, rec, http.StatusConflict)
		got := text(testID(parse(t, rec), "error-message"))
		if !strings.HasPrefix(got, "Could not retry this job. Only a failed or cancelled job can be retried.") {
			t.Errorf("message = %q", got)
		}
	})
	t.Run("plain form post redirects to the document", func(t *testing.T) {
		rec := v.post(t, cancel, false)
		wantStatus(t, rec, http.StatusSeeOther)
		if loc := rec.Header().Get("Location"); loc != fmt.Sprintf("/documents/%d", d.ID) {
			t.Errorf("Location = %q", loc)
		}
	})
	t.Run("unknown and bad job ids", func(t *testing.T) {
		wantStatus(t, v.post(t, "/jobs/99/cancel", false), http.StatusNotFound)
		wantStatus(t, v.post(t, "/jobs/x/retry", false), http.StatusBadRequest)
	})
}

func TestCancelRunningJob(t *testing.T) {
	v := newEnv(t, Config{})
	_, j := v.createDocument(t, "nda.pdf")
	v.claim(t)
	rec := v.post(t, fmt.Sprintf("/jobs/%d/cancel", j.ID), true)
	wantStatus(t, rec, http.StatusOK)
	doc := parse(t, rec)
	p := testID(doc, "progress")
	// The worker stops at its next lease check; until then the job runs.
	if trig, _ := p.Attr("hx-trigger"); trig != "every 1s" {
		t.Errorf("hx-trigger = %q, want polling until the worker stops", trig)
	}
	if got := text(p.Find(`[data-testid="status"]`)); got != "Cancelling" {
		t.Errorf("status = %q, want Cancelling", got)
	}
	if testID(doc, "cancel-button").Length() != 0 {
		t.Error("Cancel still offered")
	}
}

// TestPagesWorkUnderCSP checks what the Content-Security-Policy forbids
// does not appear: inline scripts, inline event handlers, inline styles.
func TestPagesWorkUnderCSP(t *testing.T) {
	v := newEnv(t, Config{})
	d, _ := v.createDocument(t, "nda.pdf")
	for _, path := range []string{"/", fmt.Sprintf("/documents/%d", d.ID), "/documents/99"} {
		rec := v.get(t, path, false)
		csp := rec.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "style-src 'self'") {
			t.Errorf("%s: CSP = %q", path, csp)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", path)
		}
		doc := parse(t, rec)
		doc.Find("script").Each(func(_ int, s *goquery.Selection) {
			if src, ok := s.Attr("src"); !ok || !strings.HasPrefix(src, "/static/") || strings.TrimSpace(s.Text()) != "" {
				t.Errorf("%s: inline or foreign script %q", path, src)
			}
		})
		doc.Find("*").Each(func(_ int, s *goquery.Selection) {
			for _, a := range s.Nodes[0].Attr {
				if strings.HasPrefix(a.Key, "on") || a.Key == "style" || strings.HasPrefix(a.Key, "hx-on") {
					t.Errorf("%s: <%s %s=%q> breaks the CSP", path, s.Nodes[0].Data, a.Key, a.Val)
				}
			}
		})
		if doc.Find("style").Length() != 0 {
			t.Errorf("%s: inline <style>", path)
		}
	}
}

func TestStaticAssets(t *testing.T) {
	v := newEnv(t, Config{})
	tests := []struct{ path, contentType, contains string }{
		{"/static/htmx.min.js", "text/javascript", "htmx"},
		{"/static/app.js", "text/javascript", "htmx:xhr:progress"},
		{"/static/app.css", "text/css", ".dropzone"},
		{"/static/htmx.LICENSE", "text/plain", "Zero-Clause BSD"},
	}
	for _, tt := range tests {
		rec := v.get(t, tt.path, false)
		wantStatus(t, rec, http.StatusOK)
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, tt.contentType) {
			t.Errorf("%s: Content-Type = %q", tt.path, ct)
		}
		if !strings.Contains(rec.Body.String(), tt.contains) {
			t.Errorf("%s: body lacks %q", tt.path, tt.contains)
		}
		etag := rec.Header().Get("ETag")
		req := httpGet(tt.path)
		req.Header.Set("If-None-Match", etag)
		if rec := v.do(t, req, false); etag == "" || rec.Code != http.StatusNotModified {
			t.Errorf("%s: revalidation with ETag %q gave %d", tt.path, etag, rec.Code)
		}
	}
	wantStatus(t, v.get(t, "/static/", false), http.StatusNotFound)
	wantStatus(t, v.get(t, "/static/../handlers.go", false), http.StatusNotFound)
}

func TestHealthz(t *testing.T) {
	v := newEnv(t, Config{})
	rec := v.get(t, "/healthz", false)
	wantStatus(t, rec, http.StatusOK)
	if rec.Body.String() != "ok" {
		t.Errorf("body = %q", rec.Body.String())
	}
}

func TestCrossSitePostRefused(t *testing.T) {
	v := newEnv(t, Config{})
	_, j := v.createDocument(t, "nda.pdf")
	req := httpPost(fmt.Sprintf("/jobs/%d/cancel", j.ID))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	rec := v.do(t, req, false)
	wantStatus(t, rec, http.StatusForbidden)
	if got, _ := v.store.Job(t.Context(), j.ID); got.Status != "queued" {
		t.Errorf("cross-site request changed the job: %s", got.Status)
	}
}
