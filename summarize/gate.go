package summarize

import (
	"context"
	"fmt"
	"sync"

	"precis/storage"
	"precis/summarize/policy"
)

// Redactor replaces detected personal data by placeholders before text leaves, and puts
// the originals back in what comes back. One redactor serves one job, so a value gets the
// same placeholder in every call of the job.
type Redactor interface {
	Redact(text string) string
	Restore(text string) string
}

// gated is a backend whose every call first asks the policy, at the moment the call is made,
// with the document's label as it is then. A refusal fails the call closed; nothing is sent.
type gated struct {
	Backend
	name     string // the provider's name in the policy
	gate     func(context.Context) (policy.Decision, error)
	redactor Redactor

	mu   sync.Mutex
	last policy.Decision
}

func (g *gated) remember(d policy.Decision) {
	g.mu.Lock()
	g.last = d
	g.mu.Unlock()
}

// Name implements Backend: the provider's name in the policy.
func (g *gated) Name() string { return g.name }

// Plan implements Backend: planning probes the server, so it is asked for too.
func (g *gated) Plan(ctx context.Context) (Plan, error) {
	if _, err := g.gate(ctx); err != nil {
		return Plan{}, err
	}
	return g.Backend.Plan(ctx)
}

// Map implements Backend.
func (g *gated) Map(ctx context.Context, c storage.Chunk) (Partial, Call, error) {
	d, err := g.gate(ctx)
	if err != nil {
		return Partial{}, Call{Phase: "map", ChunkSeq: c.Seq}, err
	}
	red, err := g.redactorFor(d)
	if err != nil {
		return Partial{}, Call{Phase: "map", ChunkSeq: c.Seq, Policy: d}, err
	}
	if red != nil {
		c.Text = red.Redact(c.Text)
	}
	p, call, err := g.Backend.Map(ctx, c)
	call.Policy = d
	g.remember(d)
	return restore(p, red), call, err
}

// Reduce implements Backend.
func (g *gated) Reduce(ctx context.Context, parts []Partial, level int) (Partial, Call, error) {
	d, err := g.gate(ctx)
	if err != nil {
		return Partial{}, Call{Phase: "reduce", Level: level}, err
	}
	red, err := g.redactorFor(d)
	if err != nil {
		return Partial{}, Call{Phase: "reduce", Level: level, Policy: d}, err
	}
	if red != nil {
		out := make([]Partial, len(parts))
		for i, p := range parts {
			out[i] = Partial{Dropped: p.Dropped}
			for _, pt := range p.Points {
				pt.Topic, pt.Text = red.Redact(pt.Topic), red.Redact(pt.Text)
				out[i].Points = append(out[i].Points, pt)
			}
		}
		parts = out
	}
	p, call, err := g.Backend.Reduce(ctx, parts, level)
	call.Policy = d
	g.remember(d)
	return restore(p, red), call, err
}

// redactorFor returns the redactor when the decision asks for one, and refuses to send
// when it does but none is configured (fail closed).
func (g *gated) redactorFor(d policy.Decision) (Redactor, error) {
	if !d.Redact {
		return nil, nil
	}
	if g.redactor == nil {
		return nil, &policy.Denied{Version: d.Version, Label: d.Label.Name, Provider: d.Provider.Name,
			Why: fmt.Sprintf("Policy v%d requires redaction for %s, but no redactor is configured; nothing was sent.", d.Version, d.Provider.Name)}
	}
	return g.redactor, nil
}

func restore(p Partial, red Redactor) Partial {
	if red == nil {
		return p
	}
	for i := range p.Points {
		p.Points[i].Topic = red.Restore(p.Points[i].Topic)
		p.Points[i].Text = red.Restore(p.Points[i].Text)
	}
	return p
}

// Decision returns the decision of the backend's latest call, for the summary record.
func Decision(b Backend) policy.Decision {
	if g, ok := b.(*gated); ok {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.last
	}
	return policy.Decision{}
}
