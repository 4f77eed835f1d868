package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"
)

// PoolOptions tunes how a Pool treats endpoints that fail. Zero values take the defaults.
type PoolOptions struct {
	// Backoff is how long an endpoint is left alone after it failed (default 1s); it doubles
	// with each further failure in a row, up to MaxBackoff (default 1m).
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Retries is how many times a call whose reply was cut off (KindIncomplete) is sent again
	// when the endpoint that cut it still answers. Moving a call off an endpoint that is down
	// never counts against it.
	Retries int
	// RetryBackoff is the wait before such a retry (default 500ms); it doubles for each further one.
	RetryBackoff time.Duration
	// CheckTimeout bounds the cheap check a down endpoint must pass before it gets work again
	// (default 5s).
	CheckTimeout time.Duration
	// Check is that check. By default: the endpoint's HasModel, else Reachable, else Probe.
	Check func(ctx context.Context, p Provider) error
	// Logger, when set, hears about endpoints going down and coming back.
	Logger *slog.Logger
}

// EndpointStatus is one pool endpoint as /readyz, metrics and the admin pages show it.
type EndpointStatus struct {
	// Name is the endpoint's URL, or its provider name when it has no URL.
	Name     string
	Slots    int
	InFlight int
	// Healthy is false while the endpoint is down: waiting out its backoff or being checked.
	Healthy bool
	// DownUntil is when a down endpoint is checked again; zero when healthy.
	DownUntil time.Time
	// LastError is the user message of the endpoint's latest failure, kept after it recovers.
	LastError string
	// Calls counts calls the endpoint served; Failures counts calls and checks that failed.
	Calls    int64
	Failures int64
}

// Pool serves one model from several endpoints (Ollama or OpenAI-compatible servers) as one
// Provider. A call goes to the healthy endpoint with the most free slots (ties in turn) and
// holds one of its slots. An endpoint that cannot serve (unreachable, busy, timed out, model
// missing) is left alone for an exponential backoff and the call moves to another endpoint at
// no cost to its retry budget; after the backoff a cheap check decides whether it gets work
// again. Errors about the request itself (a bad reply, a prompt that does not fit) go back to
// the caller unchanged: every endpoint serves the same model and would answer the same. A reply
// cut off mid-stream is sent again elsewhere if its endpoint no longer answers, or retried up to
// Retries times if it does. With a single endpoint the Pool adds nothing: calls and errors are
// the endpoint's own, only counted for Endpoints.
type Pool struct {
	name  string
	model string
	opts  PoolOptions
	eps   []*endpoint

	mu      sync.Mutex
	changed chan struct{} // closed and replaced whenever a slot frees or a health state changes
	next    int           // where the next tie-break starts (round-robin)
}

type endpoint struct {
	p         Provider
	name      string
	inFlight  int
	up        bool
	checking  bool
	fails     int // failures in a row, for the backoff
	downUntil time.Time
	lastErr   error
	calls     int64
	failures  int64
}

// NewPool returns a pool named name over endpoints, which must all serve the same model.
func NewPool(name string, endpoints []Provider, opts PoolOptions) (*Pool, error) {
	if strings.TrimSpace(name) == "" {
		return nil, errors.New("model pool: the pool needs a name")
	}
	if len(endpoints) == 0 {
		return nil, fmt.Errorf("model pool %s: no endpoints", name)
	}
	p := &Pool{name: name, opts: withDefaults(opts), changed: make(chan struct{})}
	seen := map[string]bool{}
	for i, ep := range endpoints {
		if ep == nil {
			return nil, fmt.Errorf("model pool %s: endpoint %d is nil", name, i+1)
		}
		e := &endpoint{p: ep, name: ep.Name(), up: true}
		if u, ok := ep.(interface{ URL() string }); ok && u.URL() != "" {
			e.name = u.URL()
		}
		if seen[e.name] {
			return nil, fmt.Errorf("model pool %s: endpoint %s is listed twice", name, e.name)
		}
		seen[e.name] = true
		if i == 0 {
			p.model = ep.Model()
		} else if ep.Model() != p.model {
			return nil, fmt.Errorf("model pool %s: endpoint %s serves model %q, %s serves %q; all endpoints must serve the same model",
				name, e.name, ep.Model(), p.eps[0].name, p.model)
		}
		if ep.Slots() < 1 {
			return nil, fmt.Errorf("model pool %s: endpoint %s has %d slots, want at least 1", name, e.name, ep.Slots())
		}
		p.eps = append(p.eps, e)
	}
	return p, nil
}

func withDefaults(o PoolOptions) PoolOptions {
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = max(o.Backoff, time.Minute)
	}
	o.MaxBackoff = max(o.MaxBackoff, o.Backoff)
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = 500 * time.Millisecond
	}
	if o.CheckTimeout <= 0 {
		o.CheckTimeout = 5 * time.Second
	}
	if o.Check == nil {
		o.Check = defaultCheck
	}
	return o
}

// defaultCheck asks the cheapest question the endpoint can answer without running the model.
func defaultCheck(ctx context.Context, p Provider) error {
	switch c := p.(type) {
	case interface{ HasModel(context.Context) error }:
		return c.HasModel(ctx)
	case interface{ Reachable(context.Context) error }:
		return c.Reachable(ctx)
	}
	_, err := p.Probe(ctx)
	return err
}

// Name implements Provider.
func (p *Pool) Name() string { return p.name }

// Model implements Provider.
func (p *Pool) Model() string { return p.model }

// Slots implements Provider: the sum of the endpoints' slots.
func (p *Pool) Slots() int {
	n := 0
	for _, e := range p.eps {
		n += e.p.Slots()
	}
	return n
}

// URL lists the endpoints, comma-separated.
func (p *Pool) URL() string {
	names := make([]string, len(p.eps))
	for i, e := range p.eps {
		names[i] = e.name
	}
	return strings.Join(names, ",")
}

// Endpoints reports each endpoint's state, in the configured order.
func (p *Pool) Endpoints() []EndpointStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]EndpointStatus, len(p.eps))
	for i, e := range p.eps {
		s := EndpointStatus{Name: e.name, Slots: e.p.Slots(), InFlight: e.inFlight, Healthy: e.up,
			Calls: e.calls, Failures: e.failures}
		if !e.up {
			s.DownUntil = e.downUntil
		}
		if e.lastErr != nil {
			s.LastError = UserMessage(e.lastErr)
		}
		out[i] = s
	}
	return out
}

func (p *Pool) single() bool { return len(p.eps) == 1 }

// Generate implements Provider.
func (p *Pool) Generate(ctx context.Context, req Request) (Response, error) {
	retries, wait := p.opts.Retries, p.opts.RetryBackoff
	for {
		e, err := p.acquire(ctx)
		if err != nil {
			return Response{}, err
		}
		resp, err := e.p.Generate(ctx, req)
		switch {
		case err == nil:
			p.finish(e, outcomeOK, nil)
			return resp, nil
		case ctx.Err() != nil:
			p.finish(e, outcomeCancelled, nil)
			return resp, err
		case p.single():
			p.finish(e, outcomeOf(err), err)
			return resp, err
		}
		switch outcomeOf(err) {
		case outcomeDown:
			p.finish(e, outcomeDown, err)
			continue // to another endpoint, at no cost
		case outcomeCut:
			p.finish(e, outcomeFailed, err)
			if cerr := p.checkNow(ctx, e); cerr != nil {
				continue // the endpoint is gone: move the call, at no cost
			}
			if retries == 0 {
				return resp, err
			}
			retries--
			if err := waitChange(ctx, nil, wait); err != nil {
				return Response{}, err
			}
			wait *= 2
		default:
			p.finish(e, outcomeFailed, err)
			return resp, err
		}
	}
}

type outcome int

const (
	outcomeOK outcome = iota
	outcomeCancelled
	outcomeFailed // about the request: the endpoint stays healthy
	outcomeDown   // the endpoint cannot serve: back off
	outcomeCut    // the reply was cut off: the endpoint may be gone
)

// outcomeOf sorts a failed call: is the endpoint at fault, the request, or do we not know yet?
func outcomeOf(err error) outcome {
	switch KindOf(err) {
	case KindUnavailable, KindTimeout, KindModelNotFound:
		return outcomeDown
	case KindIncomplete:
		return outcomeCut
	case 0:
		var ne net.Error
		if errors.As(err, &ne) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
			return outcomeDown
		}
	}
	return outcomeFailed
}

// acquire waits for a slot on a healthy endpoint and takes it. It fails at once when every
// endpoint is down and none is due for its check.
func (p *Pool) acquire(ctx context.Context) (*endpoint, error) {
	for {
		p.mu.Lock()
		now := time.Now()
		p.startChecks(now)
		if e := p.pick(); e != nil {
			e.inFlight++
			p.mu.Unlock()
			return e, nil
		}
		usable := false
		var wake time.Duration
		for _, e := range p.eps {
			usable = usable || e.up || e.checking
			if d := e.downUntil.Sub(now); !e.up && !e.checking && (wake == 0 || d < wake) {
				wake = d
			}
		}
		if !usable && !p.single() {
			err := p.downError(now)
			p.mu.Unlock()
			return nil, err
		}
		changed := p.changed
		p.mu.Unlock()
		if err := waitChange(ctx, changed, wake); err != nil {
			return nil, err
		}
	}
}

// waitChange waits until changed is closed, or for d when d > 0 (a backoff ends).
func waitChange(ctx context.Context, changed <-chan struct{}, d time.Duration) error {
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-changed:
	case <-timeout:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// pick returns the healthy endpoint with the most free slots; ties go round-robin. A lone
// endpoint is always used, healthy or not, as it would be without a pool.
func (p *Pool) pick() *endpoint {
	var best *endpoint
	bestFree, bestAt := 0, 0
	for k := range p.eps {
		i := (p.next + k) % len(p.eps)
		e := p.eps[i]
		if !e.up && !p.single() {
			continue
		}
		if free := e.p.Slots() - e.inFlight; free > bestFree {
			best, bestFree, bestAt = e, free, i
		}
	}
	if best != nil {
		p.next = (bestAt + 1) % len(p.eps)
	}
	return best
}

// finish returns e's slot and records how the call went.
func (p *Pool) finish(e *endpoint, o outcome, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e.inFlight--
	switch o {
	case outcomeOK:
		e.calls++
		e.fails = 0
		if !e.up {
			p.recovered(e)
		}
	case outcomeDown:
		e.failures++
		p.fail(e, err, false)
	case outcomeFailed, outcomeCut:
		e.failures++
		e.lastErr = err
	}
	p.broadcast()
}

// fail marks e down for its backoff. Calls that were in flight when e went down fail too; they
// do not lengthen the backoff, a failed check does.
func (p *Pool) fail(e *endpoint, err error, checked bool) {
	e.lastErr = err
	if !e.up && !checked {
		return
	}
	e.up = false
	e.fails++
	wait := p.opts.Backoff
	for i := 1; i < e.fails && wait < p.opts.MaxBackoff; i++ {
		wait *= 2
	}
	wait = min(wait, p.opts.MaxBackoff)
	e.downUntil = time.Now().Add(wait)
	if p.opts.Logger != nil {
		level, msg := slog.LevelWarn, "model endpoint down"
		if e.fails > 1 {
			level, msg = slog.LevelDebug, "model endpoint still down"
		}
		p.opts.Logger.Log(context.Background(), level, msg, slog.String("pool", p.name), slog.String("endpoint", e.name),
			slog.String("err", UserMessage(err)), slog.Duration("retry_in", wait), slog.Int("failures_in_a_row", e.fails))
	}
	p.broadcast()
}

func (p *Pool) recovered(e *endpoint) {
	e.up, e.downUntil = true, time.Time{}
	if p.opts.Logger != nil {
		p.opts.Logger.Info("model endpoint back", slog.String("pool", p.name), slog.String("endpoint", e.name))
	}
}

func (p *Pool) broadcast() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// startChecks checks, in the background, each down endpoint whose backoff is over.
func (p *Pool) startChecks(now time.Time) {
	if p.single() {
		return
	}
	for _, e := range p.eps {
		if !e.up && !e.checking && !now.Before(e.downUntil) {
			e.checking = true
			go p.check(e)
		}
	}
}

func (p *Pool) check(e *endpoint) {
	ctx, cancel := context.WithTimeout(context.Background(), p.opts.CheckTimeout)
	err := p.opts.Check(ctx, e.p)
	cancel()
	p.mu.Lock()
	defer p.mu.Unlock()
	e.checking = false
	if err != nil {
		e.failures++
		p.fail(e, err, true)
		return
	}
	p.recovered(e)
	p.broadcast()
}

// checkNow checks e after it cut a reply off, and marks it down if it fails.
func (p *Pool) checkNow(ctx context.Context, e *endpoint) error {
	cctx, cancel := context.WithTimeout(ctx, p.opts.CheckTimeout)
	err := p.opts.Check(cctx, e.p)
	cancel()
	if err != nil && ctx.Err() == nil {
		p.mu.Lock()
		p.fail(e, err, false)
		p.mu.Unlock()
	}
	return err
}

// downError says that no endpoint can take a call, naming each and why. It is
// KindModelNotFound when every endpoint lacks the model (an admin must act), else
// KindUnavailable (worth retrying later).
func (p *Pool) downError(now time.Time) error {
	kind := KindModelNotFound
	parts := make([]string, len(p.eps))
	for i, e := range p.eps {
		why := "not answering"
		if e.lastErr != nil {
			why = UserMessage(e.lastErr)
		}
		if KindOf(e.lastErr) != KindModelNotFound {
			kind = KindUnavailable
		}
		parts[i] = fmt.Sprintf("%s (%s; checked again in %s)", e.name, why, max(0, e.downUntil.Sub(now)).Round(100*time.Millisecond))
	}
	return &Error{Kind: kind, Provider: p.name,
		Message: fmt.Sprintf("none of the %d model servers can take the call: %s", len(p.eps), strings.Join(parts, "; "))}
}

// Probe implements Provider: the smallest limits among the healthy endpoints. All endpoints
// serve the same model with the same settings, so their limits agree in practice; taking the
// smallest keeps a chunk planned on one endpoint within every other.
func (p *Pool) Probe(ctx context.Context) (Limits, error) {
	if p.single() {
		return p.eps[0].p.Probe(ctx)
	}
	p.mu.Lock()
	now := time.Now()
	p.startChecks(now)
	var up []*endpoint
	for _, e := range p.eps {
		if e.up {
			up = append(up, e)
		}
	}
	if len(up) == 0 {
		err := p.downError(now)
		p.mu.Unlock()
		return Limits{}, err
	}
	p.mu.Unlock()
	lims, errs := make([]Limits, len(up)), make([]error, len(up))
	var wg sync.WaitGroup
	for i, e := range up {
		wg.Go(func() { lims[i], errs[i] = e.p.Probe(ctx) })
	}
	wg.Wait()
	if ctx.Err() != nil {
		return Limits{}, ctx.Err()
	}
	var out Limits
	found := false
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, e := range up {
		if errs[i] != nil {
			e.failures++
			p.fail(e, errs[i], false)
			continue
		}
		l := lims[i]
		if !found {
			out, found = l, true
			continue
		}
		out.ContextTokens = min(out.ContextTokens, l.ContextTokens)
		out.CharsPerToken = min(out.CharsPerToken, l.CharsPerToken)
		if l.ModelContextTokens > 0 && (out.ModelContextTokens == 0 || l.ModelContextTokens < out.ModelContextTokens) {
			out.ModelContextTokens = l.ModelContextTokens
		}
	}
	if !found {
		return Limits{}, p.downError(time.Now())
	}
	return out, nil
}

// Reachable reports whether at least one endpoint answers; with one endpoint, its own answer.
func (p *Pool) Reachable(ctx context.Context) error {
	return p.ask(ctx, func(ctx context.Context, ep Provider) error {
		if r, ok := ep.(interface{ Reachable(context.Context) error }); ok {
			return r.Reachable(ctx)
		}
		_, err := ep.Probe(ctx)
		return err
	}, true)
}

// HasModel reports whether every endpoint answers with the model; the error names those that
// do not (KindModelNotFound when one answers without the model, else KindUnavailable).
func (p *Pool) HasModel(ctx context.Context) error {
	return p.ask(ctx, defaultCheck, false)
}

// ask puts q to every endpoint at once. With anyOK, one good answer is enough.
func (p *Pool) ask(ctx context.Context, q func(context.Context, Provider) error, anyOK bool) error {
	if p.single() {
		return q(ctx, p.eps[0].p)
	}
	errs := make([]error, len(p.eps))
	var wg sync.WaitGroup
	for i, e := range p.eps {
		wg.Go(func() { errs[i] = q(ctx, e.p) })
	}
	wg.Wait()
	var bad []string
	kind := KindUnavailable
	for i, err := range errs {
		if err == nil {
			if anyOK {
				return nil
			}
			continue
		}
		if KindOf(err) == KindModelNotFound {
			kind = KindModelNotFound
		}
		bad = append(bad, fmt.Sprintf("%s (%s)", p.eps[i].name, UserMessage(err)))
	}
	if len(bad) == 0 {
		return nil
	}
	return &Error{Kind: kind, Provider: p.name,
		Message: fmt.Sprintf("%d of %d model servers cannot be used: %s", len(bad), len(p.eps), strings.Join(bad, "; "))}
}
