package handlers

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"precis/summarize/policy"
	"precis/web"
)

// gridView is the policy grid as the policy has it.
func gridView(c echo.Context, pol *policy.Policy) web.GridView {
	v := web.GridView{Frame: adminFrame(c, pol, "policy", "Policy")}
	for _, p := range pol.Providers {
		v.Providers = append(v.Providers, web.GridProvider{Name: p.Name, Kind: p.Kind, Zone: string(p.Zone)})
	}
	for _, l := range pol.Labels {
		row := web.GridRow{LabelID: l.ID, Label: l.Name}
		route := pol.Routes[l.Name]
		for _, p := range pol.Providers {
			cell := web.GridCell{Provider: p.Name, Redact: slices.Contains(pol.Redact[l.Name], p.Name)}
			if i := slices.Index(route, p.Name); i >= 0 {
				cell.Allowed, cell.Order = true, strconv.Itoa(i+1)
			}
			row.Cells = append(row.Cells, cell)
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

// AdminPolicy handles GET /admin/policy: the grid of labels by providers.
func (h *Handler) AdminPolicy(c echo.Context) error {
	pol, err := h.currentPolicy(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, web.AdminPolicyPage(gridView(c, pol)))
}

// SavePolicyGrid handles POST /admin/policy: for each label id L and provider P the fields
// allow.L.P and redact.L.P (checkboxes) and order.L.P (1 is tried first; empty means after
// the numbered ones, in column order), and a note. The whole grid is saved as one new
// policy version.
func (h *Handler) SavePolicyGrid(c echo.Context) error {
	pol, err := h.editablePolicy(c)
	if err != nil {
		return err
	}
	v := gridView(c, pol)
	v.Note = strings.TrimSpace(c.FormValue("note"))
	next, failed := pol.Settings, false
	for i := range v.Rows {
		row := &v.Rows[i]
		route, redact, rerr := readGridRow(c, row)
		if rerr == nil && !failed {
			next, rerr = next.SetRoute(row.Label, route, redact)
		}
		if rerr != nil {
			row.Error, failed = userMessage(rerr), true
		}
	}
	if failed {
		v.Error = "Nothing was saved: correct the rows marked above."
		return render(c, http.StatusBadRequest, web.AdminPolicyPage(v))
	}
	note := v.Note
	if note == "" {
		note = "policy grid"
	}
	return h.saveAndReturn(c, next, note, "/admin/policy")
}

// readGridRow fills the row's cells from the form and returns the label's route, ordered,
// and its redacted providers.
func readGridRow(c echo.Context, row *web.GridRow) (route, redact []string, err error) {
	type pick struct {
		provider string
		order    int // 0 when not numbered
		column   int
	}
	var picks []pick
	used := map[int]string{}
	id := strconv.Itoa(row.LabelID)
	for col := range row.Cells {
		cell := &row.Cells[col]
		key := id + "." + cell.Provider
		cell.Allowed = c.FormValue("allow."+key) != ""
		cell.Redact = c.FormValue("redact."+key) != ""
		cell.Order = strings.TrimSpace(c.FormValue("order." + key))
		if cell.Redact && !cell.Allowed {
			err = cmp.Or(err, fmt.Errorf("redact is ticked for %s, which is not allowed", cell.Provider))
		}
		if !cell.Allowed {
			continue
		}
		p := pick{provider: cell.Provider, column: col}
		if cell.Order != "" {
			n, aerr := strconv.Atoi(cell.Order)
			switch {
			case aerr != nil || n < 1 || n > 99:
				err = cmp.Or(err, fmt.Errorf("the order of %s must be a whole number from 1 to 99", cell.Provider))
			case used[n] != "":
				err = cmp.Or(err, fmt.Errorf("%s and %s both have order %d; give each its own number", used[n], cell.Provider, n))
			}
			p.order, used[n] = n, cell.Provider
		}
		picks = append(picks, p)
		if cell.Redact {
			redact = append(redact, cell.Provider)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	// Numbered providers first, by number; then the unnumbered, by column.
	slices.SortStableFunc(picks, func(a, b pick) int {
		if (a.order == 0) != (b.order == 0) {
			return cmp.Compare(b.order, a.order) // non-zero before zero
		}
		return cmp.Or(cmp.Compare(a.order, b.order), cmp.Compare(a.column, b.column))
	})
	for _, p := range picks {
		route = append(route, p.provider)
	}
	return route, redact, nil
}
