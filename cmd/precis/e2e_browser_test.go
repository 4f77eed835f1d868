package main

import (
	"context"
	"os"
	"os/exec"
	"precis/auth"
	"precis/storage"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's chromium. In CI its absence is a failure, not a skip:
// `make test` installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed (make test installs Debian's chromium)")
		}
		t.Skip("chromium is not installed; run make deps")
	}
	return p
}

// TestBrowserUploadToSummary is what a user does: in a real browser, upload a real contract
// to the real server, wait for the summary, follow a page citation to the page's text.
func TestBrowserUploadToSummary(t *testing.T) {
	chromium := chromiumPath(t)
	srv := startPrecis(t, t.TempDir(), "PRECIS_OLLAMA_URL=off")

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-quic", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelTimeout()

	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	// wait re-evaluates cond until it holds; evaluation errors while a page is being replaced
	// by the next one are expected and retried.
	wait := func(cond string) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
			if err == nil && ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s: %v", cond, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	text := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}

	signIn := func(email, password string) {
		t.Helper()
		do(chromedp.Navigate(srv.URL + "/"))
		wait(`document.querySelector('[data-testid="login-form"]') !== null`) // sent to the sign-in page
		do(chromedp.SendKeys(chromedp.CSS(`[data-testid="login-email"]`), email),
			chromedp.SendKeys(chromedp.CSS(`[data-testid="login-password"]`), password),
			chromedp.Click(chromedp.CSS(`[data-testid="login-button"]`)))
		wait(`document.querySelector('[data-testid="account-link"]') !== null && ` +
			`document.querySelector('[data-testid="account-link"]').textContent === "` + email + `"`)
	}
	signIn("e2e@example.com", e2ePassword)
	if got := text(`document.querySelector('[data-testid="upload-matter"] option:checked').textContent`); !strings.Contains(got, "E2E/1") {
		t.Errorf("upload matter = %q, want E2E/1", got)
	}
	wait(`window.htmx && document.getElementById("upload-form").classList.contains("js")`)
	do(chromedp.SetUploadFiles(chromedp.CSS(`[data-testid="upload-input"]`), []string{
		corpus(t, "contracts", "WESTERN COPPER - NON-COMPETITION AGREEMENT.PDF"),
	}))
	wait(`document.querySelector('[data-testid="document-row"][data-status="done"]') !== null`)
	do(chromedp.Click(chromedp.CSS(`[data-testid="document-link"]`)))
	wait(`document.querySelectorAll('[data-testid="summary-point"]').length > 0`)

	if got := text(`document.querySelector('[data-testid="summary-provider"]').textContent`); !strings.Contains(got, "builtin") {
		t.Errorf("summary provider = %q, want builtin", got)
	}
	if text(`document.querySelector('[data-testid="extractive-notice"]') ? "yes" : "no"`) != "yes" {
		t.Error("the extractive summary is not labelled as such")
	}
	if got := text(`[...document.querySelectorAll('[data-testid="summary-point"]')].filter(p => !p.querySelector('[data-testid="citation-link"]')).length + ""`); got != "0" {
		t.Errorf("%s summary points have no page link", got)
	}
	href := text(`document.querySelector('[data-testid="citation-link"]').getAttribute("href")`)
	if !strings.HasPrefix(href, "/documents/1/pages/") {
		t.Fatalf("citation link %q", href)
	}
	do(chromedp.Click(chromedp.CSS(`[data-testid="citation-link"]`)))
	wait(`document.querySelector('[data-testid="page-text"]') !== null`)
	if got := text(`document.querySelector('[data-testid="page-text"]').textContent`); len(strings.TrimSpace(got)) < 100 {
		t.Errorf("page text view shows %q", got)
	}
	if got := text(`location.pathname`); got != href {
		t.Errorf("navigated to %s, want %s", got, href)
	}

	// The ethical wall: a colleague who is not a member of matter E2E/1 signs in on the same
	// browser and cannot reach the document, not by the list, not by its addresses.
	st := openStore(t, srv.DataDir)
	hash, err := auth.Hash("outsider password 42")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, &storage.User{Email: "outsider@example.com", Role: storage.RoleStaff}, hash, "test"); err != nil {
		t.Fatal(err)
	}
	do(chromedp.Click(chromedp.CSS(`[data-testid="logout-button"]`)))
	wait(`document.querySelector('[data-testid="login-notice"]') !== null`)
	signIn("outsider@example.com", "outsider password 42")
	if got := text(`document.querySelectorAll('[data-testid="document-row"]').length + ""`); got != "0" {
		t.Errorf("the outsider's list shows %s documents, want none", got)
	}
	for _, path := range []string{"/documents/1", href, "/documents/1/summary", "/documents/1/file"} {
		do(chromedp.Navigate(srv.URL + path))
		wait(`document.readyState === "complete"`)
		page := text(`document.body.innerText`)
		if !strings.Contains(page, "There is no document 1 that you can open") || strings.Contains(page, "NON-COMPETITION") {
			t.Errorf("outsider at %s sees:\n%.300s", path, page)
		}
	}
	denied, err := st.QueryAudit(ctx, storage.AuditFilter{Action: "access.denied", Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(denied) != 4 {
		t.Errorf("%d access.denied audit rows, want 4 (one per refused address)", len(denied))
	}
	for _, ev := range denied {
		if ev.Actor != "outsider@example.com" || ev.ObjectID != 1 {
			t.Errorf("access.denied row %+v", ev)
		}
	}
}
