package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"precis/auth"
	"precis/storage"
)

// The admin of these tests is the env's "admin" user, admin@example.com.
const peopleAdmin = "admin@example.com"

// peopleForm builds a form POST to path, made by the admin, or by the staff user named
// by staff when it is not "".
func peopleForm(path string, form url.Values, staff string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	peopleAs(req, staff)
	return req
}

// peopleAs makes req come from the admin, or from staff user staff when it is not "".
func peopleAs(req *http.Request, staff string) *http.Request {
	if staff == "" {
		req.Header.Set("X-Test-Admin", "1")
	} else {
		req.Header.Set("X-Test-User", staff)
	}
	return req
}

// peopleGet gets path as the admin, with a 200.
func peopleGet(t *testing.T, v *env, path string) *goquery.Document {
	t.Helper()
	rec := v.do(t, peopleAs(httptest.NewRequest(http.MethodGet, path, nil), ""), false)
	wantStatus(t, rec, http.StatusOK)
	return parse(t, rec)
}

// peopleDone posts the form as the admin, wants a redirect to page with a notice, and
// returns the page the redirect leads to.
func peopleDone(t *testing.T, v *env, path string, form url.Values, page string) *goquery.Document {
	t.Helper()
	rec := v.do(t, peopleForm(path, form, ""), false)
	wantStatus(t, rec, http.StatusSeeOther)
	loc := rec.Header().Get("Location")
	if !strings.HasPrefix(loc, page+"?done=") {
		t.Fatalf("redirect to %q, want %s?done=...", loc, page)
	}
	doc := peopleGet(t, v, loc)
	if n := text(testID(doc, "admin-notice")); n == "" {
		t.Errorf("no notice after the redirect to %s", loc)
	}
	return doc
}

// peopleRefused posts the form as the admin and wants the page back with status.
func peopleRefused(t *testing.T, v *env, path string, form url.Values, status int) (*goquery.Document, string) {
	t.Helper()
	rec := v.do(t, peopleForm(path, form, ""), false)
	wantStatus(t, rec, status)
	return parse(t, rec), rec.Body.String()
}

// peopleUser creates a user directly in storage.
func peopleUser(t *testing.T, v *env, email, role string) *storage.User {
	t.Helper()
	u := &storage.User{Email: email, Role: role}
	if err := v.store.CreateUser(context.Background(), u, "", "test"); err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// peopleMatter creates a matter directly in storage.
func peopleMatter(t *testing.T, v *env, client, number, name string) *storage.Matter {
	t.Helper()
	m := &storage.Matter{ClientNumber: client, MatterNumber: number, Name: name}
	if err := v.store.CreateMatter(context.Background(), m, "test"); err != nil {
		t.Fatalf("create matter: %v", err)
	}
	return m
}

// peopleEvents returns the audit events of action on the object.
func peopleEvents(t *testing.T, v *env, action, objectType string, id int64) []storage.AuditEvent {
	t.Helper()
	evs, err := v.store.QueryAudit(context.Background(),
		storage.AuditFilter{Action: action, ObjectType: objectType, ObjectID: id})
	if err != nil {
		t.Fatalf("query audit: %v", err)
	}
	return evs
}

// wantEvent checks that exactly one event of action on the object exists, by the admin.
func wantEvent(t *testing.T, v *env, action, objectType string, id int64) storage.AuditEvent {
	t.Helper()
	evs := peopleEvents(t, v, action, objectType, id)
	if len(evs) != 1 {
		t.Fatalf("%d %s events on %s %d, want 1", len(evs), action, objectType, id)
	}
	if evs[0].Actor != peopleAdmin {
		t.Errorf("%s actor = %q, want %q", action, evs[0].Actor, peopleAdmin)
	}
	return evs[0]
}

// peopleIn finds elements by data-testid within s.
func peopleIn(s *goquery.Selection, id string) *goquery.Selection {
	return s.Find(`[data-testid="` + id + `"]`)
}

func userURL(id int64, action string) string {
	return strings.TrimSuffix("/admin/users/"+strconv.FormatInt(id, 10)+"/"+action, "/")
}

func matterURL(id int64, action string) string {
	return strings.TrimSuffix("/admin/matters/"+strconv.FormatInt(id, 10)+"/"+action, "/")
}

func TestAdminUsersCreate(t *testing.T) {
	v := newEnv(t, Config{})
	ctx := context.Background()
	doc := peopleGet(t, v, "/admin/users")
	tabs := testID(doc, "admin-tabs")
	for _, href := range []string{"/admin/users", "/admin/matters"} {
		if tabs.Find(`a[href="`+href+`"]`).Length() != 1 {
			t.Errorf("no %s tab", href)
		}
	}
	if a := testID(doc, "user-row").Filter(`[data-email="` + peopleAdmin + `"]`); a.Length() != 1 {
		t.Fatalf("the admin is not listed")
	} else if text(peopleIn(a, "user-role")) != "Administrator" || text(peopleIn(a, "user-matters")) != "1" {
		t.Errorf("admin row = %q", text(a))
	}

	const pw = "correct horse battery staple"
	form := url.Values{"email": {"carol@example.com"}, "name": {"Carol Jones"}, "role": {"staff"}, "password": {pw}}
	rec := v.do(t, peopleForm("/admin/users", form, ""), false)
	wantStatus(t, rec, http.StatusSeeOther)
	u, err := v.store.UserByEmail(ctx, "carol@example.com")
	if err != nil {
		t.Fatalf("carol not created: %v", err)
	}
	if u.Role != storage.RoleStaff || u.Name != "Carol Jones" || u.Disabled {
		t.Errorf("carol = %+v", u)
	}
	if ok, _, err := auth.Verify(pw, u.PasswordHash); !ok || err != nil {
		t.Errorf("the initial password does not verify: %v, %v", ok, err)
	}
	if loc := rec.Header().Get("Location"); loc != userURL(u.ID, "")+"?done=user-created" {
		t.Errorf("redirect to %q", loc)
	}
	if ev := wantEvent(t, v, "user.create", "user", u.ID); ev.Details["role"] != "staff" {
		t.Errorf("user.create details = %v", ev.Details)
	}
	doc = peopleGet(t, v, "/admin/users")
	row := testID(doc, "user-row").Filter(`[data-email="carol@example.com"]`)
	if got := []string{text(peopleIn(row, "user-name")), text(peopleIn(row, "user-role")), text(peopleIn(row, "user-status")),
		text(peopleIn(row, "user-last-login")), text(peopleIn(row, "user-matters"))}; strings.Join(got, "|") != "Carol Jones|Staff|enabled|never|0" {
		t.Errorf("carol's row = %q", got)
	}

	t.Run("duplicate email", func(t *testing.T) {
		form := url.Values{"email": {"carol@example.com"}, "name": {"Other Carol"}, "role": {"admin"}, "password": {pw}}
		doc, body := peopleRefused(t, v, "/admin/users", form, http.StatusConflict)
		if msg := text(testID(doc, "add-user-email-error")); !strings.Contains(msg, "already exists") {
			t.Errorf("email error = %q", msg)
		}
		if val, _ := testID(doc, "add-user-name").Attr("value"); val != "Other Carol" {
			t.Errorf("name not kept: %q", val)
		}
		if sel := testID(doc, "add-user-role").Find("option[selected]"); sel.AttrOr("value", "") != "admin" {
			t.Errorf("role not kept: %q", sel.AttrOr("value", ""))
		}
		if strings.Contains(body, pw) {
			t.Error("the password is echoed back")
		}
		if msg := text(testID(doc, "add-user-password-error")); !strings.Contains(msg, "type it again") {
			t.Errorf("no note that the password must be typed again: %q", msg)
		}
	})
	t.Run("weak password", func(t *testing.T) {
		const weak = "Tiny-Secret"
		form := url.Values{"email": {"dan@example.com"}, "name": {"Dan"}, "role": {"staff"}, "password": {weak}}
		doc, body := peopleRefused(t, v, "/admin/users", form, http.StatusBadRequest)
		if msg := text(testID(doc, "add-user-password-error")); !strings.Contains(msg, "at least 12") {
			t.Errorf("password error = %q", msg)
		}
		if strings.Contains(body, weak) {
			t.Error("the refused password is echoed back")
		}
		if val, _ := testID(doc, "add-user-email").Attr("value"); val != "dan@example.com" {
			t.Errorf("email not kept: %q", val)
		}
		if _, err := v.store.UserByEmail(ctx, "dan@example.com"); storage.ErrorCode(err) != storage.ENOTFOUND {
			t.Errorf("dan created after all: %v", err)
		}
	})
	t.Run("bad email and role", func(t *testing.T) {
		doc, _ := peopleRefused(t, v, "/admin/users",
			url.Values{"email": {"not an address"}, "role": {"staff"}, "password": {pw}}, http.StatusBadRequest)
		if msg := text(testID(doc, "add-user-email-error")); !strings.Contains(msg, "not an email address") {
			t.Errorf("email error = %q", msg)
		}
		doc, _ = peopleRefused(t, v, "/admin/users",
			url.Values{"email": {"erin@example.com"}, "role": {"root"}, "password": {pw}}, http.StatusBadRequest)
		if msg := text(testID(doc, "add-user-role-error")); msg == "" {
			t.Error("no message for an unknown role")
		}
	})
	t.Run("unknown user", func(t *testing.T) {
		wantStatus(t, v.do(t, peopleAs(httpGet("/admin/users/9999"), ""), false), http.StatusNotFound)
		wantStatus(t, v.do(t, peopleAs(httpGet("/admin/users/abc"), ""), false), http.StatusBadRequest)
	})
}

func TestAdminUsersRole(t *testing.T) {
	v := newEnv(t, Config{})
	ctx := context.Background()
	admin, _ := v.user(t, "admin", true)

	// The only admin cannot make themselves staff.
	doc, _ := peopleRefused(t, v, userURL(admin.ID, "role"), url.Values{"role": {"staff"}}, http.StatusConflict)
	if msg := text(testID(doc, "role-error")); !strings.Contains(msg, "last enabled admin") {
		t.Errorf("role error = %q", msg)
	}
	if u, _ := v.store.UserByID(ctx, admin.ID); u.Role != storage.RoleAdmin {
		t.Fatalf("the last admin lost the role")
	}

	dave := peopleUser(t, v, "dave@example.com", storage.RoleStaff)
	doc = peopleDone(t, v, userURL(dave.ID, "role"), url.Values{"role": {"admin"}}, userURL(dave.ID, ""))
	if r, _ := testID(doc, "user-role").Attr("data-role"); r != "admin" {
		t.Errorf("dave's page shows role %q", r)
	}
	if ev := wantEvent(t, v, "user.role", "user", dave.ID); ev.Details["role"] != "admin" {
		t.Errorf("user.role details = %v", ev.Details)
	}
	// Choosing the role the user has changes nothing and says so.
	doc, _ = peopleRefused(t, v, userURL(dave.ID, "role"), url.Values{"role": {"admin"}}, http.StatusConflict)
	if msg := text(testID(doc, "role-error")); !strings.Contains(msg, "already") {
		t.Errorf("role error = %q", msg)
	}

	// With dave an admin too, the admin can step down, and lands on the documents list.
	rec := v.do(t, peopleForm(userURL(admin.ID, "role"), url.Values{"role": {"staff"}}, ""), false)
	wantStatus(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/" {
		t.Errorf("after stepping down: redirect to %q, want /", loc)
	}
	if u, _ := v.store.UserByID(ctx, admin.ID); u.Role != storage.RoleStaff {
		t.Errorf("role = %q, want staff", u.Role)
	}
}

func TestAdminUsersDisable(t *testing.T) {
	v := newEnv(t, Config{})
	ctx := context.Background()
	admin, _ := v.user(t, "admin", true)
	// Another admin, so that the refusal is the self rule, not the last-admin one.
	peopleUser(t, v, "second-admin@example.com", storage.RoleAdmin)

	doc := peopleGet(t, v, userURL(admin.ID, ""))
	if _, disabled := testID(doc, "disable-button").Attr("disabled"); !disabled || testID(doc, "self-note").Length() != 1 {
		t.Error("the admin's own page offers to disable their account")
	}
	doc, _ = peopleRefused(t, v, userURL(admin.ID, "disable"), nil, http.StatusConflict)
	if msg := text(testID(doc, "status-error")); !strings.Contains(msg, "your own account") {
		t.Errorf("status error = %q", msg)
	}
	if u, _ := v.store.UserByID(ctx, admin.ID); u.Disabled {
		t.Fatal("the admin disabled themselves")
	}

	carol, _ := v.user(t, "carol", false)
	wantStatus(t, v.do(t, peopleAs(httpGet("/"), "carol"), false), http.StatusOK)
	doc = peopleDone(t, v, userURL(carol.ID, "disable"), nil, userURL(carol.ID, ""))
	if d, _ := testID(doc, "user-status").Attr("data-disabled"); d != "true" || testID(doc, "enable-form").Length() != 1 {
		t.Errorf("carol's page after disabling: status %q, enable form %d", d, testID(doc, "enable-form").Length())
	}
	wantEvent(t, v, "user.disable", "user", carol.ID)
	// Her API token stops working at once.
	wantStatus(t, v.do(t, peopleAs(httpGet("/"), "carol"), false), http.StatusUnauthorized)
	doc, _ = peopleRefused(t, v, userURL(carol.ID, "disable"), nil, http.StatusConflict)
	if msg := text(testID(doc, "status-error")); !strings.Contains(msg, "already disabled") {
		t.Errorf("status error = %q", msg)
	}

	peopleDone(t, v, userURL(carol.ID, "enable"), nil, userURL(carol.ID, ""))
	wantEvent(t, v, "user.enable", "user", carol.ID)
	wantStatus(t, v.do(t, peopleAs(httpGet("/"), "carol"), false), http.StatusOK)
}

func TestAdminUsersPasswordAndTokens(t *testing.T) {
	v := newEnv(t, Config{})
	ctx := context.Background()
	erin, _ := v.user(t, "erin", false)

	const weak = "aaaaaaaaaaaaaaaa"
	doc, body := peopleRefused(t, v, userURL(erin.ID, "password"), url.Values{"password": {weak}}, http.StatusBadRequest)
	if msg := text(testID(doc, "password-error")); !strings.Contains(msg, "repeats one character") {
		t.Errorf("password error = %q", msg)
	}
	if strings.Contains(body, weak) {
		t.Error("the refused password is echoed back")
	}
	const pw = "a new password for erin"
	peopleDone(t, v, userURL(erin.ID, "password"), url.Values{"password": {pw}}, userURL(erin.ID, ""))
	u, _ := v.store.UserByID(ctx, erin.ID)
	if ok, _, _ := auth.Verify(pw, u.PasswordHash); !ok {
		t.Error("the new password does not verify")
	}
	wantEvent(t, v, "user.password", "user", erin.ID)

	tokens, err := v.store.APITokens(ctx, erin.ID)
	if err != nil || len(tokens) != 1 {
		t.Fatalf("erin's tokens: %v, %v", tokens, err)
	}
	tok := tokens[0]
	doc = peopleGet(t, v, userURL(erin.ID, ""))
	row := testID(doc, "token-row").Filter(`[data-token-id="` + strconv.FormatInt(tok.ID, 10) + `"]`)
	if row.AttrOr("data-revoked", "") != "false" || peopleIn(row, "token-revoke").Length() != 1 {
		t.Fatalf("token row = %q", text(row))
	}
	wantStatus(t, v.do(t, peopleAs(httpGet("/"), "erin"), false), http.StatusOK)

	// Another user's token cannot be revoked through erin's page.
	frank, _ := v.user(t, "frank", false)
	ftoks, _ := v.store.APITokens(ctx, frank.ID)
	doc, _ = peopleRefused(t, v, userURL(erin.ID, "tokens/revoke"),
		url.Values{"token_id": {strconv.FormatInt(ftoks[0].ID, 10)}}, http.StatusNotFound)
	if msg := text(testID(doc, "token-error")); !strings.Contains(msg, "no such API token") {
		t.Errorf("token error = %q", msg)
	}
	wantStatus(t, v.do(t, peopleAs(httpGet("/"), "frank"), false), http.StatusOK)

	doc = peopleDone(t, v, userURL(erin.ID, "tokens/revoke"),
		url.Values{"token_id": {strconv.FormatInt(tok.ID, 10)}}, userURL(erin.ID, ""))
	row = testID(doc, "token-row").Filter(`[data-token-id="` + strconv.FormatInt(tok.ID, 10) + `"]`)
	if row.AttrOr("data-revoked", "") != "true" || peopleIn(row, "token-revoked").Length() != 1 {
		t.Errorf("token row after revoking = %q", text(row))
	}
	wantEvent(t, v, "token.revoke", "api_token", tok.ID)
	wantStatus(t, v.do(t, peopleAs(httpGet("/"), "erin"), false), http.StatusUnauthorized)
}

func TestAdminUsersMatters(t *testing.T) {
	v := newEnv(t, Config{})
	gina := peopleUser(t, v, "gina@example.com", storage.RoleStaff)
	m := peopleMatter(t, v, "C-300", "M-1", "Acme supply")
	id := strconv.FormatInt(m.ID, 10)

	doc := peopleGet(t, v, userURL(gina.ID, ""))
	if testID(doc, "user-matters-empty").Length() != 1 {
		t.Error("gina's page does not say she has no matters")
	}
	if testID(doc, "user-matter-select").Find(`option[value="`+id+`"]`).Length() != 1 {
		t.Fatal("the matter is not offered")
	}
	doc = peopleDone(t, v, userURL(gina.ID, "matters"), url.Values{"matter_id": {id}}, userURL(gina.ID, ""))
	if testID(doc, "user-matter").Filter(`[data-matter-id="`+id+`"]`).Length() != 1 {
		t.Error("the matter is not listed on gina's page")
	}
	if testID(doc, "user-matter-select").Find(`option[value="`+id+`"]`).Length() != 0 {
		t.Error("the matter she is in is still offered")
	}
	if ev := wantEvent(t, v, "matter.member_add", "matter", m.ID); ev.Details["email"] != "gina@example.com" {
		t.Errorf("member_add details = %v", ev.Details)
	}
	doc = peopleDone(t, v, userURL(gina.ID, "matters/remove"), url.Values{"matter_id": {id}}, userURL(gina.ID, ""))
	if testID(doc, "user-matter").Length() != 0 {
		t.Error("the matter is still listed")
	}
	wantEvent(t, v, "matter.member_remove", "matter", m.ID)
	doc, _ = peopleRefused(t, v, userURL(gina.ID, "matters/remove"), url.Values{"matter_id": {id}}, http.StatusNotFound)
	if msg := text(testID(doc, "user-matter-error")); !strings.Contains(msg, "not a member") {
		t.Errorf("matter error = %q", msg)
	}
}

func TestAdminMattersCreate(t *testing.T) {
	v := newEnv(t, Config{})
	ctx := context.Background()
	doc := peopleGet(t, v, "/admin/matters")
	row := testID(doc, "matter-row").Filter(`[data-matter-id="` + strconv.FormatInt(v.matter, 10) + `"]`)
	if text(peopleIn(row, "matter-client")) != "C-1" || text(peopleIn(row, "matter-members")) != "1" ||
		peopleIn(row, "hold-badge").Length() != 0 {
		t.Errorf("env matter row = %q", text(row))
	}

	form := url.Values{"client_number": {" C-200 "}, "matter_number": {"M-9"}, "name": {"Acme lease"}}
	rec := v.do(t, peopleForm("/admin/matters", form, ""), false)
	wantStatus(t, rec, http.StatusSeeOther)
	ms, err := v.store.Matters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var m *storage.Matter
	for i := range ms {
		if ms[i].ClientNumber == "C-200" && ms[i].MatterNumber == "M-9" {
			m = &ms[i]
		}
	}
	if m == nil || m.Name != "Acme lease" {
		t.Fatalf("matter not created: %+v", ms)
	}
	if loc := rec.Header().Get("Location"); loc != matterURL(m.ID, "")+"?done=matter-created" {
		t.Errorf("redirect to %q", loc)
	}
	wantEvent(t, v, "matter.create", "matter", m.ID)
	doc = peopleGet(t, v, matterURL(m.ID, ""))
	if h := text(doc.Find("section.admin h2")); h != "C-200/M-9 Acme lease" {
		t.Errorf("matter page heading = %q", h)
	}
	if testID(doc, "members-empty").Length() != 1 || testID(doc, "hold-form").Length() != 1 {
		t.Error("a new matter's page shows members or a hold")
	}

	t.Run("duplicate numbers", func(t *testing.T) {
		form := url.Values{"client_number": {"C-200"}, "matter_number": {"M-9"}, "name": {"Another name"}}
		doc, _ := peopleRefused(t, v, "/admin/matters", form, http.StatusConflict)
		if msg := text(testID(doc, "add-matter-error")); !strings.Contains(msg, "C-200/M-9 already exists") {
			t.Errorf("error = %q", msg)
		}
		if val, _ := testID(doc, "add-matter-name").Attr("value"); val != "Another name" {
			t.Errorf("name not kept: %q", val)
		}
	})
	t.Run("missing name", func(t *testing.T) {
		doc, _ := peopleRefused(t, v, "/admin/matters",
			url.Values{"client_number": {"C-201"}, "matter_number": {"M-1"}}, http.StatusBadRequest)
		if msg := text(testID(doc, "add-matter-error")); !strings.Contains(msg, "name is required") {
			t.Errorf("error = %q", msg)
		}
	})
	t.Run("rename", func(t *testing.T) {
		doc, _ := peopleRefused(t, v, matterURL(m.ID, "rename"),
			url.Values{"client_number": {"C-1"}, "matter_number": {"M-1"}, "name": {"Clash"}}, http.StatusConflict)
		if msg := text(testID(doc, "rename-matter-error")); !strings.Contains(msg, "already exists") {
			t.Errorf("rename error = %q", msg)
		}
		if val, _ := testID(doc, "rename-matter-name").Attr("value"); val != "Clash" {
			t.Errorf("rename input not kept: %q", val)
		}
		doc = peopleDone(t, v, matterURL(m.ID, "rename"),
			url.Values{"client_number": {"C-200"}, "matter_number": {"M-10"}, "name": {"Acme lease renewal"}}, matterURL(m.ID, ""))
		if h := text(doc.Find("section.admin h2")); h != "C-200/M-10 Acme lease renewal" {
			t.Errorf("heading after rename = %q", h)
		}
		wantEvent(t, v, "matter.update", "matter", m.ID)
	})
	t.Run("unknown matter", func(t *testing.T) {
		wantStatus(t, v.do(t, peopleAs(httpGet("/admin/matters/9999"), ""), false), http.StatusNotFound)
		rec := v.do(t, peopleForm("/admin/matters/9999/hold", url.Values{"reason": {"x"}}, ""), false)
		wantStatus(t, rec, http.StatusNotFound)
	})
}

func TestAdminMattersMembers(t *testing.T) {
	v := newEnv(t, Config{})
	bob, _ := v.user(t, "bob", false)
	m := peopleMatter(t, v, "C-400", "M-2", "Beta merger")
	uid := strconv.FormatInt(bob.ID, 10)

	doc := peopleGet(t, v, matterURL(m.ID, ""))
	if testID(doc, "member-select").Find(`option[value="`+uid+`"]`).Length() != 1 {
		t.Fatal("bob is not offered as a member")
	}
	doc = peopleDone(t, v, matterURL(m.ID, "members"), url.Values{"user_id": {uid}}, matterURL(m.ID, ""))
	if testID(doc, "member-row").Filter(`[data-email="bob@example.com"]`).Length() != 1 {
		t.Fatal("bob is not listed as a member")
	}
	if testID(doc, "member-select").Find(`option[value="`+uid+`"]`).Length() != 0 {
		t.Error("bob is still offered after joining")
	}
	if ev := wantEvent(t, v, "matter.member_add", "matter", m.ID); ev.Details["email"] != "bob@example.com" {
		t.Errorf("member_add details = %v", ev.Details)
	}
	if ok, _ := v.store.IsMember(context.Background(), m.ID, bob.ID); !ok {
		t.Error("bob is not a member in storage")
	}

	doc = peopleDone(t, v, matterURL(m.ID, "members/remove"), url.Values{"user_id": {uid}}, matterURL(m.ID, ""))
	if testID(doc, "member-row").Length() != 0 {
		t.Error("bob is still listed")
	}
	if ev := wantEvent(t, v, "matter.member_remove", "matter", m.ID); ev.Details["email"] != "bob@example.com" {
		t.Errorf("member_remove details = %v", ev.Details)
	}
	if ok, _ := v.store.IsMember(context.Background(), m.ID, bob.ID); ok {
		t.Error("bob is still a member in storage")
	}
	doc, _ = peopleRefused(t, v, matterURL(m.ID, "members/remove"), url.Values{"user_id": {uid}}, http.StatusNotFound)
	if msg := text(testID(doc, "member-error")); !strings.Contains(msg, "not a member") {
		t.Errorf("member error = %q", msg)
	}
	doc, _ = peopleRefused(t, v, matterURL(m.ID, "members"), url.Values{"user_id": {""}}, http.StatusBadRequest)
	if msg := text(testID(doc, "member-error")); !strings.Contains(msg, "Choose the user") {
		t.Errorf("member error = %q", msg)
	}
}

func TestAdminMattersLegalHold(t *testing.T) {
	v := newEnv(t, Config{})
	m := peopleMatter(t, v, "C-500", "M-3", "Gamma dispute")

	doc, _ := peopleRefused(t, v, matterURL(m.ID, "hold"), url.Values{"reason": {"   "}}, http.StatusBadRequest)
	if msg := text(testID(doc, "hold-error")); !strings.Contains(msg, "Say why") {
		t.Errorf("hold error = %q", msg)
	}
	if testID(doc, "hold-banner").Length() != 0 {
		t.Error("a banner after a refused hold")
	}
	if got, _ := v.store.Matter(context.Background(), m.ID); got.LegalHold {
		t.Fatal("on hold without a reason")
	}

	const reason = "Litigation hold notice of 2025-03-01"
	doc = peopleDone(t, v, matterURL(m.ID, "hold"), url.Values{"reason": {reason}}, matterURL(m.ID, ""))
	banner := testID(doc, "hold-banner")
	if banner.Length() != 1 || text(peopleIn(banner, "hold-by")) != peopleAdmin ||
		text(peopleIn(banner, "hold-reason")) != reason || text(peopleIn(banner, "hold-since")) == "" {
		t.Fatalf("banner = %q", text(banner))
	}
	if !strings.HasPrefix(text(banner), "On legal hold since") {
		t.Errorf("banner reads %q", text(banner))
	}
	if testID(doc, "release-button").Length() != 1 || testID(doc, "hold-form").Length() != 0 {
		t.Error("no release button, or still a hold form")
	}
	if ev := wantEvent(t, v, "matter.hold", "matter", m.ID); ev.Details["reason"] != reason {
		t.Errorf("matter.hold details = %v", ev.Details)
	}
	list := peopleGet(t, v, "/admin/matters")
	if peopleIn(testID(list, "matter-row").Filter(`[data-matter-id="`+strconv.FormatInt(m.ID, 10)+`"]`), "hold-badge").Length() != 1 {
		t.Error("no hold badge in the matters list")
	}
	doc, _ = peopleRefused(t, v, matterURL(m.ID, "hold"), url.Values{"reason": {"again"}}, http.StatusConflict)
	if msg := text(testID(doc, "hold-error")); !strings.Contains(msg, "already on legal hold") {
		t.Errorf("second hold error = %q", msg)
	}

	doc = peopleDone(t, v, matterURL(m.ID, "release"), nil, matterURL(m.ID, ""))
	if testID(doc, "hold-banner").Length() != 0 || testID(doc, "hold-form").Length() != 1 {
		t.Error("still shown on hold after the release")
	}
	wantEvent(t, v, "matter.release", "matter", m.ID)
	doc, _ = peopleRefused(t, v, matterURL(m.ID, "release"), nil, http.StatusConflict)
	if msg := text(testID(doc, "hold-error")); !strings.Contains(msg, "not on legal hold") {
		t.Errorf("second release error = %q", msg)
	}
}

func TestAdminMattersDocumentsMetadataOnly(t *testing.T) {
	v := newEnv(t, Config{})
	d, _ := v.createDocument(t, "master-lease.pdf")
	rec := v.do(t, peopleAs(httpGet(matterURL(v.matter, "")), ""), false)
	wantStatus(t, rec, http.StatusOK)
	doc := parse(t, rec)
	row := testID(doc, "matter-doc-row").Filter(`[data-document-id="` + strconv.FormatInt(d.ID, 10) + `"]`)
	if row.Length() != 1 {
		t.Fatalf("the document is not listed:\n%s", rec.Body.String())
	}
	if got := []string{text(peopleIn(row, "matter-doc-name")), text(peopleIn(row, "matter-doc-size")),
		text(peopleIn(row, "matter-doc-pages")), text(peopleIn(row, "matter-doc-status"))}; strings.Join(got, "|") != "master-lease.pdf|1.2 KB|—|Queued" {
		t.Errorf("document row = %q", got)
	}
	doc.Find("a[href], form[action]").Each(func(_ int, s *goquery.Selection) {
		target := s.AttrOr("href", s.AttrOr("action", ""))
		if strings.HasPrefix(target, "/documents") || strings.HasPrefix(target, "/jobs") {
			t.Errorf("the matter page links to %s", target)
		}
	})
	if strings.Contains(rec.Body.String(), d.SHA256) || strings.Contains(rec.Body.String(), d.StoredName) {
		t.Error("the page shows the file's hash or stored name")
	}
}

func TestAdminPeopleStaffForbidden(t *testing.T) {
	v := newEnv(t, Config{})
	ctx := context.Background()
	bob, _ := v.user(t, "bob", false)
	carol := peopleUser(t, v, "carol@example.com", storage.RoleStaff)
	m := peopleMatter(t, v, "C-600", "M-4", "Delta")
	tokens, _ := v.store.APITokens(ctx, bob.ID)
	u, mm := strconv.FormatInt(carol.ID, 10), strconv.FormatInt(m.ID, 10)
	gets := []string{"/admin/users", "/admin/users/" + u, "/admin/matters", "/admin/matters/" + mm}
	posts := []struct {
		path string
		form url.Values
	}{
		{"/admin/users", url.Values{"email": {"eve@example.com"}, "role": {"admin"}, "password": {"a long enough password"}}},
		{"/admin/users/" + u + "/role", url.Values{"role": {"admin"}}},
		{"/admin/users/" + u + "/disable", nil},
		{"/admin/users/" + u + "/enable", nil},
		{"/admin/users/" + u + "/password", url.Values{"password": {"a long enough password"}}},
		{"/admin/users/" + u + "/matters", url.Values{"matter_id": {mm}}},
		{"/admin/users/" + u + "/matters/remove", url.Values{"matter_id": {mm}}},
		{"/admin/users/" + strconv.FormatInt(bob.ID, 10) + "/tokens/revoke", url.Values{"token_id": {strconv.FormatInt(tokens[0].ID, 10)}}},
		{"/admin/matters", url.Values{"client_number": {"C-9"}, "matter_number": {"M-9"}, "name": {"Sneaky"}}},
		{"/admin/matters/" + mm + "/rename", url.Values{"client_number": {"C-9"}, "matter_number": {"M-9"}, "name": {"Sneaky"}}},
		{"/admin/matters/" + mm + "/members", url.Values{"user_id": {strconv.FormatInt(bob.ID, 10)}}},
		{"/admin/matters/" + mm + "/members/remove", url.Values{"user_id": {strconv.FormatInt(bob.ID, 10)}}},
		{"/admin/matters/" + mm + "/hold", url.Values{"reason": {"no"}}},
		{"/admin/matters/" + mm + "/release", nil},
	}
	for _, p := range gets {
		t.Run("GET "+p, func(t *testing.T) {
			wantStatus(t, v.do(t, peopleAs(httpGet(p), "bob"), false), http.StatusForbidden)
		})
	}
	for _, p := range posts {
		t.Run("POST "+p.path, func(t *testing.T) {
			wantStatus(t, v.do(t, peopleForm(p.path, p.form, "bob"), false), http.StatusForbidden)
		})
	}
	// Nothing changed: no event by bob, the matter and users as they were.
	evs, err := v.store.QueryAudit(ctx, storage.AuditFilter{Actor: "bob@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Action != "access.denied" {
			t.Errorf("bob's request changed something: %s on %s %d", ev.Action, ev.ObjectType, ev.ObjectID)
		}
	}
	if got, _ := v.store.Matter(ctx, m.ID); got.Name != "Delta" || got.LegalHold {
		t.Errorf("matter changed: %+v", got)
	}
	if _, err := v.store.UserByEmail(ctx, "eve@example.com"); storage.ErrorCode(err) != storage.ENOTFOUND {
		t.Errorf("eve was created: %v", err)
	}
	if rows, _ := v.store.APITokens(ctx, bob.ID); !rows[0].RevokedAt.IsZero() {
		t.Error("bob's token was revoked")
	}
}
