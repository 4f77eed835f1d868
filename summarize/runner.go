package summarize

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"precis/storage"
	"precis/summarize/extract"
	"precis/summarize/llm"
	"precis/summarize/policy"
)

// Extractor turns a stored PDF into pages; the server's runs a child process. password is
// the document's user password, "" for none; an Extractor must not keep or log it.
type Extractor interface {
	Extract(ctx context.Context, path, password string) extract.Result
}

// BackendSource chooses backends for jobs as the policy allows; *Router is the real one.
type BackendSource interface {
	// Select returns the backend a new job on doc should use.
	Select(ctx context.Context, doc *storage.Document) (Choice, error)
	// ByName returns the backend a job already started with.
	ByName(ctx context.Context, doc *storage.Document, name string) (Backend, error)
}

// Runner works the job queue kept in SQLite: workers claim jobs with a lease, extract, chunk,
// map and reduce, saving each chunk result as it finishes, so a restart (even after kill -9)
// redoes only what is missing.
type Runner struct {
	Store     *storage.Store
	Extractor Extractor
	Backends  BackendSource
	// Labeler, when set, runs the detectors on a document once it is extracted.
	Labeler  *Labeler
	FilesDir string
	Workers  int
	// Lease is how long a claimed job stays a worker's without a heartbeat.
	Lease time.Duration
	// Heartbeat is how often a running job renews its lease and looks for a cancel request.
	Heartbeat time.Duration
	// Poll is how often idle workers look for work when nobody wakes them.
	Poll   time.Duration
	Owner  string
	Logger *slog.Logger
	// Passwords holds the passwords users gave for encrypted documents until extraction
	// takes them (see PutPassword).
	Passwords Passwords

	once  sync.Once
	wake  chan struct{}
	drain drainSignal // closed by Drain: stop claiming jobs (see drain.go)
}

var (
	errCancelRequested = errors.New("cancelled by a user")
	errLeaseLost       = errors.New("the job's lease was taken over by another worker")
)

func (r *Runner) init() {
	r.once.Do(func() {
		r.wake = make(chan struct{}, 1)
		if r.Workers < 1 {
			r.Workers = 1
		}
		if r.Lease <= 0 {
			r.Lease = 30 * time.Second
		}
		if r.Heartbeat <= 0 {
			r.Heartbeat = time.Second
		}
		if r.Poll <= 0 {
			r.Poll = 2 * time.Second
		}
		if r.Logger == nil {
			r.Logger = slog.Default()
		}
	})
}

// Wake tells an idle worker there is new work.
func (r *Runner) Wake() {
	r.init()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// PutPassword keeps, in memory only, the password a user gave for the encrypted document
// docID, for its next extraction, which uses it once and forgets it. The caller then puts
// the document's job back in the queue and calls Wake.
func (r *Runner) PutPassword(docID int64, password string) { r.Passwords.Put(docID, password) }

// DropPassword forgets a password given for docID that will not be used after all.
func (r *Runner) DropPassword(docID int64) { r.Passwords.Drop(docID) }

// Run works jobs until ctx is done, then stops claiming, waits for the running jobs to stop
// and hands their leases back so the next start resumes them.
func (r *Runner) Run(ctx context.Context) {
	r.init()
	var wg sync.WaitGroup
	for range r.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.loop(ctx)
		}()
	}
	wg.Wait()
	if err := r.Store.ReleaseLeases(context.Background(), r.Owner); err != nil {
		r.Logger.Error("release job leases", slog.String("err", err.Error()))
	}
}

func (r *Runner) loop(ctx context.Context) {
	for ctx.Err() == nil && !r.Draining() {
		job, err := r.Store.ClaimJob(ctx, r.Owner, r.Lease)
		if err != nil && ctx.Err() == nil {
			r.Logger.Error("claim job", slog.String("err", err.Error()))
		}
		if job != nil {
			r.process(ctx, job)
			r.Wake() // there may be more
			continue
		}
		select {
		case <-ctx.Done():
		case <-r.drain.c():
		case <-r.wake:
		case <-time.After(r.Poll):
		}
	}
}

// process runs one claimed job and records how it ended.
func (r *Runner) process(ctx context.Context, job *storage.Job) {
	log := r.Logger.With(slog.Int64("job", job.ID), slog.Int64("document", job.DocumentID))
	log.Info("job started", slog.Int("attempt", job.Attempts))
	jctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go r.heartbeat(jctx, cancel, job.ID)
	start := time.Now()
	err := r.work(jctx, job, log)
	bg := context.WithoutCancel(ctx)
	cause := context.Cause(jctx)
	switch {
	case err == nil:
		log.Info("job done", slog.Duration("took", time.Since(start)))
	case errors.Is(cause, errCancelRequested):
		log.Info("job cancelled")
		if err := r.Store.MarkJobCancelled(bg, job.ID); err != nil {
			log.Error("mark job cancelled", slog.String("err", err.Error()))
		}
	case errors.Is(cause, errLeaseLost):
		log.Warn("job lease lost; another worker has it")
	case ctx.Err() != nil:
		log.Info("job interrupted by shutdown; it resumes at the next start")
	default:
		var refused *refusal
		retryable := llm.Retryable(err) && !errors.As(err, &refused)
		log.Warn("job failed", slog.String("err", err.Error()), slog.Bool("retryable", retryable))
		if err := r.Store.FailJob(bg, job.ID, reason(err), retryable); err != nil {
			log.Error("record job failure", slog.String("err", err.Error()))
		}
	}
}

// heartbeat renews the lease until ctx ends, cancelling the job when a user asked for it or
// when the lease was lost.
func (r *Runner) heartbeat(ctx context.Context, cancel context.CancelCauseFunc, jobID int64) {
	t := time.NewTicker(r.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cancelRequested, err := r.Store.ExtendLease(ctx, jobID, r.Owner, r.Lease)
		switch {
		case storage.ErrorCode(err) == storage.ECONFLICT:
			cancel(errLeaseLost)
			return
		case err != nil:
			if ctx.Err() == nil {
				r.Logger.Error("extend lease", slog.Int64("job", jobID), slog.String("err", err.Error()))
			}
		case cancelRequested:
			cancel(errCancelRequested)
			return
		}
	}
}

// refusal is a document the pipeline will not summarize, with the reason a user reads.
type refusal struct{ msg string }

func (e *refusal) Error() string { return e.msg }

// reason is the failure text stored on the job: what a user reads.
func reason(err error) string {
	var refused *refusal
	if errors.As(err, &refused) {
		return refused.msg
	}
	if llm.KindOf(err) != 0 {
		return llm.UserMessage(err)
	}
	return err.Error()
}

func (r *Runner) work(ctx context.Context, job *storage.Job, log *slog.Logger) error {
	doc, err := r.Store.Document(ctx, job.DocumentID)
	if err != nil {
		return err
	}
	if doc.ExtractStatus == "pending" || doc.ExtractStatus == "" {
		if err := r.Store.SetJobStage(ctx, job.ID, "extracting"); err != nil {
			return err
		}
		password, _ := r.Passwords.Take(doc.ID)
		res := r.Extractor.Extract(ctx, filepath.Join(r.FilesDir, doc.StoredName), password)
		if ctx.Err() != nil {
			if password != "" && !errors.Is(context.Cause(ctx), errCancelRequested) {
				r.Passwords.Put(doc.ID, password) // interrupted, not cancelled: for the resumed job
			}
			return ctx.Err()
		}
		if err := r.Store.SaveExtraction(ctx, doc.ID, res.Status, res.Message, StoragePages(doc.ID, res.Pages)); err != nil {
			return err
		}
		log.Info("extracted", slog.String("status", res.Status), slog.Int("pages", len(res.Pages)),
			slog.Bool("password", password != ""), slog.Any("warnings", res.Warnings))
		doc.ExtractStatus, doc.ExtractMessage = res.Status, res.Message
	}
	if doc.ExtractStatus != extract.StatusOK {
		msg := doc.ExtractMessage
		if msg == "" {
			msg = extract.StatusMessage(doc.ExtractStatus)
		}
		return &refusal{msg: msg}
	}
	if !doc.Classified && r.Labeler != nil {
		if err := r.Labeler.Classify(ctx, doc.ID); err != nil {
			return fmt.Errorf("classify: %w", err)
		}
		if doc, err = r.Store.Document(ctx, doc.ID); err != nil {
			return err
		}
	}
	backend, err := r.backend(ctx, job, doc)
	if err != nil {
		return err
	}
	chunks, err := r.chunks(ctx, job, backend)
	if err != nil {
		return err
	}
	return r.summarize(ctx, job, doc, backend, chunks)
}

// ReadablePages blanks the text of pages that read as garbage: a summary is never made
// from it. (A document where most pages do is refused as garbled before this.)
func ReadablePages(pages []storage.Page) []storage.Page {
	out := make([]storage.Page, 0, len(pages))
	for _, p := range pages {
		if slices.Contains(p.Warnings, extract.WarnGarbled) {
			p.Text = ""
		}
		out = append(out, p)
	}
	return out
}

// StoragePages turns extracted pages into the pages storage keeps.
func StoragePages(docID int64, pages []extract.Page) []storage.Page {
	out := make([]storage.Page, len(pages))
	for i, p := range pages {
		out[i] = storage.Page{DocumentID: docID, Number: p.Number, Text: p.Text, Status: p.Status,
			Extractor: p.Extractor, Quality: p.Quality, Warnings: p.Warnings}
	}
	return out
}

// backend is the job's provider: chosen once by the policy, then kept for every resume
// (the policy is still asked before each call).
func (r *Runner) backend(ctx context.Context, job *storage.Job, doc *storage.Document) (Backend, error) {
	if job.Provider != "" {
		b, err := r.Backends.ByName(ctx, doc, job.Provider)
		if err != nil {
			return nil, &refusal{msg: err.Error()}
		}
		return b, nil
	}
	ch, err := r.Backends.Select(ctx, doc)
	if err != nil {
		var denied *policy.Denied
		if errors.As(err, &denied) {
			if rerr := r.Store.RecordDenial(ctx, job.ID, denied.Provider, denied.Label, denied.Version, "route"); rerr != nil {
				return nil, rerr
			}
			return nil, err
		}
		return nil, &refusal{msg: reason(err)}
	}
	b := ch.Backend
	job.Provider, job.Model = b.Name(), b.Model()
	route := storage.JobRoute{Provider: b.Name(), Model: b.Model(), Skipped: ch.Skipped}
	if len(ch.Skipped) > 0 {
		route.Note = fmt.Sprintf("%s was not available, so the next provider the policy allows was used.", strings.Join(ch.Skipped, ", "))
	}
	return b, r.Store.SetJobRoute(ctx, job.ID, route)
}

// chunks returns the job's saved chunks, or cuts the pages to the backend's size and saves them.
func (r *Runner) chunks(ctx context.Context, job *storage.Job, b Backend) ([]storage.Chunk, error) {
	chunks, err := r.Store.Chunks(ctx, job.ID)
	if err != nil || len(chunks) > 0 {
		return chunks, err
	}
	if err := r.Store.SetJobStage(ctx, job.ID, "chunking"); err != nil {
		return nil, err
	}
	plan, err := b.Plan(ctx)
	if err != nil {
		return nil, err
	}
	pages, err := r.Store.Pages(ctx, job.DocumentID)
	if err != nil {
		return nil, err
	}
	chunks = Split(ReadablePages(pages), plan.ChunkChars, plan.CharsPerToken)
	if len(chunks) == 0 {
		return nil, &refusal{msg: "The document has no text to summarize."}
	}
	return r.Store.SaveChunks(ctx, job.ID, chunks)
}

func (r *Runner) summarize(ctx context.Context, job *storage.Job, doc *storage.Document, b Backend, chunks []storage.Chunk) error {
	if err := r.Store.SetJobStage(ctx, job.ID, "mapping"); err != nil {
		return err
	}
	saved, err := r.saved(ctx, job.ID, chunks)
	if err != nil {
		return err
	}
	cp := &checkpoint{store: r.Store, job: job, backend: b, chunkIDs: map[int]int64{}}
	for _, c := range chunks {
		cp.chunkIDs[c.Seq] = c.ID
	}
	var reducing sync.Once
	eng := Engine{Backend: b, Checkpoint: cp, Progress: func(p Progress) {
		if p.Stage == "reducing" {
			reducing.Do(func() { _ = r.Store.SetJobStage(ctx, job.ID, "reducing") })
		}
	}}
	res, err := eng.Run(ctx, chunks, saved)
	if err != nil {
		return err
	}
	d := Decision(b)
	return r.Store.CompleteJob(ctx, &storage.Summary{DocumentID: doc.ID, JobID: job.ID, Provider: b.Name(),
		Model: b.Model(), Engine: b.Engine(), Sections: res.Sections, DroppedCitations: res.Dropped, ModelCalls: res.Calls,
		PolicyVersion: d.Version, Zone: string(d.Provider.Zone), Label: d.Label.Name})
}

// saved reads the partials of chunks finished in an earlier run, keyed by chunk Seq.
func (r *Runner) saved(ctx context.Context, jobID int64, chunks []storage.Chunk) (map[int]Partial, error) {
	results, err := r.Store.ChunkResults(ctx, jobID)
	if err != nil {
		return nil, err
	}
	seq := map[int64]int{}
	for _, c := range chunks {
		seq[c.ID] = c.Seq
	}
	saved := map[int]Partial{}
	for _, res := range results {
		var p Partial
		if err := json.Unmarshal([]byte(res.Output), &p); err != nil {
			return nil, fmt.Errorf("saved result of chunk %d: %w", res.ChunkID, err)
		}
		saved[seq[res.ChunkID]] = p
	}
	return saved, nil
}

// checkpoint keeps the engine's calls in SQLite, each with its audit row.
type checkpoint struct {
	store    *storage.Store
	job      *storage.Job
	backend  Backend
	chunkIDs map[int]int64 // by Seq, so a failed map call is audited with its chunk
}

func (c *checkpoint) call(call Call, chunkID int64, err error) storage.ModelCall {
	mc := storage.ModelCall{JobID: c.job.ID, ChunkID: chunkID, Phase: call.Phase, Level: call.Level,
		Provider: c.backend.Name(), Model: c.backend.Model(), PromptTokens: call.PromptTokens,
		OutputTokens: call.OutputTokens, Duration: call.Wall, Outcome: "ok",
		PolicyVersion: call.Policy.Version, Label: call.Policy.Label.Name, Zone: string(call.Policy.Provider.Zone),
		Redacted: call.Policy.Redact}
	if err != nil {
		mc.Outcome, mc.Error = "error", reason(err)
	}
	return mc
}

// SaveMap implements Checkpoint.
func (c *checkpoint) SaveMap(ctx context.Context, ch storage.Chunk, p Partial, call Call) error {
	out, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return c.store.SaveChunkResult(ctx, storage.ChunkResult{JobID: c.job.ID, ChunkID: ch.ID, Output: string(out), Call: c.call(call, ch.ID, nil)})
}

// RecordCall implements Checkpoint.
func (c *checkpoint) RecordCall(ctx context.Context, call Call, err error) error {
	var denied *policy.Denied
	if errors.As(err, &denied) {
		return c.store.RecordDenial(ctx, c.job.ID, c.backend.Name(), denied.Label, denied.Version, call.Phase)
	}
	var chunkID int64
	if call.Phase == "map" {
		chunkID = c.chunkIDs[call.ChunkSeq]
	}
	return c.store.RecordModelCall(ctx, c.call(call, chunkID, err))
}
