package handlers

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserClassification drives the policy grid and the label form in headless
// Chromium under the Content-Security-Policy: the grid renders, a ticked box and its order
// are saved as a new version, and raising a document's label with htmx swaps the section
// in place. Skipped with -short or without Chromium, as TestBrowser.
func TestBrowserClassification(t *testing.T) {
	ctx, run, wait, checkConsole := startBrowser(t, time.Minute)

	v := newEnv(t, Config{})
	ver := v.savePolicy(t, testSettings())
	d, _ := v.labelledDocument(t, "nda.pdf", 2)
	srv := httptest.NewServer(v.e)
	defer srv.Close()

	// settle polls a condition across a navigation, which interrupts chromedp's own polling.
	settle := func(t *testing.T, cond string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+cond+`)`))
			if err == nil && ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s: %v", cond, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	v.browserLogin(t, ctx, run, wait, srv.URL, "admin", true)

	t.Run("policy grid renders and saves", func(t *testing.T) {
		run(t, chromedp.Navigate(srv.URL+"/admin/policy"))
		wait(t, `document.querySelectorAll('[data-testid="grid-row"]').length === 4`)
		cell := `[data-label="Internal"] [data-provider="cloud"] `
		run(t,
			chromedp.Click(chromedp.CSS(cell+`[data-testid="grid-allow"]`)),
			chromedp.SetValue(chromedp.CSS(cell+`[data-testid="grid-order"]`), "3"),
			chromedp.SendKeys(chromedp.CSS(`[data-testid="policy-note"]`), "cloud last for Internal"),
			chromedp.Click(chromedp.CSS(`[data-testid="policy-save"]`)),
		)
		settle(t, fmt.Sprintf(`location.search.includes("saved=%d") && document.querySelector('[data-testid="admin-notice"]')`, ver+1))
		wait(t, `document.querySelector('`+cell+`[data-testid="grid-allow"]').checked`)
		p := v.policy(t)
		if r := p.Routes["Internal"]; p.Version != ver+1 || len(r) != 3 || r[2] != "cloud" {
			t.Errorf("saved v%d, Internal route %v, want cloud third", p.Version, r)
		}
	})

	t.Run("raising a label swaps the section in place", func(t *testing.T) {
		run(t, chromedp.Navigate(fmt.Sprintf("%s/documents/%d", srv.URL, d.ID)))
		wait(t, `!!(window.htmx && document.querySelector('[data-testid="label-form"]'))`)
		eval := `(() => { const f = document.querySelector('[data-testid="label-form"]');
			f.querySelector('select').value = "4"; f.querySelector('textarea').value = "privileged advice"; return ""; })()`
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](eval)); err != nil {
			t.Fatal(err)
		}
		run(t, chromedp.Click(chromedp.CSS(`[data-testid="label-submit"]`)))
		wait(t, `document.querySelector('[data-testid="document-label"]').textContent === "Privileged" &&
			!!document.querySelector('[data-testid="label-notice"]')`)
		if path, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`)); path != fmt.Sprintf("/documents/%d", d.ID) {
			t.Errorf("navigated to %s instead of swapping", path)
		}
	})

	checkConsole(t, nil)
}
