// Package policy decides which model providers may see a document, from the document's
// classification label and the firm's written policy, and nothing else.
//
// A Settings value is the whole of it: the ordered labels, the providers with their trust
// zones, for each label the ordered list of providers allowed to see its documents, where
// personal data is redacted before it leaves, which label each detector's findings imply, and
// the watchlist. Every saved change is a new numbered version; every model call records the
// version it was allowed under. Model output never reaches this package: routing is decided
// from the label, the detectors and the policy only.
package policy

import (
	"fmt"
	"slices"
	"strings"
)

// Zone is where a provider runs, which is what a policy trusts or not.
type Zone string

// Trust zones.
const (
	OnPrem   Zone = "on-prem"
	External Zone = "external"
)

// Provider kinds.
const (
	KindOllama  = "ollama"
	KindOpenAI  = "openai"
	KindBuiltin = "builtin"
)

// Builtin is the name of the built-in extractive summarizer, always an on-premises provider.
const Builtin = "builtin"

// Label is one classification label. ID is stable across renames; documents refer to it.
type Label struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// Provider is one configured model provider. Secrets are not part of it: APIKeyEnv names
// the environment variable holding the key; a key entered by an admin is kept encrypted
// apart from the policy.
type Provider struct {
	Name          string   `json:"name"`
	Kind          string   `json:"kind"`
	URLs          []string `json:"urls,omitempty"`
	Model         string   `json:"model,omitempty"`
	Zone          Zone     `json:"zone"`
	Slots         int      `json:"slots,omitempty"`
	APIKeyEnv     string   `json:"api_key_env,omitempty"`
	ContextTokens int      `json:"context_tokens,omitempty"`
	// Source says who declares the provider: "file" (--config), "env" (PRECIS_OLLAMA_*),
	// "builtin" or "admin". Only admin-declared providers are edited in the admin pages.
	Source string `json:"source,omitempty"`
}

// Settings is everything a policy version holds.
type Settings struct {
	// Labels from least to most sensitive.
	Labels []Label `json:"labels"`
	// DefaultLabel is the label an upload gets when the uploader does not choose one.
	DefaultLabel string     `json:"default_label"`
	Providers    []Provider `json:"providers"`
	// Routes lists, for each label name, the providers allowed to see its documents, in the
	// order they are tried.
	Routes map[string][]string `json:"routes"`
	// Redact lists, for each label name, the providers that receive its text only with
	// detected personal data replaced by placeholders.
	Redact map[string][]string `json:"redact,omitempty"`
	// Detectors maps a detector name or category to the least label its findings imply.
	Detectors map[string]string `json:"detectors"`
	// Watchlist holds client and matter names whose mention raises a document's label.
	Watchlist []string `json:"watchlist,omitempty"`
	// Managed names what declares these settings when it is not the admin pages: the path of
	// the --config file. The admin pages show managed settings read-only.
	Managed string `json:"managed,omitempty"`
}

// DefaultLabels are the labels a new installation starts with.
var DefaultLabels = []string{"Public", "Internal", "Confidential", "Privileged"}

// Default returns the settings of a new installation: the default labels, the given
// providers plus the built-in summarizer, and every label allowed on the on-premises
// providers only, in the given order, the built-in summarizer last.
func Default(providers []Provider) Settings {
	s := Settings{DefaultLabel: "Confidential", Routes: map[string][]string{},
		Detectors: map[string]string{"privilege": "Privileged", "personal_data": "Confidential", "watchlist": "Confidential"}}
	for i, n := range DefaultLabels {
		s.Labels = append(s.Labels, Label{ID: i + 1, Name: n})
	}
	s.Providers = withBuiltin(providers)
	var onPrem []string
	for _, p := range s.Providers {
		if p.Zone == OnPrem {
			onPrem = append(onPrem, p.Name)
		}
	}
	for _, l := range s.Labels {
		s.Routes[l.Name] = slices.Clone(onPrem)
	}
	return s
}

// withBuiltin returns providers with the built-in summarizer added when it is missing.
func withBuiltin(providers []Provider) []Provider {
	out := slices.Clone(providers)
	for _, p := range out {
		if p.Kind == KindBuiltin {
			return out
		}
	}
	return append(out, Provider{Name: Builtin, Kind: KindBuiltin, Zone: OnPrem, Source: "builtin"})
}

// Label returns the label called name (case-insensitive).
func (s *Settings) Label(name string) (Label, bool) {
	for _, l := range s.Labels {
		if strings.EqualFold(l.Name, name) {
			return l, true
		}
	}
	return Label{}, false
}

// LabelByID returns the label with the stable id.
func (s *Settings) LabelByID(id int) (Label, bool) {
	for _, l := range s.Labels {
		if l.ID == id {
			return l, true
		}
	}
	return Label{}, false
}

// Rank is the position of the label id from least sensitive (0); -1 when unknown.
func (s *Settings) Rank(id int) int {
	return slices.IndexFunc(s.Labels, func(l Label) bool { return l.ID == id })
}

// Provider returns the provider called name.
func (s *Settings) Provider(name string) (Provider, bool) {
	for _, p := range s.Providers {
		if p.Name == name {
			return p, true
		}
	}
	return Provider{}, false
}

// LabelFor returns the least label a finding of the detector (or its category) implies.
func (s *Settings) LabelFor(detector, category string) (Label, bool) {
	name, ok := s.Detectors[detector]
	if !ok {
		name, ok = s.Detectors[category]
	}
	if !ok {
		return Label{}, false
	}
	return s.Label(name)
}

// Validate checks the settings and names every problem.
func (s *Settings) Validate() error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if len(s.Labels) == 0 {
		bad("labels: at least one label is needed")
	}
	ids, names := map[int]bool{}, map[string]bool{}
	for _, l := range s.Labels {
		key := strings.ToLower(l.Name)
		switch {
		case strings.TrimSpace(l.Name) == "" || strings.TrimSpace(l.Name) != l.Name:
			bad("labels: %q is not a valid name (no empty names, no leading or trailing spaces)", l.Name)
		case len(l.Name) > 40 || strings.ContainsAny(l.Name, "\n\r\t,"):
			bad("labels: %q is too long or holds a comma, tab or line break", l.Name)
		case names[key]:
			bad("labels: %q appears twice", l.Name)
		}
		if ids[l.ID] || l.ID <= 0 {
			bad("labels: %q has a duplicate or invalid id %d", l.Name, l.ID)
		}
		ids[l.ID], names[key] = true, true
	}
	if _, ok := s.Label(s.DefaultLabel); !ok {
		bad("default_label: %q is not one of the labels", s.DefaultLabel)
	}
	pnames := map[string]bool{}
	for _, p := range s.Providers {
		if err := p.validate(); err != nil {
			bad("providers: %v", err)
		}
		if pnames[p.Name] {
			bad("providers: %q appears twice", p.Name)
		}
		pnames[p.Name] = true
	}
	s.validateRoutes(bad, pnames)
	for det, label := range s.Detectors {
		if _, ok := s.Label(label); !ok {
			bad("detectors: %s maps to %q, which is not one of the labels", det, label)
		}
	}
	for _, w := range s.Watchlist {
		if len(strings.Fields(w)) == 0 {
			bad("watchlist: empty entries are not allowed")
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("invalid policy:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

func (s *Settings) validateRoutes(bad func(string, ...any), pnames map[string]bool) {
	for _, section := range []struct {
		name  string
		table map[string][]string
	}{{"policy", s.Routes}, {"redact", s.Redact}} {
		for label, providers := range section.table {
			if _, ok := s.Label(label); !ok {
				bad("%s: %q is not one of the labels", section.name, label)
			}
			seen := map[string]bool{}
			for _, p := range providers {
				switch {
				case !pnames[p]:
					bad("%s: %s lists %q, which is not a configured provider", section.name, label, p)
				case seen[p]:
					bad("%s: %s lists %q twice", section.name, label, p)
				case section.name == "redact" && !slices.Contains(s.Routes[label], p):
					bad("redact: %s lists %q, which the policy does not allow for %s at all", label, p, label)
				}
				seen[p] = true
			}
		}
	}
}

func (p Provider) validate() error {
	if p.Name == "" || strings.ContainsAny(p.Name, " \t\n,") || len(p.Name) > 40 {
		return fmt.Errorf("%q is not a valid name (1 to 40 characters, no spaces or commas)", p.Name)
	}
	if p.Zone != OnPrem && p.Zone != External {
		return fmt.Errorf("%s: zone must be %q or %q, not %q", p.Name, OnPrem, External, p.Zone)
	}
	switch p.Kind {
	case KindBuiltin:
		if p.Zone != OnPrem {
			return fmt.Errorf("%s: the built-in summarizer is always on-prem", p.Name)
		}
		return nil
	case KindOllama, KindOpenAI:
	default:
		return fmt.Errorf("%s: kind must be ollama, openai or builtin, not %q", p.Name, p.Kind)
	}
	if len(p.URLs) == 0 {
		return fmt.Errorf("%s: url is missing", p.Name)
	}
	for _, u := range p.URLs {
		if err := checkURL(u); err != nil {
			return fmt.Errorf("%s: url %q %v", p.Name, u, err)
		}
	}
	if p.Model == "" {
		return fmt.Errorf("%s: model is missing", p.Name)
	}
	if p.Slots < 0 || p.Slots > 256 {
		return fmt.Errorf("%s: slots must be from 1 to 256", p.Name)
	}
	if p.Kind == KindOllama && p.APIKeyEnv != "" {
		return fmt.Errorf("%s: Ollama takes no API key", p.Name)
	}
	return nil
}
