package summarize

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"precis/storage"
)

// fakeBackend is a model stand-in for engine unit tests: it cites its input's pages plus one
// page outside them, so citation checking has something to drop.
type fakeBackend struct {
	slots       int
	reduceChars int
	delay       time.Duration
	failSeq     int // map of this chunk Seq fails; -1 for none
	grow        bool

	inFlight, maxInFlight atomic.Int32
	mu                    sync.Mutex
	mapped                []int
	reduceSizes           []int
	levels                map[int]int
}

func (f *fakeBackend) Name() string   { return "fake" }
func (f *fakeBackend) Model() string  { return "fake-1" }
func (f *fakeBackend) Engine() string { return EngineAbstractive }
func (f *fakeBackend) Slots() int     { return f.slots }
func (f *fakeBackend) Plan(context.Context) (Plan, error) {
	return Plan{ChunkChars: 1000, ReduceChars: f.reduceChars, CharsPerToken: 4}, nil
}

func (f *fakeBackend) enter(ctx context.Context) error {
	n := f.inFlight.Add(1)
	for {
		m := f.maxInFlight.Load()
		if n <= m || f.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	defer f.inFlight.Add(-1)
	select {
	case <-time.After(f.delay):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *fakeBackend) Map(ctx context.Context, c storage.Chunk) (Partial, Call, error) {
	if err := f.enter(ctx); err != nil {
		return Partial{}, Call{}, err
	}
	f.mu.Lock()
	f.mapped = append(f.mapped, c.Seq)
	f.mu.Unlock()
	if c.Seq == f.failSeq {
		return Partial{}, Call{}, errors.New("model exploded")
	}
	return Partial{Points: []Point{
		{Topic: "Term", Text: fmt.Sprintf("Chunk %d term", c.Seq), Pages: []int{c.FirstPage}},
		{Topic: "Payment", Text: fmt.Sprintf("Chunk %d payment", c.Seq), Pages: []int{c.LastPage, c.LastPage + 50}},
	}}, Call{ModelTime: time.Millisecond}, nil
}

func (f *fakeBackend) Reduce(ctx context.Context, parts []Partial, level int) (Partial, Call, error) {
	if err := f.enter(ctx); err != nil {
		return Partial{}, Call{}, err
	}
	f.mu.Lock()
	f.reduceSizes = append(f.reduceSizes, totalSize(parts))
	f.levels[level]++
	f.mu.Unlock()
	var pages []int
	for _, p := range parts {
		for _, pt := range p.Points {
			pages = append(pages, pt.Pages...)
		}
	}
	out := Partial{Points: []Point{
		{Topic: "Term", Text: "Combined term", Pages: []int{pages[0], 9999}},
		{Topic: "Payment", Text: "Combined payment", Pages: []int{pages[len(pages)-1]}},
	}}
	if f.grow {
		out.Points = append(out.Points, Point{Topic: "Padding", Text: strings.Repeat("x", totalSize(parts)), Pages: pages[:1]})
	}
	return out, Call{ModelTime: time.Millisecond}, nil
}

// recorder is a Checkpoint that remembers what the engine saved.
type recorder struct {
	mu      sync.Mutex
	saved   map[int]Partial
	reduces int
	errs    int
}

func (r *recorder) SaveMap(_ context.Context, c storage.Chunk, p Partial, _ Call) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.saved[c.Seq] = p
	return nil
}

func (r *recorder) RecordCall(_ context.Context, c Call, err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errs++
	} else if c.Phase == "reduce" {
		r.reduces++
	}
	return nil
}

// testChunks makes n chunks of two pages each: chunk i covers pages 2i+1 and 2i+2.
func testChunks(n int) []storage.Chunk {
	var cs []storage.Chunk
	for i := 0; i < n; i++ {
		cs = append(cs, storage.Chunk{ID: int64(100 + i), Seq: i, FirstPage: 2*i + 1, LastPage: 2*i + 2, Text: "text"})
	}
	return cs
}

func newFake(slots, reduceChars int) *fakeBackend {
	return &fakeBackend{slots: slots, reduceChars: reduceChars, delay: 5 * time.Millisecond, failSeq: -1, levels: map[int]int{}}
}

func TestEngineParallelismBound(t *testing.T) {
	f := newFake(3, 1<<20)
	eng := Engine{Backend: f}
	if _, err := eng.Run(context.Background(), testChunks(20), nil); err != nil {
		t.Fatal(err)
	}
	if got := f.maxInFlight.Load(); got != 3 {
		t.Errorf("max calls in flight = %d, want exactly the 3 slots", got)
	}
	if len(f.mapped) != 20 {
		t.Errorf("mapped %d chunks, want 20", len(f.mapped))
	}
}

func TestEngineRecursiveCollapse(t *testing.T) {
	const budget = 200 // two or three partials per reduce call
	f := newFake(2, budget)
	rec := &recorder{saved: map[int]Partial{}}
	eng := Engine{Backend: f, Checkpoint: rec}
	chunks := testChunks(40)
	res, err := eng.Run(context.Background(), chunks, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.levels) < 3 {
		t.Errorf("reduce levels = %v, want a recursive collapse over 3 or more levels", f.levels)
	}
	for _, s := range f.reduceSizes {
		if s > budget {
			t.Errorf("a reduce call got %d chars, over the %d budget", s, budget)
		}
	}
	if rec.reduces != res.Calls-40 {
		t.Errorf("recorded %d reduce calls, engine counted %d calls", rec.reduces, res.Calls)
	}
	// Each map cites one page outside its chunk (40) and each reduce one outside its input.
	if want := 40 + rec.reduces; res.Dropped != want {
		t.Errorf("dropped citations = %d, want %d", res.Dropped, want)
	}
	total := 0
	for _, sec := range res.Sections {
		for _, pt := range sec.Points {
			total++
			for _, p := range pt.Pages {
				if p < 1 || p > 80 {
					t.Errorf("final point %q cites page %d outside the document", pt.Text, p)
				}
			}
		}
	}
	if total == 0 {
		t.Fatal("final summary has no points")
	}
}

func TestEngineCitationValidation(t *testing.T) {
	p := validate(Partial{Points: []Point{
		{Text: "ok", Pages: []int{4, 3, 3}},
		{Text: "outside only", Pages: []int{9}},
		{Text: "  ", Pages: []int{3}},
		{Text: "mixed", Pages: []int{5, 2}},
	}}, func(n int) bool { return n >= 3 && n <= 5 })
	if len(p.Points) != 2 || !slices.Equal(p.Points[0].Pages, []int{3, 4}) || !slices.Equal(p.Points[1].Pages, []int{5}) {
		t.Fatalf("validated points = %+v", p.Points)
	}
	if p.Dropped != 2 {
		t.Fatalf("dropped = %d, want 2 (pages 9 and 2)", p.Dropped)
	}
}

func TestEngineCancellation(t *testing.T) {
	f := newFake(2, 1<<20)
	f.delay = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	rec := &recorder{saved: map[int]Partial{}}
	eng := Engine{Backend: f, Checkpoint: rec, Progress: func(p Progress) {
		if p.Stage == "mapping" && p.Done == 3 {
			cancel()
		}
	}}
	start := time.Now()
	_, err := eng.Run(ctx, testChunks(50), nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel = %v, want context.Canceled", err)
	}
	if len(f.mapped) > 6 {
		t.Errorf("%d map calls finished after cancelling at 3", len(f.mapped))
	}
	if time.Since(start) > time.Second {
		t.Errorf("cancellation took %s", time.Since(start))
	}
}

func TestEngineResume(t *testing.T) {
	chunks := testChunks(10)
	first := newFake(2, 1<<20)
	first.failSeq = 6
	rec := &recorder{saved: map[int]Partial{}}
	eng := Engine{Backend: first, Checkpoint: rec}
	if _, err := eng.Run(context.Background(), chunks, nil); err == nil || !strings.Contains(err.Error(), "exploded") {
		t.Fatalf("first run error = %v, want the map failure", err)
	}
	if rec.errs != 1 {
		t.Errorf("recorded %d failed calls, want 1", rec.errs)
	}
	done := len(rec.saved)
	if done == 0 || done == 10 {
		t.Fatalf("first run saved %d of 10 chunks", done)
	}
	before := map[int]Partial{}
	for k, v := range rec.saved {
		before[k] = v
	}
	second := newFake(2, 1<<20)
	eng = Engine{Backend: second, Checkpoint: rec}
	if _, err := eng.Run(context.Background(), chunks, before); err != nil {
		t.Fatal(err)
	}
	if len(second.mapped) != 10-done {
		t.Errorf("resume mapped %d chunks, want only the %d missing", len(second.mapped), 10-done)
	}
	for _, seq := range second.mapped {
		if _, ok := before[seq]; ok {
			t.Errorf("chunk %d was mapped again", seq)
		}
	}
}

func TestEngineNoProgressFails(t *testing.T) {
	f := newFake(1, 60)
	f.grow = true
	_, err := (&Engine{Backend: f}).Run(context.Background(), testChunks(4), nil)
	if err == nil || !strings.Contains(err.Error(), "could not shorten") {
		t.Fatalf("Run with a growing reduce = %v, want a clear failure", err)
	}
}

// silentBackend maps every chunk to nothing citable.
type silentBackend struct{ *fakeBackend }

func (silentBackend) Map(context.Context, storage.Chunk) (Partial, Call, error) {
	return Partial{Points: []Point{{Text: "uncited", Pages: []int{9999}}}}, Call{}, nil
}

func TestEngineNothingCitedMakesNoReduceCall(t *testing.T) {
	f := newFake(2, 1<<20)
	res, err := (&Engine{Backend: silentBackend{f}}).Run(context.Background(), testChunks(6), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.levels) != 0 || len(res.Sections) != 0 {
		t.Errorf("reduce calls %v and sections %v for partials with nothing cited", f.levels, res.Sections)
	}
	if res.Dropped != 6 || res.Calls != 6 {
		t.Errorf("dropped %d, calls %d; want the 6 invalid citations and the 6 map calls", res.Dropped, res.Calls)
	}
}
