package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// attacker opens the database file directly, as someone with write access to
// the file would, and drops the append-only triggers.
func attacker(t *testing.T, s *Store) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", s.path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	for _, q := range []string{`DROP TRIGGER audit_events_no_update`, `DROP TRIGGER audit_events_no_delete`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return db
}

// mustExec runs a statement of the attacker.
func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// rehash recomputes prev_hash and hash of every row from seq from on with the
// real hashing function, as an attacker covering their tracks would.
func rehash(t *testing.T, db *sql.DB, from int64) {
	t.Helper()
	prev := ZeroHash
	err := db.QueryRow(`SELECT hash FROM audit_events WHERE seq < ? ORDER BY seq DESC LIMIT 1`, from).Scan(&prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatal(err)
	}
	type row struct {
		seq, objectID, matterID                                     int64
		at, actor, action, objectType, outcome, details, role, addr string
	}
	rows, err := db.Query(`SELECT seq, at, actor, action, object_type, object_id, outcome, details,
		actor_role, source_addr, matter_id
		FROM audit_events WHERE seq >= ? ORDER BY seq`, from)
	if err != nil {
		t.Fatal(err)
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.seq, &r.at, &r.actor, &r.action, &r.objectType, &r.objectID, &r.outcome, &r.details,
			&r.role, &r.addr, &r.matterID); err != nil {
			t.Fatal(err)
		}
		all = append(all, r)
	}
	rows.Close()
	for _, r := range all {
		h := AuditHash(prev, r.seq, r.at, r.actor, r.action, r.objectType, r.objectID, r.outcome, r.details,
			r.role, r.addr, r.matterID)
		mustExec(t, db, `UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?`, prev, h, r.seq)
		prev = h
	}
}

// anchoredStore returns a store with 10 audit events and an anchor file with
// anchors at seq 3 (line 1), 8 (line 2) and 10 (line 3).
func anchoredStore(t *testing.T) (*Store, string) {
	t.Helper()
	ctx := context.Background()
	s, _ := newTestStore(t)
	path := filepath.Join(t.TempDir(), "anchors.log")
	n := 0
	for _, upTo := range []int{3, 8, 10} {
		for ; n < upTo; n++ {
			testDocument(t, s, fmt.Sprintf("doc-%d", n))
		}
		a, appended, err := s.AnchorAudit(ctx, path)
		if err != nil || !appended || a.Seq != int64(upTo) {
			t.Fatalf("AnchorAudit after %d events = %+v, %v, %v", upTo, a, appended, err)
		}
	}
	return s, path
}

func TestVerifyAuditDetectsTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, db *sql.DB)
		seq    int64  // Problem.Seq
		line   int    // Problem.Anchor.Line; 0 for a row problem
		reason string // in Problem.Reason
	}{
		{"intact", func(*testing.T, *sql.DB) {}, 0, 0, ""},
		{"edited row", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `UPDATE audit_events SET actor = 'mallory' WHERE seq = 5`)
		}, 5, 0, "the row was edited"},
		{"role added", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `UPDATE audit_events SET actor_role = 'admin' WHERE seq = 5`)
		}, 5, 0, "the row was edited"},
		{"source address added", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `UPDATE audit_events SET source_addr = '203.0.113.9' WHERE seq = 5`)
		}, 5, 0, "the row was edited"},
		{"matter removed, so the row looks older than 0006", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `UPDATE audit_events SET matter_id = 0 WHERE seq = 5`)
		}, 5, 0, "the row was edited"},
		{"deleted row", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `DELETE FROM audit_events WHERE seq = 5`)
		}, 5, 0, "row 5 is missing: it was deleted"},
		{"deleted rows", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `DELETE FROM audit_events WHERE seq IN (5, 6)`)
		}, 5, 0, "rows 5 to 6 are missing"},
		{"edited row with its own hash recomputed", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `UPDATE audit_events SET actor = 'mallory' WHERE seq = 6`)
			var prev, at, actor, action, typ, outcome, details, role, addr string
			var oid, matter int64
			if err := db.QueryRow(`SELECT prev_hash, at, actor, action, object_type, object_id, outcome, details,
				actor_role, source_addr, matter_id
				FROM audit_events WHERE seq = 6`).Scan(&prev, &at, &actor, &action, &typ, &oid, &outcome, &details,
				&role, &addr, &matter); err != nil {
				t.Fatal(err)
			}
			mustExec(t, db, `UPDATE audit_events SET hash = ? WHERE seq = 6`,
				AuditHash(prev, 6, at, actor, action, typ, oid, outcome, details, role, addr, matter))
		}, 7, 0, "prev_hash does not match the hash of seq 6"},
		{"rows removed from the end", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `DELETE FROM audit_events WHERE seq > 8`)
		}, 0, 3, "the log ends at seq 8, before this anchor: rows 9 to 10 were removed from the end"},
		{"chain recomputed after an edit", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `UPDATE audit_events SET details = '{"filename":"forged.pdf"}' WHERE seq = 5`)
			rehash(t, db, 5)
		}, 8, 2, "so the change is in rows 4 to 8"},
		{"chain recomputed after moving a row to another matter", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `UPDATE audit_events SET matter_id = matter_id + 1 WHERE seq = 5`)
			rehash(t, db, 5)
		}, 8, 2, "so the change is in rows 4 to 8"},
		{"row deleted, later rows renumbered and chain recomputed", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `DELETE FROM audit_events WHERE seq = 2`)
			for seq := 3; seq <= 10; seq++ {
				mustExec(t, db, `UPDATE audit_events SET seq = ? WHERE seq = ?`, seq-1, seq)
			}
			rehash(t, db, 2)
		}, 3, 1, "rows up to seq 3 were changed and the chain recomputed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s, path := anchoredStore(t)
			tt.tamper(t, attacker(t, s))

			anchors, err := ReadAnchors(path)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := s.VerifyAudit(ctx, anchors)
			if err != nil {
				t.Fatal(err)
			}
			p := rep.Problem
			if tt.reason == "" {
				if p != nil || rep.Events != 10 || rep.Anchors != 3 || rep.HeadSeq != 10 {
					t.Fatalf("intact log: report %+v, problem %v", rep, p)
				}
				return
			}
			if p == nil {
				t.Fatalf("tampering not detected: %+v", rep)
			}
			t.Log(p)
			if p.Seq != tt.seq || !strings.Contains(p.Reason, tt.reason) {
				t.Errorf("problem = seq %d %q, want seq %d and %q", p.Seq, p.Reason, tt.seq, tt.reason)
			}
			if tt.line == 0 && p.Anchor != nil {
				t.Errorf("problem names anchor %+v, want the row", *p.Anchor)
			} else if tt.line != 0 && (p.Anchor == nil || p.Anchor.Line != tt.line) {
				t.Errorf("problem names anchor %+v, want line %d", p.Anchor, tt.line)
			}
		})
	}
}

// Without anchors, a recomputed chain passes: this is why anchors exist.
func TestVerifyAuditRecomputedChainNeedsAnchors(t *testing.T) {
	ctx := context.Background()
	s, path := anchoredStore(t)
	db := attacker(t, s)
	mustExec(t, db, `UPDATE audit_events SET details = '{}' WHERE seq = 5`)
	rehash(t, db, 5)
	if bad, err := s.VerifyAuditChain(ctx); err != nil || bad != 0 {
		t.Fatalf("VerifyAuditChain = %d, %v; the recomputed chain should be consistent", bad, err)
	}
	if rep, err := s.VerifyAudit(ctx, nil); err != nil || rep.Problem != nil {
		t.Fatalf("VerifyAudit without anchors = %+v, %v", rep, err)
	}
	anchors, err := ReadAnchors(path)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := s.VerifyAudit(ctx, anchors); err != nil || rep.Problem == nil {
		t.Fatalf("VerifyAudit with anchors = %+v, %v; want a problem", rep, err)
	}
}

func TestAnchorAudit(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	path := filepath.Join(t.TempDir(), "anchors.log")

	a, appended, err := s.AnchorAudit(ctx, path)
	if err != nil || !appended || a.Seq != 0 || a.Hash != ZeroHash {
		t.Fatalf("anchor of an empty log = %+v, %v, %v", a, appended, err)
	}
	testDocument(t, s, "a")
	testDocument(t, s, "b")
	if a, appended, err = s.AnchorAudit(ctx, path); err != nil || !appended || a.Seq != 2 {
		t.Fatalf("AnchorAudit = %+v, %v, %v", a, appended, err)
	}
	if a, appended, err = s.AnchorAudit(ctx, path); err != nil || appended || a.Seq != 2 {
		t.Fatalf("AnchorAudit with an unchanged head = %+v, %v, %v; want nothing appended", a, appended, err)
	}
	anchors, err := ReadAnchors(path)
	if err != nil || len(anchors) != 2 || anchors[1].Line != 2 || anchors[1].Seq != 2 {
		t.Fatalf("ReadAnchors = %+v, %v", anchors, err)
	}
	seq, hash, err := s.AuditHead(ctx)
	if err != nil || seq != 2 || hash != anchors[1].Hash {
		t.Fatalf("AuditHead = %d, %s, %v; want the anchored head", seq, hash, err)
	}

	// Cut the last row off: the next anchor is refused and names the problem.
	db := attacker(t, s)
	mustExec(t, db, `DELETE FROM audit_events WHERE seq = 2`)
	before, _ := os.ReadFile(path)
	_, _, err = s.AnchorAudit(ctx, path)
	var p *AuditProblem
	if !errors.As(err, &p) || !strings.Contains(p.Reason, "rows 2 to 2 were removed") {
		t.Fatalf("AnchorAudit after truncation = %v; want an *AuditProblem", err)
	}
	// The server appends again after the cut, so the log reaches the anchored
	// seq with another row: still refused.
	testDocument(t, s, "c")
	if _, _, err = s.AnchorAudit(ctx, path); !errors.As(err, &p) || !strings.Contains(p.Reason, "rewritten") {
		t.Fatalf("AnchorAudit after a recomputed chain = %v; want an *AuditProblem", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Errorf("anchor file changed after tampering was found:\n%s", after)
	}
}

func TestReadAnchorsRejectsBadLines(t *testing.T) {
	good := `{"seq":1,"hash":"` + strings.Repeat("a", 64) + `","at":"2025-03-01T09:00:00.000000000Z"}`
	tests := []struct{ name, line, want string }{
		{"not json", "seq=1", "line 3: not an anchor"},
		{"short hash", `{"seq":1,"hash":"abc","at":"2025-03-01T09:00:00Z"}`, `line 3: hash "abc" is not 64`},
		{"negative seq", `{"seq":-1,"hash":"` + strings.Repeat("a", 64) + `","at":"2025-03-01T09:00:00Z"}`, "line 3: seq -1 is negative"},
		{"no time", `{"seq":1,"hash":"` + strings.Repeat("a", 64) + `"}`, `line 3: time "" is not`},
		{"unknown field", `{"seq":1,"hash":"` + strings.Repeat("a", 64) + `","at":"2025-03-01T09:00:00Z","x":1}`, "line 3: not an anchor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "anchors.log")
			if err := os.WriteFile(path, []byte(good+"\n# a comment\n"+tt.line+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := ReadAnchors(path)
			if msg := ErrorMessage(err); !strings.Contains(msg, tt.want) {
				t.Errorf("ReadAnchors error = %q, want %q", msg, tt.want)
			}
		})
	}
}

func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	testDocument(t, s, "a")
	ro, err := OpenReadOnly(ctx, s.path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if seq, _, err := ro.AuditHead(ctx); err != nil || seq != 1 {
		t.Fatalf("AuditHead = %d, %v", seq, err)
	}
	if _, err := ro.CreateJob(ctx, 1, "alice"); err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Errorf("a write through a read-only store = %v; want it refused", err)
	}

	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	_ = os.WriteFile(notDB, []byte(strings.Repeat("not a database\n", 100)), 0o600)
	for path, want := range map[string]string{
		filepath.Join(dir, "missing.db"): "No database at",
		notDB:                            "is not a SQLite database",
		dir:                              "is not a database file",
	} {
		if _, err := OpenReadOnly(ctx, path); !strings.Contains(ErrorMessage(err), want) {
			t.Errorf("OpenReadOnly(%s) = %v; want %q", path, err, want)
		}
	}
}
