package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

// matterEvents returns the audit events with the given action, oldest first.
func matterEvents(t *testing.T, s *Store, action string) []AuditEvent {
	t.Helper()
	all, err := s.AuditEvents(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []AuditEvent
	for _, ev := range all {
		if ev.Action == action {
			out = append(out, ev)
		}
	}
	return out
}

// newMatter creates a matter through CreateMatter and fails the test on error.
func newMatter(t *testing.T, s *Store, client, number, name string) *Matter {
	t.Helper()
	m := &Matter{ClientNumber: client, MatterNumber: number, Name: name}
	if err := s.CreateMatter(context.Background(), m, "ada@example.com"); err != nil {
		t.Fatalf("CreateMatter(%s/%s): %v", client, number, err)
	}
	return m
}

// mustMatter reloads a matter.
func mustMatter(t *testing.T, s *Store, id int64) *Matter {
	t.Helper()
	m, err := s.Matter(context.Background(), id)
	if err != nil {
		t.Fatalf("Matter(%d): %v", id, err)
	}
	return m
}

func TestCreateMatter(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestStore(t)
	m := &Matter{ClientNumber: "  C-100 ", MatterNumber: "\tM-7", Name: " Lease dispute  "}
	if err := s.CreateMatter(ctx, m, "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	if m.ID == 0 || m.ClientNumber != "C-100" || m.MatterNumber != "M-7" || m.Name != "Lease dispute" ||
		!m.CreatedAt.Equal(clk.Now()) || !m.UpdatedAt.Equal(clk.Now()) {
		t.Fatalf("created matter = %+v", m)
	}
	got := mustMatter(t, s, m.ID)
	if got.Title() != "C-100/M-7 Lease dispute" || got.LegalHold || got.HoldReason != "" || got.HoldBy != "" ||
		!got.HoldAt.IsZero() || !got.CreatedAt.Equal(clk.Now()) || got.Members != 0 || got.Documents != 0 {
		t.Fatalf("Matter = %+v", got)
	}

	events := matterEvents(t, s, "matter.create")
	if len(events) != 1 {
		t.Fatalf("matter.create events = %d, want 1", len(events))
	}
	ev := events[0]
	if ev.Actor != "ada@example.com" || ev.ObjectType != "matter" || ev.ObjectID != m.ID || ev.MatterID != m.ID ||
		ev.Details["client"] != "C-100" || ev.Details["matter"] != "M-7" {
		t.Fatalf("matter.create event = %+v", ev)
	}

	// The same numbers again, even spelled with spaces, are taken.
	dup := &Matter{ClientNumber: "C-100", MatterNumber: " M-7", Name: "Other"}
	wantCode(t, s.CreateMatter(ctx, dup, "ada@example.com"), ECONFLICT)
	if n := len(matterEvents(t, s, "matter.create")); n != 1 {
		t.Fatalf("matter.create events after a refused duplicate = %d, want 1", n)
	}
	if ms, err := s.Matters(ctx); err != nil || len(ms) != 1 {
		t.Fatalf("Matters after a refused duplicate = %v, %v; want 1", ms, err)
	}

	_, err := s.Matter(ctx, m.ID+100)
	wantCode(t, err, ENOTFOUND)
}

func TestCreateMatterInvalid(t *testing.T) {
	for _, tt := range []struct {
		name string
		m    Matter
		code string
	}{
		{"ok", Matter{ClientNumber: "C", MatterNumber: "M", Name: "N"}, ""},
		{"200 characters", Matter{ClientNumber: "C", MatterNumber: "M", Name: strings.Repeat("n", 200)}, ""},
		{"no client number", Matter{ClientNumber: "", MatterNumber: "M", Name: "N"}, EINVALID},
		{"blank matter number", Matter{ClientNumber: "C", MatterNumber: "   ", Name: "N"}, EINVALID},
		{"no name", Matter{ClientNumber: "C", MatterNumber: "M"}, EINVALID},
		{"name of two lines", Matter{ClientNumber: "C", MatterNumber: "M", Name: "one\ntwo"}, EINVALID},
		{"client number with CR", Matter{ClientNumber: "C\r1", MatterNumber: "M", Name: "N"}, EINVALID},
		{"201 characters", Matter{ClientNumber: "C", MatterNumber: "M", Name: strings.Repeat("n", 201)}, EINVALID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			wantCode(t, s.CreateMatter(context.Background(), &tt.m, "ada@example.com"), tt.code)
			ms, err := s.Matters(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			if tt.code == "" {
				want = 1
			}
			if len(ms) != want {
				t.Fatalf("matters = %d, want %d", len(ms), want)
			}
		})
	}
}

func TestRenameMatter(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestStore(t)
	a := newMatter(t, s, "C-1", "M-1", "First")
	b := newMatter(t, s, "C-1", "M-2", "Second")
	created := clk.Now()

	clk.Advance(time.Hour)
	ren := &Matter{ID: a.ID, ClientNumber: " C-2", MatterNumber: "M-9 ", Name: "Renamed"}
	if err := s.RenameMatter(ctx, ren, "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	got := mustMatter(t, s, a.ID)
	if got.Title() != "C-2/M-9 Renamed" || !got.UpdatedAt.Equal(clk.Now()) || !got.CreatedAt.Equal(created) {
		t.Fatalf("renamed matter = %+v", got)
	}
	events := matterEvents(t, s, "matter.update")
	if len(events) != 1 || events[0].ObjectID != a.ID || events[0].MatterID != a.ID ||
		events[0].Details["client"] != "C-2" || events[0].Details["matter"] != "M-9" {
		t.Fatalf("matter.update events = %+v", events)
	}

	// Taking the numbers of another matter is refused and changes nothing.
	wantCode(t, s.RenameMatter(ctx, &Matter{ID: a.ID, ClientNumber: b.ClientNumber, MatterNumber: b.MatterNumber,
		Name: "Clash"}, "ada@example.com"), ECONFLICT)
	if got := mustMatter(t, s, a.ID); got.Title() != "C-2/M-9 Renamed" {
		t.Fatalf("matter after a refused rename = %s", got.Title())
	}
	wantCode(t, s.RenameMatter(ctx, &Matter{ID: a.ID, ClientNumber: "C", MatterNumber: "M", Name: " "},
		"ada@example.com"), EINVALID)
	wantCode(t, s.RenameMatter(ctx, &Matter{ID: b.ID + 100, ClientNumber: "C", MatterNumber: "M", Name: "N"},
		"ada@example.com"), ENOTFOUND)
	if n := len(matterEvents(t, s, "matter.update")); n != 1 {
		t.Fatalf("matter.update events after refused renames = %d, want 1", n)
	}
}

func TestMatterMembership(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	// Created out of order: Matters sorts by client, then matter number.
	m3 := newMatter(t, s, "C-2", "M-1", "Third")
	m2 := newMatter(t, s, "C-1", "M-2", "Second")
	m1 := newMatter(t, s, "C-1", "M-1", "First")
	bob := testUser(t, s, "bob@example.com", RoleStaff)
	alice := testUser(t, s, "alice@example.com", RoleStaff)
	carol := testUser(t, s, "carol@example.com", RoleStaff)

	for _, add := range []struct {
		matter int64
		user   *User
	}{{m1.ID, bob}, {m1.ID, alice}, {m3.ID, bob}} {
		if err := s.AddMember(ctx, add.matter, add.user.ID, "ada@example.com"); err != nil {
			t.Fatalf("AddMember(%d, %s): %v", add.matter, add.user.Email, err)
		}
	}
	adds := matterEvents(t, s, "matter.member_add")
	if len(adds) != 3 {
		t.Fatalf("matter.member_add events = %d, want 3", len(adds))
	}
	if ev := adds[1]; ev.ObjectType != "matter" || ev.ObjectID != m1.ID || ev.MatterID != m1.ID ||
		ev.Actor != "ada@example.com" || ev.Details["email"] != alice.Email || ev.Details["user_id"] != float64(alice.ID) {
		t.Fatalf("member_add event = %+v", ev)
	}

	// Adding a member twice changes nothing and records nothing.
	if err := s.AddMember(ctx, m1.ID, alice.ID, "ada@example.com"); err != nil {
		t.Fatalf("AddMember twice: %v", err)
	}
	if n := len(matterEvents(t, s, "matter.member_add")); n != 3 {
		t.Fatalf("matter.member_add events after a repeated add = %d, want 3", n)
	}
	wantCode(t, s.AddMember(ctx, m3.ID+100, alice.ID, "ada@example.com"), ENOTFOUND)
	wantCode(t, s.AddMember(ctx, m1.ID, carol.ID+100, "ada@example.com"), ENOTFOUND)

	createInMatter(t, s, m1.ID, "doc-a")
	createInMatter(t, s, m1.ID, "doc-b")
	createInMatter(t, s, m3.ID, "doc-c")

	ms, err := s.Matters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type count struct {
		id                 int64
		members, documents int
	}
	var gotCounts []count
	for _, m := range ms {
		gotCounts = append(gotCounts, count{m.ID, m.Members, m.Documents})
	}
	wantCounts := []count{{m1.ID, 2, 2}, {m2.ID, 0, 0}, {m3.ID, 1, 1}}
	if len(gotCounts) != len(wantCounts) {
		t.Fatalf("Matters = %+v, want %+v", gotCounts, wantCounts)
	}
	for i := range wantCounts {
		if gotCounts[i] != wantCounts[i] {
			t.Fatalf("Matters (id, members, documents) = %+v, want %+v", gotCounts, wantCounts)
		}
	}

	for _, tt := range []struct {
		user *User
		want []int64
	}{{alice, []int64{m1.ID}}, {bob, []int64{m1.ID, m3.ID}}, {carol, nil}} {
		um, err := s.UserMatters(ctx, tt.user.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := matterIDs(um); !equalIDs(got, tt.want) {
			t.Errorf("UserMatters(%s) = %v, want %v", tt.user.Email, got, tt.want)
		}
	}
	for _, tt := range []struct {
		matter int64
		user   *User
		want   bool
	}{{m1.ID, alice, true}, {m1.ID, bob, true}, {m3.ID, alice, false}, {m2.ID, carol, false}} {
		if got, err := s.IsMember(ctx, tt.matter, tt.user.ID); err != nil || got != tt.want {
			t.Errorf("IsMember(%d, %s) = %v, %v; want %v", tt.matter, tt.user.Email, got, err, tt.want)
		}
	}
	members, err := s.MatterMembers(ctx, m1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 2 || members[0].Email != alice.Email || members[1].Email != bob.Email {
		t.Fatalf("MatterMembers = %+v, want alice then bob", members)
	}

	// Removing a member ends their view of the matter's documents.
	if err := s.RemoveMember(ctx, m1.ID, alice.ID, "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.IsMember(ctx, m1.ID, alice.ID); err != nil || ok {
		t.Fatalf("IsMember after removal = %v, %v", ok, err)
	}
	if list, err := s.ListDocuments(ctx, DocumentFilter{MemberID: alice.ID}); err != nil || len(list) != 0 {
		t.Fatalf("ListDocuments for a removed member = %d rows, %v; want none", len(list), err)
	}
	removes := matterEvents(t, s, "matter.member_remove")
	if len(removes) != 1 || removes[0].ObjectID != m1.ID || removes[0].MatterID != m1.ID ||
		removes[0].Details["email"] != alice.Email || removes[0].Details["user_id"] != float64(alice.ID) {
		t.Fatalf("matter.member_remove events = %+v", removes)
	}
	err = s.RemoveMember(ctx, m1.ID, alice.ID, "ada@example.com")
	wantCode(t, err, ENOTFOUND)
	if !strings.Contains(ErrorMessage(err), alice.Email) {
		t.Errorf("second RemoveMember message = %q, want it to name %s", ErrorMessage(err), alice.Email)
	}
	wantCode(t, s.RemoveMember(ctx, m1.ID, carol.ID+100, "ada@example.com"), ENOTFOUND)
	if n := len(matterEvents(t, s, "matter.member_remove")); n != 1 {
		t.Fatalf("matter.member_remove events after refused removals = %d, want 1", n)
	}
}

// createInMatter stores a document in the matter; its hash and stored name
// derive from name.
func createInMatter(t *testing.T, s *Store, matter int64, name string) *Document {
	t.Helper()
	d := &Document{SHA256: hashOf(name), Filename: name + ".pdf", StoredName: name + ".pdf", Size: 10, MatterID: matter}
	if existing, err := s.CreateDocument(context.Background(), d, "alice@example.com"); err != nil || existing {
		t.Fatalf("CreateDocument(%s) = %v, %v", name, existing, err)
	}
	return d
}

// hashOf is the hex SHA-256 of s.
func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func matterIDs(ms []Matter) []int64 {
	var ids []int64
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDocumentHashUniquePerMatter(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	m1 := newMatter(t, s, "C-1", "M-1", "First")
	m2 := newMatter(t, s, "C-2", "M-1", "Second")
	alice := testUser(t, s, "alice@example.com", RoleStaff)
	nobody := testUser(t, s, "nobody@example.com", RoleStaff)
	if err := s.AddMember(ctx, m1.ID, alice.ID, "ada@example.com"); err != nil {
		t.Fatal(err)
	}

	sum := hashOf("the same contract")
	in1 := &Document{SHA256: sum, Filename: "contract.pdf", StoredName: "one.pdf", Size: 5, MatterID: m1.ID}
	in2 := &Document{SHA256: sum, Filename: "contract.pdf", StoredName: "two.pdf", Size: 5, MatterID: m2.ID}
	for _, d := range []*Document{in1, in2} {
		if existing, err := s.CreateDocument(ctx, d, "alice@example.com"); err != nil || existing {
			t.Fatalf("CreateDocument in matter %d = %v, %v; want a new document", d.MatterID, existing, err)
		}
	}
	if in1.ID == in2.ID {
		t.Fatalf("the same file in two matters got one id %d", in1.ID)
	}
	if uploads := matterEvents(t, s, "document.upload"); len(uploads) != 2 || uploads[1].MatterID != m2.ID {
		t.Fatalf("document.upload events = %+v", uploads)
	}

	// Within one matter it is a duplicate: the existing row comes back.
	again := &Document{SHA256: sum, Filename: "copy.pdf", StoredName: "three.pdf", Size: 5, MatterID: m2.ID}
	if existing, err := s.CreateDocument(ctx, again, "bob@example.com"); err != nil || !existing || again.ID != in2.ID ||
		again.StoredName != "two.pdf" {
		t.Fatalf("duplicate in matter 2 = %v, %v, %+v; want document %d", existing, err, again, in2.ID)
	}
	if dups := matterEvents(t, s, "document.upload_duplicate"); len(dups) != 1 || dups[0].ObjectID != in2.ID {
		t.Fatalf("document.upload_duplicate events = %+v", dups)
	}

	_, err := s.CreateDocument(ctx, &Document{SHA256: hashOf("x"), Filename: "x.pdf", StoredName: "x.pdf",
		MatterID: m2.ID + 100}, "alice@example.com")
	wantCode(t, err, ENOTFOUND)

	for _, tt := range []struct {
		name   string
		filter DocumentFilter
		want   []int64
	}{
		{"all", DocumentFilter{}, []int64{in2.ID, in1.ID}},
		{"matter 1", DocumentFilter{MatterID: m1.ID}, []int64{in1.ID}},
		{"matter 2", DocumentFilter{MatterID: m2.ID}, []int64{in2.ID}},
		{"member of matter 1", DocumentFilter{MemberID: alice.ID}, []int64{in1.ID}},
		{"member asking for another matter", DocumentFilter{MemberID: alice.ID, MatterID: m2.ID}, nil},
		{"member of nothing", DocumentFilter{MemberID: nobody.ID}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			list, err := s.ListDocuments(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, r := range list {
				got = append(got, r.ID)
			}
			if !equalIDs(got, tt.want) {
				t.Fatalf("ListDocuments(%+v) = %v, want %v", tt.filter, got, tt.want)
			}
		})
	}
}

func TestSetLegalHold(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestStore(t)
	m := newMatter(t, s, "C-1", "M-1", "Held")

	wantCode(t, s.SetLegalHold(ctx, m.ID, true, "   ", "ada@example.com"), EINVALID)
	wantCode(t, s.SetLegalHold(ctx, m.ID, true, strings.Repeat("r", 501), "ada@example.com"), EINVALID)
	if got := mustMatter(t, s, m.ID); got.LegalHold {
		t.Fatalf("matter on hold after refused holds: %+v", got)
	}

	clk.Advance(time.Minute)
	if err := s.SetLegalHold(ctx, m.ID, true, " litigation pending ", "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	got := mustMatter(t, s, m.ID)
	if !got.LegalHold || got.HoldReason != "litigation pending" || got.HoldBy != "ada@example.com" ||
		!got.HoldAt.Equal(clk.Now()) || !got.UpdatedAt.Equal(clk.Now()) {
		t.Fatalf("matter on hold = %+v", got)
	}
	holds := matterEvents(t, s, "matter.hold")
	if len(holds) != 1 || holds[0].ObjectType != "matter" || holds[0].ObjectID != m.ID || holds[0].MatterID != m.ID ||
		holds[0].Actor != "ada@example.com" || holds[0].Details["reason"] != "litigation pending" {
		t.Fatalf("matter.hold events = %+v", holds)
	}

	err := s.SetLegalHold(ctx, m.ID, true, "again", "bob@example.com")
	wantCode(t, err, ECONFLICT)
	if !strings.Contains(ErrorMessage(err), "already on legal hold") {
		t.Errorf("second hold message = %q", ErrorMessage(err))
	}
	if got := mustMatter(t, s, m.ID); got.HoldReason != "litigation pending" || got.HoldBy != "ada@example.com" {
		t.Fatalf("a refused second hold changed the matter: %+v", got)
	}
	if n := len(matterEvents(t, s, "matter.hold")); n != 1 {
		t.Fatalf("matter.hold events after a refused hold = %d, want 1", n)
	}

	clk.Advance(time.Minute)
	if err := s.SetLegalHold(ctx, m.ID, false, "", "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	got = mustMatter(t, s, m.ID)
	if got.LegalHold || got.HoldReason != "" || got.HoldBy != "" || !got.HoldAt.IsZero() {
		t.Fatalf("released matter = %+v", got)
	}
	if rel := matterEvents(t, s, "matter.release"); len(rel) != 1 || rel[0].ObjectID != m.ID || rel[0].MatterID != m.ID {
		t.Fatalf("matter.release events = %+v", rel)
	}

	err = s.SetLegalHold(ctx, m.ID, false, "", "ada@example.com")
	wantCode(t, err, ECONFLICT)
	if !strings.Contains(ErrorMessage(err), "not on legal hold") {
		t.Errorf("second release message = %q", ErrorMessage(err))
	}
	if n := len(matterEvents(t, s, "matter.release")); n != 1 {
		t.Fatalf("matter.release events after a refused release = %d, want 1", n)
	}
	wantCode(t, s.SetLegalHold(ctx, m.ID+100, true, "reason", "ada@example.com"), ENOTFOUND)
	wantCode(t, s.SetLegalHold(ctx, m.ID+100, false, "", "ada@example.com"), ENOTFOUND)
}
