package handlers

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"precis/summarize/classify"
	"precis/summarize/policy"
	"precis/web"
)

// categoryDescriptions say what each category of findings stands for.
var categoryDescriptions = map[string]string{
	classify.CategoryPrivilege:    "Every privilege detector: the document marks itself as privileged.",
	classify.CategoryPersonalData: "Every personal and payment data detector below, unless it has a label of its own.",
	classify.CategoryWatchlist:    "Names from the watchlist.",
}

// detectorsView lists the categories, then the detectors, with the label each implies.
// selected, when not nil, holds the user's choices to show instead of the policy's.
func detectorsView(c echo.Context, pol *policy.Policy, selected map[string]string) web.DetectorsView {
	v := web.DetectorsView{Frame: adminFrame(c, pol, "detectors", "Detectors")}
	for _, l := range pol.Labels {
		v.Labels = append(v.Labels, l.Name)
	}
	choice := func(key string) string {
		if s, ok := selected[key]; ok {
			return s
		}
		return pol.Detectors[key]
	}
	var categories []string
	for _, d := range classify.Detectors() {
		if !slices.Contains(categories, d.Category) {
			categories = append(categories, d.Category)
			v.Rows = append(v.Rows, web.DetectorRow{Key: d.Category, Category: true,
				Description: categoryDescriptions[d.Category], Selected: choice(d.Category)})
		}
	}
	for _, d := range classify.Detectors() {
		if d.Name == d.Category { // the watchlist: its category's row is its own
			i := slices.IndexFunc(v.Rows, func(r web.DetectorRow) bool { return r.Key == d.Name })
			v.Rows[i].Description = d.Description
			continue
		}
		v.Rows = append(v.Rows, web.DetectorRow{Key: d.Name, Description: d.Description,
			Selected: choice(d.Name), Inherited: choice(d.Category)})
	}
	return v
}

// AdminDetectors handles GET /admin/detectors.
func (h *Handler) AdminDetectors(c echo.Context) error {
	pol, err := h.currentPolicy(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, web.AdminDetectorsPage(detectorsView(c, pol, nil)))
}

// SaveDetectors handles POST /admin/detectors: a field map.<key> per category and
// detector, holding a label name or "" for none. Keys the form does not send are kept.
func (h *Handler) SaveDetectors(c echo.Context) error {
	pol, err := h.editablePolicy(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	next, selected := pol.Settings, map[string]string{}
	for _, row := range detectorsView(c, pol, nil).Rows {
		vals, ok := form["map."+row.Key]
		if !ok || len(vals) == 0 {
			continue
		}
		selected[row.Key] = strings.TrimSpace(vals[0])
		if err == nil {
			next, err = next.SetDetectorLabel(row.Key, selected[row.Key])
		}
	}
	if err != nil {
		v := detectorsView(c, pol, selected)
		v.Error = userMessage(err)
		return render(c, http.StatusBadRequest, web.AdminDetectorsPage(v))
	}
	return h.saveAndReturn(c, next, "detector labels", "/admin/detectors")
}

// watchlistView is the watchlist page; text is the textarea's content.
func watchlistView(c echo.Context, pol *policy.Policy, text string) web.WatchlistView {
	return web.WatchlistView{Frame: adminFrame(c, pol, "watchlist", "Watchlist"), Text: text, Count: len(pol.Watchlist)}
}

// AdminWatchlist handles GET /admin/watchlist.
func (h *Handler) AdminWatchlist(c echo.Context) error {
	pol, err := h.currentPolicy(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, web.AdminWatchlistPage(watchlistView(c, pol, strings.Join(pol.Watchlist, "\n"))))
}

// SaveWatchlist handles POST /admin/watchlist: field names, one client or matter name per
// line; blank lines are ignored.
func (h *Handler) SaveWatchlist(c echo.Context) error {
	pol, err := h.editablePolicy(c)
	if err != nil {
		return err
	}
	text := c.FormValue("names")
	var names []string
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			names = append(names, line)
		}
	}
	err = classify.ValidateWatchlist(names)
	var next policy.Settings
	if err == nil {
		next, err = pol.SetWatchlist(names)
	}
	if err != nil {
		v := watchlistView(c, pol, text)
		v.Error = "Not saved: " + err.Error() + "."
		return render(c, http.StatusBadRequest, web.AdminWatchlistPage(v))
	}
	return h.saveAndReturn(c, next, fmt.Sprintf("watchlist: %d names", len(names)), "/admin/watchlist")
}
