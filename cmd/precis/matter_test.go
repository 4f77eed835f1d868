package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"precis/storage"
)

// runMatterCLI runs `precis matter ARGS --data-dir data` with no PRECIS_
// settings from the environment.
func runMatterCLI(t *testing.T, data string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCLI(t, append(append([]string{"matter"}, args...), "--data-dir", data)...)
}

// matterExpect returns a function that runs `precis matter ARGS` in data and
// fails the test unless it exits with wantCode and prints wantText.
func matterExpect(t *testing.T, data string) func(wantCode int, wantText string, args ...string) string {
	return func(wantCode int, wantText string, args ...string) string {
		t.Helper()
		code, out, errOut := runMatterCLI(t, data, args...)
		if code != wantCode || !strings.Contains(out+errOut, wantText) {
			t.Fatalf("precis matter %s: exit %d, want %d with %q\nstdout: %s\nstderr: %s",
				strings.Join(args, " "), code, wantCode, wantText, out, errOut)
		}
		return out
	}
}

// matterAddUsers adds ada (admin) and bob (staff) with `precis user add`.
func matterAddUsers(t *testing.T, data string) {
	t.Helper()
	for _, u := range [][2]string{{"Ada@Example.com", "admin"}, {"bob@example.com", "staff"}} {
		if code, out, errOut := runUserCLI(t, data, "tiger lily on the roof 42\n", "add", "--email", u[0], "--role", u[1]); code != 0 {
			t.Fatalf("user add %s: exit %d\n%s%s", u[0], code, out, errOut)
		}
	}
}

// listRow returns the line of `precis matter list` output for the matter
// numbered cm ("C-100/M-7"), split into its columns.
func listRow(t *testing.T, list, cm string) []string {
	t.Helper()
	columns := regexp.MustCompile(`\s{2,}`)
	for _, line := range strings.Split(list, "\n") {
		if f := columns.Split(strings.TrimSpace(line), -1); len(f) == 6 && f[1] == cm {
			return f
		}
	}
	t.Fatalf("no row for %s in the list:\n%s", cm, list)
	return nil
}

func TestMatterCommands(t *testing.T) {
	data := t.TempDir()
	expect := matterExpect(t, data)
	matterAddUsers(t, data)

	out := expect(0, "added matter C-100/M-7 Acme supply agreement (id ", "add", "--client", "C-100", "--number", "M-7", "--name", "Acme supply agreement")
	acmeID, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(out[strings.LastIndex(out, "(id ")+4:]), ")"), 10, 64)
	if err != nil {
		t.Fatalf("add output %q: %v", out, err)
	}
	expect(0, "added matter C-200/M-1 Beta lease", "add", "--client", " C-200 ", "--number", "M-1", "--name", "Beta lease")
	expect(2, "Matter C-100/M-7 already exists", "add", "--client", "C-100", "--number", "M-7", "--name", "Another")

	// Add by numbers and by id; the email is matched without regard to case.
	acme := "C-100/M-7"
	expect(0, "added Ada@Example.com to C-100/M-7 Acme supply agreement", "add-member", "--matter", acme, "--email", "ada@example.com")
	expect(0, "added bob@example.com to C-100/M-7", "add-member", "--matter", strconv.FormatInt(acmeID, 10), "--email", "bob@example.com")
	expect(0, "bob@example.com was already a member of C-100/M-7", "add-member", "--matter", acme, "--email", "BOB@example.com")
	expect(0, "added bob@example.com to C-200/M-1 Beta lease", "add-member", "--matter", "C-200/M-1", "--email", "bob@example.com")

	members := expect(0, "EMAIL", "members", "--matter", acme)
	lines := strings.Split(strings.TrimSpace(members), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "Ada@Example.com") || !strings.Contains(lines[1], "admin") ||
		!strings.Contains(lines[2], "bob@example.com") || !strings.Contains(lines[2], "staff") {
		t.Fatalf("members:\n%s", members)
	}

	expect(0, "removed bob@example.com from C-100/M-7", "remove-member", "--matter", acme, "--email", "bob@example.com")
	expect(2, "bob@example.com is not a member of C-100/M-7 Acme supply agreement", "remove-member", "--matter", acme, "--email", "bob@example.com")
	if out := expect(0, "Ada@Example.com", "members", "--matter", acme); strings.Contains(out, "bob@") {
		t.Fatalf("members after remove-member:\n%s", out)
	}

	st := openStore(t, data)
	ctx := context.Background()
	ada, err := st.UserByEmail(ctx, "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := st.UserByEmail(ctx, "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	isMember := func(matterID, userID int64) bool {
		t.Helper()
		ok, err := st.IsMember(ctx, matterID, userID)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	matters, err := st.Matters(ctx)
	if err != nil || len(matters) != 2 || matters[0].ID != acmeID || matters[1].ClientNumber != "C-200" {
		t.Fatalf("Matters = %+v, %v", matters, err)
	}
	betaID := matters[1].ID
	if !isMember(acmeID, ada.ID) || isMember(acmeID, bob.ID) || !isMember(betaID, bob.ID) || isMember(betaID, ada.ID) {
		t.Fatalf("membership: acme ada %v bob %v, beta ada %v bob %v", isMember(acmeID, ada.ID), isMember(acmeID, bob.ID),
			isMember(betaID, ada.ID), isMember(betaID, bob.ID))
	}

	// A document in the matter shows in the list, and the hold keeps it.
	doc := &storage.Document{MatterID: acmeID, SHA256: sha([]byte("acme")), Filename: "acme.pdf", StoredName: "acme.pdf", Size: 1}
	if _, err := st.CreateDocument(ctx, doc, "test"); err != nil {
		t.Fatal(err)
	}
	list := expect(0, "LEGAL HOLD", "list")
	if row := listRow(t, list, acme); row[0] != strconv.FormatInt(acmeID, 10) || row[2] != "Acme supply agreement" ||
		row[3] != "1" || row[4] != "1" || row[5] != "no" {
		t.Fatalf("acme row %q in:\n%s", row, list)
	}
	if row := listRow(t, list, "C-200/M-1"); row[2] != "Beta lease" || row[3] != "1" || row[4] != "0" || row[5] != "no" {
		t.Fatalf("beta row %q in:\n%s", row, list)
	}

	expect(2, "--reason is required", "hold", "--matter", acme)
	expect(2, "--reason is required", "hold", "--matter", acme, "--reason", "  ")
	before := time.Now().UTC()
	expect(0, "C-100/M-7 Acme supply agreement is on legal hold: litigation expected", "hold", "--matter", acme, "--reason", "litigation expected")
	expect(2, "C-100/M-7 Acme supply agreement is already on legal hold (since ", "hold", "--matter", acme, "--reason", "again")
	m, err := st.Matter(ctx, acmeID)
	if err != nil || !m.LegalHold || m.HoldBy != cliActor || m.HoldReason != "litigation expected" || m.HoldAt.Before(before.Add(-time.Second)) {
		t.Fatalf("after hold: %+v, %v", m, err)
	}
	if _, err := st.DeleteDocument(ctx, doc.ID, "test"); storage.ErrorCode(err) != storage.ECONFLICT {
		t.Fatalf("DeleteDocument on hold = %v, want a conflict", err)
	}
	expect(2, "by cli: litigation expected)", "hold", "--matter", acme, "--reason", "again")
	list = expect(0, "LEGAL HOLD", "list")
	wantHold := "yes since " + m.HoldAt.Format("2006-01-02") + " by cli: litigation expected"
	if row := listRow(t, list, acme); row[5] != wantHold {
		t.Fatalf("legal hold column %q, want %q, in:\n%s", row[5], wantHold, list)
	}

	expect(0, "released the legal hold on C-100/M-7 Acme supply agreement", "release", "--matter", strconv.FormatInt(acmeID, 10))
	expect(2, "C-100/M-7 Acme supply agreement is not on legal hold", "release", "--matter", acme)
	if m, err := st.Matter(ctx, acmeID); err != nil || m.LegalHold {
		t.Fatalf("after release: %+v, %v", m, err)
	}
	if row := listRow(t, expect(0, "LEGAL HOLD", "list"), acme); row[5] != "no" {
		t.Fatalf("legal hold column after release: %q", row[5])
	}
	if _, err := st.DeleteDocument(ctx, doc.ID, "test"); err != nil {
		t.Fatalf("DeleteDocument after release: %v", err)
	}

	// Every change is one audit event by "cli"; refusals and no-ops add none.
	evs, err := st.AuditEvents(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range evs {
		if strings.HasPrefix(ev.Action, "matter.") {
			actions = append(actions, ev.Actor+":"+ev.Action)
		}
		if ev.Action == "matter.hold" && ev.Details["reason"] != "litigation expected" {
			t.Fatalf("matter.hold details = %v", ev.Details)
		}
	}
	want := "cli:matter.create cli:matter.create cli:matter.member_add cli:matter.member_add cli:matter.member_add " +
		"cli:matter.member_remove cli:matter.hold cli:matter.release"
	if got := strings.Join(actions, " "); got != want {
		t.Fatalf("audit = %s\nwant    %s", got, want)
	}
}

func TestMatterUsageErrors(t *testing.T) {
	data := t.TempDir()
	expect := matterExpect(t, data)
	matterAddUsers(t, data)
	expect(0, "added matter C-100/M-7", "add", "--client", "C-100", "--number", "M-7", "--name", "Acme")

	for _, tc := range []struct {
		name, want string
		args       []string
	}{
		{"no client", "--client is required", []string{"add", "--number", "M-1", "--name", "X"}},
		{"no number", "--number is required", []string{"add", "--client", "C-1", "--name", "X"}},
		{"no name", "--name is required", []string{"add", "--client", "C-1", "--number", "M-1"}},
		{"blank name", "--name is required", []string{"add", "--client", "C-1", "--number", "M-1", "--name", "  "}},
		{"name on two lines", "must be one line", []string{"add", "--client", "C-1", "--number", "M-1", "--name", "a\nb"}},
		{"no matter", "--matter is required", []string{"members"}},
		{"no matter to hold", "--matter is required", []string{"hold", "--reason", "r"}},
		{"no email", "--email is required", []string{"add-member", "--matter", "C-100/M-7"}},
		{"no slash", `--matter "C-100" is neither CLIENT/MATTER numbers`, []string{"members", "--matter", "C-100"}},
		{"no matter number", `--matter "C-100/" has no matter number after the "/"`, []string{"members", "--matter", "C-100/"}},
		{"no client number", `--matter "/M-7" has no client number before the "/"`, []string{"release", "--matter", "/M-7"}},
		{"zero id", `--matter "0" is neither`, []string{"members", "--matter", "0"}},
		{"unknown numbers", "no matter is numbered C-100/M-8 (see precis matter list)", []string{"members", "--matter", "C-100/M-8"}},
		{"numbers are case-sensitive", "no matter is numbered c-100/m-7", []string{"members", "--matter", "c-100/m-7"}},
		{"unknown id", "no matter has the id 99 (see precis matter list)", []string{"hold", "--matter", "99", "--reason", "r"}},
		{"unknown email", "no user has the email nobody@example.com (see precis user list)",
			[]string{"add-member", "--matter", "C-100/M-7", "--email", "nobody@example.com"}},
		{"unknown command", `unknown command "delete"`, []string{"delete"}},
		{"flag of another command", "flag provided but not defined: -reason", []string{"release", "--matter", "1", "--reason", "r"}},
		{"stray argument", `unexpected argument "extra"`, []string{"list", "extra"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(2, tc.want, tc.args...)
		})
	}

	// The refusals changed nothing.
	st := openStore(t, data)
	ctx := context.Background()
	matters, err := st.Matters(ctx)
	if err != nil || len(matters) != 1 || matters[0].Members != 0 || matters[0].LegalHold {
		t.Fatalf("Matters = %+v, %v", matters, err)
	}
	expect(0, "C-100/M-7 Acme has no members", "members", "--matter", "C-100/M-7")

	// A matter number may itself hold a "/": --matter splits at the first one.
	expect(0, "added matter C-300/M-1/2024 Split", "add", "--client", "C-300", "--number", "M-1/2024", "--name", "Split")
	expect(0, "added Ada@Example.com to C-300/M-1/2024 Split", "add-member", "--matter", "C-300/M-1/2024", "--email", "ada@example.com")

	if code, out, _ := runCLI(t, "help"); code != 0 || !strings.Contains(out, "matter COMMAND") {
		t.Fatalf("precis help: exit %d\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, "matter"); code != 2 || !strings.Contains(errOut, "usage: precis matter add") {
		t.Fatalf("precis matter: exit %d\n%s", code, errOut)
	}
	if code, out, _ := runCLI(t, "matter", "help"); code != 0 || !strings.Contains(out, "CLIENT/MATTER") {
		t.Fatalf("precis matter help: exit %d\n%s", code, out)
	}
}
