package main

import (
	"context"
	"fmt"

	"precis/storage"
	"precis/summarize/llm"
	"precis/summarize/policy"
)

// buildProvider makes the model provider a policy declares: an Ollama server, several as
// one pool, or an OpenAI-compatible server. The built-in summarizer is not built here.
func (a *app) buildProvider(store *storage.Store, p policy.Provider) (llm.Provider, error) {
	slots := p.Slots
	if slots == 0 {
		slots = a.cfg.OllamaSlots
	}
	// One server retries its own calls; pooled servers fail fast and the pool moves the call
	// to another server (it retries only replies cut off by a server that still answers).
	retries := 3
	if len(p.URLs) > 1 {
		retries = 0
	}
	var endpoints []llm.Provider
	for _, u := range p.URLs {
		var ep llm.Provider
		var err error
		switch p.Kind {
		case policy.KindOllama:
			maxCtx := a.cfg.OllamaMaxContext
			if p.ContextTokens > 0 {
				maxCtx = p.ContextTokens
			}
			ep, err = llm.NewOllama(llm.OllamaConfig{Name: p.Name, URL: u, Model: p.Model, Slots: slots,
				MaxContext: maxCtx, Timeout: a.cfg.OllamaTimeout, Retries: retries})
		case policy.KindOpenAI:
			ep, err = a.openAI(store, p, u, slots, retries)
		default:
			return nil, fmt.Errorf("provider %s: kind %q has no model server", p.Name, p.Kind)
		}
		if err != nil {
			return nil, err
		}
		endpoints = append(endpoints, ep)
	}
	if len(endpoints) == 1 {
		return endpoints[0], nil
	}
	return llm.NewPool(p.Name, endpoints, llm.PoolOptions{Retries: 3, Logger: a.log})
}

// openAI makes one OpenAI-compatible endpoint. Servers on the firm's premises (vLLM,
// llama.cpp, Ollama's /v1) enforce the whole JSON schema themselves; OpenAI's own strict
// mode takes a subset, which the provider fits the schema to.
func (a *app) openAI(store *storage.Store, p policy.Provider, url string, slots, retries int) (llm.Provider, error) {
	key, err := apiKey(context.Background(), a.cfg, store, p)
	if err != nil {
		return nil, err
	}
	return llm.NewOpenAI(llm.OpenAIConfig{Name: p.Name, URL: url, Model: p.Model, APIKey: key, Slots: slots,
		ContextTokens: p.ContextTokens, Timeout: a.cfg.OllamaTimeout, Retries: retries, FullSchema: p.Zone == policy.OnPrem})
}
