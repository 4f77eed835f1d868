package handlers

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"precis/storage"
)

// TestBrowser drives the pages in headless Chromium: htmx and app.js must work
// under the Content-Security-Policy, the file picker and drag-and-drop must
// upload with progress, the list and the progress must poll until done, and
// refusals must land next to the upload field. Skipped with -short or when
// Chromium is not installed (Debian package chromium).
func TestBrowser(t *testing.T) {
	ctx, run, wait, checkConsole := startBrowser(t, 2*time.Minute)

	v := newEnv(t, Config{MaxUploadBytes: 1 << 20})
	srv := httptest.NewServer(v.e)
	defer srv.Close()

	eval := func(t *testing.T, js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	rows := `document.querySelectorAll('[data-testid="document-row"]').length`

	v.browserLogin(t, ctx, run, wait, srv.URL, "admin", true)

	t.Run("file picker uploads with progress", func(t *testing.T) {
		run(t, chromedp.Navigate(srv.URL+"/"))
		wait(t, `window.htmx && document.getElementById("upload-form").classList.contains("js")`)
		eval(t, `window.progressSeen = []; document.getElementById("upload-form").addEventListener("htmx:xhr:progress",
			() => window.progressSeen.push(document.getElementById("upload-progress-bar").value)); ""`)
		run(t, chromedp.SetUploadFiles(chromedp.CSS("#upload-files"), []string{
			corpusPath(t, "contracts/Example-Mutual-Non-Disclosure-Agreement.pdf"),
			corpusPath(t, "contracts/Example-One-Way-Non-Disclosure-Agreement.pdf"),
		}))
		wait(t, rows+` === 2`)
		if got := eval(t, `String(Math.max(...window.progressSeen))`); got != "100" {
			t.Errorf("upload progress reached %s, want 100", got)
		}
		if got := eval(t, `document.getElementById("upload-message").textContent`); !strings.Contains(got, "2 files uploaded") {
			t.Errorf("upload message = %q", got)
		}
		if got := eval(t, `document.getElementById("documents").getAttribute("hx-trigger") || ""`); got != "every 2s" {
			t.Errorf("list hx-trigger = %q, want polling", got)
		}
	})

	t.Run("drop on the zone uploads", func(t *testing.T) {
		eval(t, `(() => {
			const dt = new DataTransfer();
			dt.items.add(new File(["just some notes"], "memo.txt", {type: "text/plain"}));
			const zone = document.querySelector('[data-testid="dropzone"]');
			zone.dispatchEvent(new DragEvent("dragenter", {dataTransfer: dt, bubbles: true, cancelable: true}));
			zone.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
			return "";
		})()`)
		wait(t, rows+` === 3`)
		if v.queue.wakes.Load() != 2 {
			t.Errorf("Wake called %d times, want 2", v.queue.wakes.Load())
		}
	})

	t.Run("list polls until every document is done", func(t *testing.T) {
		for range 3 {
			v.complete(t, v.claim(t), storage.EngineExtractive, 0)
		}
		wait(t, `[...document.querySelectorAll('[data-testid="document-row"]')].every(r => r.dataset.status === "done")`)
		if got := eval(t, `document.getElementById("documents").getAttribute("hx-trigger") || ""`); got != "" {
			t.Errorf("list still polls: %q", got)
		}
	})

	t.Run("too large is refused next to the field", func(t *testing.T) {
		big := filepath.Join(t.TempDir(), "big.pdf")
		if err := os.WriteFile(big, make([]byte, 3<<20), 0o600); err != nil {
			t.Fatal(err)
		}
		// The browser-side check comes first.
		run(t, chromedp.SetUploadFiles(chromedp.CSS("#upload-files"), []string{big}))
		wait(t, `document.getElementById("upload-message").dataset.kind === "error" ||
			document.getElementById("upload-message").classList.contains("alert-error")`)
		if got := eval(t, `document.getElementById("upload-message").textContent`); !strings.Contains(got, "big.pdf is larger than") {
			t.Errorf("browser-side message = %q", got)
		}
		// Without it the server refuses, and htmx swaps the 413 into the same place.
		eval(t, `document.getElementById("upload-form").setAttribute("data-max-bytes", "0");
			document.getElementById("upload-message").dataset.kind = ""; ""`)
		run(t, chromedp.SetUploadFiles(chromedp.CSS("#upload-files"), []string{big}))
		wait(t, `document.getElementById("upload-message").dataset.kind === "error"`)
		if got := eval(t, `document.getElementById("upload-message").textContent`); !strings.Contains(got, `"big.pdf" is larger than the 1.0 MB limit`) {
			t.Errorf("server message = %q", got)
		}
		if n := eval(t, `String(`+rows+`)`); n != "3" {
			t.Errorf("rows = %s after a refused upload", n)
		}
	})

	t.Run("document progress polls, then shows the summary", func(t *testing.T) {
		d, _ := v.createDocument(t, "lease.pdf")
		run(t, chromedp.Navigate(fmt.Sprintf("%s/documents/%d", srv.URL, d.ID)))
		wait(t, `document.getElementById("progress").getAttribute("hx-trigger") === "every 1s"`)
		j := v.claim(t)
		chunks, err := v.store.SaveChunks(t.Context(), j.ID, []storage.Chunk{
			{Seq: 0, FirstPage: 1, LastPage: 1, Text: "a"}, {Seq: 1, FirstPage: 2, LastPage: 2, Text: "b"}})
		if err != nil {
			t.Fatal(err)
		}
		v.store.SetJobStage(t.Context(), j.ID, storage.StageMapping)
		v.store.SaveChunkResult(t.Context(), storage.ChunkResult{JobID: j.ID, ChunkID: chunks[0].ID, Output: "{}"})
		wait(t, `document.querySelector('#progress [data-testid="status"]').textContent === "Summarizing 1 of 2 chunks"`)
		v.complete(t, j, storage.EngineAbstractive, 0, storage.Section{Title: "Term",
			Points: []storage.Point{{Text: "Two years.", Pages: []int{1, 2}}}})
		wait(t, `document.querySelector('[data-testid="citation"]')?.textContent === "[pp. 1-2]"`)
		if got := eval(t, `document.getElementById("progress").getAttribute("hx-trigger") || ""`); got != "" {
			t.Errorf("done progress still polls: %q", got)
		}
	})

	t.Run("cancel and retry buttons", func(t *testing.T) {
		d, _ := v.createDocument(t, "nda2.pdf")
		run(t, chromedp.Navigate(fmt.Sprintf("%s/documents/%d", srv.URL, d.ID)))
		wait(t, `window.htmx && document.querySelector('[data-testid="cancel-button"]')`)
		// htmx processes swapped-in content when it settles; a click before
		// that would post the form without htmx.
		eval(t, `window.settled = 0; document.body.addEventListener("htmx:afterSettle", () => window.settled++); ""`)
		run(t, chromedp.Click(chromedp.CSS(`[data-testid="cancel-button"]`)))
		wait(t, `window.settled > 0 && document.getElementById("progress").dataset.status === "cancelled"`)
		run(t, chromedp.Click(chromedp.CSS(`[data-testid="retry-button"]`)))
		wait(t, `document.getElementById("progress").dataset.status === "queued"`)
		if !strings.HasSuffix(eval(t, `location.pathname`), fmt.Sprintf("/documents/%d", d.ID)) {
			t.Error("the buttons navigated away instead of swapping the progress")
		}
	})

	// Only the deliberate 413 may show up as a failed request.
	checkConsole(t, func(m string) bool { return strings.Contains(m, "413") })
}

// startBrowser starts headless Chromium for one test (skipping as findChromium says) and
// returns its context, run (steps that must succeed), wait (poll a JavaScript condition)
// and checkConsole, which fails the test on CSP refusals, exceptions and errors the browser
// logged, except those allow accepts.
func startBrowser(t *testing.T, timeout time.Duration) (ctx context.Context,
	run func(*testing.T, ...chromedp.Action[chromedp.Void]), wait func(*testing.T, string),
	checkConsole func(t *testing.T, allow func(string) bool)) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(findChromium(t)), chromedp.NoSandbox)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancelTimeout)

	var mu sync.Mutex
	var console []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			mu.Lock()
			console = append(console, m.String())
			mu.Unlock()
		}
	}()
	run = func(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	wait = func(t *testing.T, cond string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
			t.Fatalf("waiting for %s: %v", cond, err)
		}
	}
	checkConsole = func(t *testing.T, allow func(string) bool) {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		for _, m := range console {
			if allow != nil && allow(m) {
				continue
			}
			if strings.Contains(m, "Content Security Policy") || strings.Contains(m, "Refused to") ||
				strings.HasPrefix(m, "exception") || strings.HasPrefix(m, "error") {
				t.Errorf("browser console: %s", m)
			}
		}
	}
	return ctx, run, wait, checkConsole
}

// findChromium returns the browser for the browser tests. They are skipped with -short, or
// when Chromium is not installed outside CI; in CI a missing Chromium fails them.
func findChromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped with -short")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is not installed (make test installs Debian's chromium)")
	}
	t.Skip("Chromium not installed")
	return ""
}

// browserPassword is the password of the users browserLogin signs in.
const browserPassword = "correct horse battery staple"

// browserLogin gives the env's test user name a password and signs them in
// through the sign-in page, as a person would.
func (v *env) browserLogin(t *testing.T, ctx context.Context, run func(*testing.T, ...chromedp.Action[chromedp.Void]),
	wait func(*testing.T, string), baseURL, name string, admin bool) {
	t.Helper()
	u, _ := v.user(t, name, admin)
	setPassword(t, v, u, browserPassword)
	run(t, chromedp.Navigate(baseURL+"/login"))
	wait(t, `document.querySelector('[data-testid="login-form"]')`)
	run(t,
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-email"]`), u.Email),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-password"]`), browserPassword),
		chromedp.Click(chromedp.CSS(`[data-testid="login-button"]`)),
	)
	// The click navigates; poll across the navigation, which interrupts chromedp's own polling.
	cond := `!!document.querySelector('[data-testid="account-link"]') && ` +
		`document.querySelector('[data-testid="account-link"]').textContent === "` + u.Email + `"`
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not signed in as %s after 15 s", u.Email)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
