package storage

import (
	"context"
	"strings"
	"testing"
	"time"
)

// testUser creates a user with a fake password hash.
func testUser(t *testing.T, s *Store, email, role string) *User {
	t.Helper()
	u := &User{Email: email, Name: "Test " + role, Role: role}
	if err := s.CreateUser(context.Background(), u, "$argon2id$fake-hash-of-"+email, "cli"); err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

func TestCreateUser(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	u := testUser(t, s, "  Alice@Example.com ", RoleAdmin)
	if u.ID == 0 || u.Email != "Alice@Example.com" || u.CreatedAt.IsZero() {
		t.Fatalf("created user = %+v", u)
	}
	got, err := s.UserByEmail(ctx, "alice@EXAMPLE.com")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != u.ID || got.Role != RoleAdmin || got.Name != "Test admin" || got.Disabled ||
		got.PasswordHash != "$argon2id$fake-hash-of-  Alice@Example.com " || !got.LastLoginAt.IsZero() {
		t.Fatalf("UserByEmail = %+v", got)
	}
	if byID, err := s.UserByID(ctx, u.ID); err != nil || byID.Email != u.Email {
		t.Fatalf("UserByID = %+v, %v", byID, err)
	}
	_, err = s.UserByID(ctx, 999)
	wantCode(t, err, ENOTFOUND)
	_, err = s.UserByEmail(ctx, "nobody@example.com")
	wantCode(t, err, ENOTFOUND)

	for _, c := range []struct {
		email, role, code, msg string
	}{
		{"ALICE@example.COM", RoleStaff, ECONFLICT, "already exists"},
		{"", RoleStaff, EINVALID, "Email address required"},
		{"not-an-email", RoleStaff, EINVALID, "not an email address"},
		{"Bob <bob@example.com>", RoleStaff, EINVALID, "not an email address"},
		{"bob@example.com", "root", EINVALID, `Role "root" is not admin or staff`},
		{"bob@example.com", "", EINVALID, "is not admin or staff"},
	} {
		err := s.CreateUser(ctx, &User{Email: c.email, Role: c.role}, "", "cli")
		wantCode(t, err, c.code)
		if !strings.Contains(ErrorMessage(err), c.msg) {
			t.Errorf("CreateUser(%q, %q) message %q, want %q", c.email, c.role, ErrorMessage(err), c.msg)
		}
	}
	sso := &User{Email: "sso@example.com", Role: RoleStaff}
	if err := s.CreateUser(ctx, sso, "", "cli"); err != nil {
		t.Fatalf("CreateUser without password: %v", err)
	}
	if n, err := s.CountUsers(ctx); err != nil || n != 2 {
		t.Fatalf("CountUsers = %d, %v; want 2", n, err)
	}
	users, err := s.ListUsers(ctx)
	if err != nil || len(users) != 2 || users[0].ID != u.ID || users[1].Email != "sso@example.com" {
		t.Fatalf("ListUsers = %+v, %v", users, err)
	}

	evs, err := s.AuditEvents(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Action != "user.create" || evs[0].Actor != "cli" || evs[0].ObjectID != u.ID ||
		evs[0].Details["password"] != true || evs[1].Details["password"] != false {
		t.Fatalf("audit = %+v", evs)
	}
	for _, ev := range evs {
		for k, v := range ev.Details {
			if str, ok := v.(string); ok && strings.Contains(str, "argon2id") {
				t.Errorf("audit %s detail %s holds the hash", ev.Action, k)
			}
		}
	}
	if bad, err := s.VerifyAuditChain(ctx); err != nil || bad != 0 {
		t.Fatalf("VerifyAuditChain = %d, %v", bad, err)
	}
}

func TestUpdateUser(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestStore(t)
	admin := testUser(t, s, "admin@example.com", RoleAdmin)
	staff := testUser(t, s, "staff@example.com", RoleStaff)

	clk.Advance(time.Minute)
	if err := s.SetPassword(ctx, staff.ID, "$argon2id$new", "cli"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserDisabled(ctx, staff.ID, true, "cli"); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordLogin(ctx, admin.ID, admin.Email, "password"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.UserByID(ctx, staff.ID)
	if got.PasswordHash != "$argon2id$new" || !got.Disabled || !got.UpdatedAt.Equal(clk.Now()) {
		t.Fatalf("after updates: %+v", got)
	}
	if a, _ := s.UserByID(ctx, admin.ID); !a.LastLoginAt.Equal(clk.Now()) {
		t.Fatalf("LastLoginAt = %v, want %v", a.LastLoginAt, clk.Now())
	}

	// The last enabled admin can be neither disabled nor demoted.
	wantCode(t, s.SetUserDisabled(ctx, admin.ID, true, "cli"), ECONFLICT)
	wantCode(t, s.SetUserRole(ctx, admin.ID, RoleStaff, "cli"), ECONFLICT)
	wantCode(t, s.SetUserRole(ctx, staff.ID, "boss", "cli"), EINVALID)
	wantCode(t, s.SetUserRole(ctx, 999, RoleStaff, "cli"), ENOTFOUND)
	wantCode(t, s.SetPassword(ctx, 999, "", "cli"), ENOTFOUND)
	// Once another admin is enabled, the first may be demoted.
	if err := s.SetUserDisabled(ctx, staff.ID, false, "cli"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserRole(ctx, staff.ID, RoleAdmin, "cli"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserRole(ctx, admin.ID, RoleStaff, "cli"); err != nil {
		t.Fatalf("demote with another admin: %v", err)
	}

	evs, _ := s.AuditEvents(ctx, 0, 100)
	var actions []string
	for _, ev := range evs {
		actions = append(actions, ev.Action)
		if ev.Action == "user.password" && (ev.Details["password"] != true || ev.Details["email"] != staff.Email) {
			t.Errorf("user.password details = %v", ev.Details)
		}
	}
	want := "user.create user.create user.password user.disable user.login user.enable user.role user.role"
	if got := strings.Join(actions, " "); got != want {
		t.Fatalf("audit actions = %s\nwant %s (refused changes leave no event)", got, want)
	}
}

func TestAPITokens(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestStore(t)
	u := testUser(t, s, "bot@example.com", RoleStaff)
	token, err := s.CreateAPIToken(ctx, u.ID, "nightly import", "cli")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, "prc_") || len(token) != 4+43 {
		t.Fatalf("token = %q", token)
	}
	other, _ := s.CreateAPIToken(ctx, u.ID, "second", "cli")
	if other == token {
		t.Fatal("two tokens are equal")
	}
	var stored string
	if err := s.db.QueryRow(`SELECT token_hash FROM api_tokens WHERE name = 'nightly import'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != tokenHash(token) || strings.Contains(stored, token[4:]) {
		t.Fatalf("stored %q, want the SHA-256 of the token", stored)
	}

	clk.Advance(time.Hour)
	got, err := s.APITokenUser(ctx, token)
	if err != nil || got.ID != u.ID {
		t.Fatalf("APITokenUser = %+v, %v", got, err)
	}
	toks, err := s.APITokens(ctx, u.ID)
	if err != nil || len(toks) != 2 || !toks[0].LastUsedAt.Equal(clk.Now()) || !toks[1].LastUsedAt.IsZero() {
		t.Fatalf("APITokens = %+v, %v", toks, err)
	}
	for _, bad := range []string{"", "prc_", token + "x", token[:len(token)-1], strings.TrimPrefix(token, "prc_"), stored} {
		_, err := s.APITokenUser(ctx, bad)
		wantCode(t, err, ENOTFOUND)
	}
	_, err = s.CreateAPIToken(ctx, u.ID, " ", "cli")
	wantCode(t, err, EINVALID)
	_, err = s.CreateAPIToken(ctx, 999, "x", "cli")
	wantCode(t, err, ENOTFOUND)

	// Only the token's own user revokes it through this call.
	wantCode(t, s.RevokeAPIToken(ctx, toks[0].UserID+1, toks[0].ID, "cli"), ENOTFOUND)
	if err := s.RevokeAPIToken(ctx, toks[0].UserID, toks[0].ID, "cli"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.RevokeAPIToken(ctx, toks[0].UserID, toks[0].ID, "cli"), ECONFLICT)
	wantCode(t, s.RevokeAPIToken(ctx, toks[0].UserID, 999, "cli"), ENOTFOUND)
	_, err = s.APITokenUser(ctx, token)
	wantCode(t, err, ENOTFOUND)

	// A disabled user's tokens stop working.
	if _, err := s.APITokenUser(ctx, other); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserDisabled(ctx, u.ID, true, "cli"); err != nil {
		t.Fatal(err)
	}
	_, err = s.APITokenUser(ctx, other)
	wantCode(t, err, ENOTFOUND)

	evs, _ := s.AuditEvents(ctx, 0, 100)
	for _, ev := range evs {
		for _, v := range ev.Details {
			if str, ok := v.(string); ok && (strings.Contains(str, token[4:]) || strings.Contains(str, stored)) {
				t.Fatalf("audit %s holds the token or its hash: %v", ev.Action, ev.Details)
			}
		}
	}
	if evs[1].Action != "token.create" || evs[3].Action != "token.revoke" {
		t.Fatalf("audit = %+v", evs)
	}
}

func TestLoginAttempts(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestStore(t)
	start := clk.Now()
	key := "account:alice@example.com"
	for i := range 5 {
		if err := s.RecordLoginAttempt(ctx, key, i == 2); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Minute)
	}
	if err := s.RecordLoginAttempt(ctx, "addr:192.0.2.7", false); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key   string
		since time.Time
		want  int
	}{
		{key, start, 4},
		{key, start.Add(time.Minute), 3},
		{key, start.Add(3 * time.Minute), 2},
		{key, start.Add(time.Hour), 0},
		{"addr:192.0.2.7", start, 1},
		{"addr:192.0.2.8", start, 0},
	} {
		if n, err := s.RecentFailures(ctx, c.key, c.since); err != nil || n != c.want {
			t.Errorf("RecentFailures(%s, +%s) = %d, %v; want %d", c.key, c.since.Sub(start), n, err, c.want)
		}
	}
	wantCode(t, s.RecordLoginAttempt(ctx, "", false), EINVALID)
	if n, err := s.PruneLoginAttempts(ctx, start.Add(2*time.Minute)); err != nil || n != 2 {
		t.Fatalf("PruneLoginAttempts = %d, %v; want 2", n, err)
	}
	if n, _ := s.RecentFailures(ctx, key, start); n != 2 {
		t.Fatalf("after prune: %d failures, want 2", n)
	}
}
