package policy

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The edits below are what the admin pages do to the settings. Each takes the settings by
// value and returns a changed copy that passed Validate; the receiver is never modified,
// so a refused edit leaves nothing half done. Settings a --config file declares (Managed)
// are refused: that file is what declares them.

// ManagedError refuses an edit of settings that a --config file declares.
type ManagedError struct{ File string }

func (e *ManagedError) Error() string {
	return fmt.Sprintf("These settings are declared by the file %s (--config), so they cannot be changed here. "+
		"Edit that file and restart Precis.", e.File)
}

// Editable reports whether the admin pages may change or remove the provider: only the
// providers an admin added there.
func (p Provider) Editable() bool { return p.Source == "admin" }

// Clone returns a deep copy of the settings.
func (s Settings) Clone() Settings {
	c := s
	c.Labels = slices.Clone(s.Labels)
	c.Providers = slices.Clone(s.Providers)
	for i := range c.Providers {
		c.Providers[i].URLs = slices.Clone(c.Providers[i].URLs)
	}
	c.Routes, c.Redact = cloneTable(s.Routes), cloneTable(s.Redact)
	c.Detectors = maps.Clone(s.Detectors)
	c.Watchlist = slices.Clone(s.Watchlist)
	return c
}

func cloneTable(t map[string][]string) map[string][]string {
	if t == nil {
		return nil
	}
	out := make(map[string][]string, len(t))
	for k, v := range t {
		out[k] = slices.Clone(v)
	}
	return out
}

// edit applies fn to a copy of s and validates the result.
func (s Settings) edit(fn func(c *Settings) error) (Settings, error) {
	if s.Managed != "" {
		return Settings{}, &ManagedError{File: s.Managed}
	}
	c := s.Clone()
	if err := fn(&c); err != nil {
		return Settings{}, err
	}
	if err := c.Validate(); err != nil {
		return Settings{}, err
	}
	return c, nil
}

// RenameLabel renames the label with the stable id; routes, redaction, the default label
// and the detector mappings follow the new name. Documents keep their label, which they
// refer to by id.
func (s Settings) RenameLabel(id int, name string) (Settings, error) {
	name = strings.TrimSpace(name)
	return s.edit(func(c *Settings) error {
		i := slices.IndexFunc(c.Labels, func(l Label) bool { return l.ID == id })
		if i < 0 {
			return fmt.Errorf("there is no label with id %d", id)
		}
		if name == "" {
			return fmt.Errorf("type the new name of %s", c.Labels[i].Name)
		}
		if other, ok := c.Label(name); ok && other.ID != id {
			return fmt.Errorf("a label named %s exists already", other.Name)
		}
		old := c.Labels[i].Name
		c.Labels[i].Name = name
		rekey(c.Routes, old, name)
		rekey(c.Redact, old, name)
		if strings.EqualFold(c.DefaultLabel, old) {
			c.DefaultLabel = name
		}
		for k, v := range c.Detectors {
			if strings.EqualFold(v, old) {
				c.Detectors[k] = name
			}
		}
		return nil
	})
}

// rekey moves the entry of label old to label to.
func rekey(t map[string][]string, old, to string) {
	for _, k := range slices.Collect(maps.Keys(t)) {
		if v := t[k]; strings.EqualFold(k, old) {
			delete(t, k)
			t[to] = v
		}
	}
}

// AddLabel inserts a label at position at of the order (0 is the least sensitive,
// len(Labels) the most). It gets a new id and no provider: its documents are not sent to
// any model until a route is set for it.
func (s Settings) AddLabel(name string, at int) (Settings, error) {
	name = strings.TrimSpace(name)
	return s.edit(func(c *Settings) error {
		if name == "" {
			return fmt.Errorf("type the name of the new label")
		}
		if l, ok := c.Label(name); ok {
			return fmt.Errorf("a label named %s exists already", l.Name)
		}
		if at < 0 || at > len(c.Labels) {
			return fmt.Errorf("position %d is outside the %d labels", at, len(c.Labels))
		}
		id := 1
		for _, l := range c.Labels {
			id = max(id, l.ID+1)
		}
		c.Labels = slices.Insert(c.Labels, at, Label{ID: id, Name: name})
		if c.Routes == nil {
			c.Routes = map[string][]string{}
		}
		c.Routes[name] = nil
		return nil
	})
}

// SetDefaultLabel makes the named label the one an upload gets when the uploader does not
// choose one.
func (s Settings) SetDefaultLabel(name string) (Settings, error) {
	return s.edit(func(c *Settings) error {
		l, ok := c.Label(strings.TrimSpace(name))
		if !ok {
			return fmt.Errorf("there is no label named %q", name)
		}
		c.DefaultLabel = l.Name
		return nil
	})
}

// SetDetectorLabel sets the least label the findings of a detector or category imply; an
// empty label removes the mapping (a detector then falls back to its category, a category
// raises nothing).
func (s Settings) SetDetectorLabel(key, label string) (Settings, error) {
	return s.edit(func(c *Settings) error {
		if key == "" || strings.ContainsAny(key, " \t\n") {
			return fmt.Errorf("%q is not a detector or category name", key)
		}
		if label == "" {
			delete(c.Detectors, key)
			return nil
		}
		l, ok := c.Label(label)
		if !ok {
			return fmt.Errorf("%s: there is no label named %q", key, label)
		}
		if c.Detectors == nil {
			c.Detectors = map[string]string{}
		}
		c.Detectors[key] = l.Name
		return nil
	})
}

// SetWatchlist replaces the watchlist; entries are trimmed and blank ones dropped.
func (s Settings) SetWatchlist(entries []string) (Settings, error) {
	return s.edit(func(c *Settings) error {
		c.Watchlist = nil
		for _, e := range entries {
			if e = strings.TrimSpace(e); e != "" {
				c.Watchlist = append(c.Watchlist, e)
			}
		}
		return nil
	})
}

// AddProvider adds an admin provider (kind ollama or openai). A new provider is on no
// route: no document is sent to it until the policy allows it.
func (s Settings) AddProvider(p Provider) (Settings, error) {
	return s.edit(func(c *Settings) error {
		if err := adminKind(p); err != nil {
			return err
		}
		if _, ok := c.Provider(p.Name); ok {
			return fmt.Errorf("a provider named %s exists already; choose another name", p.Name)
		}
		p.Source = "admin"
		c.Providers = append(c.Providers, p)
		return nil
	})
}

// UpdateProvider replaces the admin provider of the same name. Its name cannot change (its
// stored API key and the routes refer to it): add a new provider instead.
func (s Settings) UpdateProvider(p Provider) (Settings, error) {
	return s.edit(func(c *Settings) error {
		i, err := c.adminProvider(p.Name)
		if err != nil {
			return err
		}
		if err := adminKind(p); err != nil {
			return err
		}
		p.Source = "admin"
		c.Providers[i] = p
		return nil
	})
}

// RemoveProvider removes an admin provider that no route lists.
func (s Settings) RemoveProvider(name string) (Settings, error) {
	return s.edit(func(c *Settings) error {
		i, err := c.adminProvider(name)
		if err != nil {
			return err
		}
		var routed []string
		for _, l := range c.Labels {
			if slices.Contains(c.Routes[l.Name], name) {
				routed = append(routed, l.Name)
			}
		}
		if len(routed) > 0 {
			return fmt.Errorf("the policy sends %s documents to %s; take %s off those routes in the policy grid first",
				strings.Join(routed, ", "), name, name)
		}
		c.Providers = slices.Delete(c.Providers, i, i+1)
		for k, v := range c.Redact {
			c.Redact[k] = slices.DeleteFunc(v, func(n string) bool { return n == name })
		}
		return nil
	})
}

// adminProvider returns the index of the provider called name if an admin may edit it.
func (s *Settings) adminProvider(name string) (int, error) {
	i := slices.IndexFunc(s.Providers, func(p Provider) bool { return p.Name == name })
	if i < 0 {
		return 0, fmt.Errorf("there is no provider named %q", name)
	}
	if p := s.Providers[i]; !p.Editable() {
		return 0, fmt.Errorf("provider %s is declared by %s, so it cannot be changed here", name, sourceName(p.Source))
	}
	return i, nil
}

func adminKind(p Provider) error {
	if p.Kind != KindOllama && p.Kind != KindOpenAI {
		return fmt.Errorf("%s: the admin pages add providers of kind ollama or openai, not %q", p.Name, p.Kind)
	}
	return nil
}

// sourceName says who declares a provider of the source, for messages.
func sourceName(source string) string {
	switch source {
	case "file":
		return "the settings file (--config)"
	case "env":
		return "the environment (PRECIS_OLLAMA_URL)"
	case "builtin":
		return "Precis itself"
	}
	return "no admin page"
}

// SetRoute sets, for one label, the providers allowed to see its documents in the order
// they are tried, and those of them that receive its text only with personal data redacted.
func (s Settings) SetRoute(label string, route, redact []string) (Settings, error) {
	return s.edit(func(c *Settings) error {
		l, ok := c.Label(label)
		if !ok {
			return fmt.Errorf("there is no label named %q", label)
		}
		for _, r := range redact {
			if !slices.Contains(route, r) {
				return fmt.Errorf("%s: redaction is set for %s, which is not allowed for %s at all", l.Name, r, l.Name)
			}
		}
		if c.Routes == nil {
			c.Routes = map[string][]string{}
		}
		c.Routes[l.Name] = slices.Clone(route)
		if len(redact) == 0 {
			delete(c.Redact, l.Name)
			return nil
		}
		if c.Redact == nil {
			c.Redact = map[string][]string{}
		}
		c.Redact[l.Name] = slices.Clone(redact)
		return nil
	})
}
