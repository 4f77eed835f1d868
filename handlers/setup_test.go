package handlers

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"precis/storage"
)

// TestSetupLink: on a fresh installation the one-time link creates the first
// administrator and signs them in; a wrong token, a second use, or any use once
// a user exists is refused; a weak password is refused with the input kept.
func TestSetupLink(t *testing.T) {
	v := newEnv(t, Config{SetupToken: "one-time-token-1234"})
	b := newWebClient(t, v)

	if resp, _ := b.do(http.MethodGet, "/setup?token=wrong", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("wrong token = %d, want 404", resp.StatusCode)
	}
	resp, doc := b.do(http.MethodGet, "/setup?token=one-time-token-1234", nil)
	if resp.StatusCode != http.StatusOK || testID(doc, "setup-form").Length() != 1 {
		t.Fatalf("setup page = %d", resp.StatusCode)
	}
	form := url.Values{"token": {"one-time-token-1234"}, "email": {"first@example.com"}, "name": {"First"},
		"password": {"short"}, "confirm": {"short"}, "_csrf": {b.csrf}}
	resp, doc = b.do(http.MethodPost, "/setup", form)
	if resp.StatusCode != http.StatusBadRequest || testID(doc, "setup-error").Length() != 1 ||
		testID(doc, "setup-email").AttrOr("value", "") != "first@example.com" {
		t.Errorf("weak password = %d, want 400 with the message and the email kept", resp.StatusCode)
	}
	form.Set("password", "a good long password")
	form.Set("confirm", "a good long password")
	form.Set("_csrf", b.csrf)
	if resp, _ = b.do(http.MethodPost, "/setup", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup = %d, want 303", resp.StatusCode)
	}
	u, err := v.store.UserByEmail(context.Background(), "first@example.com")
	if err != nil || u.Role != storage.RoleAdmin || u.PasswordHash == "" {
		t.Fatalf("first user %+v, %v", u, err)
	}
	if resp, _ := b.do(http.MethodGet, "/admin/matters", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("the new administrator is not signed in: %d", resp.StatusCode)
	}
	other := newWebClient(t, v)
	other.base = b.base
	if resp, _ := other.do(http.MethodGet, "/setup?token=one-time-token-1234", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("second use = %d, want 404", resp.StatusCode)
	}
	form.Set("email", "second@example.com")
	other.do(http.MethodGet, "/login", nil)
	form.Set("_csrf", other.csrf)
	if resp, _ := other.do(http.MethodPost, "/setup", form); resp.StatusCode != http.StatusNotFound {
		t.Errorf("second POST = %d, want 404", resp.StatusCode)
	}
	if _, err := v.store.UserByEmail(context.Background(), "second@example.com"); storage.ErrorCode(err) != storage.ENOTFOUND {
		t.Error("a second administrator was created through the used link")
	}
	// Without a token configured there is no setup page at all.
	plain := newEnv(t, Config{})
	req := httpGet("/setup?token=")
	req.Header.Set("Cookie", "x=1")
	wantStatus(t, plain.do(t, req, false), http.StatusNotFound)
}
