package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"precis/summarize/policy"
)

func TestManagedSettingsAreReadOnly(t *testing.T) {
	v := newEnv(t, Config{TestProvider: func(context.Context, policy.Provider) (time.Duration, int, error) {
		return time.Millisecond, 4096, nil
	}}, asStaff)
	s := testSettings()
	s.Managed = "/etc/precis/settings.yaml"
	ver := v.savePolicy(t, s)
	for _, p := range adminPages[1:] {
		req := httpGet(p)
		req.Header.Set("X-Test-Admin", "1")
		rec := v.do(t, req, false)
		wantStatus(t, rec, http.StatusOK)
		doc := parse(t, rec)
		if p == "/admin/history" {
			continue
		}
		if note := text(testID(doc, "managed-note")); !strings.Contains(note, "/etc/precis/settings.yaml") {
			t.Errorf("%s: note %q", p, note)
		}
		if n := doc.Find("fieldset:not([disabled])").Length(); n != 0 {
			t.Errorf("%s: %d editable fieldsets", p, n)
		}
		if doc.Find("form fieldset[disabled]").Length() == 0 {
			t.Errorf("%s: no disabled form", p)
		}
	}
	for _, f := range adminForms {
		rec := v.postForm(t, f.path, f.form, true, false)
		wantStatus(t, rec, http.StatusConflict)
		if !strings.Contains(rec.Body.String(), "declared by the file /etc/precis/settings.yaml") {
			t.Errorf("%s: the refusal does not name the file", f.path)
		}
	}
	if got := v.policy(t).Version; got != ver {
		t.Errorf("managed settings changed: v%d", got)
	}
	// Testing a connection changes nothing, so it stays allowed.
	rec := v.postForm(t, "/admin/providers/test", url.Values{"name": {"ollama"}}, true, true)
	wantStatus(t, rec, http.StatusOK)
}

func TestAPIKeyIsWriteOnly(t *testing.T) {
	const secret = "sk-test-DoNotShow-8f3a91"
	key := make([]byte, 32)
	key[0] = 42
	v := newEnv(t, Config{SecretKey: key}, asStaff)
	ver := v.savePolicy(t, testSettings())
	form := url.Values{"name": {"azure"}, "kind": {"openai"}, "urls": {"https://azure.example.com/v1"}, "model": {"gpt"},
		"zone": {"external"}, "api_key": {secret}}
	var bodies []string
	rec := v.postForm(t, "/admin/providers", form, true, false)
	wantStatus(t, rec, http.StatusSeeOther)
	bodies = append(bodies, rec.Body.String(), rec.Header().Get("Location"))
	if v.policy(t).Version != ver+1 {
		t.Fatal("provider not saved")
	}
	sealed, err := v.store.ProviderSecret(context.Background(), "azure")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := policy.Unseal(key, "azure", sealed); err != nil || got != secret {
		t.Fatalf("stored key %q, %v", got, err)
	}

	req := httpGet(rec.Header().Get("Location"))
	req.Header.Set("X-Test-Admin", "1")
	page := v.do(t, req, false)
	bodies = append(bodies, page.Body.String())
	doc := parse(t, page)
	row := doc.Find(`[data-testid="provider-row"][data-provider="azure"]`)
	if row.Find(`[data-testid="key-stored"]`).Length() != 1 {
		t.Error("the page does not say a key is stored")
	}
	if !strings.Contains(text(testID(doc, "admin-notice")), "API key was stored") {
		t.Errorf("notice %q", text(testID(doc, "admin-notice")))
	}

	// A refused edit must not echo the key back either.
	form.Set("urls", "not a url")
	rec = v.postForm(t, "/admin/providers/update", form, true, false)
	wantStatus(t, rec, http.StatusBadRequest)
	bodies = append(bodies, rec.Body.String())
	if msg := text(testID(parse(t, rec), "provider-error")); !strings.Contains(msg, "type it again") {
		t.Errorf("message %q", msg)
	}
	bodies = append(bodies, v.logs.String())
	for i, b := range bodies {
		if strings.Contains(b, secret) {
			t.Errorf("response %d (or the log) holds the API key", i)
		}
	}
}

func TestAPIKeyRefusedWithoutSecretKey(t *testing.T) {
	v := newEnv(t, Config{}, asStaff)
	ver := v.savePolicy(t, testSettings())
	const secret = "sk-test-nowhere-to-keep"
	rec := v.postForm(t, "/admin/providers/update", url.Values{"name": {"cloud"}, "kind": {"openai"},
		"urls": {"https://api.example.com/v1"}, "model": {"gpt"}, "zone": {"external"}, "api_key": {secret}}, true, false)
	wantStatus(t, rec, http.StatusBadRequest)
	msg := text(testID(parse(t, rec), "provider-error"))
	if !strings.Contains(msg, "PRECIS_SECRET_KEY is not set") || !strings.Contains(msg, "api_key_env") {
		t.Errorf("message %q", msg)
	}
	if strings.Contains(rec.Body.String(), secret) {
		t.Error("the refused key is in the response")
	}
	if v.policy(t).Version != ver {
		t.Error("a refused key still saved the provider")
	}
	if _, err := v.store.ProviderSecret(context.Background(), "cloud"); err == nil {
		t.Error("key stored without a secret key")
	}
}

func TestProviderConnectionTest(t *testing.T) {
	var tested []string
	v := newEnv(t, Config{TestProvider: func(_ context.Context, p policy.Provider) (time.Duration, int, error) {
		tested = append(tested, p.Name)
		if p.Name == "cloud" {
			return 0, 0, errors.New("the server refused the API key (401)")
		}
		return 42 * time.Millisecond, 8192, nil
	}}, asStaff)
	v.savePolicy(t, testSettings())
	req := httpGet("/admin/providers")
	req.Header.Set("X-Test-Admin", "1")
	doc := parse(t, v.do(t, req, false))
	if n := testID(doc, "test-button").Length(); n != 2 {
		t.Errorf("test buttons = %d, want 2 (not for the built-in summarizer)", n)
	}

	rec := v.postForm(t, "/admin/providers/test", url.Values{"name": {"ollama"}}, true, true)
	wantStatus(t, rec, http.StatusOK)
	if isFullPage(rec) {
		t.Error("htmx test got a full page")
	}
	res := testID(parse(t, rec), "test-result")
	if got := text(res); got != "Answered in 42 ms, context length 8192 tokens." {
		t.Errorf("result %q", got)
	}
	rec = v.postForm(t, "/admin/providers/test", url.Values{"name": {"cloud"}}, true, false)
	wantStatus(t, rec, http.StatusOK)
	res = parse(t, rec).Find(`[data-testid="provider-actions"][data-provider="cloud"] [data-testid="test-result"]`)
	if ok, _ := res.Attr("data-ok"); ok != "false" || !strings.Contains(text(res), "refused the API key") {
		t.Errorf("failed test shows %q (ok=%s)", text(res), ok)
	}
	wantStatus(t, v.postForm(t, "/admin/providers/test", url.Values{"name": {"builtin"}}, true, false), http.StatusBadRequest)
	if strings.Join(tested, ",") != "ollama,cloud" {
		t.Errorf("tested %v", tested)
	}

	t.Run("hidden without the hook", func(t *testing.T) {
		plain := newEnv(t, Config{})
		plain.savePolicy(t, testSettings())
		if testID(parse(t, plain.get(t, "/admin/providers", false)), "test-button").Length() != 0 {
			t.Error("test buttons shown without a TestProvider hook")
		}
	})
	t.Run("source decides what is editable", func(t *testing.T) {
		if doc.Find(`[data-testid="provider-edit"]`).Length() != 1 {
			t.Errorf("edit forms = %d, want 1 (cloud only)", doc.Find(`[data-testid="provider-edit"]`).Length())
		}
		if got, _ := doc.Find(`[data-testid="provider-row"][data-provider="ollama"]`).Attr("data-source"); got != "env" {
			t.Errorf("ollama source %q", got)
		}
	})
}
