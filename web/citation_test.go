package web

import (
	"fmt"
	"testing"
)

func TestFormatCitation(t *testing.T) {
	tests := []struct {
		pages []int
		want  string
	}{
		{nil, ""},
		{[]int{0, -2}, ""},
		{[]int{3}, "[p. 3]"},
		{[]int{3, 3}, "[p. 3]"},
		{[]int{7, 8}, "[pp. 7-8]"},
		{[]int{8, 7}, "[pp. 7-8]"},
		{[]int{3, 7}, "[pp. 3, 7]"},
		{[]int{1, 2, 3, 5, 9, 10}, "[pp. 1-3, 5, 9-10]"},
		{[]int{10, 2, 0, 1, 2}, "[pp. 1-2, 10]"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.pages), func(t *testing.T) {
			if got := FormatCitation(tt.pages); got != tt.want {
				t.Errorf("FormatCitation(%v) = %q, want %q", tt.pages, got, tt.want)
			}
		})
	}
}

func TestCitationPartsLinkEachShownPage(t *testing.T) {
	tests := []struct {
		pages []int
		links []int
	}{
		{[]int{3}, []int{3}},
		{[]int{7, 8}, []int{7, 8}},
		{[]int{4, 5, 6}, []int{4, 6}},
		{[]int{3, 7, 8, 9}, []int{3, 7, 9}},
	}
	for _, tt := range tests {
		var links []int
		for _, p := range CitationParts(tt.pages) {
			if p.Page > 0 {
				if p.Text != fmt.Sprint(p.Page) {
					t.Errorf("%v: link text %q for page %d", tt.pages, p.Text, p.Page)
				}
				links = append(links, p.Page)
			}
		}
		if fmt.Sprint(links) != fmt.Sprint(tt.links) {
			t.Errorf("CitationParts(%v) links %v, want %v", tt.pages, links, tt.links)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KB"}, {1536, "1.5 KB"},
		{100 << 20, "100.0 MB"}, {3 << 30, "3.0 GB"},
	}
	for _, tt := range tests {
		if got := FormatBytes(tt.n); got != tt.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
