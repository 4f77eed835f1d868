package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"precis/storage"
	"precis/summarize"
	"precis/summarize/llm"
	"precis/summarize/policy"
)

// envProviders are the providers the environment declares: the Ollama server of
// PRECIS_OLLAMA_URL (one provider named "ollama", a pool when several URLs are given).
func envProviders(cfg *Config) []policy.Provider {
	if cfg.OllamaURL == "" {
		return nil
	}
	// The setting is already checked and trimmed: URLs joined by single commas.
	return []policy.Provider{{Name: "ollama", Kind: policy.KindOllama, URLs: strings.Split(cfg.OllamaURL, ","), Model: cfg.OllamaModel,
		Zone: policy.OnPrem, Slots: cfg.OllamaSlots, Source: "env"}}
}

// startSettings returns the settings this process starts with, without a database: the
// --config file when given, else the default policy over the environment's providers.
func startSettings(cfg *Config) (policy.Settings, error) {
	if cfg.ConfigFile != "" {
		return policy.LoadFile(cfg.ConfigFile)
	}
	s := policy.Default(envProviders(cfg))
	return s, s.Validate()
}

// applyPolicy makes the settings of this start the current policy version in the store.
// A --config file wins: its content becomes the current version at every start. Without
// one, the stored settings stay as the admin left them, except that the providers the
// environment declares are brought up to date; a first start saves the default policy.
func applyPolicy(ctx context.Context, cfg *Config, store *storage.Store) (*policy.Policy, error) {
	var s policy.Settings
	source, actor := "file", "config-file"
	switch cur, err := store.CurrentPolicy(ctx); {
	case cfg.ConfigFile != "":
		if s, err = policy.LoadFile(cfg.ConfigFile); err != nil {
			return nil, err
		}
	case storage.ErrorCode(err) == storage.ENOTFOUND:
		if s, err = startSettings(cfg); err != nil {
			return nil, err
		}
		source, actor = "default", "system"
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(cur.Body, &s); err != nil {
			return nil, fmt.Errorf("policy v%d: %w", cur.Version, err)
		}
		s.Managed = ""
		s.Providers = mergeEnvProviders(s.Providers, envProviders(cfg))
		source, actor = "env", "environment"
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	body, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	v, _, err := store.SavePolicy(ctx, actor, source, "", body)
	if err != nil {
		return nil, err
	}
	return &policy.Policy{Version: v, Settings: s}, nil
}

// mergeEnvProviders replaces the environment-declared providers of a stored policy by the
// ones the environment declares now. A provider the environment no longer declares is
// kept (routes may name it) but will not answer.
func mergeEnvProviders(stored, env []policy.Provider) []policy.Provider {
	out := slices.Clone(stored)
	for _, e := range env {
		i := slices.IndexFunc(out, func(p policy.Provider) bool { return p.Name == e.Name })
		if i >= 0 {
			out[i] = e
		} else {
			out = append(out, e)
		}
	}
	return out
}

// fixedPolicy is the policy of a command without a database (precis summarize).
type fixedPolicy struct{ p *policy.Policy }

func (f fixedPolicy) Current(context.Context) (*policy.Policy, error) { return f.p, nil }

// only is the provider the --provider choice restricts routes to; "" for auto.
func (cfg *Config) only() string {
	if cfg.Provider == "auto" {
		return ""
	}
	return cfg.Provider
}

// apiKey returns the API key of a provider: from its environment variable, else from the
// keys an admin stored (sealed with PRECIS_SECRET_KEY). "" for none.
func apiKey(ctx context.Context, cfg *Config, store *storage.Store, p policy.Provider) (string, error) {
	if p.APIKeyEnv != "" {
		k := os.Getenv(p.APIKeyEnv)
		if k == "" {
			return "", fmt.Errorf("provider %s: the environment variable %s that should hold its API key is empty", p.Name, p.APIKeyEnv)
		}
		return k, nil
	}
	if store == nil || cfg.SecretKey == nil {
		return "", nil
	}
	sealed, err := store.ProviderSecret(ctx, p.Name)
	if storage.ErrorCode(err) == storage.ENOTFOUND {
		return "", nil
	} else if err != nil {
		return "", err
	}
	return policy.Unseal(cfg.SecretKey, p.Name, sealed)
}

// newRouter builds the router of the server (store set) or of a command (store nil, with
// the fixed policy and label given).
func (a *app) newRouter(store *storage.Store, pols summarize.PolicySource, labelOf func(context.Context, int64) (int, error)) *summarize.Router {
	r := &summarize.Router{Policies: pols, LabelOf: labelOf, Only: a.cfg.only(),
		Redactor: func() summarize.Redactor { return summarize.NewRedactor(summarize.FindPersonalData) },
		Build:    func(p policy.Provider) (llm.Provider, error) { return a.buildProvider(store, p) }}
	if store != nil {
		r.Stamp = func(p policy.Provider) string { // a key stored anew makes a new provider
			sealed, _ := store.ProviderSecret(context.Background(), p.Name)
			return string(sealed)
		}
	}
	return r
}
