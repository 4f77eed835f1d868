package summarize

import (
	"context"
	"math"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"precis/storage"
)

// Extractive is the built-in summarizer: no model, deterministic. It ranks sentences with
// TextRank (sentences as graph nodes, shared words as edge weights, PageRank over the graph),
// nudged towards the clauses lawyers look for, and keeps the best ones with their pages.
type Extractive struct{}

// Name implements Backend.
func (Extractive) Name() string { return "builtin" }

// Model implements Backend.
func (Extractive) Model() string { return "textrank-1" }

// Engine implements Backend.
func (Extractive) Engine() string { return EngineExtractive }

// Slots implements Backend.
func (Extractive) Slots() int { return 2 }

// Plan implements Backend: chunks of about 12,000 characters; every reduce takes all partials.
func (Extractive) Plan(context.Context) (Plan, error) {
	return Plan{ChunkChars: 12000, ReduceChars: math.MaxInt32, CharsPerToken: 4}, nil
}

// Map implements Backend: the best sentences of the chunk, each citing its page.
func (Extractive) Map(ctx context.Context, c storage.Chunk) (Partial, Call, error) {
	var cands []Point
	for _, u := range chunkPages(c) {
		for _, s := range sentences(u.text) {
			cands = append(cands, Point{Topic: topic(s), Text: s, Pages: []int{u.page}})
		}
	}
	keep := min(6, max(2, len(cands)/8))
	return Partial{Points: rank(cands, keep)}, Call{}, ctx.Err()
}

// Reduce implements Backend: the best points of all parts, grouped by topic.
func (Extractive) Reduce(ctx context.Context, parts []Partial, level int) (Partial, Call, error) {
	var cands []Point
	for _, p := range parts {
		cands = append(cands, p.Points...)
	}
	best := rank(cands, 14)
	order := map[string]int{}
	for i, t := range topics {
		order[t.name] = i
	}
	sort.SliceStable(best, func(i, j int) bool { return order[best[i].Topic] < order[best[j].Topic] })
	return Partial{Points: best}, Call{}, ctx.Err()
}

// topics are the clause families a lawyer looks for first, in the order a summary shows them.
var topics = []struct {
	name string
	re   *regexp.Regexp
}{
	{"Parties", regexp.MustCompile(`(?i)by and between|entered into|hereinafter|"company"|"distributor"`)},
	{"Term and renewal", regexp.MustCompile(`(?i)\bterm of\b|commence|renew|expir|effective date`)},
	{"Termination", regexp.MustCompile(`(?i)terminat`)},
	{"Payment", regexp.MustCompile(`(?i)\bpay|\bfees?\b|price|invoice|royalt|compensat`)},
	{"Liability and indemnity", regexp.MustCompile(`(?i)liab|indemn|damages|warrant`)},
	{"Confidentiality", regexp.MustCompile(`(?i)confidential|non-disclosure`)},
	{"Governing law and disputes", regexp.MustCompile(`(?i)governed by|governing law|jurisdiction|arbitrat|venue`)},
	{"Intellectual property", regexp.MustCompile(`(?i)intellectual property|licen[cs]e|trademark|patent|copyright`)},
	{"Other provisions", regexp.MustCompile(`.`)},
}

// topicPriority is the order topics are tested in: the more specific clause wins (a sentence
// about fees payable on termination is about termination).
var topicPriority = []int{6, 2, 4, 5, 7, 3, 1, 0}

func topic(s string) string {
	for _, i := range topicPriority {
		if topics[i].re.MatchString(s) {
			return topics[i].name
		}
	}
	return "Other provisions"
}

var sentenceSplit = regexp.MustCompile(`([.!?;])\s+`)

// sentences splits text into sentences of a useful length; very long ones are cut at a word
// boundary with an ellipsis, since a point quotes, it does not reproduce.
func sentences(text string) []string {
	text = strings.Join(strings.Fields(text), " ")
	var out []string
	for _, s := range splitAfter(text, sentenceSplit) {
		s = strings.TrimSpace(s)
		if len(s) < 40 || letters(s) < len(s)/2 {
			continue
		}
		if len(s) > 400 {
			cut := strings.LastIndex(s[:400], " ")
			s = s[:max(cut, 200)] + " …"
		}
		out = append(out, s)
	}
	return out
}

func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// rank returns the keep best candidates by TextRank score, in their original order.
func rank(cands []Point, keep int) []Point {
	if len(cands) <= keep {
		return cands
	}
	words := make([]map[string]bool, len(cands))
	for i, c := range cands {
		words[i] = wordSet(c.Text)
	}
	n := len(cands)
	w := make([][]float64, n)
	out := make([]float64, n)
	for i := range w {
		w[i] = make([]float64, n)
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if s := similarity(words[i], words[j]); s > 0 {
				w[i][j], w[j][i] = s, s
				out[i] += s
				out[j] += s
			}
		}
	}
	score := make([]float64, n)
	for i := range score {
		score[i] = 1
	}
	for iter := 0; iter < 30; iter++ {
		next := make([]float64, n)
		for i := 0; i < n; i++ {
			sum := 0.0
			for j := 0; j < n; j++ {
				if w[j][i] > 0 {
					sum += w[j][i] / out[j] * score[j]
				}
			}
			next[i] = 0.15 + 0.85*sum
		}
		score = next
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
		if cands[i].Topic != "Other provisions" {
			score[i] *= 1.5
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return score[idx[a]] > score[idx[b]] })
	idx = idx[:keep]
	sort.Ints(idx)
	best := make([]Point, keep)
	for k, i := range idx {
		best[k] = cands[i]
	}
	return best
}

var wordRE = regexp.MustCompile(`[\p{L}\p{N}]{3,}`)

var stopwords = map[string]bool{"the": true, "and": true, "for": true, "that": true, "this": true, "with": true,
	"shall": true, "any": true, "such": true, "all": true, "are": true, "not": true, "its": true, "from": true,
	"which": true, "other": true, "will": true, "may": true, "has": true, "have": true, "been": true, "upon": true}

func wordSet(s string) map[string]bool {
	set := map[string]bool{}
	for _, w := range wordRE.FindAllString(strings.ToLower(s), -1) {
		if !stopwords[w] {
			set[w] = true
		}
	}
	return set
}

// similarity is TextRank's: shared words over the log lengths of both sentences.
func similarity(a, b map[string]bool) float64 {
	if len(a) < 2 || len(b) < 2 {
		return 0
	}
	common := 0
	for w := range a {
		if b[w] {
			common++
		}
	}
	return float64(common) / (math.Log(float64(len(a))) + math.Log(float64(len(b))))
}
