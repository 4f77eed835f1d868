package llm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeEndpoint is a provider whose replies and health each test chooses. The pool's own logic
// (picking, backing off, checking) is what these tests exercise; pool_ollama_test.go runs the
// pool against real Ollama servers.
type fakeEndpoint struct {
	url   string
	model string
	slots int
	lim   Limits
	// gen answers call n (1-based) on this endpoint; nil answers at once.
	gen func(ctx context.Context, n int) (Response, error)
	// check answers check n; nil passes.
	check func(n int) error

	calls, checks atomic.Int32
	events        *eventLog // shared log of calls and checks, in order
}

// eventLog records what endpoints saw, in order.
type eventLog struct {
	mu   sync.Mutex
	list []string
}

func (l *eventLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, s)
}

func (l *eventLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.list...)
}

func (f *fakeEndpoint) Name() string  { return "fake" }
func (f *fakeEndpoint) Model() string { return f.model }
func (f *fakeEndpoint) Slots() int    { return f.slots }
func (f *fakeEndpoint) URL() string   { return f.url }

func (f *fakeEndpoint) Probe(context.Context) (Limits, error) {
	if f.check != nil {
		if err := f.check(0); err != nil {
			return Limits{}, err
		}
	}
	return f.lim, nil
}

func (f *fakeEndpoint) log(what string) {
	if f.events != nil {
		f.events.add(what + " " + f.url)
	}
}

func (f *fakeEndpoint) Generate(ctx context.Context, _ Request) (Response, error) {
	n := int(f.calls.Add(1))
	f.log("call")
	if f.gen == nil {
		return Response{Text: "ok from " + f.url}, nil
	}
	return f.gen(ctx, n)
}

func (f *fakeEndpoint) HasModel(context.Context) error {
	n := int(f.checks.Add(1))
	f.log("check")
	if f.check == nil {
		return nil
	}
	return f.check(n)
}

func fake(url string, slots int) *fakeEndpoint {
	return &fakeEndpoint{url: url, model: "tiny", slots: slots, lim: Limits{ContextTokens: 4096, ModelContextTokens: 4096, CharsPerToken: 3.5}}
}

func unavailable(url string) error {
	return &Error{Kind: KindUnavailable, Provider: "fake", Message: "the server at " + url + " cannot be reached"}
}

func newTestPool(t *testing.T, opts PoolOptions, eps ...*fakeEndpoint) *Pool {
	t.Helper()
	ps := make([]Provider, len(eps))
	for i, e := range eps {
		ps[i] = e
	}
	p, err := NewPool("ollama", ps, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func status(p *Pool, url string) EndpointStatus {
	for _, s := range p.Endpoints() {
		if s.Name == url {
			return s
		}
	}
	return EndpointStatus{}
}

func TestNewPoolRefuses(t *testing.T) {
	other := fake("http://b", 1)
	other.model = "other:7b"
	zero := fake("http://c", 1)
	zero.slots = 0
	tests := []struct {
		name string
		eps  []Provider
		want string
	}{
		{"no endpoints", nil, "no endpoints"},
		{"nil endpoint", []Provider{fake("http://a", 1), nil}, "endpoint 2 is nil"},
		{"different models", []Provider{fake("http://a", 1), other}, `http://b serves model "other:7b"`},
		{"same URL twice", []Provider{fake("http://a", 1), fake("http://a", 2)}, "http://a is listed twice"},
		{"no slots", []Provider{fake("http://a", 1), zero}, "http://c has 0 slots"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewPool("ollama", tt.eps, PoolOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewPool error %v, want one containing %q", err, tt.want)
			}
		})
	}
	p := newTestPool(t, PoolOptions{}, fake("http://a", 2), fake("http://b", 3))
	if p.Slots() != 5 || p.Model() != "tiny" || p.Name() != "ollama" || p.URL() != "http://a,http://b" {
		t.Errorf("slots %d model %q name %q url %q", p.Slots(), p.Model(), p.Name(), p.URL())
	}
}

// TestPoolFillsFreeSlots holds every call open: the calls fill both endpoints' slots, the next
// one waits for a slot (and gives up with its context), and a freed slot is taken at once.
func TestPoolFillsFreeSlots(t *testing.T) {
	release := make(chan struct{})
	hold := func(ctx context.Context, _ int) (Response, error) {
		select {
		case <-release:
			return Response{Text: "ok"}, nil
		case <-ctx.Done():
			return Response{}, ctx.Err()
		}
	}
	a, b := fake("http://a", 3), fake("http://b", 1)
	a.gen, b.gen = hold, hold
	p := newTestPool(t, PoolOptions{}, a, b)
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for range 4 {
		wg.Go(func() {
			_, err := p.Generate(context.Background(), Request{})
			errs <- err
		})
	}
	waitFor(t, func() bool { return status(p, "http://a").InFlight+status(p, "http://b").InFlight == 4 })
	if sa, sb := status(p, "http://a"), status(p, "http://b"); sa.InFlight != 3 || sb.InFlight != 1 {
		t.Fatalf("in flight a=%d b=%d, want 3 and 1", sa.InFlight, sb.InFlight)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := p.Generate(ctx, Request{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a call with every slot busy returned %v, want it to wait until its deadline", err)
	}
	wg.Go(func() {
		_, err := p.Generate(context.Background(), Request{})
		errs <- err
	})
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := a.calls.Load() + b.calls.Load(); n != 5 {
		t.Errorf("%d calls reached the endpoints, want 5", n)
	}
}

// TestPoolTakesTurns sends calls one after another to equal endpoints: they alternate.
func TestPoolTakesTurns(t *testing.T) {
	events := &eventLog{}
	a, b := fake("http://a", 2), fake("http://b", 2)
	a.events, b.events = events, events
	p := newTestPool(t, PoolOptions{}, a, b)
	for range 4 {
		if _, err := p.Generate(context.Background(), Request{}); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(events.all(), ", "); got != "call http://a, call http://b, call http://a, call http://b" {
		t.Errorf("order: %s", got)
	}
	if sa := status(p, "http://a"); sa.Calls != 2 || !sa.Healthy || sa.Slots != 2 {
		t.Errorf("status of a: %+v", sa)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 5s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestPoolOutcomes(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	tests := []struct {
		err  error
		want outcome
	}{
		{unavailable("x"), outcomeDown},
		{&Error{Kind: KindTimeout}, outcomeDown},
		{&Error{Kind: KindModelNotFound}, outcomeDown},
		{fmt.Errorf("post: %w", refused), outcomeDown},
		{&Error{Kind: KindIncomplete}, outcomeCut},
		{&Error{Kind: KindBadReply}, outcomeFailed},
		{&Error{Kind: KindTruncated}, outcomeFailed},
		{errors.New("something else"), outcomeFailed},
	}
	for _, tt := range tests {
		if got := outcomeOf(tt.err); got != tt.want {
			t.Errorf("outcomeOf(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

// TestPoolFailover: an endpoint that cannot be reached is left alone for its backoff and every
// call completes on the other, without spending the retry budget (Retries is 0).
func TestPoolFailover(t *testing.T) {
	a, b := fake("http://a", 1), fake("http://b", 1)
	a.gen = func(context.Context, int) (Response, error) { return Response{}, unavailable("http://a") }
	p := newTestPool(t, PoolOptions{Backoff: time.Hour}, a, b)
	for i := range 4 {
		resp, err := p.Generate(context.Background(), Request{})
		if err != nil || resp.Text != "ok from http://b" {
			t.Fatalf("call %d: %q, %v; want the reply of b", i, resp.Text, err)
		}
	}
	if a.calls.Load() != 1 || b.calls.Load() != 4 {
		t.Errorf("calls a=%d b=%d, want 1 and 4: a down endpoint must not get work", a.calls.Load(), b.calls.Load())
	}
	sa := status(p, "http://a")
	if sa.Healthy || sa.Failures != 1 || sa.Calls != 0 || !strings.Contains(sa.LastError, "cannot be reached") ||
		time.Until(sa.DownUntil) < 50*time.Minute {
		t.Errorf("status of the down endpoint: %+v", sa)
	}
	if sb := status(p, "http://b"); !sb.Healthy || sb.Calls != 4 || sb.LastError != "" {
		t.Errorf("status of the good endpoint: %+v", sb)
	}
}

// TestPoolRecovery: after its backoff a down endpoint is checked before it gets work; a failed
// check doubles the backoff; a passed one brings the endpoint back.
func TestPoolRecovery(t *testing.T) {
	const backoff = 40 * time.Millisecond
	events := &eventLog{}
	var checkedAt []time.Time // written by checks, one at a time, read after the pool saw them
	var failedAt time.Time
	a, b := fake("http://a", 1), fake("http://b", 1)
	a.events, b.events = events, events
	a.gen = func(context.Context, int) (Response, error) {
		if failedAt.IsZero() {
			failedAt = time.Now()
			return Response{}, unavailable("http://a")
		}
		return Response{Text: "ok from http://a"}, nil
	}
	a.check = func(n int) error {
		checkedAt = append(checkedAt, time.Now())
		if n == 1 {
			return unavailable("http://a")
		}
		return nil
	}
	p := newTestPool(t, PoolOptions{Backoff: backoff}, a, b)
	deadline := time.Now().Add(5 * time.Second)
	for a.calls.Load() < 2 {
		if _, err := p.Generate(context.Background(), Request{}); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the endpoint was not used again after its backoff; events: %v", events.all())
		}
		time.Sleep(5 * time.Millisecond)
	}
	var ofA []string
	for _, e := range events.all() {
		if strings.HasSuffix(e, "http://a") {
			ofA = append(ofA, strings.TrimSuffix(e, " http://a"))
		}
	}
	if got := strings.Join(ofA, ","); got != "call,check,check,call" {
		t.Errorf("endpoint a saw %s, want call (fails), check (fails), check (passes), call", got)
	}
	if len(checkedAt) != 2 {
		t.Fatalf("%d checks", len(checkedAt))
	}
	if d := checkedAt[0].Sub(failedAt); d < backoff {
		t.Errorf("first check %s after the failure, want the %s backoff first", d, backoff)
	}
	if d := checkedAt[1].Sub(checkedAt[0]); d < 2*backoff {
		t.Errorf("second check %s after the first, want the doubled backoff %s", d, 2*backoff)
	}
	if sa := status(p, "http://a"); !sa.Healthy || sa.Calls != 1 || sa.Failures != 2 {
		t.Errorf("status after recovery: %+v", sa)
	}
}

func TestPoolBackoffCapped(t *testing.T) {
	p := newTestPool(t, PoolOptions{Backoff: 10 * time.Millisecond, MaxBackoff: 25 * time.Millisecond}, fake("http://a", 1), fake("http://b", 1))
	e := p.eps[0]
	var waits []time.Duration
	for range 5 {
		p.mu.Lock()
		p.fail(e, unavailable("http://a"), true)
		waits = append(waits, time.Until(e.downUntil).Round(5*time.Millisecond))
		p.mu.Unlock()
	}
	want := []time.Duration{10, 20, 25, 25, 25}
	for i := range want {
		if waits[i] != want[i]*time.Millisecond {
			t.Fatalf("backoffs %v, want %v ms", waits, want)
		}
	}
}

// TestPoolAllDown: when no endpoint can serve, the call fails at once with an error that names
// every endpoint, without waiting for the backoffs.
func TestPoolAllDown(t *testing.T) {
	tests := []struct {
		name string
		err  func(url string) error
		kind Kind
	}{
		{"unreachable", unavailable, KindUnavailable},
		{"model missing everywhere", func(url string) error {
			return &Error{Kind: KindModelNotFound, Provider: "fake", Message: "model tiny is not on " + url + "; run: ollama pull tiny"}
		}, KindModelNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := fake("http://a", 1), fake("http://b", 1)
			a.gen = func(context.Context, int) (Response, error) { return Response{}, tt.err("http://a") }
			b.gen = func(context.Context, int) (Response, error) { return Response{}, tt.err("http://b") }
			p := newTestPool(t, PoolOptions{Backoff: time.Hour}, a, b)
			for range 2 {
				start := time.Now()
				_, err := p.Generate(context.Background(), Request{})
				if KindOf(err) != tt.kind || Retryable(err) != (tt.kind == KindUnavailable) {
					t.Fatalf("error %v (kind %d), want kind %d", err, KindOf(err), tt.kind)
				}
				msg := UserMessage(err)
				for _, want := range []string{"none of the 2 model servers", "http://a (", "http://b ("} {
					if !strings.Contains(msg, want) {
						t.Errorf("message %q does not contain %q", msg, want)
					}
				}
				if time.Since(start) > time.Second {
					t.Errorf("the call waited %s", time.Since(start))
				}
			}
			if a.calls.Load() != 1 || b.calls.Load() != 1 {
				t.Errorf("calls a=%d b=%d, want 1 each: down endpoints get no work", a.calls.Load(), b.calls.Load())
			}
		})
	}
}

// TestPoolRequestErrors: errors about the request come back unchanged and the endpoint stays in use.
func TestPoolRequestErrors(t *testing.T) {
	for _, kind := range []Kind{KindBadReply, KindTruncated} {
		t.Run(fmt.Sprint(kind), func(t *testing.T) {
			want := &Error{Kind: kind, Provider: "fake", Message: "the request's own problem"}
			a, b := fake("http://a", 1), fake("http://b", 1)
			a.gen = func(context.Context, int) (Response, error) { return Response{Text: "partial"}, want }
			p := newTestPool(t, PoolOptions{Retries: 3}, a, b)
			resp, err := p.Generate(context.Background(), Request{})
			if err != want || resp.Text != "partial" {
				t.Fatalf("got %q, %v; want the endpoint's own reply and error", resp.Text, err)
			}
			if b.calls.Load() != 0 {
				t.Error("the call was sent again to another endpoint")
			}
			if sa := status(p, "http://a"); !sa.Healthy || sa.Failures != 1 || sa.LastError != want.Message {
				t.Errorf("status: %+v", sa)
			}
		})
	}
}

// TestPoolCutReply: a reply cut off mid-stream moves to another endpoint at no cost when its
// endpoint no longer answers, and costs a retry when it does.
func TestPoolCutReply(t *testing.T) {
	cut := &Error{Kind: KindIncomplete, Provider: "fake", Message: "the reply was cut off"}
	tests := []struct {
		name      string
		aAnswers  bool
		retries   int
		wantErr   bool
		wantAUp   bool
		wantCalls int32 // calls that reached b
	}{
		{"endpoint gone: moved, no retry needed", false, 0, false, false, 1},
		{"endpoint alive, no retries left: the error", true, 0, true, true, 0},
		{"endpoint alive: retried", true, 1, false, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := fake("http://a", 1), fake("http://b", 1)
			a.gen = func(context.Context, int) (Response, error) { return Response{}, cut }
			if !tt.aAnswers {
				a.check = func(int) error { return unavailable("http://a") }
			}
			p := newTestPool(t, PoolOptions{Retries: tt.retries, RetryBackoff: time.Millisecond, Backoff: time.Hour}, a, b)
			_, err := p.Generate(context.Background(), Request{})
			if (err != nil) != tt.wantErr || (err != nil && err != cut) {
				t.Fatalf("error %v, want error: %v", err, tt.wantErr)
			}
			if sa := status(p, "http://a"); sa.Healthy != tt.wantAUp {
				t.Errorf("a healthy = %v, want %v (%+v)", sa.Healthy, tt.wantAUp, sa)
			}
			if a.calls.Load() != 1 || b.calls.Load() != tt.wantCalls {
				t.Errorf("calls a=%d b=%d, want 1 and %d", a.calls.Load(), b.calls.Load(), tt.wantCalls)
			}
		})
	}
}

// TestPoolSingleEndpoint: with one endpoint the pool is the endpoint: same errors, no
// backoff, no "none of" message, calls always sent to it.
func TestPoolSingleEndpoint(t *testing.T) {
	down := unavailable("http://a")
	a := fake("http://a", 2)
	a.gen = func(_ context.Context, n int) (Response, error) {
		if n <= 2 {
			return Response{}, down
		}
		return Response{Text: "ok"}, nil
	}
	a.lim = Limits{ContextTokens: 2048, ModelContextTokens: 4096, CharsPerToken: 3}
	p := newTestPool(t, PoolOptions{Backoff: time.Hour}, a)
	for i := range 2 {
		if _, err := p.Generate(context.Background(), Request{}); err != down {
			t.Fatalf("call %d: %v, want the endpoint's own error", i, err)
		}
	}
	if s := status(p, "http://a"); s.Healthy || s.Failures != 2 {
		t.Errorf("status after failures: %+v", s)
	}
	if _, err := p.Generate(context.Background(), Request{}); err != nil {
		t.Fatalf("third call: %v; a lone endpoint must be tried even while backing off", err)
	}
	if s := status(p, "http://a"); !s.Healthy || s.Calls != 1 {
		t.Errorf("status after a success: %+v", s)
	}
	if lim, err := p.Probe(context.Background()); err != nil || lim != a.lim {
		t.Errorf("Probe = %+v, %v; want the endpoint's %+v", lim, err, a.lim)
	}
	if a.checks.Load() != 0 {
		t.Errorf("%d checks of a lone endpoint", a.checks.Load())
	}
	if p.Slots() != 2 {
		t.Errorf("slots %d", p.Slots())
	}
}

func TestPoolProbe(t *testing.T) {
	a, b, c := fake("http://a", 1), fake("http://b", 1), fake("http://c", 1)
	a.lim = Limits{ContextTokens: 8192, ModelContextTokens: 32768, CharsPerToken: 3.6}
	b.lim = Limits{ContextTokens: 4096, ModelContextTokens: 0, CharsPerToken: 3.9}
	c.lim = Limits{ContextTokens: 2048, ModelContextTokens: 2048, CharsPerToken: 2}
	c.gen = func(context.Context, int) (Response, error) { return Response{}, unavailable("http://c") }
	p := newTestPool(t, PoolOptions{Backoff: time.Hour}, c, a, b)
	// c goes down on its first call; its limits no longer count.
	if _, err := p.Generate(context.Background(), Request{}); err != nil {
		t.Fatal(err)
	}
	lim, err := p.Probe(context.Background())
	want := Limits{ContextTokens: 4096, ModelContextTokens: 32768, CharsPerToken: 3.6}
	if err != nil || lim != want {
		t.Fatalf("Probe = %+v, %v; want the smallest of the healthy endpoints %+v", lim, err, want)
	}
	b.check = func(int) error { return unavailable("http://b") }
	if lim, err = p.Probe(context.Background()); err != nil || lim != a.lim {
		t.Errorf("Probe with b failing = %+v, %v; want a's %+v", lim, err, a.lim)
	}
	if status(p, "http://b").Healthy {
		t.Error("an endpoint whose probe failed is still healthy")
	}
	a.check = b.check
	if _, err = p.Probe(context.Background()); KindOf(err) != KindUnavailable || !strings.Contains(err.Error(), "http://a") {
		t.Errorf("Probe with every endpoint down = %v", err)
	}
}

func TestPoolReachableHasModel(t *testing.T) {
	a, b := fake("http://a", 1), fake("http://b", 1)
	b.check = func(int) error {
		return &Error{Kind: KindModelNotFound, Provider: "fake", Message: "model tiny is not on http://b"}
	}
	p := newTestPool(t, PoolOptions{}, a, b)
	if err := p.Reachable(context.Background()); err != nil {
		t.Errorf("Reachable with one good endpoint: %v", err)
	}
	err := p.HasModel(context.Background())
	if KindOf(err) != KindModelNotFound || !strings.Contains(UserMessage(err), "1 of 2 model servers cannot be used: http://b (model tiny is not on http://b)") {
		t.Errorf("HasModel = %v", err)
	}
	a.check = func(int) error { return unavailable("http://a") }
	b.check = a.check
	if err := p.Reachable(context.Background()); KindOf(err) != KindUnavailable || !strings.Contains(err.Error(), "2 of 2") {
		t.Errorf("Reachable with no endpoint answering = %v", err)
	}
}
