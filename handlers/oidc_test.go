package handlers

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/go-jose/go-jose/v4"

	"precis/storage"
)

const (
	testClientID     = "precis-test"
	testClientSecret = "s3cret-for-tests"
)

// authRequest is what the test provider was given at /authorize.
type authRequest struct {
	state, nonce, challenge, redirectURI, scope string
}

// testIdP is a small OpenID provider: discovery, keys, /authorize (which
// signs in whoever asks, at once) and /token (which checks the client, the
// code and the PKCE verifier and issues an RS256 ID token).
type testIdP struct {
	t   *testing.T
	srv *httptest.Server
	key *rsa.PrivateKey

	mu       sync.Mutex
	down     bool // discovery answers 500
	codes    map[string]authRequest
	last     authRequest
	email    string
	groups   any                  // the groups claim: []string, a string, or nil for none
	tweak    func(map[string]any) // changes the claims before signing
	signWith *rsa.PrivateKey      // signs with this key instead of the published one
	tokens   int                  // token requests
}

func newTestIdP(t *testing.T) *testIdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &testIdP{t: t, key: key, codes: map[string]authRequest{}, email: "alice@example.com",
		groups: []string{"precis-staff"}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /keys", p.keys)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *testIdP) set(f func(p *testIdP)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

// lastAuth returns the last /authorize request and the number of token requests.
func (p *testIdP) lastAuth() (authRequest, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last, p.tokens
}

func (p *testIdP) discovery(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	down := p.down
	p.mu.Unlock()
	if down {
		http.Error(w, "maintenance", http.StatusInternalServerError)
		return
	}
	iss := p.srv.URL
	writeJSON(w, map[string]any{
		"issuer": iss, "authorization_endpoint": iss + "/authorize", "token_endpoint": iss + "/token",
		"jwks_uri": iss + "/keys", "response_types_supported": []string{"code"},
		"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported": []string{"S256"},
	})
}

func (p *testIdP) keys(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &p.key.PublicKey, KeyID: "test-key", Algorithm: string(jose.RS256), Use: "sig"}}})
}

func (p *testIdP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("response_type") != "code" || q.Get("client_id") != testClientID ||
		q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" ||
		!strings.Contains(" "+q.Get("scope")+" ", " openid ") {
		http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
		return
	}
	ar := authRequest{state: q.Get("state"), nonce: q.Get("nonce"), challenge: q.Get("code_challenge"),
		redirectURI: q.Get("redirect_uri"), scope: q.Get("scope")}
	code := rand.Text()
	p.mu.Lock()
	p.codes[code], p.last = ar, ar
	p.mu.Unlock()
	back, err := url.Parse(ar.redirectURI)
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	back.RawQuery = url.Values{"code": {code}, "state": {ar.state}}.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (p *testIdP) token(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tokens++
	refuse := func(code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": code})
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	if id != testClientID || secret != testClientSecret {
		refuse("invalid_client")
		return
	}
	ar, ok := p.codes[r.PostFormValue("code")]
	delete(p.codes, r.PostFormValue("code")) // a code is used once
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	switch {
	case r.PostFormValue("grant_type") != "authorization_code" || !ok:
		refuse("invalid_grant")
		return
	case r.PostFormValue("redirect_uri") != ar.redirectURI:
		refuse("invalid_grant")
		return
	case base64.RawURLEncoding.EncodeToString(sum[:]) != ar.challenge:
		refuse("invalid_grant") // PKCE verifier does not match the challenge
		return
	}
	now := time.Now()
	claims := map[string]any{"iss": p.srv.URL, "sub": "sub-" + p.email, "aud": testClientID,
		"exp": now.Add(5 * time.Minute).Unix(), "iat": now.Unix(), "nonce": ar.nonce,
		"email": p.email, "email_verified": true, "name": "Alice Example"}
	if p.groups != nil {
		claims["groups"] = p.groups
	}
	if p.tweak != nil {
		p.tweak(claims)
	}
	key := p.key
	if p.signWith != nil {
		key = p.signWith
	}
	writeJSON(w, map[string]any{"access_token": rand.Text(), "token_type": "Bearer", "expires_in": 300,
		"id_token": signJWT(p.t, key, claims)})
}

// signJWT signs claims with RS256 under the key id the provider publishes.
func signJWT(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256,
		Key: jose.JSONWebKey{Key: key, KeyID: "test-key"}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Error(err)
		return ""
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Error(err)
		return ""
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Error(err)
	}
	return s
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// ssoEnv is Precis served over HTTP with single sign-on through a testIdP.
type ssoEnv struct {
	*env
	idp *testIdP
	app *httptest.Server
}

// newSSOEnv serves Precis on a test server, with single sign-on through idp
// and the settings that cfg changes.
func newSSOEnv(t *testing.T, idp *testIdP, cfg func(*OIDCConfig)) *ssoEnv {
	t.Helper()
	var app http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { app.ServeHTTP(w, r) }))
	oc := &OIDCConfig{Issuer: idp.srv.URL, ClientID: testClientID, ClientSecret: testClientSecret,
		RedirectURL: srv.URL + "/auth/oidc/callback", AdminGroups: []string{"precis-admins"},
		StaffGroups: []string{"precis-staff", " lawyers "}}
	if cfg != nil {
		cfg(oc)
	}
	v := newEnv(t, Config{OIDC: oc})
	app = v.e
	t.Cleanup(srv.Close)
	return &ssoEnv{env: v, idp: idp, app: srv}
}

// browser is a client with its own cookies that does not follow redirects,
// so each step of the flow can be looked at.
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// get fetches u and returns the response with its body read.
func (b *browser) get(u string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) cookie(base, name string) string {
	u, _ := url.Parse(base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// toProvider starts a sign-in at Precis and follows it to the provider,
// returning the callback address the provider sends the browser back to.
func (s *ssoEnv) toProvider(b *browser, next string) string {
	s.t().Helper()
	resp, body := b.get(s.app.URL + "/auth/oidc/login?next=" + url.QueryEscape(next))
	if resp.StatusCode != http.StatusFound {
		s.t().Fatalf("login: status %d, want 302; body:\n%s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, s.idp.srv.URL+"/authorize?") {
		s.t().Fatalf("login redirects to %q, want the provider's /authorize", loc)
	}
	resp, body = b.get(loc)
	if resp.StatusCode != http.StatusFound {
		s.t().Fatalf("authorize: status %d; body:\n%s", resp.StatusCode, body)
	}
	return resp.Header.Get("Location")
}

// signIn runs the whole flow and returns the callback's response.
func (s *ssoEnv) signIn(b *browser, next string) (*http.Response, string) {
	s.t().Helper()
	return b.get(s.toProvider(b, next))
}

func (s *ssoEnv) t() *testing.T { return s.idp.t }

// loginError returns the message of the sign-in page's error.
func loginError(t *testing.T, body string) string {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return text(testID(doc, "login-error"))
}

// failures returns the reasons of the user.login_failed audit rows.
func (s *ssoEnv) failures(t *testing.T) []string {
	t.Helper()
	evs, err := s.store.QueryAudit(context.Background(), storage.AuditFilter{Action: "user.login_failed"})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(evs, func(a, b storage.AuditEvent) int { return cmp.Compare(a.Seq, b.Seq) })
	var reasons []string // oldest first
	for _, ev := range evs {
		if ev.Details["method"] == "oidc" {
			reasons = append(reasons, ev.Details["reason"].(string))
		}
	}
	return reasons
}

func (s *ssoEnv) user(t *testing.T, email string) *storage.User {
	t.Helper()
	u, err := s.store.UserByEmail(context.Background(), email)
	if storage.ErrorCode(err) == storage.ENOTFOUND {
		return nil
	} else if err != nil {
		t.Fatal(err)
	}
	return u
}

// wantRefused checks a refused callback: status, message and audit reason,
// and that the browser is not signed in.
func (s *ssoEnv) wantRefused(t *testing.T, b *browser, resp *http.Response, body string, status int, msg, reason string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("callback status = %d, want %d; body:\n%s", resp.StatusCode, status, body)
	}
	if got := loginError(t, body); !strings.Contains(got, msg) {
		t.Errorf("message = %q, want it to contain %q", got, msg)
	}
	if got := s.failures(t); len(got) == 0 || got[len(got)-1] != reason {
		t.Errorf("audit reasons = %v, want the last to be %q", got, reason)
	}
	if resp, _ := b.get(s.app.URL + "/"); resp.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("after a refused sign-in GET / = %d to %q, want a redirect to /login",
			resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestOIDCSignInCreatesStaffUser(t *testing.T) {
	s := newSSOEnv(t, newTestIdP(t), nil)
	b := newBrowser(t)
	cb := s.toProvider(b, "/documents?page=2")
	before := b.cookie(s.app.URL, "precis_session")
	if before == "" {
		t.Fatal("no session cookie after /auth/oidc/login: state and nonce were not kept")
	}
	ar, _ := s.idp.lastAuth()
	if len(ar.state) < 22 || len(ar.nonce) < 22 || ar.state == ar.nonce {
		t.Errorf("state %q and nonce %q are not two long random values", ar.state, ar.nonce)
	}
	resp, body := b.get(cb)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/documents?page=2" {
		t.Fatalf("callback = %d to %q, want 303 to the next page; body:\n%s",
			resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if after := b.cookie(s.app.URL, "precis_session"); after == "" || after == before {
		t.Errorf("session token not renewed at sign-in: before %q, after %q", before, after)
	}
	resp, body = b.get(s.app.URL + "/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "alice@example.com") {
		t.Fatalf("GET / after sign-in = %d, want 200 naming alice@example.com; body:\n%s", resp.StatusCode, body)
	}
	u := s.user(t, "alice@example.com")
	if u == nil || u.Role != storage.RoleStaff || u.PasswordHash != "" || u.Name != "Alice Example" {
		t.Fatalf("user = %+v, want a staff user without a password named Alice Example", u)
	}
	evs, err := s.store.QueryAudit(context.Background(), storage.AuditFilter{ObjectType: "user", ObjectID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	var login, create bool
	for _, ev := range evs {
		login = login || (ev.Action == "user.login" && ev.Details["method"] == "oidc")
		create = create || (ev.Action == "user.create" && ev.Actor == "oidc")
	}
	if !login || !create {
		t.Errorf("audit has user.login (oidc) %v and user.create by oidc %v, want both; events: %+v", login, create, evs)
	}
}

func TestOIDCGroupsGiveRoles(t *testing.T) {
	idp := newTestIdP(t)
	s := newSSOEnv(t, idp, nil)

	idp.set(func(p *testIdP) { p.email, p.groups = "bob@example.com", []string{"other", "precis-admins", "lawyers"} })
	if resp, body := s.signIn(newBrowser(t), "/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d; body:\n%s", resp.StatusCode, body)
	}
	if u := s.user(t, "bob@example.com"); u == nil || u.Role != storage.RoleAdmin {
		t.Fatalf("bob = %+v, want admin", u)
	}

	// A single string is a group too; a later sign-in brings the role in line.
	idp.set(func(p *testIdP) { p.email, p.groups = "carol@example.com", "lawyers" })
	if resp, body := s.signIn(newBrowser(t), "/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("staff sign-in: %d; body:\n%s", resp.StatusCode, body)
	}
	if u := s.user(t, "carol@example.com"); u == nil || u.Role != storage.RoleStaff {
		t.Fatalf("carol = %+v, want staff", u)
	}
	idp.set(func(p *testIdP) { p.groups = []string{"precis-admins"} })
	b := newBrowser(t)
	if resp, body := s.signIn(b, "/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("second sign-in: %d; body:\n%s", resp.StatusCode, body)
	}
	if u := s.user(t, "carol@example.com"); u == nil || u.Role != storage.RoleAdmin {
		t.Fatalf("carol after joining the admin group = %+v, want admin", u)
	}
	resp, body := b.get(s.app.URL + "/")
	if doc, _ := goquery.NewDocumentFromReader(strings.NewReader(body)); resp.StatusCode != http.StatusOK ||
		testID(doc, "admin-link").Length() != 1 {
		t.Errorf("GET / as the promoted carol = %d without the administration link", resp.StatusCode)
	}
	idp.set(func(p *testIdP) { p.groups = []string{"precis-staff"} })
	if resp, body := s.signIn(newBrowser(t), "/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("third sign-in: %d; body:\n%s", resp.StatusCode, body)
	}
	if u := s.user(t, "carol@example.com"); u == nil || u.Role != storage.RoleStaff {
		t.Fatalf("carol after leaving the admin group = %+v, want staff", u)
	}
}

func TestOIDCCustomGroupsClaimAndScopes(t *testing.T) {
	idp := newTestIdP(t)
	s := newSSOEnv(t, idp, func(c *OIDCConfig) { c.GroupsClaim, c.Scopes = "roles", []string{"groups"} })
	idp.set(func(p *testIdP) {
		p.groups = nil
		p.tweak = func(c map[string]any) { c["roles"] = []string{"precis-staff"} }
	})
	b := newBrowser(t)
	cb := s.toProvider(b, "/")
	if ar, _ := idp.lastAuth(); ar.scope != "openid email profile groups" {
		t.Errorf("scopes asked for = %q, want openid email profile groups", ar.scope)
	}
	if resp, body := b.get(cb); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in with the roles claim: %d; body:\n%s", resp.StatusCode, body)
	}
	if u := s.user(t, "alice@example.com"); u == nil || u.Role != storage.RoleStaff {
		t.Fatalf("alice = %+v, want staff", u)
	}
}

func TestOIDCRefusals(t *testing.T) {
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		setup  func(p *testIdP)
		status int
		msg    string
		reason string
	}{
		{"no allowed group", func(p *testIdP) { p.groups = []string{"interns"} }, http.StatusForbidden,
			"Your account is not in a group that may use Precis. Ask your administrator.", "no_group"},
		{"no groups claim", func(p *testIdP) { p.groups = nil }, http.StatusForbidden,
			"not in a group that may use Precis", "no_group"},
		{"groups claim unreadable", func(p *testIdP) { p.groups = 42 }, http.StatusBadRequest,
			"cannot read", "groups_unreadable"},
		{"wrong nonce", func(p *testIdP) { p.tweak = func(c map[string]any) { c["nonce"] = "not-the-nonce" } },
			http.StatusBadRequest, "could not be verified", "nonce_mismatch"},
		{"signed by another key", func(p *testIdP) { p.signWith = other }, http.StatusBadRequest,
			"could not be verified", "token_invalid"},
		{"expired token", func(p *testIdP) {
			p.tweak = func(c map[string]any) {
				c["iat"], c["exp"] = time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
			}
		}, http.StatusBadRequest, "could not be verified", "token_expired"},
		{"wrong audience", func(p *testIdP) { p.tweak = func(c map[string]any) { c["aud"] = "another-app" } },
			http.StatusBadRequest, "could not be verified", "token_invalid"},
		{"wrong issuer", func(p *testIdP) { p.tweak = func(c map[string]any) { c["iss"] = "https://evil.example" } },
			http.StatusBadRequest, "could not be verified", "token_invalid"},
		{"no email", func(p *testIdP) { p.tweak = func(c map[string]any) { delete(c, "email") } },
			http.StatusBadRequest, "did not send your email address", "email_missing"},
		{"email not verified", func(p *testIdP) { p.tweak = func(c map[string]any) { c["email_verified"] = false } },
			http.StatusBadRequest, "not verified", "email_unverified"},
		{"email not verified, as a string", func(p *testIdP) {
			p.tweak = func(c map[string]any) { c["email_verified"] = "false" }
		}, http.StatusBadRequest, "not verified", "email_unverified"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			idp := newTestIdP(t)
			idp.set(tc.setup)
			s := newSSOEnv(t, idp, nil)
			b := newBrowser(t)
			resp, body := s.signIn(b, "/")
			s.wantRefused(t, b, resp, body, tc.status, tc.msg, tc.reason)
			if u := s.user(t, "alice@example.com"); u != nil {
				t.Errorf("a refused sign-in created %+v", u)
			}
		})
	}
}

func TestOIDCStateChecks(t *testing.T) {
	idp := newTestIdP(t)
	s := newSSOEnv(t, idp, nil)

	t.Run("wrong state", func(t *testing.T) {
		b := newBrowser(t)
		cb, _ := url.Parse(s.toProvider(b, "/"))
		_, tokens := idp.lastAuth()
		q := cb.Query()
		q.Set("state", rand.Text())
		cb.RawQuery = q.Encode()
		resp, body := b.get(cb.String())
		s.wantRefused(t, b, resp, body, http.StatusBadRequest, "expired or was already used", "state_mismatch")
		if _, after := idp.lastAuth(); after != tokens || s.user(t, "alice@example.com") != nil {
			t.Error("the code was exchanged despite the wrong state")
		}
	})
	t.Run("no attempt in this browser", func(t *testing.T) {
		cb := s.toProvider(newBrowser(t), "/")
		b := newBrowser(t) // another browser, as in a login CSRF
		resp, body := b.get(cb)
		s.wantRefused(t, b, resp, body, http.StatusBadRequest, "expired or was already used", "state_missing")
	})
	t.Run("replayed state", func(t *testing.T) {
		b := newBrowser(t)
		cb := s.toProvider(b, "/")
		// The first answer carries a wrong state and uses up the attempt; the
		// genuine one after it is refused too.
		bad, _ := url.Parse(cb)
		q := bad.Query()
		q.Set("state", "forged")
		bad.RawQuery = q.Encode()
		if resp, _ := b.get(bad.String()); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("forged state: %d, want 400", resp.StatusCode)
		}
		resp, body := b.get(cb)
		s.wantRefused(t, b, resp, body, http.StatusBadRequest, "expired or was already used", "state_missing")

		// After a successful sign-in the same answer again is refused.
		b = newBrowser(t)
		cb = s.toProvider(b, "/")
		if resp, body := b.get(cb); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in: %d; body:\n%s", resp.StatusCode, body)
		}
		resp, body = b.get(cb)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(loginError(t, body), "already used") {
			t.Fatalf("replayed callback = %d; body:\n%s", resp.StatusCode, body)
		}
		if got := s.failures(t); got[len(got)-1] != "state_missing" {
			t.Errorf("audit reasons = %v, want the last to be state_missing", got)
		}
	})
	t.Run("provider error", func(t *testing.T) {
		b := newBrowser(t)
		cb, _ := url.Parse(s.toProvider(b, "/"))
		cb.RawQuery = url.Values{"error": {"access_denied"}, "state": {cb.Query().Get("state")},
			"error_description": {"Call +1 555 0100 to unlock your account"}}.Encode()
		resp, body := b.get(cb.String())
		s.wantRefused(t, b, resp, body, http.StatusBadRequest, "did not sign you in (access_denied)", "provider_error")
		if strings.Contains(body, "555 0100") {
			t.Error("the provider's error description, which anyone can forge, is shown")
		}
	})
}

func TestOIDCDisabledUserRefused(t *testing.T) {
	s := newSSOEnv(t, newTestIdP(t), nil)
	ctx := context.Background()
	u := &storage.User{Email: "alice@example.com", Role: storage.RoleStaff}
	if err := s.store.CreateUser(ctx, u, "", "test"); err != nil {
		t.Fatal(err)
	}
	if err := s.store.SetUserDisabled(ctx, u.ID, true, "test"); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	resp, body := s.signIn(b, "/")
	s.wantRefused(t, b, resp, body, http.StatusForbidden, "Your Precis account is disabled", "disabled")
}

func TestOIDCLastAdminNotDemoted(t *testing.T) {
	idp := newTestIdP(t)
	s := newSSOEnv(t, idp, nil)
	ctx := context.Background()
	idp.set(func(p *testIdP) { p.groups = []string{"precis-admins"} })
	if resp, body := s.signIn(newBrowser(t), "/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d; body:\n%s", resp.StatusCode, body)
	}
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users { // leave alice the only enabled admin
		if u.Email != "alice@example.com" && u.Role == storage.RoleAdmin && !u.Disabled {
			if err := s.store.SetUserDisabled(ctx, u.ID, true, "test"); err != nil {
				t.Fatal(err)
			}
		}
	}
	idp.set(func(p *testIdP) { p.groups = []string{"precis-staff"} })
	b := newBrowser(t)
	resp, body := s.signIn(b, "/")
	s.wantRefused(t, b, resp, body, http.StatusConflict, "last enabled admin", "last_admin")
	if u := s.user(t, "alice@example.com"); u.Role != storage.RoleAdmin {
		t.Errorf("alice = %+v, want still admin", u)
	}
}

func TestOIDCProviderDown(t *testing.T) {
	t.Run("unreachable", func(t *testing.T) {
		idp := newTestIdP(t)
		s := newSSOEnv(t, idp, nil)
		idp.srv.Close()
		b := newBrowser(t)
		resp, body := b.get(s.app.URL + "/auth/oidc/login?next=/documents")
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("login with the provider down = %d, want 503; body:\n%s", resp.StatusCode, body)
		}
		const want = "Single sign-on is not reachable right now; sign in with your password or try again later."
		if got := loginError(t, body); got != want {
			t.Errorf("message = %q, want %q", got, want)
		}
		doc, _ := goquery.NewDocumentFromReader(strings.NewReader(body))
		if testID(doc, "login-password").Length() != 1 {
			t.Error("the password form is not offered when single sign-on is down")
		}
		s.app.Close() // waits for the handlers, so the log is complete
		if !strings.Contains(s.logs.String(), "provider unreachable") {
			t.Errorf("the failure was not logged; log:\n%s", s.logs.String())
		}
	})
	t.Run("retried after a failure", func(t *testing.T) {
		idp := newTestIdP(t)
		idp.set(func(p *testIdP) { p.down = true })
		s := newSSOEnv(t, idp, nil)
		b := newBrowser(t)
		if resp, body := b.get(s.app.URL + "/auth/oidc/login"); resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("login with discovery failing = %d, want 503; body:\n%s", resp.StatusCode, body)
		}
		idp.set(func(p *testIdP) { p.down = false })
		if resp, body := s.signIn(b, "/"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in once the provider is back = %d; body:\n%s", resp.StatusCode, body)
		}
	})
}

func TestOIDCConfigValidate(t *testing.T) {
	good := OIDCConfig{Issuer: "https://login.example.com", ClientID: "precis",
		RedirectURL: "https://precis.example.com/auth/oidc/callback", StaffGroups: []string{"staff"}}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
	for name, change := range map[string]func(*OIDCConfig){
		"PRECIS_OIDC_ISSUER":       func(c *OIDCConfig) { c.Issuer = "" },
		"PRECIS_OIDC_CLIENT_ID":    func(c *OIDCConfig) { c.ClientID = " " },
		"PRECIS_OIDC_REDIRECT_URL": func(c *OIDCConfig) { c.RedirectURL = "/auth/oidc/callback" },
		"PRECIS_OIDC_ADMIN_GROUPS": func(c *OIDCConfig) { c.StaffGroups = nil },
	} {
		c := good
		change(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: Validate() = %v, want an error naming %s", name, err, name)
		}
	}
}

func TestOIDCLoginPageButton(t *testing.T) {
	s := newSSOEnv(t, newTestIdP(t), nil)
	resp, body := newBrowser(t).get(s.app.URL + "/login?next=/documents")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /login = %d", resp.StatusCode)
	}
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(body))
	if href, _ := testID(doc, "sso-button").Attr("href"); href != "/auth/oidc/login?next=%2Fdocuments" {
		t.Errorf("single sign-on button links to %q", href)
	}
	off := newEnv(t, Config{})
	req := httptest.NewRequest(http.MethodGet, "/login", nil)
	req.Header.Set("Cookie", "x=1") // a browser without a session
	rec := off.do(t, req, false)
	wantStatus(t, rec, http.StatusOK)
	if testID(parse(t, rec), "sso-button").Length() != 0 {
		t.Error("the single sign-on button is shown while single sign-on is off")
	}
}
