package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // the attacker opens the database file directly

	"precis/storage"
	"precis/storage/storagetest"
)

// runCLI runs the precis binary with args and no PRECIS_ settings from the
// environment, and returns its exit code and output.
func runCLI(t testing.TB, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCLIInput(t, "", args...)
}

// runCLIInput is runCLI with stdin as the command's standard input.
func runCLIInput(t testing.TB, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(precisBin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PRECIS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), out.String(), errb.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// addAuditEvents uploads n documents (one audit event each) to the store.
func addAuditEvents(t *testing.T, st *storage.Store, n int) {
	t.Helper()
	for range n {
		seq, _, err := st.AuditHead(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("contract-%d", seq)
		d := &storage.Document{SHA256: sha([]byte(name)), Filename: name + ".pdf", StoredName: name + ".pdf", Size: 1, MatterID: storagetest.Matter(t, st)}
		if _, err := st.CreateDocument(context.Background(), d, "alice"); err != nil {
			t.Fatal(err)
		}
	}
}

// anchoredDataDir is a data directory with 8 audit events, and an anchor file
// outside it with anchors at seq 3 (line 1) and 8 (line 2), written by
// `precis audit anchor`.
func anchoredDataDir(t *testing.T) (data, anchors string, st *storage.Store) {
	t.Helper()
	data = t.TempDir()
	anchors = filepath.Join(t.TempDir(), "anchors.log")
	st = openStore(t, data)
	storagetest.Matter(t, st) // event 1: matter.create; the uploads go into that matter
	for _, n := range []int{2, 5} {
		addAuditEvents(t, st, n)
		if code, out, errOut := runCLI(t, "audit", "anchor", "--data-dir", data, "--anchor-file", anchors); code != 0 ||
			!strings.Contains(out, "anchored audit head seq") {
			t.Fatalf("audit anchor: exit %d\n%s%s", code, out, errOut)
		}
	}
	return data, anchors, st
}

// sqlAttacker opens the database with database/sql and drops the
// append-only triggers, as someone with write access to the file could.
func sqlAttacker(t *testing.T, data string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", filepath.Join(data, "precis.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	run := func(q string, args ...any) {
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	run(`DROP TRIGGER audit_events_no_update`)
	run(`DROP TRIGGER audit_events_no_delete`)
	return db
}

// recomputeChain rewrites prev_hash and hash of every row with the real hash
// function, so the chain is consistent again.
func recomputeChain(t *testing.T, db *sql.DB) {
	t.Helper()
	events, err := db.Query(`SELECT seq, at, actor, action, object_type, object_id, outcome, details,
		actor_role, source_addr, matter_id FROM audit_events ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	var updates [][3]any
	prev := storage.ZeroHash
	for events.Next() {
		var seq, oid, matter int64
		var at, actor, action, typ, outcome, details, role, addr string
		if err := events.Scan(&seq, &at, &actor, &action, &typ, &oid, &outcome, &details, &role, &addr, &matter); err != nil {
			t.Fatal(err)
		}
		h := storage.AuditHash(prev, seq, at, actor, action, typ, oid, outcome, details, role, addr, matter)
		updates = append(updates, [3]any{prev, h, seq})
		prev = h
	}
	events.Close()
	for _, u := range updates {
		if _, err := db.Exec(`UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?`, u[0], u[1], u[2]); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditAnchorVerify(t *testing.T) {
	data, anchors, st := anchoredDataDir(t)
	code, out, errOut := runCLI(t, "audit", "anchor", "--data-dir", data, "--anchor-file", anchors)
	if code != 0 || !strings.Contains(out, "unchanged since the last anchor") {
		t.Errorf("second anchor without new events: exit %d\n%s%s", code, out, errOut)
	}
	if lines, _ := os.ReadFile(anchors); bytes.Count(lines, []byte("\n")) != 2 {
		t.Errorf("anchor file:\n%s", lines)
	}
	code, out, errOut = runCLI(t, "audit", "verify", "--data-dir", data, "--anchor-file", anchors)
	if code != 0 || !strings.Contains(out, "audit log verified: 8 events, head seq 8") || !strings.Contains(out, "2 of 2 anchors") {
		t.Errorf("verify: exit %d\n%s%s", code, out, errOut)
	}

	// The default anchor file is in the data directory; without one, verify warns.
	code, out, errOut = runCLI(t, "audit", "verify", "--data-dir", data)
	if code != 0 || !strings.Contains(errOut, "no anchor file at "+filepath.Join(data, "audit-anchors.log")) {
		t.Errorf("verify without an anchor file: exit %d\n%s%s", code, out, errOut)
	}
	addAuditEvents(t, st, 1)
	if code, out, errOut = runCLI(t, "audit", "anchor", "--data-dir", data); code != 0 || !strings.Contains(out, "seq 9") {
		t.Errorf("anchor to the default file: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(data, "audit-anchors.log")); err != nil {
		t.Error(err)
	}
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(db *sql.DB) error
		want   []string
	}{
		{"edited row", func(db *sql.DB) error {
			_, err := db.Exec(`UPDATE audit_events SET actor = 'mallory' WHERE seq = 5`)
			return err
		}, []string{"TAMPERED: audit log seq 5: its hash does not match its contents: the row was edited"}},
		{"deleted row", func(db *sql.DB) error {
			_, err := db.Exec(`DELETE FROM audit_events WHERE seq = 5`)
			return err
		}, []string{"TAMPERED: audit log seq 5: row 5 is missing: it was deleted"}},
		{"rows removed from the end", func(db *sql.DB) error {
			_, err := db.Exec(`DELETE FROM audit_events WHERE seq > 6`)
			return err
		}, []string{"TAMPERED: anchor on line 2 (seq 8,", "rows 7 to 8 were removed from the end"}},
		{"chain recomputed after an edit", func(db *sql.DB) error {
			_, err := db.Exec(`UPDATE audit_events SET details = '{"filename":"other.pdf"}' WHERE seq = 5`)
			return err
		}, []string{"TAMPERED: anchor on line 2 (seq 8,", "the change is in rows 4 to 8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, anchors, _ := anchoredDataDir(t)
			db := sqlAttacker(t, data)
			if err := tt.tamper(db); err != nil {
				t.Fatal(err)
			}
			if tt.name == "chain recomputed after an edit" {
				recomputeChain(t, db)
			}
			code, out, errOut := runCLI(t, "audit", "verify", "--data-dir", data, "--anchor-file", anchors)
			t.Log(strings.TrimSpace(errOut))
			if code != 1 {
				t.Errorf("verify exit %d, want 1\n%s", code, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("verify output lacks %q", w)
				}
			}
			// anchor refuses to extend a log that no longer passes through its last anchor.
			if tt.name != "edited row" && tt.name != "deleted row" {
				code, _, errOut = runCLI(t, "audit", "anchor", "--data-dir", data, "--anchor-file", anchors)
				if code != 1 || !strings.Contains(errOut, "Nothing was anchored") {
					t.Errorf("anchor after tampering: exit %d\n%s", code, errOut)
				}
			}
		})
	}
}

func TestAuditUsage(t *testing.T) {
	data, _, _ := anchoredDataDir(t)
	bad := filepath.Join(t.TempDir(), "bad.log")
	_ = os.WriteFile(bad, []byte("seq=3 hash=abc\n"), 0o600)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"audit"}, 2, "usage: precis audit anchor"},
		{[]string{"audit", "frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"audit", "verify", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"audit", "verify", "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"audit", "verify", "--data-dir", data, "--anchor-file", filepath.Join(data, "nope.log")}, 1, "nope.log does not exist"},
		{[]string{"audit", "verify", "--data-dir", data, "--anchor-file", bad}, 1, "bad.log, line 1: not an anchor"},
		{[]string{"audit", "verify", "--data-dir", t.TempDir()}, 1, "No database at"},
	}
	for _, tt := range tests {
		code, out, errOut := runCLI(t, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("precis %s: exit %d, want %d and %q\n%s%s", strings.Join(tt.args, " "), code, tt.code, tt.want, out, errOut)
		}
	}
}

// TestServerAnchorsAudit: the server appends the audit head to the anchor file on its timer
// and once more when it stops, and precis audit verify checks the log against the file.
func TestServerAnchorsAudit(t *testing.T) {
	dir := t.TempDir()
	anchors := filepath.Join(t.TempDir(), "anchors.log")
	srv := startPrecis(t, dir, "PRECIS_OLLAMA_URL=off", "PRECIS_AUDIT_ANCHOR_FILE="+anchors, "PRECIS_AUDIT_ANCHOR_EVERY=1s")
	srv.upload(t, corpus(t, "contracts", "Example-Mutual-Non-Disclosure-Agreement.pdf"))
	st := openStore(t, dir)
	waitJobs(t, st, 1, time.Minute, nil)
	time.Sleep(1500 * time.Millisecond)
	srv.stop()
	st.Close()
	list, err := storage.ReadAnchors(anchors)
	if err != nil || len(list) == 0 {
		t.Fatalf("anchors %v, %v", list, err)
	}
	ro, err := storage.OpenReadOnly(context.Background(), filepath.Join(dir, "precis.db"))
	if err != nil {
		t.Fatal(err)
	}
	seq, _, err := ro.AuditHead(context.Background())
	ro.Close()
	if err != nil || list[len(list)-1].Seq != seq {
		t.Fatalf("last anchor at seq %d, head at %d (%v): the stop did not anchor the head", list[len(list)-1].Seq, seq, err)
	}
	cmd := exec.Command(precisBin, "audit", "verify", "--data-dir", dir)
	cmd.Env = append(cmd.Environ(), "PRECIS_AUDIT_ANCHOR_FILE="+anchors)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("audit verify with the server's anchors: %v\n%s", err, out)
	}
}
