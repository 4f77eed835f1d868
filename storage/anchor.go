package storage

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"
)

// Anchoring the audit log. The hash chain shows that no row was changed in
// place, but someone with write access to the database file can cut rows off
// the end, or edit a row and recompute every hash after it, and the chain is
// again consistent. An anchor is the head of the chain (last seq and hash)
// written down at a point in time and shipped somewhere the database's owner
// cannot rewrite; a later chain that does not pass through every anchor was
// tampered with.
//
// An anchor file holds one anchor per line, as JSON:
//
//	{"seq":4711,"hash":"<64 hex digits>","at":"2024-05-01T12:00:00.000000000Z"}
//
// Blank lines and lines starting with "#" are ignored.

// Anchor is a recorded head of the audit chain.
type Anchor struct {
	Seq  int64     // seq of the last event; 0 for an empty log
	Hash string    // hash of that event; ZeroHash for an empty log
	At   time.Time // when the head was recorded
	Line int       // line in the anchor file, set by ReadAnchors; 0 otherwise
}

// anchorLine is an Anchor as written in the file.
type anchorLine struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
	At   string `json:"at"`
}

// OpenReadOnly opens an existing Precis database without migrating or
// writing it, for tools that only read: backup, audit verification, and the
// check of a restored copy. Every write method of the returned Store fails.
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open %s read-only: %w", path, err)
	}
	if fi, err := os.Stat(abs); errors.Is(err, os.ErrNotExist) {
		return nil, Errorf(ENOTFOUND, "No database at %s.", abs)
	} else if err != nil {
		return nil, fmt.Errorf("open %s read-only: %w", abs, err)
	} else if !fi.Mode().IsRegular() {
		return nil, Errorf(EINVALID, "%s is not a database file.", abs)
	}
	// mode=ro: SQLite opens the file read-only and never creates it.
	db, err := sql.Open("sqlite3", dsn(abs, url.Values{
		"mode":          {"ro"},
		"_foreign_keys": {"1"},
		"_busy_timeout": {fmt.Sprint(busyTimeout.Milliseconds())},
	}))
	if err != nil {
		return nil, fmt.Errorf("open %s read-only: %w", abs, err)
	}
	n := max(4, runtime.NumCPU())
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	var tables int
	if err := db.QueryRowContext(ctx, `
		SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('schema_migrations', 'audit_events')`,
	).Scan(&tables); err != nil {
		db.Close()
		return nil, Errorf(EINVALID, "%s is not a SQLite database (%v).", abs, err)
	} else if tables != 2 {
		db.Close()
		return nil, Errorf(EINVALID, "%s is not a Precis database: it has no audit log.", abs)
	}
	// The writer is the same read-only pool: a write fails instead of panicking.
	return &Store{path: abs, db: db, rdb: db, now: time.Now}, nil
}

// AuditHead returns the seq and hash of the last audit event: the values an
// anchor records. An empty log has head 0, ZeroHash.
func (s *Store) AuditHead(ctx context.Context) (seq int64, hash string, err error) {
	err = s.rdb.QueryRowContext(ctx, `
		SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ZeroHash, nil
	} else if err != nil {
		return 0, "", fmt.Errorf("audit head: %w", err)
	}
	return seq, hash, nil
}

// auditHashAt returns the stored hash of the event seq; ok is false when there
// is no such row.
func (s *Store) auditHashAt(ctx context.Context, seq int64) (hash string, ok bool, err error) {
	if seq == 0 {
		return ZeroHash, true, nil
	}
	err = s.rdb.QueryRowContext(ctx, `SELECT hash FROM audit_events WHERE seq = ?`, seq).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	} else if err != nil {
		return "", false, fmt.Errorf("audit hash at seq %d: %w", seq, err)
	}
	return hash, true, nil
}

// AppendAnchor appends a as one line to the anchor file at path, creating the
// file (mode 0600) but not its directory, and syncs it to disk. The line is
// written with one write to a file opened for appending, so concurrent
// appenders do not interleave.
func AppendAnchor(path string, a Anchor) error {
	if a.Seq < 0 || !sha256Hex.MatchString(a.Hash) {
		return Errorf(EINVALID, "An anchor needs a seq >= 0 and a 64-digit lowercase hex hash.")
	}
	if a.At.IsZero() {
		a.At = time.Now()
	}
	line, err := json.Marshal(anchorLine{Seq: a.Seq, Hash: a.Hash, At: formatTime(a.At)})
	if err != nil {
		return fmt.Errorf("append anchor: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("append anchor to %s: %w", path, err)
	}
	_, err = f.Write(append(line, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("append anchor to %s: %w", path, err)
	}
	return nil
}

// ReadAnchors reads every anchor in the file at path, in file order, each with
// its line number. A malformed line is an error naming the line: an anchor
// file is evidence, so it is not read past damage.
func ReadAnchors(path string) ([]Anchor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read anchors: %w", err)
	}
	defer f.Close()
	return parseAnchors(f, path, 1)
}

// parseAnchors parses anchor lines from r, numbering them from first.
func parseAnchors(r io.Reader, path string, first int) ([]Anchor, error) {
	var anchors []Anchor
	sc := bufio.NewScanner(r)
	for n := first; sc.Scan(); n++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 || text[0] == '#' {
			continue
		}
		a, err := parseAnchor(text)
		if err != nil {
			return nil, Errorf(EINVALID, "Anchor file %s, line %d: %v.", path, n, err)
		}
		a.Line = n
		anchors = append(anchors, a)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read anchors from %s: %w", path, err)
	}
	return anchors, nil
}

// parseAnchor parses one anchor line.
func parseAnchor(text []byte) (Anchor, error) {
	var l anchorLine
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return Anchor{}, fmt.Errorf("not an anchor (%v)", err)
	}
	if l.Seq < 0 {
		return Anchor{}, fmt.Errorf("seq %d is negative", l.Seq)
	} else if !sha256Hex.MatchString(l.Hash) {
		return Anchor{}, fmt.Errorf("hash %q is not 64 lowercase hex digits", l.Hash)
	}
	at, err := parseTime(l.At)
	if err != nil || at.IsZero() {
		return Anchor{}, fmt.Errorf("time %q is not an RFC 3339 time", l.At)
	}
	return Anchor{Seq: l.Seq, Hash: l.Hash, At: at}, nil
}

// lastAnchor returns the last anchor of the file at path; ok is false when the
// file does not exist or holds none. Only the end of the file is read.
func lastAnchor(path string) (a Anchor, ok bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return Anchor{}, false, nil
	} else if err != nil {
		return Anchor{}, false, fmt.Errorf("read last anchor: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Anchor{}, false, fmt.Errorf("read last anchor: %w", err)
	}
	const tail = 64 << 10 // lines are ~130 bytes
	off := max(0, fi.Size()-tail)
	buf := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return Anchor{}, false, fmt.Errorf("read last anchor from %s: %w", path, err)
	}
	if off > 0 { // drop the first, probably partial, line
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			buf = buf[i+1:]
		}
	}
	anchors, err := parseAnchors(bytes.NewReader(buf), path, 0)
	if err != nil || len(anchors) == 0 {
		return Anchor{}, false, err
	}
	a = anchors[len(anchors)-1]
	a.Line = 0 // numbered from the tail read, not from the start of the file
	return a, true, nil
}

// AnchorAudit appends the current head of the audit chain to the anchor file
// at path; the server calls it periodically and `precis audit anchor` once.
// When the head is the file's last anchor, nothing is appended (appended is
// false). Before appending it checks that the log still passes through the
// last anchor, a quick check by one indexed lookup; when it does not, it
// appends nothing and returns an *AuditProblem, since rows were removed or
// rewritten. The whole chain is checked by VerifyAudit.
func (s *Store) AnchorAudit(ctx context.Context, path string) (a Anchor, appended bool, err error) {
	seq, hash, err := s.AuditHead(ctx)
	if err != nil {
		return Anchor{}, false, fmt.Errorf("anchor audit: %w", err)
	}
	last, ok, err := lastAnchor(path)
	if err != nil {
		return Anchor{}, false, fmt.Errorf("anchor audit: %w", err)
	}
	if ok {
		if last.Seq > seq {
			return Anchor{}, false, &AuditProblem{Anchor: &last, Reason: fmt.Sprintf(
				"the log ends at seq %d, before this anchor: rows %d to %d were removed", seq, seq+1, last.Seq)}
		}
		got, found, err := s.auditHashAt(ctx, last.Seq)
		if err != nil {
			return Anchor{}, false, fmt.Errorf("anchor audit: %w", err)
		} else if !found {
			return Anchor{}, false, &AuditProblem{Seq: last.Seq, Anchor: &last, Reason: "the anchored row is missing: it was deleted"}
		} else if got != last.Hash {
			return Anchor{}, false, &AuditProblem{Seq: last.Seq, Anchor: &last, Reason: fmt.Sprintf(
				"the log's hash at seq %d is %s, the anchor says %s: rows up to it were rewritten after it was anchored",
				last.Seq, short(got), short(last.Hash))}
		}
		if last.Seq == seq {
			return last, false, nil
		}
	}
	a = Anchor{Seq: seq, Hash: hash, At: s.now()}
	if err := AppendAnchor(path, a); err != nil {
		return Anchor{}, false, fmt.Errorf("anchor audit: %w", err)
	}
	return a, true, nil
}

// short abbreviates a hash for messages.
func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12] + "…"
	}
	return hash
}

// sortAnchors returns anchors ordered by seq, then by line.
func sortAnchors(anchors []Anchor) []Anchor {
	sorted := append([]Anchor(nil), anchors...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Seq < sorted[j].Seq })
	return sorted
}

// AuditProblem is the first thing found wrong with the audit log: a row that
// is missing or does not verify, or an anchor the log no longer passes
// through.
type AuditProblem struct {
	Seq    int64   // the row where the problem shows; 0 for an anchor beyond the end of the log
	Anchor *Anchor // the anchor that fails; nil for a problem found in the rows alone
	Reason string  // what is wrong, for people
}

// Error describes the problem, naming the row or the anchor.
func (p *AuditProblem) Error() string {
	if p.Anchor == nil {
		return fmt.Sprintf("audit log seq %d: %s", p.Seq, p.Reason)
	}
	where := "the last anchor"
	if p.Anchor.Line > 0 {
		where = fmt.Sprintf("anchor on line %d", p.Anchor.Line)
	}
	return fmt.Sprintf("%s (seq %d, recorded %s) fails: %s",
		where, p.Anchor.Seq, p.Anchor.At.Format(time.RFC3339), p.Reason)
}

// AuditReport is the outcome of VerifyAudit.
type AuditReport struct {
	Events   int64         // rows read
	HeadSeq  int64         // seq of the last row read
	HeadHash string        // hash of the last row read; ZeroHash for none
	Anchors  int           // anchors that matched
	Problem  *AuditProblem // the first problem; nil when the log verified
}

// VerifyAudit recomputes the whole audit chain in one read transaction and
// checks that it passes through every anchor. It stops at the first problem,
// in seq order: a gap in the seqs (deleted rows), a prev_hash that is not the
// previous row's hash (a row before was rewritten with a new hash), a hash
// that does not match its row (an edited row), an anchor whose seq has a
// different hash (rows up to it were edited and the chain recomputed), or an
// anchor beyond the last row (rows removed from the end). The error is for
// failures to read; a tampered log is a report with a Problem.
func (s *Store) VerifyAudit(ctx context.Context, anchors []Anchor) (*AuditReport, error) {
	tx, err := s.rdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("verify audit: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `
		SELECT `+auditColumns+`
		FROM audit_events
		ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("verify audit: %w", err)
	}
	defer rows.Close()

	rep := &AuditReport{HeadHash: ZeroHash}
	v := anchorCheck{sorted: sortAnchors(anchors), rep: rep}
	if rep.Problem = v.pass(0, ZeroHash); rep.Problem != nil {
		return rep, nil
	}
	for rows.Next() {
		var seq, objectID, matterID int64
		var at, actor, action, objectType, outcome, details, prevHash, hash, role, addr string
		if err := rows.Scan(&seq, &at, &actor, &action, &objectType, &objectID,
			&outcome, &details, &prevHash, &hash, &role, &addr, &matterID); err != nil {
			return nil, fmt.Errorf("verify audit: scan: %w", err)
		}
		rep.Events++
		want := rep.HeadSeq + 1
		switch {
		case seq != want:
			reason := fmt.Sprintf("row %d is missing: it was deleted", want)
			if seq-want > 1 {
				reason = fmt.Sprintf("rows %d to %d are missing: they were deleted", want, seq-1)
			}
			rep.Problem = &AuditProblem{Seq: want, Reason: reason}
		case prevHash != rep.HeadHash:
			rep.Problem = &AuditProblem{Seq: seq, Reason: fmt.Sprintf(
				"its prev_hash does not match the hash of seq %d: seq %d was rewritten with a recomputed hash, or this row's prev_hash was changed",
				seq-1, seq-1)}
		case AuditHash(prevHash, seq, at, actor, action, objectType, objectID, outcome, details, role, addr, matterID) != hash:
			rep.Problem = &AuditProblem{Seq: seq, Reason: "its hash does not match its contents: the row was edited after it was written"}
		default:
			rep.Problem = v.pass(seq, hash)
		}
		if rep.Problem != nil {
			return rep, nil
		}
		rep.HeadSeq, rep.HeadHash = seq, hash
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("verify audit: %w", err)
	}
	if v.next < len(v.sorted) {
		a := v.sorted[v.next]
		rep.Problem = &AuditProblem{Anchor: &a, Reason: fmt.Sprintf(
			"the log ends at seq %d, before this anchor: rows %d to %d were removed from the end",
			rep.HeadSeq, rep.HeadSeq+1, a.Seq)}
	}
	return rep, nil
}

// anchorCheck walks sorted anchors alongside the rows of the chain.
type anchorCheck struct {
	sorted []Anchor
	next   int     // first anchor not yet checked
	good   *Anchor // the last anchor that matched
	rep    *AuditReport
}

// pass checks the anchors at seq against the row's hash.
func (v *anchorCheck) pass(seq int64, hash string) *AuditProblem {
	for ; v.next < len(v.sorted) && v.sorted[v.next].Seq <= seq; v.next++ {
		a := v.sorted[v.next]
		if a.Seq == seq && a.Hash == hash {
			v.good = &a
			v.rep.Anchors++
			continue
		}
		reason := fmt.Sprintf("the log's hash at seq %d is %s, the anchor says %s: rows up to seq %d were changed and the chain recomputed after the anchor was recorded",
			a.Seq, short(hash), short(a.Hash), a.Seq)
		if v.good != nil {
			reason += fmt.Sprintf("; the log still matches the anchor at seq %d, so the change is in rows %d to %d",
				v.good.Seq, v.good.Seq+1, a.Seq)
		}
		return &AuditProblem{Seq: a.Seq, Anchor: &a, Reason: reason}
	}
	return nil
}
