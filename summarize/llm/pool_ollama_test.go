package llm_test

import (
	"encoding/json"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"precis/summarize/llm"
	"precis/summarize/llm/ollamatest"
)

// smallReply is a request the tiny model finishes on its own: the schema's limits end it.
var smallReply = llm.Request{System: "Summarize.", Prompt: "--- page 3 ---\nThe term is two years.", MaxTokens: 512,
	Schema: json.RawMessage(`{"type":"object","properties":{"points":{"type":"array","maxItems":2,"items":{"type":"object","properties":{"text":{"type":"string","maxLength":40},"pages":{"type":"array","minItems":1,"maxItems":1,"items":{"type":"integer","enum":[3]}}},"required":["text","pages"]}}},"required":["points"]}`)}

func realPool(t *testing.T, slots int, urls ...string) *llm.Pool {
	t.Helper()
	var eps []llm.Provider
	for _, u := range urls {
		o, err := llm.NewOllama(llm.OllamaConfig{URL: u, Model: ollamatest.ModelName, Slots: slots, Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		eps = append(eps, o)
	}
	p, err := llm.NewPool("ollama", eps, llm.PoolOptions{Retries: 3, Backoff: 200 * time.Millisecond, MaxBackoff: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// run makes n calls on lanes lanes; each lane calls tick after each call.
func run(t *testing.T, p *llm.Pool, n, lanes int, tick func(done int)) {
	t.Helper()
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
	)
	for range lanes {
		wg.Go(func() {
			for range next {
				_, err := p.Generate(t.Context(), smallReply)
				if err != nil {
					t.Errorf("call failed: %v", err)
					continue
				}
				mu.Lock()
				done++
				d := done
				mu.Unlock()
				if tick != nil {
					tick(d)
				}
			}
		})
	}
	wg.Wait()
}

func byName(p *llm.Pool) map[string]llm.EndpointStatus {
	out := map[string]llm.EndpointStatus{}
	for _, s := range p.Endpoints() {
		out[s.Name] = s
	}
	return out
}

// TestPoolRealServers runs a pool over two real Ollama servers: calls spread over both; an
// endpoint whose network goes away is left alone and used again once it is back; a server
// killed in the middle of the calls loses none of them.
func TestPoolRealServers(t *testing.T) {
	one, two := ollamatest.Start(t), ollamatest.Start(t)

	t.Run("calls spread over both", func(t *testing.T) {
		p := realPool(t, 2, one.URL, two.URL)
		if p.Slots() != 4 {
			t.Fatalf("slots %d, want 2+2", p.Slots())
		}
		run(t, p, 24, 8, nil)
		st := byName(p)
		a, b := st[one.URL], st[two.URL]
		// Both serve; how evenly depends on how long each call takes, which the machine decides.
		if a.Calls+b.Calls != 24 || a.Calls == 0 || b.Calls == 0 || a.Failures+b.Failures != 0 {
			t.Errorf("calls served: %d and %d (failures %d and %d), want 24 shared between both without failures",
				a.Calls, b.Calls, a.Failures, b.Failures)
		}
		if a.InFlight != 0 || b.InFlight != 0 || !a.Healthy || !b.Healthy {
			t.Errorf("after the calls: %+v %+v", a, b)
		}
	})

	t.Run("endpoint away and back", func(t *testing.T) {
		px := startProxy(t, one.URL)
		p := realPool(t, 1, px.URL(), two.URL)
		run(t, p, 4, 1, nil)
		if n := byName(p)[px.URL()].Calls; n != 2 {
			t.Fatalf("the proxied endpoint served %d of 4 calls in turn, want 2", n)
		}
		px.down()
		run(t, p, 6, 1, nil)
		away := byName(p)[px.URL()]
		if away.Healthy || away.Calls != 2 || away.LastError == "" {
			t.Fatalf("endpoint while away: %+v", away)
		}
		px.up(t)
		deadline := time.Now().Add(15 * time.Second)
		for byName(p)[px.URL()].Calls == away.Calls {
			if time.Now().After(deadline) {
				t.Fatalf("the endpoint was not used again after it came back: %+v", byName(p)[px.URL()])
			}
			run(t, p, 1, 1, nil)
			time.Sleep(50 * time.Millisecond)
		}
		if back := byName(p)[px.URL()]; !back.Healthy {
			t.Errorf("endpoint back in use but not healthy: %+v", back)
		}
	})

	t.Run("server killed mid-way", func(t *testing.T) {
		p := realPool(t, 2, one.URL, two.URL)
		const calls = 40
		var once sync.Once
		var atKill map[string]llm.EndpointStatus
		run(t, p, calls, 4, func(int) {
			if byName(p)[two.URL].Calls >= 4 {
				once.Do(func() {
					atKill = byName(p)
					two.Kill()
				})
			}
		})
		if atKill == nil {
			t.Fatal("the killed server never served 4 calls")
		}
		st := byName(p)
		a, b := st[one.URL], st[two.URL]
		if a.Calls+b.Calls != calls {
			t.Errorf("calls served %d + %d, want all %d", a.Calls, b.Calls, calls)
		}
		if b.Healthy || b.Failures == 0 || b.LastError == "" {
			t.Errorf("the killed server is not marked down: %+v", b)
		}
		if done := atKill[two.URL].Calls + int64(atKill[two.URL].InFlight); b.Calls > done {
			t.Errorf("the killed server served %d calls, more than the %d it had taken before the kill", b.Calls, done)
		}
		if a.Calls <= atKill[one.URL].Calls || !a.Healthy {
			t.Errorf("the other server did not take over: %+v (before the kill: %+v)", a, atKill[one.URL])
		}
		t.Logf("at the kill: %d served by the killed server (%d in flight); after: %+v / %+v",
			atKill[two.URL].Calls, atKill[two.URL].InFlight, a, b)
	})
}

// proxy forwards TCP connections to a server; down closes its listener and every
// connection, as a network outage would, and up listens again on the same address.
type proxy struct {
	addr, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        map[net.Conn]bool
}

func startProxy(t *testing.T, targetURL string) *proxy {
	t.Helper()
	p := &proxy{addr: "127.0.0.1:0", target: targetURL[len("http://"):], conns: map[net.Conn]bool{}}
	p.up(t)
	p.addr = p.ln.Addr().String()
	t.Cleanup(p.down)
	return p
}

func (p *proxy) URL() string { return "http://" + p.addr }

func (p *proxy) up(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("proxy listen on %s again: %v", p.addr, err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c)
		}
	}()
}

func (p *proxy) forward(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[s] = true, true
	p.mu.Unlock()
	go func() { _, _ = io.Copy(s, c); s.Close() }()
	_, _ = io.Copy(c, s)
	c.Close()
}

func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}
