package policy

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/goccy/go-yaml"
)

// fileProvider is one provider as a settings file writes it.
type fileProvider struct {
	Name          string   `yaml:"name"`
	Kind          string   `yaml:"kind"`
	URL           string   `yaml:"url"`
	URLs          []string `yaml:"urls"`
	Model         string   `yaml:"model"`
	Zone          string   `yaml:"zone"`
	Slots         int      `yaml:"slots"`
	APIKeyEnv     string   `yaml:"api_key_env"`
	ContextTokens int      `yaml:"context_tokens"`
}

// file is the YAML settings file given with --config.
type file struct {
	Providers    []fileProvider      `yaml:"providers"`
	Labels       []string            `yaml:"labels"`
	DefaultLabel string              `yaml:"default_label"`
	Policy       map[string][]string `yaml:"policy"`
	Redact       map[string][]string `yaml:"redact"`
	Detectors    map[string]string   `yaml:"detectors"`
	Watchlist    []string            `yaml:"watchlist"`
}

// LoadFile reads a YAML settings file. Unknown keys are errors (a misspelt key must not be
// silently ignored by a security setting); every problem is named with its line where the
// YAML parser knows it.
func LoadFile(path string) (Settings, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Settings{}, fmt.Errorf("read settings file: %w", err)
	}
	s, err := ParseFile(data)
	if err != nil {
		return Settings{}, fmt.Errorf("settings file %s: %w", path, err)
	}
	s.Managed = path
	return s, nil
}

// ParseFile parses the YAML of a settings file into validated settings. Labels, default
// label and detectors may be left out for the defaults; providers and policy may not.
func ParseFile(data []byte) (Settings, error) {
	var f file
	if err := yaml.UnmarshalWithOptions(data, &f, yaml.Strict(), yaml.DisallowUnknownField()); err != nil {
		return Settings{}, errors.New(yaml.FormatError(err, false, true))
	}
	if len(f.Providers) == 0 {
		return Settings{}, errors.New("providers: at least one provider must be declared")
	}
	if f.Policy == nil {
		return Settings{}, errors.New("policy: the policy section is missing; nothing could be summarized without it")
	}
	var providers []Provider
	for _, fp := range f.Providers {
		p := Provider{Name: fp.Name, Kind: fp.Kind, URLs: fp.URLs, Model: fp.Model, Zone: Zone(fp.Zone),
			Slots: fp.Slots, APIKeyEnv: fp.APIKeyEnv, ContextTokens: fp.ContextTokens, Source: "file"}
		if fp.URL != "" {
			if len(fp.URLs) > 0 {
				return Settings{}, fmt.Errorf("providers: %s has both url and urls; use one", fp.Name)
			}
			p.URLs = splitURLs(fp.URL)
		}
		if p.Kind == KindBuiltin && p.Zone == "" {
			p.Zone = OnPrem
		}
		providers = append(providers, p)
	}
	s := Default(nil)
	s.Providers = withBuiltin(providers)
	if len(f.Labels) > 0 {
		s.Labels = nil
		for i, n := range f.Labels {
			s.Labels = append(s.Labels, Label{ID: i + 1, Name: n})
		}
		if _, ok := s.Label(s.DefaultLabel); !ok {
			s.DefaultLabel = f.Labels[len(f.Labels)-1]
		}
		s.Detectors = clampDetectors(s.Detectors, s.Labels)
	}
	if f.DefaultLabel != "" {
		s.DefaultLabel = f.DefaultLabel
	}
	if f.Detectors != nil {
		s.Detectors = f.Detectors
	}
	s.Routes, s.Redact, s.Watchlist = canonical(s.Labels, f.Policy), canonical(s.Labels, f.Redact), f.Watchlist
	for _, l := range s.Labels {
		if _, ok := s.Routes[l.Name]; !ok {
			s.Routes[l.Name] = nil // no provider: documents with this label are not summarized
		}
	}
	if err := s.Validate(); err != nil {
		return Settings{}, err
	}
	return s, nil
}

// clampDetectors maps the default detector labels onto custom labels: a default label name
// that does not exist becomes the most sensitive label.
func clampDetectors(d map[string]string, labels []Label) map[string]string {
	out := map[string]string{}
	for k, v := range d {
		out[k] = labels[len(labels)-1].Name
		for _, l := range labels {
			if strings.EqualFold(l.Name, v) {
				out[k] = l.Name
			}
		}
	}
	return out
}

// canonical rewrites the label keys of a table to the labels' own spelling, so "public:"
// and "Public:" mean the same label. Unknown keys are kept for Validate to name.
func canonical(labels []Label, table map[string][]string) map[string][]string {
	if table == nil {
		return nil
	}
	out := map[string][]string{}
	for k, v := range table {
		for _, l := range labels {
			if strings.EqualFold(l.Name, k) {
				k = l.Name
			}
		}
		out[k] = append(out[k], v...)
	}
	return out
}

// splitURLs splits a comma-separated list of endpoint URLs.
func splitURLs(v string) []string {
	var out []string
	for _, u := range strings.Split(v, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}
