package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"precis/storage"
	"precis/summarize/policy"
)

// Who may use a route.
const (
	accessPublic = "public" // anyone, signed in or not
	accessLogin  = "login"  // any signed-in user
	accessMember = "member" // members of the document's matter (and admins when AdminSeesContent)
	accessAdmin  = "admin"  // administrators
	accessOwner  = "owner"  // the owner of the object (here: the member's own API token)
)

// routeAccess classifies every route the router has. TestAuthorizationMatrix
// fails for a route missing here, so a new route cannot be added without
// saying who may use it, and for an entry no route has any more.
var routeAccess = map[string]string{
	"GET /healthz":                    accessPublic,
	"GET /readyz":                     accessPublic,
	"GET /static/*":                   accessPublic,
	"GET /login":                      accessPublic,
	"POST /login":                     accessPublic,
	"POST /logout":                    accessPublic,
	"GET /setup":                      accessPublic, // refused once any user exists: see TestSetupLink
	"POST /setup":                     accessPublic,
	"GET /auth/oidc/login":            accessPublic,
	"GET /auth/oidc/callback":         accessPublic,
	"GET /":                           accessLogin,
	"GET /documents":                  accessLogin,
	"POST /documents":                 accessLogin, // the upload then needs membership of the chosen matter
	"GET /account":                    accessLogin,
	"POST /account/tokens":            accessLogin,
	"POST /account/password":          accessLogin,
	"POST /account/tokens/:id/revoke": accessOwner,

	"GET /documents/:id":                accessMember,
	"GET /documents/:id/progress":       accessMember,
	"GET /documents/:id/summary":        accessMember,
	"GET /documents/:id/pages/:n":       accessMember,
	"GET /documents/:id/file":           accessMember,
	"GET /documents/:id/classification": accessMember,
	"POST /documents/:id/label":         accessMember,
	"POST /documents/:id/password":      accessMember,
	"POST /documents/:id/delete":        accessMember,
	"POST /jobs/:id/cancel":             accessMember,
	"POST /jobs/:id/retry":              accessMember,

	"GET /admin":                             accessAdmin,
	"GET /admin/labels":                      accessAdmin,
	"POST /admin/labels":                     accessAdmin,
	"POST /admin/labels/rename":              accessAdmin,
	"POST /admin/labels/default":             accessAdmin,
	"GET /admin/detectors":                   accessAdmin,
	"POST /admin/detectors":                  accessAdmin,
	"GET /admin/watchlist":                   accessAdmin,
	"POST /admin/watchlist":                  accessAdmin,
	"GET /admin/providers":                   accessAdmin,
	"POST /admin/providers":                  accessAdmin,
	"POST /admin/providers/update":           accessAdmin,
	"POST /admin/providers/delete":           accessAdmin,
	"POST /admin/providers/test":             accessAdmin,
	"GET /admin/policy":                      accessAdmin,
	"POST /admin/policy":                     accessAdmin,
	"GET /admin/history":                     accessAdmin,
	"GET /admin/audit":                       accessAdmin,
	"GET /admin/audit.csv":                   accessAdmin,
	"POST /admin/audit/verify":               accessAdmin,
	"GET /admin/users":                       accessAdmin,
	"POST /admin/users":                      accessAdmin,
	"GET /admin/users/:id":                   accessAdmin,
	"POST /admin/users/:id/role":             accessAdmin,
	"POST /admin/users/:id/disable":          accessAdmin,
	"POST /admin/users/:id/enable":           accessAdmin,
	"POST /admin/users/:id/password":         accessAdmin,
	"POST /admin/users/:id/matters":          accessAdmin,
	"POST /admin/users/:id/matters/remove":   accessAdmin,
	"POST /admin/users/:id/tokens/revoke":    accessAdmin,
	"GET /admin/matters":                     accessAdmin,
	"POST /admin/matters":                    accessAdmin,
	"GET /admin/matters/:id":                 accessAdmin,
	"POST /admin/matters/:id/rename":         accessAdmin,
	"POST /admin/matters/:id/members":        accessAdmin,
	"POST /admin/matters/:id/members/remove": accessAdmin,
	"POST /admin/matters/:id/hold":           accessAdmin,
	"POST /admin/matters/:id/release":        accessAdmin,
}

// matrixFixture is one fresh installation with a document in the member's
// matter, done, with its text, file and summary.
type matrixFixture struct {
	v                    *env
	doc                  *storage.Document
	job                  *storage.Job
	tokenID, otherUserID int64
}

func newMatrixFixture(t *testing.T, cfg Config) *matrixFixture {
	t.Helper()
	v := newEnv(t, cfg, func(v *env) { v.defaultUser, v.defaultAdmin = "member", false })
	v.savePolicy(t, testSettings())
	d, j := v.createDocument(t, "contract.pdf")
	claimed := v.claim(t)
	v.extract(t, d.ID, "The parties agree.", "Signed.")
	v.complete(t, claimed, storage.EngineExtractive, 0, storage.Section{Title: "Parties",
		Points: []storage.Point{{Text: "The parties agree.", Pages: []int{1}}}})
	if err := os.MkdirAll(filepath.Join(v.dataDir, "files"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(v.dataDir, "files", d.StoredName), []byte("%PDF-1.7\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	member, _ := v.user(t, "member", false)
	// The outsider and the admin are not members of the matter.
	out, outTok := testUser(t, v.store, "outsider", false, 0)
	adm, admTok := testUser(t, v.store, "boss", true, 0)
	v.users["outsider"], v.tokens["outsider"] = out, outTok
	v.users["boss"], v.tokens["boss"] = adm, admTok
	toks, err := v.store.APITokens(context.Background(), member.ID)
	if err != nil || len(toks) == 0 {
		t.Fatalf("member's tokens: %v %v", toks, err)
	}
	return &matrixFixture{v: v, doc: d, job: j, tokenID: toks[0].ID, otherUserID: out.ID}
}

// path fills the route's parameters with the fixture's objects.
func (f *matrixFixture) path(route string) string {
	id := f.doc.ID
	switch {
	case strings.HasPrefix(route, "/jobs/"):
		id = f.job.ID
	case strings.HasPrefix(route, "/admin/matters/"):
		id = f.v.matter
	case strings.HasPrefix(route, "/admin/users/"):
		id = f.otherUserID
	case strings.HasPrefix(route, "/account/tokens/"):
		id = f.tokenID
	}
	p := strings.ReplaceAll(route, ":id", fmt.Sprint(id))
	p = strings.ReplaceAll(p, ":n", "1")
	return strings.ReplaceAll(p, "*", "app.css")
}

// who is one caller of the matrix.
type who struct {
	name  string // test user, "" for anonymous
	allow map[string]bool
}

// refusedAs tells how a refusal must look for this caller and access class:
// anonymous callers are sent to sign in, outsiders of a matter get the same
// 404 as for a document that does not exist, staff get 403 on admin routes.
func refusedAs(rec *httptest.ResponseRecorder, caller, access string, htmx bool) bool {
	switch {
	case caller == "":
		// A state-changing request without a session has no valid CSRF token
		// either: it is refused (403) before it gets as far as the sign-in check.
		if rec.Code == http.StatusForbidden && strings.Contains(rec.Body.String(), "did not come from Precis") {
			return true
		}
		if htmx {
			return rec.Code == http.StatusUnauthorized && strings.HasPrefix(rec.Header().Get("HX-Redirect"), "/login")
		}
		return (rec.Code == http.StatusSeeOther && strings.HasPrefix(rec.Header().Get("Location"), "/login")) ||
			rec.Code == http.StatusUnauthorized
	case access == accessOwner:
		return rec.Code == http.StatusNotFound
	case access == accessMember:
		return rec.Code == http.StatusNotFound && strings.Contains(rec.Body.String(), "that you can open") ||
			rec.Code == http.StatusNotFound && strings.Contains(rec.Body.String(), "that you can change")
	case access == accessAdmin:
		return rec.Code == http.StatusForbidden
	}
	return false
}

// passed reports whether the request got past the access checks: whatever
// the handler then says (a 400 for an empty form, a 409 for a finished job),
// it was not a refusal of access.
func passed(rec *httptest.ResponseRecorder) bool {
	body := rec.Body.String()
	switch rec.Code {
	case http.StatusUnauthorized, http.StatusForbidden:
		return false
	case http.StatusNotFound: // a wall's answer, or the handler's own (a form naming nothing)
		return !strings.Contains(body, "that you can open") && !strings.Contains(body, "that you can change") &&
			!strings.Contains(body, "You have no API token")
	case http.StatusSeeOther:
		loc := rec.Header().Get("Location")
		return !strings.HasPrefix(loc, "/login") || strings.HasPrefix(loc, "/login?signed_out=1")
	}
	return rec.Code < 500
}

// TestAuthorizationMatrix sends every route the router has, plain and as htmx,
// as each kind of caller: nobody, a staff member of the document's matter, a
// staff member of no matter, and an administrator who is not a member, with
// admins' access to content off and on. Each request runs on a fresh
// installation, so an allowed change cannot hide a later refusal, and a
// refused request must leave no trace but its "access.denied" audit row.
func TestAuthorizationMatrix(t *testing.T) {
	probe := newEnv(t, Config{})
	routes := map[string]bool{}
	for _, r := range probe.e.Routes() {
		if strings.HasPrefix(r.Method, "echo_") { // echo's own not-found entries
			continue
		}
		routes[r.Method+" "+r.Path] = true
	}
	// Single sign-on routes exist only when it is on; metrics only with a token.
	routes["GET /auth/oidc/login"], routes["GET /auth/oidc/callback"] = true, true
	var names []string
	for r := range routes {
		if _, ok := routeAccess[r]; !ok {
			t.Errorf("route %s is not in routeAccess: say who may use it", r)
		}
		names = append(names, r)
	}
	for r := range routeAccess {
		if !routes[r] {
			t.Errorf("routeAccess lists %s, which no longer exists", r)
		}
	}
	sort.Strings(names)

	checked, violations := 0, 0
	for _, adminContent := range []bool{false, true} {
		callers := []who{
			{"", map[string]bool{accessPublic: true}},
			{"outsider", map[string]bool{accessPublic: true, accessLogin: true}},
			{"boss", map[string]bool{accessPublic: true, accessLogin: true, accessAdmin: true, accessMember: adminContent}},
			{"member", map[string]bool{accessPublic: true, accessLogin: true, accessMember: true, accessOwner: true}},
		}
		for _, route := range names {
			if strings.HasPrefix(route, "GET /auth/oidc/") {
				continue // off in this installation; handlers/oidc_test.go covers them
			}
			access := routeAccess[route]
			method, pattern, _ := strings.Cut(route, " ")
			for _, htmx := range []bool{false, true} {
				cfg := Config{AdminSeesContent: adminContent, TestProvider: func(context.Context, policy.Provider) (time.Duration, int, error) {
					return time.Millisecond, 4096, nil
				}}
				shared := newMatrixFixture(t, cfg)
				for _, c := range callers {
					allowed := c.allow[access]
					f := shared // the refused callers share one installation, which must stay unchanged
					if allowed {
						f = newMatrixFixture(t, cfg) // each allowed caller gets its own
					}
					before := auditCount(t, f.v.store)
					req := httptest.NewRequest(method, f.path(pattern), strings.NewReader(url.Values{}.Encode()))
					if method == http.MethodPost {
						req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					}
					if c.name == "" {
						// A visitor's browser: the CSRF cookie and token the sign-in page gave it, so
						// what is tested is the sign-in check, not the CSRF one.
						cookie, token := csrfPair(t, f.v)
						req.Header.Set("Cookie", cookie)
						req.Header.Set("X-CSRF-Token", token)
					} else {
						_, tok := f.v.user(t, c.name, c.name == "boss")
						req.Header.Set("Authorization", "Bearer "+tok)
					}
					rec := f.v.do(t, req, htmx)
					checked++
					ok := allowed && passed(rec) || !allowed && refusedAs(rec, c.name, access, htmx)
					if !ok {
						violations++
						t.Errorf("%s (htmx %v, admin content %v) as %q: status %d, want %s; body %.200s",
							route, htmx, adminContent, c.name, rec.Code, map[bool]string{true: "allowed", false: "refused"}[allowed], rec.Body.String())
					}
					if !allowed {
						checkOnlyDenials(t, f.v.store, before, route, c.name)
					}
				}
			}
		}
	}
	t.Logf("authorization matrix: %d routes, %d requests (routes x 4 callers x plain/htmx x admin content off/on), %d violations",
		len(names), checked, violations)
}

// csrfPair returns the CSRF cookie ("name=value") and token GET /login gives a
// visitor.
func csrfPair(t *testing.T, v *env) (cookie, token string) {
	t.Helper()
	req := httpGet("/login")
	req.Header.Set("Cookie", "precis_visitor=1") // keeps env.do from signing it in
	rec := v.do(t, req, false)
	for _, c := range rec.Result().Cookies() {
		if c.Name == "precis_csrf" {
			cookie = c.Name + "=" + c.Value
		}
	}
	token = parse(t, rec).Find(`input[name="_csrf"]`).AttrOr("value", "")
	if cookie == "" || token == "" {
		t.Fatalf("GET /login gave no CSRF cookie (%q) or token (%q)", cookie, token)
	}
	return cookie, token
}

func auditCount(t *testing.T, st *storage.Store) int64 {
	t.Helper()
	seq, _, err := st.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// checkOnlyDenials fails when a refused request wrote any audit event other
// than access.denied: every change is audited, so none happened.
func checkOnlyDenials(t *testing.T, st *storage.Store, afterSeq int64, route, caller string) {
	t.Helper()
	evs, err := st.AuditEvents(context.Background(), afterSeq, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Action != "access.denied" {
			t.Errorf("%s refused to %q still wrote audit event %s", route, caller, ev.Action)
		}
	}
}

// TestWallIsIndistinguishable: an outsider gets, for a document behind a wall,
// exactly the answer for a document that does not exist, with only its number
// changed; the refusal is audited with who asked, the route and the document.
func TestWallIsIndistinguishable(t *testing.T) {
	f := newMatrixFixture(t, Config{})
	get := func(path string) *httptest.ResponseRecorder {
		req := httpGet(path)
		req.Header.Set("X-Test-User", "outsider")
		return f.v.do(t, req, false)
	}
	for _, suffix := range []string{"", "/summary", "/pages/1", "/file", "/progress"} {
		walled := get(fmt.Sprintf("/documents/%d%s", f.doc.ID, suffix))
		missing := get(fmt.Sprintf("/documents/%d%s", 999, suffix))
		a := strings.ReplaceAll(walled.Body.String(), fmt.Sprint(f.doc.ID), "N")
		b := strings.ReplaceAll(missing.Body.String(), "999", "N")
		if walled.Code != missing.Code || text(testID(parseBody(t, a), "error-message")) != text(testID(parseBody(t, b), "error-message")) {
			t.Errorf("%s: walled %d %q vs missing %d %q", suffix, walled.Code, text(testID(parseBody(t, a), "error-message")),
				missing.Code, text(testID(parseBody(t, b), "error-message")))
		}
	}
	denied, err := f.v.store.QueryAudit(context.Background(), storage.AuditFilter{Action: "access.denied"})
	if err != nil {
		t.Fatal(err)
	}
	if len(denied) != 5 {
		t.Fatalf("%d access.denied rows, want 5 (the missing document is not a refusal)", len(denied))
	}
	for _, ev := range denied {
		if ev.Actor != "outsider@example.com" || ev.ObjectID != f.doc.ID || ev.Role != storage.RoleStaff || ev.MatterID != f.v.matter {
			t.Errorf("access.denied row %+v", ev)
		}
	}
	// And the list does not show it.
	list := get("/documents")
	if testID(parse(t, list), "document-row").Length() != 0 {
		t.Error("the outsider's list shows the walled document")
	}
}

// TestTokensAreRevokedOnlyByTheirOwner: revoking someone else's token through
// /account is refused as not found.
func TestTokensAreRevokedOnlyByTheirOwner(t *testing.T) {
	f := newMatrixFixture(t, Config{})
	req := httpPost(fmt.Sprintf("/account/tokens/%d/revoke", f.tokenID))
	req.Header.Set("X-Test-User", "outsider")
	wantStatus(t, f.v.do(t, req, false), http.StatusNotFound)
	toks, _ := f.v.store.APITokens(context.Background(), f.v.users["member"].ID)
	if !toks[0].RevokedAt.IsZero() {
		t.Error("the outsider revoked the member's token")
	}
}

// parseBody parses HTML text.
func parseBody(t *testing.T, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestAuditExportIsAudited: downloading the audit trail is itself recorded, with who and which filter.
func TestAuditExportIsAudited(t *testing.T) {
	v := newEnv(t, Config{})
	rec := v.get(t, "/admin/audit.csv?action=document.upload", false)
	wantStatus(t, rec, http.StatusOK)
	evs, err := v.store.QueryAudit(context.Background(), storage.AuditFilter{Action: "audit.export"})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Actor != "admin@example.com" || evs[0].Role != storage.RoleAdmin ||
		evs[0].Details["filter"] != "action=document.upload" {
		t.Errorf("audit.export rows %+v", evs)
	}
}
