package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"precis/storage"
)

func TestSummary(t *testing.T) {
	v := newEnv(t, Config{})
	d, _ := v.createDocument(t, "nda.pdf")
	v.extract(t, d.ID, "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8")
	v.complete(t, v.claim(t), storage.EngineAbstractive, 2,
		storage.Section{Title: "Parties", Points: []storage.Point{
			{Text: "Acme Ltd discloses to Beta GmbH.", Pages: []int{3}},
			{Text: "Both may disclose.", Pages: []int{8, 7}},
		}},
		storage.Section{Title: "Term", Points: []storage.Point{
			{Text: "Two years.", Pages: []int{3, 7}},
			{Text: "Survives five years.", Pages: []int{4, 5, 6, 1}},
		}},
	)
	path := fmt.Sprintf("/documents/%d/summary", d.ID)

	rec := v.get(t, path, true)
	wantStatus(t, rec, http.StatusOK)
	if isFullPage(rec) {
		t.Fatal("htmx summary is a full page")
	}
	doc := parse(t, rec)

	titles := testID(doc, "section-title").Map(func(_ int, s *goquery.Selection) string { return text(s) })
	if strings.Join(titles, "|") != "Parties|Term" {
		t.Errorf("sections = %q", titles)
	}
	type point struct{ text, citation, links string }
	var got []point
	testID(doc, "summary-point").Each(func(_ int, li *goquery.Selection) {
		var links []string
		li.Find(`[data-testid="citation-link"]`).Each(func(_ int, a *goquery.Selection) {
			href, _ := a.Attr("href")
			links = append(links, text(a)+"="+href)
		})
		got = append(got, point{text(li.Find(`[data-testid="point-text"]`)),
			text(li.Find(`[data-testid="citation"]`)), strings.Join(links, " ")})
	})
	base := fmt.Sprintf("/documents/%d/pages/", d.ID)
	want := []point{
		{"Acme Ltd discloses to Beta GmbH.", "[p. 3]", "3=" + base + "3"},
		{"Both may disclose.", "[pp. 7-8]", "7=" + base + "7 8=" + base + "8"},
		{"Two years.", "[pp. 3, 7]", "3=" + base + "3 7=" + base + "7"},
		{"Survives five years.", "[pp. 1, 4-6]", "1=" + base + "1 4=" + base + "4 6=" + base + "6"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("points:\n got  %v\n want %v", got, want)
	}

	if got := text(testID(doc, "summary-provenance")); !strings.Contains(got, "ollama") || !strings.Contains(got, "qwen2.5:3b") {
		t.Errorf("provenance = %q", got)
	}
	if testID(doc, "extractive-notice").Length() != 0 {
		t.Error("abstractive summary labelled extractive")
	}
	if got := text(testID(doc, "dropped-citations")); !strings.HasPrefix(got, "2 citations were dropped") {
		t.Errorf("dropped = %q", got)
	}

	t.Run("full page", func(t *testing.T) {
		rec := v.get(t, path, false)
		if !isFullPage(rec) || testID(parse(t, rec), "summary-point").Length() != 4 {
			t.Error("want a full page with the summary")
		}
	})
	t.Run("document page shows it", func(t *testing.T) {
		doc := parse(t, v.get(t, fmt.Sprintf("/documents/%d", d.ID), false))
		if testID(doc, "summary-point").Length() != 4 {
			t.Error("document page lacks the summary")
		}
	})
}

func TestSummaryExtractive(t *testing.T) {
	v := newEnv(t, Config{})
	d, _ := v.createDocument(t, "nda.pdf")
	v.complete(t, v.claim(t), storage.EngineExtractive, 0,
		storage.Section{Title: "Key sentences", Points: []storage.Point{{Text: "The term is two years.", Pages: []int{2}}}})
	doc := parse(t, v.get(t, fmt.Sprintf("/documents/%d/summary", d.ID), true))
	notice := text(testID(doc, "extractive-notice"))
	if !strings.Contains(notice, "without a language model") || !strings.Contains(notice, "selected these sentences") {
		t.Errorf("extractive notice = %q", notice)
	}
	if testID(doc, "dropped-citations").Length() != 0 {
		t.Error("dropped-citations shown for 0")
	}
}

func TestSummaryMissing(t *testing.T) {
	v := newEnv(t, Config{})
	d, _ := v.createDocument(t, "nda.pdf")
	rec := v.get(t, fmt.Sprintf("/documents/%d/summary", d.ID), false)
	wantStatus(t, rec, http.StatusNotFound)
	if got := text(testID(parse(t, rec), "error-message")); !strings.HasPrefix(got, "This document has no summary yet.") {
		t.Errorf("message = %q", got)
	}
}

func TestPageText(t *testing.T) {
	v := newEnv(t, Config{})
	d, _ := v.createDocument(t, "nda.pdf")
	v.extract(t, d.ID, "FIRST PAGE\n  indented", "Second <b>page</b>", "   ")
	page := func(n string) string { return fmt.Sprintf("/documents/%d/pages/%s", d.ID, n) }

	doc := parse(t, v.get(t, page("2"), false))
	if got := testID(doc, "page-text").Text(); got != "Second <b>page</b>" {
		t.Errorf("text = %q (must be escaped, not markup)", got)
	}
	if href, _ := testID(doc, "prev-page").Attr("href"); href != page("1") {
		t.Errorf("prev = %q", href)
	}
	if href, _ := testID(doc, "next-page").Attr("href"); href != page("3") {
		t.Errorf("next = %q", href)
	}
	if href, _ := testID(doc, "back-link").Attr("href"); href != fmt.Sprintf("/documents/%d", d.ID) {
		t.Errorf("back = %q", href)
	}

	doc = parse(t, v.get(t, page("1"), false))
	if testID(doc, "prev-page").Length() != 0 || testID(doc, "page-text").Text() != "FIRST PAGE\n  indented" {
		t.Errorf("page 1: prev link or text wrong: %q", testID(doc, "page-text").Text())
	}
	doc = parse(t, v.get(t, page("3"), false))
	if testID(doc, "next-page").Length() != 0 || testID(doc, "page-empty").Length() != 1 {
		t.Error("page 3: want no next link and the empty-page note")
	}

	rec := v.get(t, page("9"), false)
	wantStatus(t, rec, http.StatusNotFound)
	if got := text(testID(parse(t, rec), "error-message")); got != "Page 9 does not exist: this document has 3 pages." {
		t.Errorf("message = %q", got)
	}
	wantStatus(t, v.get(t, page("x"), false), http.StatusBadRequest)
}

func TestDownloadFile(t *testing.T) {
	v := newEnv(t, Config{})
	nda := corpusFile(t, "contracts/Example-One-Way-Non-Disclosure-Agreement.pdf")
	nda.name = "Vertrag für Müller.pdf"
	wantStatus(t, v.do(t, uploadRequest(t, nda), false), http.StatusSeeOther)

	rec := v.get(t, "/documents/1/file", false)
	wantStatus(t, rec, http.StatusOK)
	if string(readAll(t, rec.Body)) != string(nda.content) {
		t.Error("downloaded bytes differ from the upload")
	}
	if got := rec.Header().Get("Content-Type"); got != "application/pdf" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := rec.Header().Get("Content-Disposition"); got != "attachment; filename*=utf-8''Vertrag%20f%C3%BCr%20M%C3%BCller.pdf" {
		t.Errorf("Content-Disposition = %q", got)
	}
}
