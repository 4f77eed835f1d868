package summarize

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"precis/storage"
	"precis/summarize/policy"
)

// Engines say how a summary was written.
const (
	EngineAbstractive = "abstractive" // written by a language model
	EngineExtractive  = "extractive"  // sentences selected from the document, no model
)

// Point is one cited statement of a partial summary.
type Point struct {
	Topic string `json:"topic"`
	Text  string `json:"text"`
	Pages []int  `json:"pages"`
}

// Partial is the summary of one chunk, or of a group of partials.
type Partial struct {
	Points []Point `json:"points"`
	// Dropped counts citations removed because they pointed outside the cited material.
	Dropped int `json:"dropped,omitempty"`
}

// Call describes one backend call, for progress, the audit trail and benchmarks.
type Call struct {
	Phase        string // "map" or "reduce"
	Level        int    // 0 for map, 1.. for reduce levels
	ChunkSeq     int    // map calls: the chunk's Seq
	PromptTokens int
	OutputTokens int
	ModelTime    time.Duration // what the model server reports
	Wall         time.Duration
	// Policy is the decision the call was allowed under (zero when no policy applies).
	Policy policy.Decision
}

// Plan is how much text a backend takes per call.
type Plan struct {
	// ChunkChars is the largest chunk, page markers included, one map call takes.
	ChunkChars int
	// ReduceChars is the largest total size of partials (see Partial.size) one reduce call takes.
	ReduceChars int
	// CharsPerToken converts characters to the model's tokens, conservatively.
	CharsPerToken float64
}

// Backend writes partial summaries: with a model (abstractive) or without (extractive).
type Backend interface {
	Name() string
	Model() string
	Engine() string
	Slots() int
	Plan(ctx context.Context) (Plan, error)
	Map(ctx context.Context, c storage.Chunk) (Partial, Call, error)
	Reduce(ctx context.Context, parts []Partial, level int) (Partial, Call, error)
}

// Checkpoint keeps the engine's work as it goes, so a restart redoes only what is missing.
type Checkpoint interface {
	// SaveMap keeps one chunk's validated partial summary.
	SaveMap(ctx context.Context, c storage.Chunk, p Partial, call Call) error
	// RecordCall keeps a reduce call, or a failed call (err != nil).
	RecordCall(ctx context.Context, call Call, err error) error
}

// Progress is reported as the engine advances.
type Progress struct {
	Stage       string // "mapping" or "reducing"
	Done, Total int    // map: chunks done of total; reduce: partials left
	Level       int
}

// Engine runs map-reduce over a document's chunks.
type Engine struct {
	Backend    Backend
	Checkpoint Checkpoint     // optional
	Progress   func(Progress) // optional
}

// Result is a finished summary.
type Result struct {
	Sections []storage.Section
	Dropped  int
	Calls    int
	// CriticalModelTime is the model time on the critical path: per phase, the busiest
	// parallel lane; summed over phases.
	CriticalModelTime time.Duration
}

// Run summarizes chunks. saved holds partials already made for chunks (by Seq) in an earlier
// run; they are not made again. Run returns ctx.Err() when cancelled.
func (e *Engine) Run(ctx context.Context, chunks []storage.Chunk, saved map[int]Partial) (Result, error) {
	var res Result
	if len(chunks) == 0 {
		return res, errors.New("the document has no text to summarize")
	}
	plan, err := e.Backend.Plan(ctx)
	if err != nil {
		return res, err
	}
	parts, crit, calls, err := e.mapAll(ctx, chunks, saved)
	if err != nil {
		return res, err
	}
	res.CriticalModelTime, res.Calls = crit, calls
	for level := 1; len(parts) > 1; level++ {
		e.report(Progress{Stage: "reducing", Done: 0, Total: len(parts), Level: level})
		next, crit, calls, err := e.reduceLevel(ctx, parts, plan.ReduceChars, level)
		if err != nil {
			return res, err
		}
		res.CriticalModelTime += crit
		res.Calls += calls
		if len(next) >= len(parts) && totalSize(next) >= totalSize(parts) {
			return res, fmt.Errorf("%s could not shorten the partial summaries at level %d", e.Backend.Name(), level)
		}
		parts = next
	}
	res.Sections = sections(parts[0].Points)
	res.Dropped = parts[0].Dropped
	return res, nil
}

func (e *Engine) report(p Progress) {
	if e.Progress != nil {
		e.Progress(p)
	}
}

// mapAll runs the map calls that are not saved yet, in parallel up to the backend's slots.
func (e *Engine) mapAll(ctx context.Context, chunks []storage.Chunk, saved map[int]Partial) ([]Partial, time.Duration, int, error) {
	parts := make([]Partial, len(chunks))
	var todo []int
	for i, c := range chunks {
		if p, ok := saved[c.Seq]; ok {
			parts[i] = p
		} else {
			todo = append(todo, i)
		}
	}
	done := len(chunks) - len(todo)
	e.report(Progress{Stage: "mapping", Done: done, Total: len(chunks)})
	var mu sync.Mutex
	crit, calls, err := e.parallel(ctx, len(todo), func(ctx context.Context, k int) (Call, error) {
		c := chunks[todo[k]]
		p, call, err := e.Backend.Map(ctx, c)
		call.Phase, call.ChunkSeq = "map", c.Seq
		if err != nil {
			e.record(ctx, call, err)
			return call, err
		}
		p = validate(p, func(n int) bool { return n >= c.FirstPage && n <= c.LastPage })
		if e.Checkpoint != nil {
			if err := e.Checkpoint.SaveMap(ctx, c, p, call); err != nil {
				return call, err
			}
		}
		mu.Lock()
		parts[todo[k]] = p
		done++
		e.report(Progress{Stage: "mapping", Done: done, Total: len(chunks)})
		mu.Unlock()
		return call, nil
	})
	return parts, crit, calls, err
}

// reduceLevel combines groups of partials that fit one call; a partial alone in its group is
// passed on as it is, unless no group could be formed at all, when each is shortened alone.
func (e *Engine) reduceLevel(ctx context.Context, parts []Partial, budget, level int) ([]Partial, time.Duration, int, error) {
	groups := group(parts, budget)
	alone := len(groups) == len(parts)
	out := make([]Partial, len(groups))
	crit, calls, err := e.parallel(ctx, len(groups), func(ctx context.Context, k int) (Call, error) {
		g := groups[k]
		if len(g) == 1 && !alone {
			out[k] = g[0]
			return Call{}, errSkipped
		}
		cited := map[int]bool{}
		dropped := 0
		for _, in := range g {
			dropped += in.Dropped
			for _, pt := range in.Points {
				for _, n := range pt.Pages {
					cited[n] = true
				}
			}
		}
		if len(cited) == 0 {
			// Nothing citable in the group: there is nothing to combine and no call to make.
			out[k] = Partial{Dropped: dropped}
			return Call{}, errSkipped
		}
		p, call, err := e.Backend.Reduce(ctx, g, level)
		call.Phase, call.Level = "reduce", level
		if err != nil {
			e.record(ctx, call, err)
			return call, err
		}
		p = validate(p, func(n int) bool { return cited[n] })
		p.Dropped += dropped
		out[k] = p
		return call, e.record(ctx, call, nil)
	})
	return out, crit, calls, err
}

// errSkipped marks a parallel task that made no call.
var errSkipped = errors.New("skipped")

func (e *Engine) record(ctx context.Context, call Call, err error) error {
	if e.Checkpoint == nil || ctx.Err() != nil {
		return nil
	}
	return e.Checkpoint.RecordCall(ctx, call, err)
}

// parallel runs n tasks on up to Slots lanes and stops at the first error. It returns the
// model time of the busiest lane and the number of calls made.
func (e *Engine) parallel(ctx context.Context, n int, task func(context.Context, int) (Call, error)) (time.Duration, int, error) {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lanes := max(1, min(e.Backend.Slots(), n))
	next := make(chan int)
	go func() {
		defer close(next)
		for k := 0; k < n; k++ {
			select {
			case next <- k:
			case <-ctx.Done():
				return
			}
		}
	}()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		busiest  time.Duration
		calls    int
	)
	for range lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lane time.Duration
			for k := range next {
				call, err := task(ctx, k)
				if errors.Is(err, errSkipped) {
					continue
				}
				lane += call.ModelTime
				mu.Lock()
				calls++
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
				mu.Unlock()
			}
			mu.Lock()
			busiest = max(busiest, lane)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if firstErr == nil && parent.Err() != nil {
		firstErr = parent.Err()
	}
	return busiest, calls, firstErr
}

// validate keeps the citations allowed says are inside the cited material, sorted and
// without repeats, counts the others as dropped, and removes points left with no citation.
func validate(p Partial, allowed func(int) bool) Partial {
	out := Partial{Dropped: p.Dropped}
	for _, pt := range p.Points {
		pt.Text = strings.TrimSpace(pt.Text)
		pt.Topic = strings.TrimSpace(pt.Topic)
		seen := map[int]bool{}
		var pages []int
		for _, n := range pt.Pages {
			switch {
			case seen[n]:
			case !allowed(n):
				out.Dropped++
			default:
				pages = append(pages, n)
			}
			seen[n] = true
		}
		if len(pages) == 0 || pt.Text == "" {
			continue
		}
		sort.Ints(pages)
		pt.Pages = pages
		out.Points = append(out.Points, pt)
	}
	return out
}
