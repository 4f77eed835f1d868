package handlers

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"precis/storage"
	"precis/summarize/policy"
	"precis/web"
)

// maxLabelField bounds the label field of an upload; maxReason the reason of a label change.
const (
	maxLabelField = 100
	maxReason     = 500
)

// uploadLabel is the "label" field of an upload: a label id or name.
type uploadLabel struct{ value string }

// read takes the label field from its multipart part.
func (l *uploadLabel) read(part *multipart.Part) error {
	defer part.Close()
	b, err := io.ReadAll(io.LimitReader(part, maxLabelField+1))
	if err != nil {
		return &uploadRefusal{http.StatusBadRequest, "The upload arrived incomplete. Nothing was uploaded; try again."}
	} else if len(b) > maxLabelField {
		return &uploadRefusal{http.StatusBadRequest, "The label field is too long: choose one of the labels. Nothing was uploaded."}
	}
	l.value = strings.TrimSpace(string(b))
	return nil
}

// resolveUploadMatter returns the matter an upload goes into: the one chosen,
// which must be one of the user's matters, or the user's only matter. A
// matter the user is not a member of gets the same answer as one that does
// not exist.
func (h *Handler) resolveUploadMatter(c echo.Context, m uploadLabel) (int64, error) {
	ms, err := h.store.UserMatters(c.Request().Context(), current(c).user.ID)
	if err != nil {
		return 0, err
	}
	if len(ms) == 0 {
		return 0, &uploadRefusal{http.StatusForbidden, "You are not a member of any matter, so you cannot upload yet. " +
			"Ask an administrator to add you to the matter these documents belong to. Nothing was uploaded."}
	}
	if m.value == "" && len(ms) == 1 {
		return ms[0].ID, nil
	}
	for _, mt := range ms {
		if strconv.FormatInt(mt.ID, 10) == m.value {
			return mt.ID, nil
		}
	}
	if m.value == "" {
		return 0, &uploadRefusal{http.StatusBadRequest, "Choose the matter these documents belong to. Nothing was uploaded."}
	}
	return 0, &uploadRefusal{http.StatusBadRequest, "Choose one of your matters for these documents. Nothing was uploaded."}
}

// resolveUploadLabel returns the label id an upload gets: the one chosen, else the
// policy's default label. Without a stored policy documents stay unlabelled (0) until the
// detectors give them the default label.
func (h *Handler) resolveUploadLabel(ctx context.Context, l uploadLabel) (int, error) {
	pol, err := h.policyIfAny(ctx)
	if err != nil {
		return 0, err
	}
	if pol == nil {
		if l.value != "" {
			return 0, &uploadRefusal{http.StatusBadRequest,
				"No classification policy is stored yet, so no label can be chosen. Upload without a label. Nothing was uploaded."}
		}
		return 0, nil
	}
	if l.value == "" {
		def, _ := pol.Label(pol.DefaultLabel)
		return def.ID, nil
	}
	if lab, ok := findLabel(pol, l.value); ok {
		return lab.ID, nil
	}
	return 0, &uploadRefusal{http.StatusBadRequest, fmt.Sprintf(
		"There is no label %q. Choose one of: %s. Nothing was uploaded.", l.value, labelNames(pol))}
}

// raiseOnReupload raises the label of a document uploaded again with a more sensitive
// label than it has: the uploader's word that the file is sensitive is never ignored. A
// less sensitive label leaves it as it is.
func (h *Handler) raiseOnReupload(ctx context.Context, d *storage.Document, labelID int, actor string) error {
	pol, err := h.policyIfAny(ctx)
	if err != nil || pol == nil || labelID == 0 {
		return err
	}
	to, _ := pol.LabelByID(labelID)
	for attempt := 0; ; attempt++ {
		if pol.Rank(d.LabelID) >= pol.Rank(labelID) {
			return nil
		}
		ch := &storage.LabelChange{DocumentID: d.ID, Actor: actor, From: d.LabelID, To: labelID, Source: storage.LabelByUpload,
			FromName: labelName(pol, d.LabelID), ToName: to.Name, Reason: "uploaded again as " + to.Name}
		err := h.store.SetLabel(ctx, ch)
		if storage.ErrorCode(err) != storage.ECONFLICT || attempt == 2 {
			if err == nil {
				h.logLabelChange(ctx, ch)
				d.LabelID = labelID
			}
			return err
		}
		if d, err = h.store.Document(ctx, d.ID); err != nil {
			return err
		}
	}
}

// findLabel finds a label by its id or its name.
func findLabel(pol *policy.Policy, v string) (policy.Label, bool) {
	if id, err := strconv.Atoi(v); err == nil {
		return pol.LabelByID(id)
	}
	return pol.Label(v)
}

func labelNames(pol *policy.Policy) string {
	var names []string
	for _, l := range pol.Labels {
		names = append(names, l.Name)
	}
	return strings.Join(names, ", ")
}

// labelChoice is a select of the policy's labels with selected preselected.
func labelChoice(pol *policy.Policy, selected int) web.LabelChoice {
	c := web.LabelChoice{Selected: selected}
	if pol == nil {
		return c
	}
	for _, l := range pol.Labels {
		c.Options = append(c.Options, web.LabelOption{ID: l.ID, Name: l.Name})
	}
	return c
}

// uploadChoice is the upload form's label select, the default label preselected.
func uploadChoice(pol *policy.Policy) web.LabelChoice {
	if pol == nil {
		return web.LabelChoice{}
	}
	def, _ := pol.Label(pol.DefaultLabel)
	return labelChoice(pol, def.ID)
}

// labelName is the name of a label id for display; "" when there is none.
func labelName(pol *policy.Policy, id int) string {
	if pol == nil || id == 0 {
		return ""
	}
	if l, ok := pol.LabelByID(id); ok {
		return l.Name
	}
	return fmt.Sprintf("label #%d (no longer in the policy)", id)
}

// classificationView loads a document's label, findings and label history. The label is
// read afresh on every request, never cached. active says whether its job is underway.
func (h *Handler) classificationView(ctx context.Context, d *storage.Document, active bool) (web.ClassificationView, error) {
	v := web.ClassificationView{DocumentID: d.ID, Classified: d.Classified, Polling: active && !d.Classified}
	pol, err := h.policyIfAny(ctx)
	if err != nil {
		return v, err
	}
	if pol == nil {
		v.NoPolicy = true
	} else {
		v.Label = labelName(pol, d.LabelID)
		v.Form = web.LabelForm{Choice: labelChoice(pol, d.LabelID), From: d.LabelID}
	}
	findings, err := h.store.Findings(ctx, d.ID)
	if err != nil {
		return v, err
	}
	for _, f := range findings {
		fv := web.FindingView{Detector: f.Detector, Category: f.Category, Match: f.Match, Page: f.Page, Count: f.Count}
		if pol != nil {
			l, _ := pol.LabelFor(f.Detector, f.Category)
			fv.Implies = l.Name
		}
		v.Findings = append(v.Findings, fv)
	}
	changes, err := h.store.LabelChanges(ctx, d.ID)
	if err != nil {
		return v, err
	}
	for _, c := range changes {
		v.History = append(v.History, web.LabelChangeView{At: c.At, Actor: c.Actor, Source: c.Source, Reason: c.Reason,
			From: orNotLabelled(labelName(pol, c.From)), To: orNotLabelled(labelName(pol, c.To))})
	}
	return v, nil
}

func orNotLabelled(name string) string {
	if name == "" {
		return "not labelled"
	}
	return name
}

// provenance says where a summary was produced, with the route note of its job.
func (h *Handler) provenance(ctx context.Context, latest *storage.Job, s *storage.Summary) (*web.ProvenanceView, error) {
	p := &web.ProvenanceView{Provider: s.Provider, Zone: s.Zone, PolicyVersion: s.PolicyVersion, Label: s.Label}
	j := latest
	if j == nil || j.ID != s.JobID {
		var err error
		if j, err = h.store.Job(ctx, s.JobID); storage.ErrorCode(err) == storage.ENOTFOUND {
			return p, nil
		} else if err != nil {
			return nil, err
		}
	}
	p.RouteNote = j.RouteNote
	return p, nil
}

// ClassificationFacts handles GET /documents/:id/classification: the label, findings and
// history, which poll themselves while the detectors have not run.
func (h *Handler) ClassificationFacts(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := h.document(c)
	if err != nil {
		return err
	}
	if !isHTMX(c) {
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/documents/%d", d.ID))
	}
	v, err := h.classificationOf(ctx, d)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, web.ClassificationFacts(v))
}

// classificationOf is classificationView for a document whose job state is not at hand.
func (h *Handler) classificationOf(ctx context.Context, d *storage.Document) (web.ClassificationView, error) {
	j, err := h.latestJob(ctx, d.ID)
	if err != nil {
		return web.ClassificationView{}, err
	}
	return h.classificationView(ctx, d, j != nil && !j.Finished())
}

// logLabelChange logs a label change by ids (the reason is the user's, not logged).
func (h *Handler) logLabelChange(ctx context.Context, ch *storage.LabelChange) {
	h.log.InfoContext(ctx, "document label changed", slog.Int64("document_id", ch.DocumentID),
		slog.Int("from", ch.From), slog.Int("to", ch.To), slog.String("source", ch.Source), slog.String("actor", ch.Actor))
}

// ChangeLabel handles POST /documents/:id/label: fields label (id or name), reason
// (required) and from (the label the form was shown with). Anyone may raise a label;
// lowering it takes an administrator. The change applies to the document's next model call.
func (h *Handler) ChangeLabel(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := h.document(c)
	if err != nil {
		return err
	}
	pol, err := h.currentPolicy(ctx)
	if err != nil {
		return err
	}
	actor, admin := h.identify(c)
	reason := strings.TrimSpace(c.FormValue("reason"))
	target, ok := findLabel(pol, strings.TrimSpace(c.FormValue("label")))
	from, ferr := strconv.Atoi(c.FormValue("from"))
	if c.FormValue("from") == "" {
		from, ferr = d.LabelID, nil
	}
	form := web.LabelForm{Choice: labelChoice(pol, target.ID), From: from, Reason: reason}
	fail := func(status int, format string, args ...any) error {
		form.Error = fmt.Sprintf(format, args...)
		return h.labelFormFailure(c, d, form, status)
	}
	fromRank := pol.Rank(d.LabelID)
	if fromRank < 0 { // not labelled yet: the default label is what it would get
		def, _ := pol.Label(pol.DefaultLabel)
		fromRank = pol.Rank(def.ID)
	}
	switch {
	case !ok:
		form.Choice.Selected = d.LabelID
		return fail(http.StatusBadRequest, "Choose one of the labels: %s.", labelNames(pol))
	case reason == "":
		return fail(http.StatusBadRequest, "Say why the label changes: the reason is kept in the document's history.")
	case len(reason) > maxReason:
		return fail(http.StatusBadRequest, "The reason is too long: at most %d characters.", maxReason)
	case ferr != nil || from != d.LabelID:
		form.From = d.LabelID
		return fail(http.StatusConflict, "The label was changed meanwhile; it is now %s. Check it and submit again if your change still applies.",
			orNotLabelled(labelName(pol, d.LabelID)))
	case target.ID == d.LabelID:
		return fail(http.StatusBadRequest, "The document is labelled %s already.", target.Name)
	case pol.Rank(target.ID) < fromRank && !admin:
		return fail(http.StatusForbidden, "Only an administrator can lower a document's label (from %s to %s). You can raise it, or ask an administrator.",
			orNotLabelled(labelName(pol, d.LabelID)), target.Name)
	}
	ch := &storage.LabelChange{DocumentID: d.ID, Actor: actor, From: d.LabelID, To: target.ID, Source: storage.LabelByUser,
		FromName: labelName(pol, d.LabelID), ToName: target.Name, Reason: reason}
	if admin {
		ch.Source = storage.LabelByAdmin
	}
	if err := h.store.SetLabel(ctx, ch); storage.ErrorCode(err) == storage.ECONFLICT {
		if d, err = h.document(c); err != nil {
			return err
		}
		form.From = d.LabelID
		return fail(http.StatusConflict, "The label was changed meanwhile; it is now %s. Check it and submit again if your change still applies.",
			orNotLabelled(labelName(pol, d.LabelID)))
	} else if err != nil {
		return err
	}
	h.logLabelChange(ctx, ch)
	if !isHTMX(c) {
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/documents/%d", d.ID))
	}
	d.LabelID = target.ID
	v, err := h.classificationOf(ctx, d)
	if err != nil {
		return err
	}
	v.Form.Notice = fmt.Sprintf("Label changed from %s to %s.", orNotLabelled(ch.FromName), target.Name)
	return render(c, http.StatusOK, web.Classification(v))
}

// labelFormFailure shows the label form again with the user's input and the message: the
// classification section for htmx, else the whole document page.
func (h *Handler) labelFormFailure(c echo.Context, d *storage.Document, form web.LabelForm, status int) error {
	ctx := c.Request().Context()
	if isHTMX(c) {
		v, err := h.classificationOf(ctx, d)
		if err != nil {
			return err
		}
		v.Form = form
		return render(c, status, web.Classification(v))
	}
	v, err := h.documentView(ctx, d)
	if err != nil {
		return err
	}
	v.Classification.Form = form
	return render(c, status, web.DocumentPage(v))
}
