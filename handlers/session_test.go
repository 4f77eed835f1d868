package handlers

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"precis/auth"
	"precis/storage"
)

const sessionPassword = "a long enough password"

// webClient is a cookie-keeping client of a real HTTP server over the env's
// router, which does not follow redirects, so each step can be checked.
type webClient struct {
	t      *testing.T
	base   string
	client *http.Client
	jar    *cookiejar.Jar
	csrf   string // the CSRF token of the last page read
}

func newWebClient(t *testing.T, v *env) *webClient {
	t.Helper()
	srv := httptest.NewServer(v.e)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &webClient{t: t, base: srv.URL, jar: jar, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request and reads the CSRF token of the page it returns.
func (b *webClient) do(method, path string, form url.Values, header ...string) (*http.Response, *goquery.Document) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	if tok, ok := doc.Find(`input[name="_csrf"]`).Attr("value"); ok {
		b.csrf = tok
	}
	return resp, doc
}

// cookie returns the value of the named cookie in the jar, "" when none.
func (b *webClient) cookie(name string) string {
	u, _ := url.Parse(b.base)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// setCookie puts a cookie into the jar, as an attacker who planted or copied it.
func (b *webClient) setCookie(name, value string) {
	u, _ := url.Parse(b.base)
	b.jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// login signs in through the form, as a person does.
func (b *webClient) login(email, password string) *http.Response {
	b.t.Helper()
	b.do(http.MethodGet, "/login", nil)
	resp, _ := b.do(http.MethodPost, "/login", url.Values{"email": {email}, "password": {password}, "_csrf": {b.csrf}})
	return resp
}

// signedIn reports whether GET / shows the documents page rather than sending to sign in.
func (b *webClient) signedIn() bool {
	b.t.Helper()
	resp, _ := b.do(http.MethodGet, "/", nil)
	return resp.StatusCode == http.StatusOK
}

// passwordUser creates a staff user with sessionPassword.
func passwordUser(t *testing.T, v *env, name string) *storage.User {
	t.Helper()
	u, _ := v.user(t, name, false)
	setPassword(t, v, u, sessionPassword)
	return u
}

// setPassword gives the test user u the password pw.
func setPassword(t *testing.T, v *env, u *storage.User, pw string) {
	t.Helper()
	hash, err := auth.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.store.SetPassword(context.Background(), u.ID, hash, "test"); err != nil {
		t.Fatal(err)
	}
}

func TestLoginStartsANewSession(t *testing.T) {
	v := newEnv(t, Config{})
	u := passwordUser(t, v, "sam")
	b := newWebClient(t, v)

	if resp, _ := b.do(http.MethodGet, "/", nil); resp.StatusCode != http.StatusSeeOther ||
		resp.Header.Get("Location") != "/login?next=%2F" {
		t.Fatalf("GET / signed out = %d %s, want a redirect to sign in", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Session fixation: an attacker plants a token and waits for the victim to sign in with it.
	before := "planted-by-an-attacker-0123456789abcdef"
	b.setCookie("precis_session", before)
	if resp := b.login(u.Email, sessionPassword); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("sign-in = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	after := b.cookie("precis_session")
	if after == "" || after == before {
		t.Fatalf("session token after sign-in %q, before %q: want a new one", after, before)
	}
	if !b.signedIn() {
		t.Fatal("not signed in with the new session")
	}
	attacker := newWebClient(t, v)
	attacker.base = b.base
	attacker.setCookie("precis_session", before)
	if attacker.signedIn() {
		t.Error("the token planted before sign-in is signed in")
	}
	// On a shared computer the next person signs in over the first one's session: it is
	// replaced, not taken over.
	other := passwordUser(t, v, "kim")
	b.login(other.Email, sessionPassword)
	if now := b.cookie("precis_session"); now == after {
		t.Error("signing in as someone else kept the session token")
	}
	first := newWebClient(t, v)
	first.base = b.base
	first.setCookie("precis_session", after)
	if first.signedIn() {
		t.Error("sam's session token still works after kim signed in over it")
	}
	evs, _ := v.store.QueryAudit(context.Background(), storage.AuditFilter{Action: "user.login", Actor: u.Email})
	if len(evs) != 1 || evs[0].Actor != u.Email || evs[0].Details["method"] != "password" || evs[0].Addr == "" {
		t.Errorf("user.login audit rows %+v", evs)
	}
}

func TestLogoutEndsTheSessionOnTheServer(t *testing.T) {
	v := newEnv(t, Config{})
	u := passwordUser(t, v, "sam")
	b := newWebClient(t, v)
	b.login(u.Email, sessionPassword)
	stolen := b.cookie("precis_session")
	b.do(http.MethodGet, "/account", nil)
	if resp, _ := b.do(http.MethodPost, "/logout", url.Values{"_csrf": {b.csrf}}); resp.StatusCode != http.StatusSeeOther ||
		resp.Header.Get("Location") != "/login?signed_out=1" {
		t.Fatalf("sign-out = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if b.signedIn() {
		t.Error("still signed in after signing out")
	}
	replay := newWebClient(t, v)
	replay.base = b.base
	replay.setCookie("precis_session", stolen)
	if replay.signedIn() {
		t.Error("a copy of the session cookie works after sign-out")
	}
	if n, _ := v.store.QueryAudit(context.Background(), storage.AuditFilter{Action: "user.logout"}); len(n) != 1 {
		t.Errorf("%d user.logout audit rows, want 1", len(n))
	}
}

func TestSessionTimeouts(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		v := newEnv(t, Config{SessionIdle: time.Second, SessionLifetime: time.Hour})
		u := passwordUser(t, v, "sam")
		b := newWebClient(t, v)
		b.login(u.Email, sessionPassword)
		time.Sleep(600 * time.Millisecond)
		if !b.signedIn() { // a request within the idle time keeps it alive
			t.Fatal("signed out before the idle timeout")
		}
		time.Sleep(600 * time.Millisecond)
		if !b.signedIn() {
			t.Fatal("activity did not extend the idle timeout")
		}
		time.Sleep(1500 * time.Millisecond)
		if b.signedIn() {
			t.Error("still signed in after the idle timeout")
		}
	})
	t.Run("absolute", func(t *testing.T) {
		v := newEnv(t, Config{SessionIdle: time.Hour, SessionLifetime: 2 * time.Second})
		u := passwordUser(t, v, "sam")
		b := newWebClient(t, v)
		b.login(u.Email, sessionPassword)
		deadline := time.Now().Add(4 * time.Second)
		for b.signedIn() { // active all the time
			if time.Now().After(deadline) {
				t.Fatal("an active session outlived its absolute lifetime")
			}
			time.Sleep(300 * time.Millisecond)
		}
	})
	t.Run("disabled user", func(t *testing.T) {
		v := newEnv(t, Config{})
		u := passwordUser(t, v, "sam")
		b := newWebClient(t, v)
		b.login(u.Email, sessionPassword)
		if err := v.store.SetUserDisabled(context.Background(), u.ID, true, "test"); err != nil {
			t.Fatal(err)
		}
		if b.signedIn() {
			t.Error("a disabled user's session still works")
		}
	})
}

func TestCSRF(t *testing.T) {
	v := newEnv(t, Config{})
	u := passwordUser(t, v, "sam")
	b := newWebClient(t, v)
	b.login(u.Email, sessionPassword)
	b.do(http.MethodGet, "/account", nil)
	tokens := func() int {
		ts, _ := v.store.APITokens(context.Background(), u.ID)
		return len(ts)
	}
	had := tokens()
	for name, form := range map[string]url.Values{
		"no token":    {"name": {"x"}},
		"wrong token": {"name": {"x"}, "_csrf": {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},
	} {
		resp, doc := b.do(http.MethodPost, "/account/tokens", form)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(text(testID(doc, "error-message")), "did not come from Precis") {
			t.Errorf("%s: %d %q, want 403 with the reason", name, resp.StatusCode, text(testID(doc, "error-message")))
		}
	}
	if tokens() != had {
		t.Fatal("a refused request created a token")
	}
	// Another site's page posting with the victim's cookies: refused by Origin as well.
	resp, _ := b.do(http.MethodPost, "/account/tokens", url.Values{"name": {"x"}, "_csrf": {b.csrf}},
		"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST with the right token = %d, want 403", resp.StatusCode)
	}
	// The form's token, in the field or in the header htmx sends, works.
	if resp, _ := b.do(http.MethodPost, "/account/tokens", url.Values{"name": {"x"}, "_csrf": {b.csrf}}); resp.StatusCode != http.StatusOK {
		t.Errorf("POST with the form's token = %d", resp.StatusCode)
	}
	if resp, _ := b.do(http.MethodPost, "/account/tokens", url.Values{"name": {"y"}}, "X-CSRF-Token", b.csrf, "HX-Request", "true"); resp.StatusCode != http.StatusOK {
		t.Errorf("htmx POST with the header token = %d", resp.StatusCode)
	}
	if tokens() != had+2 {
		t.Errorf("tokens = %d, want %d", tokens(), had+2)
	}
	// No state changes on GET: every GET route is read-only (the authorization matrix checks that
	// refused requests leave no trace; here a signed-in GET of every page leaves none but views).
}

func TestCookieAttributes(t *testing.T) {
	for _, secure := range []bool{false, true} {
		v := newEnv(t, Config{SecureCookies: secure})
		u := passwordUser(t, v, "sam")
		got := map[string]*http.Cookie{}
		req := httpGet("/login")
		req.Header.Set("Cookie", "x=1")
		page := v.do(t, req, false)
		var jar []string
		for _, c := range page.Result().Cookies() {
			got[c.Name] = c
			jar = append(jar, c.Name+"="+c.Value)
		}
		form := url.Values{"email": {u.Email}, "password": {sessionPassword},
			"_csrf": {parse(t, page).Find(`input[name="_csrf"]`).AttrOr("value", "")}}
		req = httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Cookie", strings.Join(jar, "; "))
		rec := v.do(t, req, false)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("secure=%v: sign-in = %d %s", secure, rec.Code, rec.Body.String())
		}
		for _, c := range rec.Result().Cookies() {
			got[c.Name] = c
		}
		for _, base := range []string{"precis_session", "precis_csrf"} {
			name := base
			if secure {
				name = "__Host-" + base
			}
			c := got[name]
			if c == nil {
				t.Errorf("secure=%v: no cookie %s in %v", secure, name, rec.Header().Values("Set-Cookie"))
				continue
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" || c.Secure != secure {
				t.Errorf("secure=%v: cookie %s = %+v: want HttpOnly, SameSite=Lax, Path=/, no Domain, Secure=%v",
					secure, name, c, secure)
			}
			if base == "precis_session" && (!c.Expires.IsZero() || c.MaxAge != 0) {
				t.Errorf("the session cookie persists (%v, %d): it should end with the webClient", c.Expires, c.MaxAge)
			}
		}
	}
}

func TestLoginThrottling(t *testing.T) {
	v := newEnv(t, Config{})
	u := passwordUser(t, v, "sam")
	b := newWebClient(t, v)
	for i := range maxAccountFailures {
		resp := b.login(u.Email, "wrong password "+string(rune('a'+i)))
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d = %d, want 401", i+1, resp.StatusCode)
		}
	}
	b.do(http.MethodGet, "/login", nil)
	resp, doc := b.do(http.MethodPost, "/login", url.Values{"email": {u.Email}, "password": {sessionPassword}, "_csrf": {b.csrf}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(text(testID(doc, "login-error")), "Too many failed sign-ins") {
		t.Errorf("right password after %d failures = %d %q, want 429", maxAccountFailures, resp.StatusCode, text(testID(doc, "login-error")))
	}
	if b.signedIn() {
		t.Error("signed in while throttled")
	}
	// An unknown account and a wrong password look the same.
	b2 := newWebClient(t, v)
	b2.base = b.base
	b2.do(http.MethodGet, "/login", nil)
	r1, d1 := b2.do(http.MethodPost, "/login", url.Values{"email": {"nobody@example.com"}, "password": {"x"}, "_csrf": {b2.csrf}})
	other := passwordUser(t, v, "kim")
	b2.do(http.MethodGet, "/login", nil)
	r2, d2 := b2.do(http.MethodPost, "/login", url.Values{"email": {other.Email}, "password": {"x"}, "_csrf": {b2.csrf}})
	if r1.StatusCode != r2.StatusCode || text(testID(d1, "login-error")) != text(testID(d2, "login-error")) {
		t.Errorf("unknown account %d %q vs wrong password %d %q", r1.StatusCode, text(testID(d1, "login-error")),
			r2.StatusCode, text(testID(d2, "login-error")))
	}
	if strings.Contains(d2.Text(), "x") && d2.Find(`input[name="password"]`).AttrOr("value", "") != "" {
		t.Error("the password is echoed back")
	}
	// Another account from the same address is not locked by sam's failures.
	if resp := b2.login(other.Email, sessionPassword); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("kim's sign-in = %d, want 303", resp.StatusCode)
	}
	failed, _ := v.store.QueryAudit(context.Background(), storage.AuditFilter{Action: "user.login_failed"})
	reasons := map[string]int{}
	for _, ev := range failed {
		reasons[ev.Details["reason"].(string)]++
		if ev.Details["reason"] == "unknown_account" && ev.Details["email_sha256"] == nil {
			t.Errorf("unknown-account row %+v keeps no hash of the address", ev)
		}
	}
	if reasons["wrong_password"] != maxAccountFailures+1 || reasons["throttled"] != 1 || reasons["unknown_account"] != 1 {
		t.Errorf("login_failed reasons %v", reasons)
	}
}

func TestUnknownAPITokenRefused(t *testing.T) {
	v := newEnv(t, Config{})
	req := httpGet("/documents")
	req.Header.Set("Authorization", "Bearer prc_not-a-real-token")
	wantStatus(t, v.do(t, req, false), http.StatusUnauthorized)
	_, tok := v.user(t, "sam", false)
	u := v.users["sam"]
	toks, _ := v.store.APITokens(context.Background(), u.ID)
	if err := v.store.RevokeAPIToken(context.Background(), u.ID, toks[0].ID, "test"); err != nil {
		t.Fatal(err)
	}
	req = httpGet("/documents")
	req.Header.Set("Authorization", "Bearer "+tok)
	wantStatus(t, v.do(t, req, false), http.StatusUnauthorized)
}
