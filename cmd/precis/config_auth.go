package main

import (
	"errors"
	"net/url"
	"strings"
	"time"

	"precis/handlers"
)

// AuthConfig is how people sign in: cookies, session timeouts, what
// administrators see, and single sign-on.
type AuthConfig struct {
	SecureCookies    bool
	SessionIdle      time.Duration
	SessionLifetime  time.Duration
	AdminSeesContent bool
	OIDCIssuer       string
	OIDCClientID     string
	OIDCClientSecret string
	OIDCRedirectURL  string
	OIDCGroupsClaim  string
	OIDCAdminGroups  []string
	OIDCStaffGroups  []string
}

func init() {
	settings = append(settings, authSettings...)
}

// authSettings are the settings of signing in, after the others in `precis config`.
var authSettings = []setting{
	{"PRECIS_SECURE_COOKIES", "secure-cookies", "false", "true when people reach Precis over HTTPS, directly or through a proxy that terminates TLS: cookies are then Secure and named with the __Host- prefix", boolSetting(func(c *Config, b bool) { c.Auth.SecureCookies = b })},
	{"PRECIS_SESSION_IDLE", "session-idle", "30m", "a session ends after this long without a request", durationIn(time.Minute, 24*time.Hour, func(c *Config, d time.Duration) { c.Auth.SessionIdle = d })},
	{"PRECIS_SESSION_LIFETIME", "session-lifetime", "12h", "a session ends this long after signing in, however active", durationIn(5*time.Minute, 30*24*time.Hour, func(c *Config, d time.Duration) { c.Auth.SessionLifetime = d })},
	{"PRECIS_ADMIN_SEES_CONTENT", "admin-sees-content", "false", "true lets administrators read every matter's documents and summaries; false (the default) shows them metadata and the audit trail, and a matter's documents only when they are its members", boolSetting(func(c *Config, b bool) { c.Auth.AdminSeesContent = b })},
	{"PRECIS_OIDC_ISSUER", "oidc-issuer", "", "OpenID Connect issuer URL; set it (with the other PRECIS_OIDC_ settings) to turn on single sign-on", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errors.New("must be the issuer's URL, such as https://login.example.com/realms/firm")
		}
		c.Auth.OIDCIssuer = strings.TrimRight(v, "/")
		return nil
	}},
	{"PRECIS_OIDC_CLIENT_ID", "oidc-client-id", "", "client id Precis is registered under at the OpenID provider", func(c *Config, v string) error {
		c.Auth.OIDCClientID = strings.TrimSpace(v)
		return nil
	}},
	{"PRECIS_OIDC_CLIENT_SECRET", "oidc-client-secret", "", "client secret from the OpenID provider", func(c *Config, v string) error {
		c.Auth.OIDCClientSecret = v
		return nil
	}},
	{"PRECIS_OIDC_REDIRECT_URL", "oidc-redirect-url", "", "this server's callback as registered at the provider: https://precis.example.com/auth/oidc/callback", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		if u, err := url.Parse(v); err != nil || u.Host == "" || !strings.HasSuffix(u.Path, "/auth/oidc/callback") {
			return errors.New("must be an absolute URL ending in /auth/oidc/callback")
		}
		c.Auth.OIDCRedirectURL = v
		return nil
	}},
	{"PRECIS_OIDC_GROUPS_CLAIM", "oidc-groups-claim", "groups", "ID token claim that lists the user's groups", func(c *Config, v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New("must name a claim, such as groups")
		}
		c.Auth.OIDCGroupsClaim = strings.TrimSpace(v)
		return nil
	}},
	{"PRECIS_OIDC_ADMIN_GROUPS", "oidc-admin-groups", "", "comma-separated groups whose members sign in as administrators", func(c *Config, v string) error {
		c.Auth.OIDCAdminGroups = splitList(v)
		return nil
	}},
	{"PRECIS_OIDC_STAFF_GROUPS", "oidc-staff-groups", "", "comma-separated groups whose members sign in as staff; people in neither list cannot sign in through single sign-on", func(c *Config, v string) error {
		c.Auth.OIDCStaffGroups = splitList(v)
		return nil
	}},
}

func boolSetting(set func(*Config, bool)) func(*Config, string) error {
	return func(c *Config, v string) error {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "1", "yes":
			set(c, true)
		case "false", "0", "no":
			set(c, false)
		default:
			return errors.New("must be true or false")
		}
		return nil
	}
}

func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// oidc returns the single sign-on settings, nil when none is set, or what is
// missing or unusable when only some are (handlers.OIDCConfig.Validate, plus
// the client secret: Precis signs in as a confidential client).
func (a AuthConfig) oidc() (*handlers.OIDCConfig, error) {
	if a.OIDCIssuer == "" && a.OIDCClientID == "" && a.OIDCRedirectURL == "" {
		return nil, nil
	}
	c := &handlers.OIDCConfig{Issuer: a.OIDCIssuer, ClientID: a.OIDCClientID, ClientSecret: a.OIDCClientSecret,
		RedirectURL: a.OIDCRedirectURL, GroupsClaim: a.OIDCGroupsClaim,
		AdminGroups: a.OIDCAdminGroups, StaffGroups: a.OIDCStaffGroups}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if a.OIDCClientSecret == "" {
		return nil, errors.New("single sign-on: PRECIS_OIDC_CLIENT_SECRET is required")
	}
	return c, nil
}
