package handlers

import (
	"context"
	"fmt"
	"github.com/labstack/echo/v4"

	"precis/storage"
	"precis/web"
)

// documentStatus tells the user where a document stands, from its extraction
// result and its latest job (nil when it has none).
func documentStatus(d *storage.Document, j *storage.Job) web.Status {
	if j != nil && !j.Finished() {
		return jobStatus(j)
	}
	if refusedStatuses[d.ExtractStatus] {
		return web.Status{Kind: web.KindRefused, Label: refusedLabel(d.ExtractStatus), Detail: extractFailure(d)}
	}
	if j == nil {
		return web.Status{Kind: web.KindIdle, Label: "Not started"}
	}
	switch j.Status {
	case storage.JobDone:
		return web.Status{Kind: web.KindDone, Label: "Done"}
	case storage.JobCancelled:
		return web.Status{Kind: web.KindCancelled, Label: "Cancelled",
			Detail: "Summarizing was cancelled. Press Retry to summarize this document after all."}
	}
	detail := j.Error
	if d.ExtractStatus == storage.ExtractTimeout || d.ExtractStatus == storage.ExtractInternal {
		detail = extractFailure(d)
	} else if detail == "" {
		detail = "The summary could not be made. Press Retry to try again."
	}
	return web.Status{Kind: web.KindFailed, Label: "Failed", Detail: detail}
}

// jobStatus describes a queued or running job by its stage.
func jobStatus(j *storage.Job) web.Status {
	if j.Status == storage.JobQueued {
		if j.Attempts > 0 && j.Error != "" {
			// FailJob put it back for another attempt.
			return web.Status{Kind: web.KindQueued, Label: "Queued for another attempt",
				Detail: "The last attempt failed: " + j.Error}
		}
		return web.Status{Kind: web.KindQueued, Label: "Queued"}
	}
	running := func(label string) web.Status { return web.Status{Kind: web.KindRunning, Label: label} }
	if j.CancelRequested {
		return running("Cancelling")
	}
	switch j.Stage {
	case storage.StageExtracting:
		return running("Extracting text")
	case storage.StageChunking:
		return running("Splitting into chunks")
	case storage.StageMapping:
		if j.ChunksTotal > 0 {
			return running(fmt.Sprintf("Summarizing %d of %d chunks", j.ChunksDone, j.ChunksTotal))
		}
		return running("Summarizing")
	case storage.StageReducing:
		return running("Combining chunk summaries")
	case storage.StageDone:
		return running("Finishing")
	}
	return running("Starting")
}

// latestJob returns the document's latest job, nil when it has none.
func (h *Handler) latestJob(ctx context.Context, docID int64) (*storage.Job, error) {
	j, err := h.store.LatestJob(ctx, docID)
	if storage.ErrorCode(err) == storage.ENOTFOUND {
		return nil, nil
	}
	return j, err
}

// progressView loads what Progress shows for a document: its latest job and,
// when that is done, its summary.
func (h *Handler) progressView(ctx context.Context, d *storage.Document) (web.ProgressView, error) {
	j, err := h.latestJob(ctx, d.ID)
	if err != nil {
		return web.ProgressView{}, err
	}
	v := web.ProgressView{DocumentID: d.ID, Status: documentStatus(d, j)}
	if v.Notes, err = h.extractNotes(ctx, d); err != nil {
		return v, err
	}
	if j == nil {
		v.NeedsPassword = needsPassword(d)
		return v, nil
	}
	v.NeedsPassword = needsPassword(d) && j.Finished()
	v.JobID = j.ID
	v.ChunksDone, v.ChunksTotal = j.ChunksDone, j.ChunksTotal
	v.CanCancel = !j.Finished() && !j.CancelRequested
	v.CanRetry = (j.Status == storage.JobFailed || j.Status == storage.JobCancelled) && !refusedStatuses[d.ExtractStatus]
	if j.Status == storage.JobDone {
		s, err := h.store.LatestSummary(ctx, d.ID)
		if err != nil && storage.ErrorCode(err) != storage.ENOTFOUND {
			return v, err
		}
		if s != nil {
			sv := summaryView(d, s)
			v.Summary = &sv
			if v.Provenance, err = h.provenance(ctx, j, s); err != nil {
				return v, err
			}
		}
	}
	return v, nil
}

// documentView is the data of a document's page.
func (h *Handler) documentView(ctx context.Context, d *storage.Document) (web.DocumentView, error) {
	p, err := h.progressView(ctx, d)
	if err != nil {
		return web.DocumentView{}, err
	}
	cl, err := h.classificationView(ctx, d, p.Status.Active())
	if err != nil {
		return web.DocumentView{}, err
	}
	m, err := h.store.Matter(ctx, d.MatterID)
	if err != nil {
		return web.DocumentView{}, err
	}
	return web.DocumentView{
		ID: d.ID, Filename: d.Filename, Size: d.Size, Pages: d.PageCount,
		SHA256: d.SHA256, CreatedAt: d.CreatedAt, Progress: p, Classification: cl,
		Matter: m.Title(), LegalHold: m.LegalHold, HoldReason: m.HoldReason,
	}, nil
}

// summaryView turns a stored summary into its view.
func summaryView(d *storage.Document, s *storage.Summary) web.SummaryView {
	v := web.SummaryView{
		DocumentID: d.ID, Filename: d.Filename,
		Provider: s.Provider, Model: s.Model, Engine: s.Engine,
		CreatedAt: s.CreatedAt, DroppedCitations: s.DroppedCitations,
	}
	for _, sec := range s.Sections {
		sv := web.SectionView{Title: sec.Title}
		for _, p := range sec.Points {
			sv.Points = append(sv.Points, web.PointView{Text: p.Text, Pages: p.Pages})
		}
		v.Sections = append(v.Sections, sv)
	}
	return v
}

// documentsView lists the documents the signed-in user may read, with their
// status, and the matters they may upload into.
func (h *Handler) documentsView(c echo.Context) (web.DocumentsView, error) {
	ctx := c.Request().Context()
	p := current(c)
	filter := storage.DocumentFilter{MemberID: p.user.ID}
	if p.admin() && h.cfg.AdminSeesContent {
		filter.MemberID = 0
	}
	rows, err := h.store.ListDocuments(ctx, filter)
	if err != nil {
		return web.DocumentsView{}, err
	}
	v := web.DocumentsView{MaxUploadBytes: h.cfg.MaxUploadBytes}
	pol, err := h.policyIfAny(ctx)
	if err != nil {
		return v, err
	}
	v.Labels = uploadChoice(pol)
	mine, err := h.store.UserMatters(ctx, p.user.ID)
	if err != nil {
		return v, err
	}
	for _, m := range mine {
		v.Matters = append(v.Matters, web.MatterItem{ID: m.ID, Title: m.Title(), LegalHold: m.LegalHold})
	}
	listed := mine
	if filter.MemberID == 0 { // the list covers every matter, not only the user's
		if listed, err = h.store.Matters(ctx); err != nil {
			return v, err
		}
	}
	titles := make(map[int64]string, len(listed))
	for _, m := range listed {
		titles[m.ID] = m.Title()
	}
	for i := range rows {
		d := &rows[i].Document
		v.Items = append(v.Items, web.DocumentItem{
			ID: d.ID, Filename: d.Filename, Size: d.Size, Pages: d.PageCount, Matter: titles[d.MatterID],
			Status: documentStatus(d, rows[i].Job), CreatedAt: d.CreatedAt, Label: labelName(pol, d.LabelID),
		})
	}
	return v, nil
}
