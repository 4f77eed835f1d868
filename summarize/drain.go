package summarize

import "sync"

// A graceful shutdown has two steps. Drain makes the workers stop claiming jobs: each one
// finishes the job it holds and returns, so Run returns once the running jobs are done. If
// that takes too long, the caller cancels Run's context: the running jobs stop where they
// are, their chunk results already saved, and Run hands their leases back so the next start
// resumes them at once.

// Drain makes the workers stop claiming jobs; the jobs they hold run on until they end or
// Run's context does. Idle workers return at once. Safe to call more than once, before or
// after Run starts.
func (r *Runner) Drain() { r.drain.close() }

// Draining reports whether Drain was called.
func (r *Runner) Draining() bool { return r.drain.closed() }

// drainSignal is a channel closed once, usable from its zero value.
type drainSignal struct {
	mu sync.Mutex
	ch chan struct{}
}

// c returns the channel, closed after close.
func (d *drainSignal) c() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ch == nil {
		d.ch = make(chan struct{})
	}
	return d.ch
}

func (d *drainSignal) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ch == nil {
		d.ch = make(chan struct{})
	}
	select {
	case <-d.ch:
	default:
		close(d.ch)
	}
}

func (d *drainSignal) closed() bool {
	select {
	case <-d.c():
		return true
	default:
		return false
	}
}
