package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// LabelOption is one classification label a user can choose.
type LabelOption struct {
	ID   int
	Name string
}

// LabelChoice is a select of labels, from least to most sensitive, with one selected.
type LabelChoice struct {
	Options  []LabelOption
	Selected int
}

// FindingView is what one detector saw on one page of a document; Match is masked.
type FindingView struct {
	Detector string
	Category string
	Match    string
	Page     int
	Count    int
	// Implies is the label the policy says the finding calls for; "" when none.
	Implies string
}

// LabelChangeView is one change in a document's label history.
type LabelChangeView struct {
	At       time.Time
	Actor    string
	From, To string
	Source   string
	Reason   string
}

// ClassificationView is a document's classification on its page: the label, why (the
// detectors' findings and the label history), and the form that changes the label.
type ClassificationView struct {
	DocumentID int64
	// Label is the name of the document's label; "" when it has none yet.
	Label string
	// NoPolicy is set when no classification policy is stored yet.
	NoPolicy bool
	// Classified is true once the detectors have run.
	Classified bool
	// Polling is true while the detectors have not run but the document's job is underway.
	Polling  bool
	Findings []FindingView
	History  []LabelChangeView
	Form     LabelForm
}

// LabelForm is the form that changes a document's label.
type LabelForm struct {
	Choice LabelChoice
	// From is the label id the form was shown with, so a change made meanwhile is noticed.
	From   int
	Reason string
	// Error is shown next to the form after a refused change, Notice after a saved one.
	Error  string
	Notice string
}

// ProvenanceView says where and under what policy a summary was produced.
type ProvenanceView struct {
	Provider      string
	Zone          string
	PolicyVersion int64
	Label         string
	// RouteNote says why the provider was chosen when it was not the first on the route.
	RouteNote string
}

// AdminFrame is what every administration page shows around its content.
type AdminFrame struct {
	// Tab is the current page: "labels", "detectors", "watchlist", "providers", "policy", "history".
	Tab   string
	Title string
	// Version is the policy version the page shows; forms send it back.
	Version int64
	// Managed names the --config file that declares the settings; the forms are then disabled.
	Managed string
	Notice  string
	Error   string
}

// ReadOnly reports whether the settings are declared by a file and cannot be edited here.
func (f AdminFrame) ReadOnly() bool { return f.Managed != "" }

func (f AdminFrame) versionValue() string { return strconv.FormatInt(f.Version, 10) }

// LabelsView is the labels page.
type LabelsView struct {
	Frame  AdminFrame
	Labels []LabelRow
	// AddName, AddAt and AddError are the add-a-label form: name, position and message.
	AddName  string
	AddAt    int
	AddError string
	// Default is the default-label form; DefaultError its message.
	Default      LabelChoice
	DefaultError string
}

// LabelRow is one label with its rename form.
type LabelRow struct {
	ID      int
	Name    string
	Default bool
	// Input is the name typed in the rename form, Error the message after a refused rename.
	Input string
	Error string
}

// DetectorsView is the detectors page: which label each category and detector implies.
type DetectorsView struct {
	Frame  AdminFrame
	Labels []string
	Rows   []DetectorRow
	// Error is shown next to the form after a refused save.
	Error string
}

// DetectorRow is one category or detector with the label its findings imply.
type DetectorRow struct {
	Key         string
	Category    bool
	Description string
	// Selected is the label set for this key, "" when none; Inherited, for a detector
	// without its own label, what its category implies.
	Selected  string
	Inherited string
}

// WatchlistView is the watchlist page.
type WatchlistView struct {
	Frame AdminFrame
	Text  string
	Count int
	// Error is shown next to the form after a refused save.
	Error string
}

// ProvidersView is the providers page.
type ProvidersView struct {
	Frame     AdminFrame
	Providers []ProviderRow
	// Add is the add-a-provider form.
	Add ProviderForm
	// CanTest shows the test-connection buttons; CanStoreKeys says whether API keys can be entered.
	CanTest      bool
	CanStoreKeys bool
}

// ProviderRow is one configured provider.
type ProviderRow struct {
	Index         int
	Name          string
	Kind          string
	URLs          []string
	Model         string
	Zone          string
	Slots         int
	ContextTokens int
	APIKeyEnv     string
	Source        string
	// KeyStored is true when an API key entered here is stored (it is never shown).
	KeyStored bool
	Editable  bool
	// Routes names the labels whose documents the policy sends to this provider.
	Routes []string
	Form   ProviderForm
	Test   *ProviderTestView
}

// ProviderForm is the form that adds or edits an admin provider, with the user's input.
type ProviderForm struct {
	Edit          bool
	Name          string
	Kind          string
	URLs          string
	Model         string
	Zone          string
	Slots         string
	ContextTokens string
	APIKeyEnv     string
	Error         string
}

// ProviderTestView is the result of a provider's connection test.
type ProviderTestView struct {
	Index         int
	Latency       time.Duration
	ContextTokens int
	Error         string
}

// Summary of a test for people: "answered in 120 ms, context 8192 tokens".
func (t ProviderTestView) Summary() string {
	if t.Error != "" {
		return "Failed: " + t.Error
	}
	s := fmt.Sprintf("Answered in %d ms", t.Latency.Milliseconds())
	if t.ContextTokens > 0 {
		s += fmt.Sprintf(", context length %d tokens", t.ContextTokens)
	}
	return s + "."
}

// GridView is the policy grid: labels by providers.
type GridView struct {
	Frame     AdminFrame
	Providers []GridProvider
	Rows      []GridRow
	Note      string
	// Error is shown next to the form after a refused save.
	Error string
}

// GridProvider is one column of the policy grid.
type GridProvider struct {
	Name string
	Kind string
	Zone string
}

// GridRow is one label's route: a cell per provider.
type GridRow struct {
	LabelID int
	Label   string
	Cells   []GridCell
	Error   string
}

// GridCell says whether a label's documents may go to a provider, in which order, and
// whether redacted.
type GridCell struct {
	Provider string
	Allowed  bool
	Order    string
	Redact   bool
}

// HistoryView is the list of policy versions.
type HistoryView struct {
	Frame    AdminFrame
	Versions []PolicyVersionView
}

// PolicyVersionView is one saved policy version.
type PolicyVersionView struct {
	Version int64
	At      time.Time
	Actor   string
	Source  string
	Note    string
	SHA256  string
}

func gridField(kind string, labelID int, provider string) string {
	return kind + "." + strconv.Itoa(labelID) + "." + provider
}

func orNone(s string) string {
	if s == "" {
		return "none yet"
	}
	return s
}

// zoneLabel names a trust zone for people.
func zoneLabel(z string) string {
	switch z {
	case "on-prem":
		return "on premises"
	case "external":
		return "external"
	case "":
		return "zone unknown"
	}
	return z
}

// errorLines splits a message of several lines (a policy's validation problems) for display.
func errorLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
