package handlers

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"precis/storage"
	"precis/web"
)

// auditPageSize is the number of events the audit page shows at a time.
const auditPageSize = 50

// maxAuditActor bounds the actor typed into the audit filter.
const maxAuditActor = 200

// storedTime is the layout of audit times as storage keeps them (fixed-width UTC), so an
// exported row's fields are the text its hash covers.
const storedTime = "2006-01-02T15:04:05.000000000Z07:00"

// auditDate is the layout of the filter's dates, as an <input type="date"> sends them.
const auditDate = "2006-01-02"

// registerAudit installs the audit trail pages, all of which go through requireAdmin.
// Exporting the audit trail is itself recorded ("audit.export", with the filter).
func (h *Handler) registerAudit(e *echo.Echo) {
	e.GET("/admin/audit", h.AdminAudit, h.requireAdmin)
	e.GET("/admin/audit.csv", h.AuditCSV, h.requireAdmin)
	e.POST("/admin/audit/verify", h.VerifyAudit, h.requireAdmin)
}

// parseAuditFilter reads the filter from the query. ok is false when a field did not
// parse; the form then carries the message next to that field.
func parseAuditFilter(c echo.Context) (f storage.AuditFilter, form web.AuditFilterForm, ok bool) {
	q := c.QueryParams()
	form = web.AuditFilterForm{
		Actor:    strings.TrimSpace(q.Get("actor")),
		Action:   strings.TrimSpace(q.Get("action")),
		Document: strings.TrimSpace(q.Get("document")),
		Matter:   strings.TrimSpace(q.Get("matter")),
		From:     strings.TrimSpace(q.Get("from")),
		To:       strings.TrimSpace(q.Get("to")),
	}
	f.Actor, f.Action = form.Actor, form.Action
	if len(form.Actor) > maxAuditActor {
		form.Error = fmt.Sprintf("The actor is longer than %d characters; no actor is that long.", maxAuditActor)
	}
	if form.Document != "" {
		id, err := strconv.ParseInt(form.Document, 10, 64)
		if err != nil || id <= 0 {
			form.DocumentError = fmt.Sprintf("%q is not a document number: enter a whole number from 1 up, or leave it empty.", form.Document)
		}
		f.DocumentID = id
	}
	if form.Matter != "" {
		id, err := strconv.ParseInt(form.Matter, 10, 64)
		if err != nil || id <= 0 {
			form.MatterError = fmt.Sprintf("%q is not a matter number: choose a matter from the list, or any matter.", form.Matter)
		}
		f.MatterID = id
	}
	var err error
	if f.From, err = parseAuditDate(form.From); err != nil {
		form.FromError = err.Error()
	}
	if f.To, err = parseAuditDate(form.To); err != nil {
		form.ToError = err.Error()
	} else if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // the "to" day is included
	}
	if form.FromError == "" && form.ToError == "" && !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		form.Error = fmt.Sprintf("The “from” date %s is after the “to” date %s: no event can match.", form.From, form.To)
	}
	if b := q.Get("before"); b != "" {
		if f.BeforeSeq, err = strconv.ParseInt(b, 10, 64); err != nil || f.BeforeSeq <= 0 {
			form.Error = "This page's address is not valid (its “before” number is not a whole number from 1 up). Filter again to start from the newest events."
		}
	}
	ok = form.Error == "" && form.DocumentError == "" && form.MatterError == "" && form.FromError == "" && form.ToError == ""
	return f, form, ok
}

// parseAuditDate parses a filter date, a day in UTC; "" is no date.
func parseAuditDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(auditDate, s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date: enter it as year-month-day, e.g. 2025-03-01, or leave it empty.", s)
	}
	return t, nil
}

// auditQuery is the query string of a filter form, without the page position.
func auditQuery(form web.AuditFilterForm) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"actor": form.Actor, "action": form.Action,
		"document": form.Document, "matter": form.Matter, "from": form.From, "to": form.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// auditView builds the audit page for the filter of the request; status is 400 when the
// filter did not parse.
func (h *Handler) auditView(c echo.Context) (v web.AuditView, status int, err error) {
	ctx := c.Request().Context()
	pol, err := h.policyIfAny(ctx)
	if err != nil {
		return v, 0, err
	}
	v.Frame = web.AdminFrame{Tab: "audit", Title: "Audit trail"}
	if pol != nil {
		v.Frame.Version = pol.Version
	}
	if v.Actions, err = h.store.AuditActions(ctx); err != nil {
		return v, 0, err
	}
	f, form, ok := parseAuditFilter(c)
	v.Filter = form
	matters, err := h.store.Matters(ctx)
	if err != nil {
		return v, 0, err
	}
	titles := make(map[int64]string, len(matters))
	for _, m := range matters {
		titles[m.ID] = m.Title()
		v.Matters = append(v.Matters, web.AuditMatter{ID: m.ID, Title: m.Title()})
	}
	if _, known := titles[f.MatterID]; ok && f.MatterID != 0 && !known {
		// Keep the filter's matter selectable after it was deleted.
		v.Matters = append(v.Matters, web.AuditMatter{ID: f.MatterID, Title: auditMatterTitle(titles, f.MatterID)})
	}
	if !ok {
		return v, http.StatusBadRequest, nil
	}
	f.Limit = auditPageSize + 1 // one more tells whether there is a next page
	events, err := h.store.QueryAudit(ctx, f)
	if err != nil {
		return v, 0, err
	}
	q := auditQuery(form)
	v.CSVURL = "/admin/audit.csv"
	if len(q) > 0 {
		v.CSVURL += "?" + q.Encode()
	}
	if len(events) > auditPageSize {
		events = events[:auditPageSize]
		q.Set("before", strconv.FormatInt(events[len(events)-1].Seq, 10))
		v.NextURL = "/admin/audit?" + q.Encode()
	}
	for _, ev := range events {
		v.Rows = append(v.Rows, web.AuditRow{Seq: ev.Seq, At: ev.At, Actor: ev.Actor, Role: ev.Role, Addr: ev.Addr,
			Action: ev.Action, Object: auditObject(ev), MatterID: ev.MatterID, Matter: auditMatterTitle(titles, ev.MatterID),
			Outcome: ev.Outcome, Details: auditDetails(ev.Details)})
	}
	return v, http.StatusOK, nil
}

// AdminAudit handles GET /admin/audit: the filter form and a page of matching events,
// newest first; htmx requests get the form and table alone.
func (h *Handler) AdminAudit(c echo.Context) error {
	v, status, err := h.auditView(c)
	if err != nil {
		return err
	}
	if isHTMX(c) {
		return render(c, status, web.AuditResults(v))
	}
	return render(c, status, web.AuditPage(v))
}

// auditMatterTitle names a row's matter by its title ("client/matter name"), "#id" when
// the matter no longer exists, and "" when the row has none.
func auditMatterTitle(titles map[int64]string, id int64) string {
	if id == 0 {
		return ""
	}
	if t, ok := titles[id]; ok {
		return t
	}
	return "#" + strconv.FormatInt(id, 10)
}

// auditObject names the object of an event: its type and, when it has one, its id.
func auditObject(ev storage.AuditEvent) string {
	if ev.ObjectID == 0 {
		return ev.ObjectType
	}
	return ev.ObjectType + " " + strconv.FormatInt(ev.ObjectID, 10)
}

// auditDetails renders details as "key=value" pairs, keys sorted; nested values as JSON.
func auditDetails(details map[string]any) string {
	keys := make([]string, 0, len(details))
	for k := range details {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		var val string
		switch x := details[k].(type) {
		case string:
			val = x
		case float64:
			val = strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			val = strconv.FormatBool(x)
		case nil:
			val = "null"
		default:
			b, _ := json.Marshal(x)
			val = string(b)
		}
		parts = append(parts, k+"="+val)
	}
	return strings.Join(parts, " ")
}

// AuditCSV handles GET /admin/audit.csv: every event matching the filter, newest first,
// streamed as CSV a page at a time. The columns before prev_hash are the fields
// storage.AuditHash covers, in its order, so each row's hash can be recomputed from them.
func (h *Handler) AuditCSV(c echo.Context) error {
	ctx := c.Request().Context()
	f, form, ok := parseAuditFilter(c)
	if !ok {
		var msgs []string
		for _, m := range []string{form.DocumentError, form.MatterError, form.FromError, form.ToError, form.Error} {
			if m != "" {
				msgs = append(msgs, m)
			}
		}
		return storage.Errorf(storage.EINVALID, "%s", strings.Join(msgs, " "))
	}
	f.Limit = storage.MaxAuditPage
	// Fetch the first page before committing the response, so a failing query is still a
	// clean error page.
	events, err := h.store.QueryAudit(ctx, f)
	if err != nil {
		return err
	}
	actor, _ := h.identify(c)
	if err := h.store.RecordEvent(ctx, storage.AuditEvent{Actor: actor, Action: "audit.export", ObjectType: "audit",
		Details: map[string]any{"filter": c.QueryString()}}); err != nil {
		return err
	}
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	hd.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="precis-audit-%s.csv"`,
		time.Now().UTC().Format("20060102T150405Z")))
	c.Response().WriteHeader(http.StatusOK)

	w := csv.NewWriter(c.Response())
	w.Write([]string{"seq", "at", "actor", "action", "object_type", "object_id", "outcome", "details",
		"role", "source_address", "matter_id", "prev_hash", "hash"})
	rows := 0
	for {
		for _, ev := range events {
			details, err := json.Marshal(ev.Details)
			if err != nil || ev.Details == nil {
				details = []byte("{}")
			}
			w.Write(csvSafe([]string{strconv.FormatInt(ev.Seq, 10), ev.At.UTC().Format(storedTime), ev.Actor,
				ev.Action, ev.ObjectType, strconv.FormatInt(ev.ObjectID, 10), ev.Outcome, string(details),
				ev.Role, ev.Addr, strconv.FormatInt(ev.MatterID, 10), ev.PrevHash, ev.Hash}))
		}
		rows += len(events)
		w.Flush()
		if err := w.Error(); err != nil {
			return fmt.Errorf("audit csv: write: %w", err)
		}
		c.Response().Flush()
		if len(events) < f.Limit {
			break
		}
		f.BeforeSeq = events[len(events)-1].Seq
		if events, err = h.store.QueryAudit(ctx, f); err != nil {
			// The response has begun: the error handler cannot replace it, so log it; the
			// download ends short.
			h.logInternal(c, err)
			return nil
		}
	}
	h.log.InfoContext(ctx, "audit exported", slog.String("actor", actor), slog.Int("rows", rows))
	return nil
}

// csvSafe guards cells against CSV injection: a spreadsheet runs a cell starting with
// = + - @ (or a tab or carriage return) as a formula, so those get a leading '.
func csvSafe(cells []string) []string {
	for i, s := range cells {
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			cells[i] = "'" + s
		}
	}
	return cells
}

// VerifyAudit handles POST /admin/audit/verify: it recomputes the whole hash chain and
// checks it against the anchor file, and shows the outcome. htmx requests get the outcome
// alone, others the audit page with it.
func (h *Handler) VerifyAudit(c echo.Context) error {
	ctx := c.Request().Context()
	r, err := h.verifyAudit(c)
	if err != nil {
		return err
	}
	actor, _ := h.identify(c)
	h.log.InfoContext(ctx, "audit verified", slog.String("actor", actor), slog.Bool("ok", r.OK),
		slog.Int64("events", r.Events), slog.Int("anchors", r.Anchors), slog.Int64("problem_seq", r.ProblemSeq))
	if isHTMX(c) {
		return render(c, http.StatusOK, web.AuditVerifyResult(r))
	}
	v, status, err := h.auditView(c)
	if err != nil {
		return err
	}
	v.Verify = r
	return render(c, status, web.AuditPage(v))
}

// verifyAudit runs the verification. An anchor file that does not exist yet holds no
// anchors; one that cannot be read as anchors is the problem reported.
func (h *Handler) verifyAudit(c echo.Context) (*web.AuditVerifyView, error) {
	v := &web.AuditVerifyView{AnchorFile: h.cfg.AnchorFile != ""}
	var anchors []storage.Anchor
	if h.cfg.AnchorFile != "" {
		var err error
		anchors, err = storage.ReadAnchors(h.cfg.AnchorFile)
		switch {
		case errors.Is(err, os.ErrNotExist):
			anchors = nil
		case storage.ErrorCode(err) == storage.EINVALID:
			v.Problem = strings.TrimSuffix(storage.ErrorMessage(err), ".")
			return v, nil
		case err != nil:
			return nil, err
		}
	}
	rep, err := h.store.VerifyAudit(c.Request().Context(), anchors)
	if err != nil {
		return nil, err
	}
	v.Events, v.Anchors, v.HeadSeq, v.HeadHash = rep.Events, rep.Anchors, rep.HeadSeq, rep.HeadHash
	if rep.Problem == nil {
		v.OK = true
		return v, nil
	}
	v.Problem = strings.TrimSuffix(userMessage(rep.Problem), ".")
	v.ProblemSeq = rep.Problem.Seq
	return v, nil
}
