package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"precis/summarize/policy"
	"precis/web"
)

// labelsView is the labels page of the policy.
func labelsView(c echo.Context, pol *policy.Policy) web.LabelsView {
	v := web.LabelsView{Frame: adminFrame(c, pol, "labels", "Labels"), AddAt: len(pol.Labels)}
	def, _ := pol.Label(pol.DefaultLabel)
	for _, l := range pol.Labels {
		v.Labels = append(v.Labels, web.LabelRow{ID: l.ID, Name: l.Name, Input: l.Name, Default: l.ID == def.ID})
	}
	v.Default = labelChoice(pol, def.ID)
	return v
}

// AdminLabels handles GET /admin/labels.
func (h *Handler) AdminLabels(c echo.Context) error {
	pol, err := h.currentPolicy(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, web.AdminLabelsPage(labelsView(c, pol)))
}

// RenameLabel handles POST /admin/labels/rename: fields id and name. Documents keep their
// label, which they refer to by id.
func (h *Handler) RenameLabel(c echo.Context) error {
	pol, err := h.editablePolicy(c)
	if err != nil {
		return err
	}
	id, _ := strconv.Atoi(c.FormValue("id"))
	name := strings.TrimSpace(c.FormValue("name"))
	old, ok := pol.LabelByID(id)
	next, err := pol.RenameLabel(id, name)
	if err != nil {
		v := labelsView(c, pol)
		for i := range v.Labels {
			if v.Labels[i].ID == id {
				v.Labels[i].Input, v.Labels[i].Error = name, userMessage(err)
			}
		}
		if !ok {
			v.Frame.Error = userMessage(err)
		}
		return render(c, http.StatusBadRequest, web.AdminLabelsPage(v))
	}
	return h.saveAndReturn(c, next, fmt.Sprintf("label %s renamed to %s", old.Name, name), "/admin/labels")
}

// AddLabel handles POST /admin/labels: fields name and at (0 for the least sensitive).
func (h *Handler) AddLabel(c echo.Context) error {
	pol, err := h.editablePolicy(c)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(c.FormValue("name"))
	at, aerr := strconv.Atoi(c.FormValue("at"))
	if aerr != nil {
		at = -1
	}
	next, err := pol.AddLabel(name, at)
	if err != nil {
		v := labelsView(c, pol)
		v.AddName, v.AddAt, v.AddError = name, max(at, 0), userMessage(err)
		return render(c, http.StatusBadRequest, web.AdminLabelsPage(v))
	}
	return h.saveAndReturn(c, next, "label "+name+" added", "/admin/labels")
}

// SetDefaultLabel handles POST /admin/labels/default: field label.
func (h *Handler) SetDefaultLabel(c echo.Context) error {
	pol, err := h.editablePolicy(c)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(c.FormValue("label"))
	next, err := pol.SetDefaultLabel(name)
	if err != nil {
		v := labelsView(c, pol)
		v.DefaultError = userMessage(err)
		return render(c, http.StatusBadRequest, web.AdminLabelsPage(v))
	}
	return h.saveAndReturn(c, next, "default label "+next.DefaultLabel, "/admin/labels")
}
