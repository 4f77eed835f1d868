package policy

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// editBase is a valid policy with an env provider, an admin provider and an admin cloud
// provider allowed (redacted) for Public.
func editBase(t *testing.T) Settings {
	t.Helper()
	s := Default([]Provider{
		{Name: "ollama", Kind: KindOllama, URLs: []string{"http://ollama:11434"}, Model: "m", Zone: OnPrem, Source: "env"},
		{Name: "gpu", Kind: KindOllama, URLs: []string{"http://gpu:11434"}, Model: "m", Zone: OnPrem, Source: "admin"},
		{Name: "cloud", Kind: KindOpenAI, URLs: []string{"https://api.example/v1"}, Model: "m", Zone: External, Source: "admin"},
	})
	s.Routes["Public"] = []string{"cloud", "ollama"}
	s.Redact = map[string][]string{"Public": {"cloud"}}
	s.Watchlist = []string{"Acme Corp"}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

func snapshot(t *testing.T, s Settings) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEditsLeaveTheOriginal(t *testing.T) {
	s := editBase(t)
	before := snapshot(t, s)
	edits := map[string]func() (Settings, error){
		"rename":   func() (Settings, error) { return s.RenameLabel(1, "Open") },
		"add":      func() (Settings, error) { return s.AddLabel("Restricted", 2) },
		"default":  func() (Settings, error) { return s.SetDefaultLabel("internal") },
		"detector": func() (Settings, error) { return s.SetDetectorLabel("email", "Privileged") },
		"watch":    func() (Settings, error) { return s.SetWatchlist([]string{" Globex ", "", "Initech"}) },
		"route":    func() (Settings, error) { return s.SetRoute("Internal", []string{"gpu", "builtin"}, nil) },
		"update": func() (Settings, error) {
			return s.UpdateProvider(Provider{Name: "gpu", Kind: KindOllama, URLs: []string{"http://gpu2:11434"}, Model: "x", Zone: OnPrem})
		},
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			got, err := edit()
			if err != nil {
				t.Fatal(err)
			}
			if snapshot(t, got) == before {
				t.Error("the edit changed nothing")
			}
			if snapshot(t, s) != before {
				t.Error("the edit modified the original settings")
			}
		})
	}
}

func TestRenameLabelFollowsReferences(t *testing.T) {
	s := editBase(t)
	got, err := s.RenameLabel(1, "  Open ")
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := got.LabelByID(1); l.Name != "Open" {
		t.Fatalf("label 1 = %q", l.Name)
	}
	if r := got.Routes["Open"]; !slices.Equal(r, []string{"cloud", "ollama"}) || got.Routes["Public"] != nil {
		t.Errorf("routes not moved: %v", got.Routes)
	}
	if !slices.Equal(got.Redact["Open"], []string{"cloud"}) {
		t.Errorf("redact not moved: %v", got.Redact)
	}
	conf, _ := got.RenameLabel(3, "Secret")
	if conf.DefaultLabel != "Secret" || conf.Detectors["personal_data"] != "Secret" || conf.Detectors["watchlist"] != "Secret" {
		t.Errorf("default %q, detectors %v", conf.DefaultLabel, conf.Detectors)
	}
	p := &Policy{Version: 2, Settings: got}
	if d, err := p.Allow(1, "cloud"); err != nil || !d.Redact {
		t.Errorf("renamed label lost its route: %+v %v", d, err)
	}
	if got, err := s.RenameLabel(1, "public"); err != nil || got.Labels[0].Name != "public" {
		t.Errorf("a change of case is a rename: %v", err)
	}
}

func TestAddLabel(t *testing.T) {
	got, err := editBase(t).AddLabel("Restricted", 2)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range got.Labels {
		names = append(names, l.Name)
	}
	if !slices.Equal(names, []string{"Public", "Internal", "Restricted", "Confidential", "Privileged"}) {
		t.Fatalf("order %v", names)
	}
	l, _ := got.Label("Restricted")
	if l.ID != 5 {
		t.Errorf("new id %d, want 5 (ids are never reused)", l.ID)
	}
	p := &Policy{Version: 2, Settings: got}
	if r := p.Route(l.ID); len(r) != 0 {
		t.Errorf("a new label must have no provider until one is allowed: %v", r)
	}
	if p.Rank(l.ID) <= p.Rank(2) || p.Rank(l.ID) >= p.Rank(3) {
		t.Error("new label ranks outside its position")
	}
}

func TestEditErrors(t *testing.T) {
	s := editBase(t)
	cases := map[string]struct {
		edit func() (Settings, error)
		want string
	}{
		"rename to existing":    {func() (Settings, error) { return s.RenameLabel(1, "internal") }, "exists already"},
		"rename unknown id":     {func() (Settings, error) { return s.RenameLabel(9, "X") }, "no label with id 9"},
		"rename with comma":     {func() (Settings, error) { return s.RenameLabel(1, "A,B") }, "comma"},
		"rename empty":          {func() (Settings, error) { return s.RenameLabel(1, " ") }, "new name of Public"},
		"add existing":          {func() (Settings, error) { return s.AddLabel("PUBLIC", 0) }, "exists already"},
		"add out of range":      {func() (Settings, error) { return s.AddLabel("X", 9) }, "outside the 4 labels"},
		"default unknown":       {func() (Settings, error) { return s.SetDefaultLabel("Secret") }, `no label named "Secret"`},
		"detector bad label":    {func() (Settings, error) { return s.SetDetectorLabel("email", "Secret") }, `no label named "Secret"`},
		"route unknown":         {func() (Settings, error) { return s.SetRoute("Public", []string{"nobody"}, nil) }, "not a configured provider"},
		"route twice":           {func() (Settings, error) { return s.SetRoute("Public", []string{"gpu", "gpu"}, nil) }, "twice"},
		"redact not routed":     {func() (Settings, error) { return s.SetRoute("Public", []string{"gpu"}, []string{"cloud"}) }, "not allowed for Public at all"},
		"add existing provider": {func() (Settings, error) { return s.AddProvider(Provider{Name: "gpu", Kind: KindOllama}) }, "exists already"},
		"add builtin kind": {func() (Settings, error) {
			return s.AddProvider(Provider{Name: "b2", Kind: KindBuiltin, Zone: OnPrem})
		}, "ollama or openai"},
		"add bad url": {func() (Settings, error) {
			return s.AddProvider(Provider{Name: "x", Kind: KindOllama, URLs: []string{"ftp://x"}, Model: "m", Zone: OnPrem})
		}, "http or https"},
		"update env provider": {func() (Settings, error) {
			return s.UpdateProvider(Provider{Name: "ollama", Kind: KindOllama, URLs: []string{"http://x"}, Model: "m", Zone: OnPrem})
		}, "declared by the environment"},
		"remove routed":  {func() (Settings, error) { return s.RemoveProvider("cloud") }, "sends Public documents to cloud"},
		"remove builtin": {func() (Settings, error) { return s.RemoveProvider("builtin") }, "declared by Precis itself"},
		"remove unknown": {func() (Settings, error) { return s.RemoveProvider("nope") }, `no provider named "nope"`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := c.edit()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
			if got.Labels != nil {
				t.Error("a refused edit returned settings")
			}
		})
	}
}

func TestProviderEdits(t *testing.T) {
	s := editBase(t)
	added, err := s.AddProvider(Provider{Name: "azure", Kind: KindOpenAI, URLs: []string{"https://az.example/v1"},
		Model: "gpt", Zone: External, Source: "file"})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := added.Provider("azure")
	if p.Source != "admin" || !p.Editable() {
		t.Errorf("added provider source %q, want admin whatever the caller says", p.Source)
	}
	for _, l := range added.Labels {
		if slices.Contains(added.Routes[l.Name], "azure") {
			t.Errorf("a new provider must be on no route, but %s lists it", l.Name)
		}
	}
	freed, err := s.SetRoute("Public", []string{"ollama"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	removed, err := freed.RemoveProvider("cloud")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := removed.Provider("cloud"); ok {
		t.Error("cloud still configured")
	}
	if _, ok := removed.Redact["Public"]; ok {
		t.Error("an empty route leaves no redact entry")
	}
}

func TestManagedSettingsRefuseEdits(t *testing.T) {
	s := editBase(t)
	s.Managed = "/etc/precis/settings.yaml"
	for name, edit := range map[string]func() (Settings, error){
		"rename": func() (Settings, error) { return s.RenameLabel(1, "Open") },
		"route":  func() (Settings, error) { return s.SetRoute("Public", nil, nil) },
		"watch":  func() (Settings, error) { return s.SetWatchlist(nil) },
	} {
		_, err := edit()
		var m *ManagedError
		if err == nil || !strings.Contains(err.Error(), "/etc/precis/settings.yaml") {
			t.Errorf("%s: %v, want a refusal naming the file", name, err)
		} else if !asManaged(err, &m) {
			t.Errorf("%s: error is not a *ManagedError", name)
		}
	}
}

func asManaged(err error, m **ManagedError) bool {
	e, ok := err.(*ManagedError)
	*m = e
	return ok
}
