package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"precis/auth"
	"precis/storage"
)

// runUserCLI runs `precis user ARGS --data-dir data` with stdin as standard
// input and no PRECIS_ settings from the environment.
func runUserCLI(t *testing.T, data, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCLIInput(t, stdin, append(append([]string{"user"}, args...), "--data-dir", data)...)
}

// dbBytes returns the database file and its WAL as they are on disk.
func dbBytes(t *testing.T, data string) []byte {
	t.Helper()
	var all []byte
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(filepath.Join(data, "precis.db"+suffix))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

func TestUserCommands(t *testing.T) {
	const pw = "tiger lily on the roof 42"
	const pw2 = "a second passphrase, longer"
	data := t.TempDir()
	var outputs []string
	run := func(stdin string, args ...string) (int, string, string) {
		t.Helper()
		code, out, errOut := runUserCLI(t, data, stdin, args...)
		outputs = append(outputs, out, errOut)
		return code, out, errOut
	}
	expect := func(wantCode int, wantText, stdin string, args ...string) string {
		t.Helper()
		code, out, errOut := run(stdin, args...)
		if code != wantCode || !strings.Contains(out+errOut, wantText) {
			t.Fatalf("precis user %s: exit %d, want %d with %q\nstdout: %s\nstderr: %s",
				strings.Join(args, " "), code, wantCode, wantText, out, errOut)
		}
		return out
	}

	expect(0, "added admin user Ada@Example.com", pw+"\n", "add", "--email", "Ada@Example.com", "--role", "admin", "--name", "Ada Lovelace")
	expect(0, "added staff user bob@example.com", pw2+"\r\n", "add", "--email", "bob@example.com", "--role", "staff")

	// Refusals: exit 2 with a message that says what is wrong.
	expect(2, "already exists", pw+"\n", "add", "--email", "ADA@example.com", "--role", "staff")
	expect(2, "has 5 characters; use at least 12", "short\n", "add", "--email", "weak@example.com", "--role", "staff")
	expect(2, "repeats one character", "aaaaaaaaaaaaaaaa\n", "add", "--email", "weak@example.com", "--role", "staff")
	expect(2, "no password on standard input", "", "add", "--email", "weak@example.com", "--role", "staff")
	expect(2, "--email is required", pw, "add", "--role", "staff")
	expect(2, `--role "root" must be admin or staff`, pw, "add", "--email", "x@example.com", "--role", "root")
	expect(2, "not an email address", pw, "add", "--email", "not-an-email", "--role", "staff")
	expect(2, "flag provided but not defined: -password", "", "add", "--email", "x@example.com", "--role", "staff", "--password", pw)
	expect(2, "no user has the email nobody@example.com", "", "disable", "--email", "nobody@example.com")
	expect(2, "unknown command \"delete\"", "", "delete")
	expect(2, "--name is required", "", "token", "--email", "bob@example.com")

	list := expect(0, "ID", "", "list")
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "Ada@Example.com") || !strings.Contains(lines[1], "Ada Lovelace") ||
		!strings.Contains(lines[1], "admin") || !strings.Contains(lines[1], "never") ||
		!strings.Contains(lines[2], "bob@example.com") || !strings.Contains(lines[2], "staff") {
		t.Fatalf("list:\n%s", list)
	}
	if strings.Contains(list, "argon2") || strings.Contains(list, "weak@") {
		t.Fatalf("list shows a hash or a refused user:\n%s", list)
	}

	// The only admin cannot be disabled; staff can.
	expect(2, "last enabled admin", "", "disable", "--email", "ada@example.com")
	expect(0, "disabled bob@example.com", "", "disable", "--email", "bob@example.com")
	if out := expect(0, "bob@example.com", "", "list"); !strings.Contains(out, "yes") {
		t.Fatalf("list after disable:\n%s", out)
	}

	expect(2, "has 3 characters", "new\n", "passwd", "--email", "ada@example.com")
	expect(0, "password of Ada@Example.com changed", pw2+"\n", "passwd", "--email", "ada@example.com")

	tokOut := expect(0, "will not be shown again", "", "token", "--email", "ada@example.com", "--name", "nightly import")
	token := strings.TrimSpace(tokOut[strings.LastIndex(strings.TrimSpace(tokOut), "\n")+1:])
	if !strings.HasPrefix(token, storage.APITokenPrefix) || len(token) != 47 {
		t.Fatalf("token output:\n%s", tokOut)
	}

	st := openStore(t, data)
	ctx := context.Background()
	ada, err := st.UserByEmail(ctx, "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := auth.Verify(pw2, ada.PasswordHash); !ok || err != nil {
		t.Fatalf("the new password does not verify: %v, %v", ok, err)
	}
	if ok, _, _ := auth.Verify(pw, ada.PasswordHash); ok {
		t.Fatal("the old password still verifies after passwd")
	}
	if u, err := st.APITokenUser(ctx, token); err != nil || u.ID != ada.ID {
		t.Fatalf("APITokenUser(printed token) = %+v, %v", u, err)
	}
	if n, _ := st.CountUsers(ctx); n != 2 {
		t.Fatalf("%d users, want 2 (refused adds must not create one)", n)
	}
	evs, err := st.AuditEvents(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range evs {
		actions = append(actions, ev.Actor+":"+ev.Action)
	}
	if got := strings.Join(actions, " "); got != "cli:user.create cli:user.create cli:user.disable cli:user.password cli:token.create" {
		t.Fatalf("audit = %s", got)
	}

	// Neither password nor the token appears in any output or anywhere in the
	// database file (audit details included); the token's SHA-256 is stored.
	raw := dbBytes(t, data)
	for _, o := range outputs {
		if strings.Contains(o, pw) || strings.Contains(o, pw2) {
			t.Fatalf("output holds a password:\n%s", o)
		}
	}
	for _, secret := range []string{pw, pw2, token, token[len(storage.APITokenPrefix):]} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Fatalf("the database file holds a secret (%d bytes long)", len(secret))
		}
	}
	if !bytes.Contains(raw, []byte(sha([]byte(token)))) {
		t.Fatal("the database does not hold the token's SHA-256")
	}
	for _, o := range outputs {
		if strings.Contains(o, token) && o != tokOut {
			t.Fatalf("the token was printed more than once:\n%s", o)
		}
	}
}
