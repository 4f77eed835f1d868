package extract

import (
	"bytes"
	"errors"
	"io"
	"sync/atomic"
)

// errReadBudget is the panic value a budgetReader raises once its budget is spent.
var errReadBudget = errors.New("extract: read budget exceeded")

// The read budget. ledongthuc/pdf caches nothing: it re-reads an object from the file each
// time it is resolved, and re-inflates a whole object stream for each object in it, so
// normal documents read their file many times over. An endless loop over the file (a /Prev
// chain pointing back at itself, a page tree containing itself) reads it without end. The
// budget tells the two apart long before the CPU limit would, so those files fail in about
// a second instead of burning a minute of CPU. Real documents read their file up to ~40
// times (TestReadBudgetHeadroom); the budget allows 100 times plus 16 MiB.
const (
	budgetBase   = 16 << 20
	budgetFactor = 100
	// minReadCost is what each read costs at least, so that a loop of tiny reads near the
	// end of the file also runs out quickly.
	minReadCost = 512
)

// budgetReader is an io.ReaderAt over the file contents that panics with errReadBudget once
// more than its budget has been read. The parser recovers the panic into an error (or the
// per-page recover catches it); exceeded tells the caller what happened.
type budgetReader struct {
	r     *bytes.Reader
	left  atomic.Int64 // a page left behind by pageTextWithin may still be reading
	spent atomic.Bool
}

func newBudgetReader(data []byte) *budgetReader {
	b := &budgetReader{r: bytes.NewReader(data)}
	b.left.Store(budgetBase + budgetFactor*int64(len(data)))
	return b
}

// ReadAt implements io.ReaderAt.
func (b *budgetReader) ReadAt(p []byte, off int64) (int, error) {
	if b.left.Add(-int64(max(len(p), minReadCost))) < 0 {
		b.spent.Store(true)
		panic(errReadBudget)
	}
	if off < 0 {
		// The parser reads the last 100 bytes without checking the file is that long.
		return 0, io.EOF
	}
	return b.r.ReadAt(p, off)
}

// exceeded reports whether the budget ran out.
func (b *budgetReader) exceeded() bool { return b.spent.Load() }

// used returns how many bytes were read so far.
func (b *budgetReader) used() int64 {
	return budgetBase + budgetFactor*b.r.Size() - b.left.Load()
}
