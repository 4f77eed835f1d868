package summarize

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"precis/storage"
	"precis/summarize/extract"
)

func TestPasswords(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	p := &Passwords{TTL: time.Minute, now: func() time.Time { return now }}
	if _, ok := p.Take(1); ok {
		t.Fatal("Take on an empty store found a password")
	}
	p.Put(1, "first")
	p.Put(1, "second") // a new password replaces the old one
	p.Put(2, "other")
	if pw, ok := p.Take(1); !ok || pw != "second" {
		t.Errorf("Take(1) = %q, %v; want second", pw, ok)
	}
	if _, ok := p.Take(1); ok {
		t.Error("a password was handed out twice")
	}
	p.Drop(2)
	if _, ok := p.Take(2); ok {
		t.Error("a dropped password was handed out")
	}
	p.Put(3, "late")
	now = now.Add(2 * time.Minute)
	if _, ok := p.Take(3); ok {
		t.Error("an expired password was handed out")
	}
	if len(p.m) != 0 {
		t.Errorf("%d passwords still held", len(p.m))
	}
}

// passwordExtractor stands in for the extraction child of an encrypted document: it
// accepts one password and records every password it was given.
type passwordExtractor struct {
	want string
	mu   sync.Mutex
	got  []string
}

func (e *passwordExtractor) Extract(_ context.Context, _ string, password string) extract.Result {
	e.mu.Lock()
	e.got = append(e.got, password)
	e.mu.Unlock()
	if password != e.want {
		msg := extract.StatusMessage(extract.StatusEncrypted)
		if password != "" {
			msg = extract.MsgWrongPassword
		}
		return extract.Result{Status: extract.StatusEncrypted, Message: msg}
	}
	return pagesExtractor{pages: 2}.Extract(context.Background(), "", "")
}

func TestRunnerUsesPasswordOnce(t *testing.T) {
	f := newFake(1, 1<<20)
	r, st, jobID := newRunnerEnv(t, f, 0)
	ex := &passwordExtractor{want: "hunter2"}
	r.Extractor = ex
	ctx := context.Background()
	j := runUntil(t, r, st, jobID, func(j *storage.Job) bool { return j.Status == "failed" })
	d, _ := st.Document(ctx, j.DocumentID)
	if d.ExtractStatus != extract.StatusEncrypted {
		t.Fatalf("status %q, want encrypted", d.ExtractStatus)
	}

	// A wrong password: encrypted again, saying so.
	retry := func(pw string) {
		t.Helper()
		r.PutPassword(d.ID, pw)
		if err := st.ResetExtraction(ctx, d.ID, "test"); err != nil {
			t.Fatal(err)
		}
		if err := st.RetryJob(ctx, jobID, "test"); err != nil {
			t.Fatal(err)
		}
	}
	retry("wrong")
	j = runUntil(t, r, st, jobID, func(j *storage.Job) bool { return j.Status == "failed" })
	if d, _ = st.Document(ctx, d.ID); d.ExtractMessage != extract.MsgWrongPassword || j.Error != extract.MsgWrongPassword {
		t.Errorf("document message %q, job error %q; want %q", d.ExtractMessage, j.Error, extract.MsgWrongPassword)
	}

	retry("hunter2")
	runUntil(t, r, st, jobID, func(j *storage.Job) bool { return j.Status == "done" })
	if !slices.Equal(ex.got, []string{"", "wrong", "hunter2"}) {
		t.Errorf("extractor got passwords %q", ex.got)
	}
	if _, ok := r.Passwords.Take(d.ID); ok {
		t.Error("the password is still held after its extraction")
	}
}

func TestRunnerLeavesGarbledPagesOut(t *testing.T) {
	f := newFake(1, 1<<20)
	r, st, jobID := newRunnerEnv(t, f, 0)
	r.Extractor = garbledPageExtractor{}
	runUntil(t, r, st, jobID, func(j *storage.Job) bool { return j.Status == "done" })
	chunks, err := st.Chunks(context.Background(), jobID)
	if err != nil || len(chunks) == 0 {
		t.Fatalf("chunks %v, %v", chunks, err)
	}
	for _, c := range chunks {
		if strings.Contains(c.Text, "hX`qM") || c.FirstPage == 2 {
			t.Errorf("chunk %d (pages %d-%d) holds the garbled page", c.Seq, c.FirstPage, c.LastPage)
		}
	}
	pages, _ := st.Pages(context.Background(), 1)
	if pages[1].Extractor != extract.ExtractorPoppler || pages[1].Quality != 0.2 || !slices.Contains(pages[1].Warnings, extract.WarnGarbled) {
		t.Errorf("stored page 2 = %+v", pages[1])
	}
}

// garbledPageExtractor returns three pages, the second one garbage.
type garbledPageExtractor struct{}

func (garbledPageExtractor) Extract(context.Context, string, string) extract.Result {
	res := pagesExtractor{pages: 3}.Extract(context.Background(), "", "")
	for i := range res.Pages {
		res.Pages[i].Extractor, res.Pages[i].Quality, res.Pages[i].Warnings = extract.ExtractorNative, 1, []string{}
	}
	res.Pages[1].Text = strings.Repeat("hX`qM~q xJ^h;v?ow{qmw ", 20)
	res.Pages[1].Extractor, res.Pages[1].Quality, res.Pages[1].Warnings = extract.ExtractorPoppler, 0.2, []string{extract.WarnGarbled}
	return res
}

// TestStorageAgreesWithExtract checks the values storage validates and keeps against the
// ones extraction produces (storage cannot import extract).
func TestStorageAgreesWithExtract(t *testing.T) {
	pairs := [][2]string{
		{extract.ExtractorNative, storage.ExtractorNative}, {extract.ExtractorPoppler, storage.ExtractorPoppler},
		{extract.ExtractorOCR, storage.ExtractorOCR}, {extract.StatusGarbled, storage.ExtractGarbled},
		{extract.StatusNoText, storage.ExtractNoText}, {extract.StatusEncrypted, storage.ExtractEncrypted},
		{extract.PageOK, storage.PageOK}, {extract.PageEmpty, storage.PageEmpty},
	}
	for _, p := range pairs {
		if p[0] != p[1] {
			t.Errorf("extract says %q, storage %q", p[0], p[1])
		}
	}
}
