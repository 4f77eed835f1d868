package policy

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
)

// Policy is one saved version of the settings.
type Policy struct {
	Version int64
	Settings
}

// Decision is the policy's answer to "may this provider see this document?".
type Decision struct {
	Version  int64
	Label    Label
	Provider Provider
	// Redact is true when detected personal data must be replaced before the text leaves.
	Redact bool
}

// Denied is a model call the policy refuses. Its message is what a user reads.
type Denied struct {
	Version  int64
	Label    string
	Provider string
	Zone     Zone
	Why      string
}

func (d *Denied) Error() string {
	if d.Why != "" {
		return d.Why
	}
	return fmt.Sprintf("%s documents may not be sent to %s (%s) under policy v%d.", d.Label, d.Provider, d.Zone, d.Version)
}

// IsDenied reports whether err is (or wraps) a policy refusal.
func IsDenied(err error) bool {
	var d *Denied
	return errors.As(err, &d)
}

// Allow decides whether the provider may see a document labelled labelID. It fails closed:
// an unknown label or provider is a refusal.
func (p *Policy) Allow(labelID int, provider string) (Decision, error) {
	l, ok := p.LabelByID(labelID)
	if !ok {
		return Decision{}, &Denied{Version: p.Version, Provider: provider,
			Why: fmt.Sprintf("The document's label (id %d) is not in policy v%d; nothing is sent until an admin labels it.", labelID, p.Version)}
	}
	prov, ok := p.Provider(provider)
	if !ok {
		return Decision{}, &Denied{Version: p.Version, Label: l.Name, Provider: provider,
			Why: fmt.Sprintf("Provider %s is not configured in policy v%d.", provider, p.Version)}
	}
	if !slices.Contains(p.Routes[l.Name], provider) {
		return Decision{}, &Denied{Version: p.Version, Label: l.Name, Provider: provider, Zone: prov.Zone}
	}
	return Decision{Version: p.Version, Label: l, Provider: prov, Redact: slices.Contains(p.Redact[l.Name], provider)}, nil
}

// Route is the ordered list of providers allowed for the label id; empty when none is.
func (p *Policy) Route(labelID int) []Provider {
	l, ok := p.LabelByID(labelID)
	if !ok {
		return nil
	}
	var out []Provider
	for _, name := range p.Routes[l.Name] {
		if prov, ok := p.Provider(name); ok {
			out = append(out, prov)
		}
	}
	return out
}

// Raise returns the more sensitive of two label ids (by the policy's order).
func (p *Policy) Raise(a, b int) int {
	if p.Rank(b) > p.Rank(a) {
		return b
	}
	return a
}

func checkURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("must be an http or https URL")
	}
	if u.User != nil {
		return errors.New("must not contain a user name or password (use api_key_env)")
	}
	return nil
}
