package policy

import (
	"strings"
	"testing"
)

const example = `
providers:
  - {name: local, kind: ollama, url: "http://ollama:11434", model: "qwen2.5:7b-instruct", zone: on-prem, slots: 4}
  - {name: cloud, kind: openai, url: "https://api.openai.com/v1", model: "gpt-4o-mini", api_key_env: OPENAI_API_KEY, zone: external}
labels: [Public, Internal, Confidential, Privileged]
policy:
  Public: [cloud, local]
  internal: [local]
  Confidential: [local]
  Privileged: [local]
redact:
  Public: [cloud]
`

func TestParseFileExample(t *testing.T) {
	s, err := ParseFile([]byte(example))
	if err != nil {
		t.Fatal(err)
	}
	p := &Policy{Version: 7, Settings: s}
	pub, _ := s.Label("Public")
	conf, _ := s.Label("confidential")
	d, err := p.Allow(pub.ID, "cloud")
	if err != nil || !d.Redact || d.Version != 7 || d.Provider.Zone != External {
		t.Fatalf("Public to cloud: %+v, %v", d, err)
	}
	if _, err := p.Allow(conf.ID, "cloud"); err == nil || err.Error() != "Confidential documents may not be sent to cloud (external) under policy v7." {
		t.Fatalf("Confidential to cloud: %v", err)
	}
	if _, err := p.Allow(conf.ID, "builtin"); !IsDenied(err) {
		t.Fatalf("builtin is not listed for Confidential in the file, so it is refused: %v", err)
	}
	if got := p.Route(pub.ID); len(got) != 2 || got[0].Name != "cloud" || got[1].Name != "local" {
		t.Fatalf("route of Public: %+v", got)
	}
	in, _ := s.Label("Internal")
	if got := p.Route(in.ID); len(got) != 1 || got[0].Name != "local" {
		t.Fatalf("lower-case key must name the label: %+v", got)
	}
	if _, err := p.Allow(99, "local"); !IsDenied(err) {
		t.Fatal("an unknown label must be refused")
	}
	if _, err := p.Allow(pub.ID, "nobody"); !IsDenied(err) {
		t.Fatal("an unknown provider must be refused")
	}
}

func TestDefaultIsOnPremOnly(t *testing.T) {
	s := Default([]Provider{
		{Name: "local", Kind: KindOllama, URLs: []string{"http://x:11434"}, Model: "m", Zone: OnPrem},
		{Name: "cloud", Kind: KindOpenAI, URLs: []string{"https://api.example/v1"}, Model: "m", Zone: External},
	})
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	p := &Policy{Version: 1, Settings: s}
	for _, l := range s.Labels {
		if _, err := p.Allow(l.ID, "cloud"); !IsDenied(err) {
			t.Errorf("%s: default policy lets an external provider see it", l.Name)
		}
		for _, name := range []string{"local", "builtin"} {
			if _, err := p.Allow(l.ID, name); err != nil {
				t.Errorf("%s to %s: %v", l.Name, name, err)
			}
		}
	}
}

func TestParseFileErrors(t *testing.T) {
	cases := map[string]struct{ yaml, want string }{
		"unknown key": {`providers: [{name: a, kind: builtin}]
polcy: {}`, "unknown field"},
		"no policy": {`providers: [{name: a, kind: builtin}]`, "policy section is missing"},
		"bad zone":  {`providers: [{name: a, kind: ollama, url: "http://x", model: m, zone: cloud}]` + "\npolicy: {}", `zone must be "on-prem" or "external"`},
		"bad url":   {`providers: [{name: a, kind: ollama, url: "ftp://x", model: m, zone: on-prem}]` + "\npolicy: {}", "must be an http or https URL"},
		"unknown provider in policy": {`providers: [{name: a, kind: builtin}]
policy: {Public: [b]}`, `lists "b", which is not a configured provider`},
		"unknown label": {`providers: [{name: a, kind: builtin}]
policy: {Secret: [a]}`, `"Secret" is not one of the labels`},
		"redact not allowed": {`providers: [{name: a, kind: builtin}]
policy: {Public: [a]}
redact: {Internal: [a]}`, "does not allow for Internal at all"},
		"builtin external": {`providers: [{name: a, kind: builtin, zone: external}]
policy: {}`, "always on-prem"},
		"url and urls": {`providers: [{name: a, kind: ollama, url: "http://x", urls: ["http://y"], model: m, zone: on-prem}]
policy: {}`, "both url and urls"},
		"duplicate label": {`providers: [{name: a, kind: builtin}]
labels: [A, a]
policy: {}`, "appears twice"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseFile([]byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestCustomLabels(t *testing.T) {
	s, err := ParseFile([]byte(`providers: [{name: local, kind: ollama, urls: ["http://a:1", "http://b:2"], model: m, zone: on-prem}]
labels: [Open, Restricted, Secret]
policy: {Open: [local, builtin], Restricted: [local]}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.DefaultLabel != "Secret" {
		t.Errorf("default label %q: with custom labels and none named, the most sensitive", s.DefaultLabel)
	}
	if l, _ := s.LabelFor("card", "personal_data"); l.Name != "Secret" {
		t.Errorf("detector label %q", l.Name)
	}
	p := &Policy{Version: 2, Settings: s}
	secret, _ := s.Label("Secret")
	if r := p.Route(secret.ID); len(r) != 0 {
		t.Errorf("a label left out of the policy has no provider: %+v", r)
	}
	if pr, _ := s.Provider("local"); len(pr.URLs) != 2 {
		t.Errorf("urls %v", pr.URLs)
	}
}

func TestSeal(t *testing.T) {
	key := make([]byte, 32)
	key[0] = 7
	sealed, err := Seal(key, "cloud", "sk-secret-value")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), "sk-secret-value") {
		t.Fatal("the sealed key holds the plaintext")
	}
	if got, err := Unseal(key, "cloud", sealed); err != nil || got != "sk-secret-value" {
		t.Fatalf("unseal: %q %v", got, err)
	}
	if _, err := Unseal(key, "other", sealed); err == nil {
		t.Fatal("a key sealed for one provider opened for another")
	}
	key[1] = 1
	if _, err := Unseal(key, "cloud", sealed); err == nil || !strings.Contains(err.Error(), "PRECIS_SECRET_KEY") {
		t.Fatalf("wrong key: %v", err)
	}
}
