package handlers

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"precis/storage"
	"precis/web"
)

// CancelJob handles POST /jobs/:id/cancel. A queued job is cancelled at once;
// a running one stops at its worker's next check.
func (h *Handler) CancelJob(c echo.Context) error {
	return h.jobAction(c, "cancel", func(j *storage.Job) error {
		return h.store.CancelJob(c.Request().Context(), j.ID, actorName(c.Request().Context()))
	})
}

// RetryJob handles POST /jobs/:id/retry: a failed or cancelled job is queued
// again and a worker woken for it.
func (h *Handler) RetryJob(c echo.Context) error {
	return h.jobAction(c, "retry", func(j *storage.Job) error {
		if err := h.store.RetryJob(c.Request().Context(), j.ID, actorName(c.Request().Context())); err != nil {
			return err
		}
		h.jobs.Wake()
		return nil
	})
}

// jobAction loads the job of the :id path parameter, applies act, and answers
// with the document's progress (htmx) or a redirect to the document. When the
// job's state does not allow the action (ECONFLICT), the error handler shows
// the reason; for htmx the fresh progress is swapped in first, so the buttons
// match the job again.
func (h *Handler) jobAction(c echo.Context, action string, act func(*storage.Job) error) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id", "job")
	if err != nil {
		return err
	}
	notFound := storage.Errorf(storage.ENOTFOUND, "There is no job %d that you can change. Go back to the documents list.", id)
	j, err := h.store.Job(ctx, id)
	if storage.ErrorCode(err) == storage.ENOTFOUND {
		return notFound
	} else if err != nil {
		return err
	}
	d, err := h.store.Document(ctx, j.DocumentID)
	if err != nil {
		return err
	}
	if d, err = h.readable(c, d, notFound); err != nil {
		return err
	}

	actErr := act(j)
	if actErr != nil && storage.ErrorCode(actErr) != storage.ECONFLICT {
		return actErr
	}
	if actErr == nil {
		h.log.InfoContext(ctx, "job "+action, slog.Int64("job_id", j.ID), slog.Int64("document_id", j.DocumentID))
	}
	if !isHTMX(c) {
		if actErr != nil {
			return conflict(action, actErr)
		}
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/documents/%d", j.DocumentID))
	}

	if d, err = h.store.Document(ctx, j.DocumentID); err != nil {
		return err
	}
	v, err := h.progressView(ctx, d)
	if err != nil {
		return err
	}
	if actErr != nil {
		v.Notice = conflict(action, actErr).Message
		return render(c, http.StatusConflict, web.Progress(v))
	}
	return render(c, http.StatusOK, web.Progress(v))
}

// conflict words a refused job action for the user.
func conflict(action string, err error) *storage.Error {
	return storage.Errorf(storage.ECONFLICT, "Could not %s this job. %s", action, storage.ErrorMessage(err))
}
