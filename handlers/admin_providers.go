package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"precis/storage"
	"precis/summarize/policy"
	"precis/web"
)

// ProviderTester tries a provider as declared: how long it took to answer and the context
// length it reports. The server's implementation resolves the provider's API key itself.
type ProviderTester func(ctx context.Context, p policy.Provider) (latency time.Duration, contextTokens int, err error)

// providerTestTimeout bounds a connection test.
const providerTestTimeout = 30 * time.Second

// providersView lists the providers with who declares them and the labels routed to them.
func (h *Handler) providersView(c echo.Context, pol *policy.Policy) (web.ProvidersView, error) {
	v := web.ProvidersView{Frame: adminFrame(c, pol, "providers", "Providers"),
		CanTest: h.cfg.TestProvider != nil, CanStoreKeys: len(h.cfg.SecretKey) > 0,
		Add: web.ProviderForm{Kind: policy.KindOllama, Zone: string(policy.OnPrem)}}
	for i, p := range pol.Providers {
		row := web.ProviderRow{Index: i, Name: p.Name, Kind: p.Kind, URLs: p.URLs, Model: p.Model, Zone: string(p.Zone),
			Slots: p.Slots, ContextTokens: p.ContextTokens, APIKeyEnv: p.APIKeyEnv, Source: p.Source,
			Editable: p.Editable(), Form: providerForm(p)}
		for _, l := range pol.Labels {
			if slices.Contains(pol.Routes[l.Name], p.Name) {
				row.Routes = append(row.Routes, l.Name)
			}
		}
		if p.Kind == policy.KindOpenAI && p.APIKeyEnv == "" {
			_, err := h.store.ProviderSecret(c.Request().Context(), p.Name)
			if err != nil && storage.ErrorCode(err) != storage.ENOTFOUND {
				return v, err
			}
			row.KeyStored = err == nil
		}
		v.Providers = append(v.Providers, row)
	}
	return v, nil
}

// providerForm is the edit form of a provider, filled in.
func providerForm(p policy.Provider) web.ProviderForm {
	f := web.ProviderForm{Edit: true, Name: p.Name, Kind: p.Kind, URLs: strings.Join(p.URLs, ", "), Model: p.Model,
		Zone: string(p.Zone), APIKeyEnv: p.APIKeyEnv}
	if p.Slots > 0 {
		f.Slots = strconv.Itoa(p.Slots)
	}
	if p.ContextTokens > 0 {
		f.ContextTokens = strconv.Itoa(p.ContextTokens)
	}
	return f
}

// parseProvider reads a provider form. The form it returns holds the user's input, never
// the API key.
func parseProvider(c echo.Context, edit bool) (policy.Provider, web.ProviderForm, error) {
	val := func(name string) string { return strings.TrimSpace(c.FormValue(name)) }
	f := web.ProviderForm{Edit: edit, Name: val("name"), Kind: val("kind"), URLs: val("urls"), Model: val("model"),
		Zone: val("zone"), Slots: val("slots"), ContextTokens: val("context_tokens"), APIKeyEnv: val("api_key_env")}
	p := policy.Provider{Name: f.Name, Kind: f.Kind, Model: f.Model, Zone: policy.Zone(f.Zone), APIKeyEnv: f.APIKeyEnv}
	p.URLs = strings.FieldsFunc(f.URLs, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
	var err error
	if p.Slots, err = optionalInt(f.Slots); err != nil {
		return p, f, errors.New("Slots must be a whole number from 1 to 256, or empty for the default.")
	}
	if p.ContextTokens, err = optionalInt(f.ContextTokens); err != nil || p.ContextTokens < 0 {
		return p, f, errors.New("Context tokens must be a whole number, or empty to ask the server.")
	}
	return p, f, nil
}

func optionalInt(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	return strconv.Atoi(s)
}

// sealKey seals the API key typed in the form for provider p; nil when none was typed.
func (h *Handler) sealKey(c echo.Context, p policy.Provider) ([]byte, error) {
	key := c.FormValue("api_key")
	switch {
	case key == "":
		return nil, nil
	case p.Kind != policy.KindOpenAI:
		return nil, errors.New("Ollama takes no API key; leave the API key empty.")
	case p.APIKeyEnv != "":
		return nil, errors.New("Give either an API key or an API key variable, not both.")
	case len(h.cfg.SecretKey) == 0:
		return nil, errors.New("Precis cannot store API keys: PRECIS_SECRET_KEY is not set. Set it (for example to the output of " +
			"openssl rand -base64 32) and restart Precis, or put the key in an environment variable and name it in " +
			"\"API key variable\" (api_key_env).")
	}
	sealed, err := policy.Seal(h.cfg.SecretKey, p.Name, key)
	if err != nil {
		return nil, fmt.Errorf("The API key could not be encrypted: %v", err)
	}
	return sealed, nil
}

// AdminProviders handles GET /admin/providers.
func (h *Handler) AdminProviders(c echo.Context) error {
	pol, err := h.currentPolicy(c.Request().Context())
	if err != nil {
		return err
	}
	v, err := h.providersView(c, pol)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, web.AdminProvidersPage(v))
}

// AddProvider handles POST /admin/providers: a new admin provider of kind ollama or openai.
func (h *Handler) AddProvider(c echo.Context) error {
	return h.saveProvider(c, false)
}

// UpdateProvider handles POST /admin/providers/update: an admin provider's new settings,
// and, when typed, its new API key.
func (h *Handler) UpdateProvider(c echo.Context) error {
	return h.saveProvider(c, true)
}

func (h *Handler) saveProvider(c echo.Context, edit bool) error {
	pol, err := h.editablePolicy(c)
	if err != nil {
		return err
	}
	p, form, err := parseProvider(c, edit)
	var next policy.Settings
	if err == nil && edit {
		next, err = pol.UpdateProvider(p)
	} else if err == nil {
		next, err = pol.AddProvider(p)
	}
	var sealed []byte
	if err == nil {
		sealed, err = h.sealKey(c, p)
	}
	if err != nil {
		form.Error = userMessage(err)
		if c.FormValue("api_key") != "" {
			form.Error += "\nThe API key was not kept; type it again."
		}
		return h.providerFormFailure(c, pol, form)
	}
	note := "provider " + p.Name + " added"
	if edit {
		note = "provider " + p.Name + " changed"
	}
	version, saved, err := h.savePolicy(c, next, note)
	if err != nil {
		return err
	}
	if sealed != nil {
		actor, _ := h.identify(c)
		if err := h.store.PutProviderSecret(c.Request().Context(), actor, p.Name, sealed); err != nil {
			return err
		}
	}
	return redirectSaved(c, "/admin/providers", version, saved, sealed != nil)
}

// providerFormFailure shows the providers page again with the refused form and its message.
func (h *Handler) providerFormFailure(c echo.Context, pol *policy.Policy, form web.ProviderForm) error {
	v, err := h.providersView(c, pol)
	if err != nil {
		return err
	}
	if !form.Edit {
		v.Add = form
	}
	for i := range v.Providers {
		if form.Edit && v.Providers[i].Name == form.Name {
			v.Providers[i].Form = form
		}
	}
	return render(c, http.StatusBadRequest, web.AdminProvidersPage(v))
}

// RemoveProvider handles POST /admin/providers/delete: field name. A provider the policy
// still routes documents to is not removed.
func (h *Handler) RemoveProvider(c echo.Context) error {
	pol, err := h.editablePolicy(c)
	if err != nil {
		return err
	}
	name := c.FormValue("name")
	next, err := pol.RemoveProvider(name)
	if err != nil {
		p, ok := pol.Provider(name)
		if !ok || !p.Editable() {
			return storage.Errorf(storage.EINVALID, "%s", userMessage(err))
		}
		form := providerForm(p)
		form.Error = "Not removed: " + err.Error() + "."
		return h.providerFormFailure(c, pol, form)
	}
	return h.saveAndReturn(c, next, "provider "+name+" removed", "/admin/providers")
}

// TestProvider handles POST /admin/providers/test: field name. It changes nothing, so it
// is allowed on settings a file declares.
func (h *Handler) TestProvider(c echo.Context) error {
	ctx := c.Request().Context()
	if h.cfg.TestProvider == nil {
		return storage.Errorf(storage.ENOTFOUND, "Testing connections is not available on this server.")
	}
	pol, err := h.currentPolicy(ctx)
	if err != nil {
		return err
	}
	name := c.FormValue("name")
	i := slices.IndexFunc(pol.Providers, func(p policy.Provider) bool { return p.Name == name })
	if i < 0 {
		return storage.Errorf(storage.ENOTFOUND, "There is no provider named %q.", name)
	}
	p := pol.Providers[i]
	if p.Kind == policy.KindBuiltin {
		return storage.Errorf(storage.EINVALID, "The built-in summarizer runs inside Precis; there is nothing to connect to.")
	}
	tctx, cancel := context.WithTimeout(ctx, providerTestTimeout)
	defer cancel()
	latency, tokens, err := h.cfg.TestProvider(tctx, p)
	res := &web.ProviderTestView{Index: i, Latency: latency, ContextTokens: tokens}
	if err != nil {
		res.Error = userMessage(err)
	}
	h.log.InfoContext(ctx, "provider tested", slog.String("provider", p.Name), slog.Duration("latency", latency),
		slog.Bool("ok", err == nil))
	if isHTMX(c) {
		return render(c, http.StatusOK, web.ProviderTestResult(i, res))
	}
	v, err := h.providersView(c, pol)
	if err != nil {
		return err
	}
	v.Providers[i].Test = res
	return render(c, http.StatusOK, web.AdminProvidersPage(v))
}
