package summarize

import (
	"sync"
	"time"
)

// DefaultPasswordTTL is how long a password waits for its extraction before it is dropped.
const DefaultPasswordTTL = 15 * time.Minute

// Passwords hands the passwords users type for encrypted documents to the worker that
// extracts them. They live only in this process's memory: never in the database, a log, an
// audit row, a command line or an environment. Take removes a password as it hands it out,
// and a password nobody takes is dropped after TTL. The zero value is ready to use.
type Passwords struct {
	// TTL is how long an untaken password is kept; 0 means DefaultPasswordTTL.
	TTL time.Duration
	// now returns the current time; tests replace it.
	now func() time.Time

	mu sync.Mutex
	m  map[int64]heldPassword
}

type heldPassword struct {
	password string
	at       time.Time
}

// Put keeps password for the next extraction of document docID, replacing an earlier one.
func (p *Passwords) Put(docID int64, password string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expire()
	if p.m == nil {
		p.m = map[int64]heldPassword{}
	}
	p.m[docID] = heldPassword{password: password, at: p.clock()}
}

// Take returns the password kept for docID and forgets it; ok is false when there is none
// (never given, already taken, or expired).
func (p *Passwords) Take(docID int64) (password string, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expire()
	h, ok := p.m[docID]
	delete(p.m, docID)
	return h.password, ok
}

// Drop forgets the password kept for docID, if any.
func (p *Passwords) Drop(docID int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, docID)
}

// expire drops passwords older than the TTL; p.mu is held.
func (p *Passwords) expire() {
	ttl := p.TTL
	if ttl <= 0 {
		ttl = DefaultPasswordTTL
	}
	now := p.clock()
	for id, h := range p.m {
		if now.Sub(h.at) > ttl {
			delete(p.m, id)
		}
	}
}

func (p *Passwords) clock() time.Time {
	if p.now != nil {
		return p.now()
	}
	return time.Now()
}
