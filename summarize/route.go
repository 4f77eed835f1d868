package summarize

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"precis/storage"
	"precis/summarize/llm"
	"precis/summarize/policy"
)

// PolicySource gives the policy in force now; StorePolicies is the real one.
type PolicySource interface {
	Current(ctx context.Context) (*policy.Policy, error)
}

// StorePolicies reads the highest saved policy version from the store at every call, so a
// change an admin saves applies to the very next model call.
type StorePolicies struct{ Store *storage.Store }

// Current implements PolicySource.
func (s StorePolicies) Current(ctx context.Context) (*policy.Policy, error) {
	v, err := s.Store.CurrentPolicy(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the policy: %w", err)
	}
	p := &policy.Policy{Version: v.Version}
	if err := json.Unmarshal(v.Body, &p.Settings); err != nil {
		return nil, fmt.Errorf("policy v%d: %w", v.Version, err)
	}
	return p, nil
}

// StoreLabels returns a LabelOf that reads the label from the store.
func StoreLabels(s *storage.Store) func(context.Context, int64) (int, error) {
	return func(ctx context.Context, docID int64) (int, error) {
		d, err := s.Document(ctx, docID)
		if err != nil {
			return 0, err
		}
		return d.LabelID, nil
	}
}

// Router chooses, for each job, a backend the policy allows for the document's label, and
// makes every model call ask the policy again with the document's label as it is then.
type Router struct {
	// LabelOf reads a document's label as it is now; StoreLabels is the server's.
	LabelOf  func(ctx context.Context, docID int64) (int, error)
	Policies PolicySource
	// Build makes a model provider from its declaration (the caller knows API keys and pools).
	Build func(policy.Provider) (llm.Provider, error)
	// Only, when set, restricts every route to the provider of that name (the --provider
	// choice); the policy still decides whether it may be used.
	Only string
	// Redactor, when set, makes the redactor of one job: where the policy says so, detected
	// personal data is replaced by placeholders before text leaves and restored locally.
	Redactor func() Redactor
	// Stamp, when set, adds to a provider's declaration what else its build depends on (a
	// stored API key), so a changed key makes a new provider.
	Stamp func(policy.Provider) string

	mu    sync.Mutex
	cache map[string]cachedProvider
}

type cachedProvider struct {
	spec string
	p    llm.Provider
}

// provider returns the llm provider declared by spec, reusing the one built for an
// identical declaration (so its slots and probed limits are shared between jobs).
func (r *Router) provider(spec policy.Provider) (llm.Provider, error) {
	key, _ := json.Marshal(spec)
	if r.Stamp != nil {
		key = append(key, r.Stamp(spec)...)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.cache[spec.Name]; ok && c.spec == string(key) {
		return c.p, nil
	}
	p, err := r.Build(spec)
	if err != nil {
		return nil, fmt.Errorf("provider %s: %w", spec.Name, err)
	}
	if r.cache == nil {
		r.cache = map[string]cachedProvider{}
	}
	r.cache[spec.Name] = cachedProvider{spec: string(key), p: p}
	return p, nil
}

// backend makes the gated backend of one provider declaration for one document.
func (r *Router) backend(spec policy.Provider, docID int64) (Backend, error) {
	gate := func(ctx context.Context) (policy.Decision, error) { return r.Check(ctx, docID, spec.Name) }
	if spec.Kind == policy.KindBuiltin {
		return &gated{Backend: Extractive{}, name: spec.Name, gate: gate}, nil
	}
	p, err := r.provider(spec)
	if err != nil {
		return nil, err
	}
	g := &gated{Backend: &Abstractive{P: p}, name: spec.Name, gate: gate}
	if r.Redactor != nil {
		g.redactor = r.Redactor()
	}
	return g, nil
}

// Check asks the policy in force whether the provider may see the document as it is
// labelled now. It fails closed: an unreadable policy or document is a refusal.
func (r *Router) Check(ctx context.Context, docID int64, provider string) (policy.Decision, error) {
	pol, err := r.Policies.Current(ctx)
	if err != nil {
		return policy.Decision{}, &policy.Denied{Provider: provider, Why: "The policy could not be read, so nothing is sent: " + err.Error()}
	}
	label, err := r.LabelOf(ctx, docID)
	if err != nil {
		return policy.Decision{}, &policy.Denied{Provider: provider, Why: "The document's label could not be read, so nothing is sent: " + err.Error()}
	}
	return pol.Allow(label, provider)
}

// Choice is the backend chosen for a job and why.
type Choice struct {
	Backend Backend
	// Skipped names the providers earlier in the label's route that were not reachable.
	Skipped []string
}

// Select returns the first provider on the document's route that answers. A provider
// that is down is skipped for the next one on the same route, never for one the route
// does not list.
func (r *Router) Select(ctx context.Context, doc *storage.Document) (Choice, error) {
	pol, err := r.Policies.Current(ctx)
	if err != nil {
		return Choice{}, err
	}
	label, ok := pol.LabelByID(doc.LabelID)
	if !ok {
		return Choice{}, &policy.Denied{Version: pol.Version, Why: fmt.Sprintf(
			"The document has no label in policy v%d yet, so it is not sent to any model.", pol.Version)}
	}
	route := pol.Route(doc.LabelID)
	if r.Only != "" {
		route = filterRoute(route, r.Only)
		if len(route) == 0 {
			return Choice{}, &policy.Denied{Version: pol.Version, Label: label.Name, Provider: r.Only,
				Why: fmt.Sprintf("%s documents may not be sent to %s under policy v%d.", label.Name, r.Only, pol.Version)}
		}
	}
	if len(route) == 0 {
		return Choice{}, &policy.Denied{Version: pol.Version, Label: label.Name,
			Why: fmt.Sprintf("Policy v%d allows no provider for %s documents, so they are not summarized.", pol.Version, label.Name)}
	}
	var ch Choice
	var reasons []string
	for _, spec := range route {
		b, err := r.backend(spec, doc.ID)
		if err == nil {
			_, err = b.Plan(ctx) // probes the server: reachable, model present, limits
		}
		if err == nil {
			ch.Backend = b
			return ch, nil
		}
		if ctx.Err() != nil {
			return Choice{}, ctx.Err()
		}
		ch.Skipped = append(ch.Skipped, spec.Name)
		reasons = append(reasons, spec.Name+": "+llm.UserMessage(err))
	}
	return Choice{}, &llm.Error{Kind: llm.KindUnavailable, Provider: strings.Join(ch.Skipped, ","),
		Message: fmt.Sprintf("no provider allowed for %s documents is available (%s)", label.Name, strings.Join(reasons, "; "))}
}

// ByName returns the backend a job already started with, so a resumed job keeps its
// author; the policy is still asked before each of its calls.
func (r *Router) ByName(ctx context.Context, doc *storage.Document, name string) (Backend, error) {
	pol, err := r.Policies.Current(ctx)
	if err != nil {
		return nil, err
	}
	spec, ok := pol.Provider(name)
	if !ok {
		return nil, fmt.Errorf("provider %q is no longer configured", name)
	}
	return r.backend(spec, doc.ID)
}

func filterRoute(route []policy.Provider, only string) []policy.Provider {
	for _, p := range route {
		if p.Name == only {
			return []policy.Provider{p}
		}
	}
	return nil
}

// reachable asks a provider whether it answers, with its cheapest check.
func reachable(ctx context.Context, p llm.Provider) error {
	for {
		if r, ok := p.(interface{ Reachable(context.Context) error }); ok {
			return r.Reachable(ctx)
		}
		u, ok := p.(interface{ Unwrap() llm.Provider })
		if !ok {
			break
		}
		p = u.Unwrap()
	}
	_, err := p.Probe(ctx)
	return err
}

// specReachable reports whether the provider a policy declares answers now.
func (r *Router) specReachable(ctx context.Context, spec policy.Provider) error {
	if spec.Kind == policy.KindBuiltin {
		return nil
	}
	p, err := r.provider(spec)
	if err != nil {
		return err
	}
	return reachable(ctx, p)
}

// Ready reports whether every label the policy routes anywhere has at least one provider
// that answers (a label routed to no provider is refused by design and does not count).
func (r *Router) Ready(ctx context.Context) error {
	pol, err := r.Policies.Current(ctx)
	if err != nil {
		return err
	}
	up := map[string]error{}
	for _, l := range pol.Labels {
		route := pol.Route(l.ID)
		if r.Only != "" {
			route = filterRoute(route, r.Only)
		}
		if len(pol.Routes[l.Name]) == 0 {
			continue
		}
		ok := false
		for _, spec := range route {
			if _, seen := up[spec.Name]; !seen {
				up[spec.Name] = r.specReachable(ctx, spec)
			}
			if up[spec.Name] == nil {
				ok = true
				break
			}
		}
		if !ok {
			return fmt.Errorf("no provider allowed for %s documents answers", l.Name)
		}
	}
	return nil
}

// Describe says, for the start-up log, which providers the policy declares and whether
// each answers.
func (r *Router) Describe(ctx context.Context) []string {
	pol, err := r.Policies.Current(ctx)
	if err != nil {
		return []string{"policy unreadable: " + err.Error()}
	}
	var out []string
	for _, spec := range pol.Providers {
		state := "available"
		if err := r.specReachable(ctx, spec); err != nil {
			state = "NOT available (" + llm.UserMessage(err) + ")"
		}
		where := strings.Join(spec.URLs, ", ")
		if spec.Kind == policy.KindBuiltin {
			where = "extractive, no model"
		}
		out = append(out, fmt.Sprintf("%s: %s %s, %s (%s): %s", spec.Name, spec.Kind, spec.Model, spec.Zone, where, state))
	}
	return out
}
