package handlers

// Reading who signed in, and with which role, from the ID token's claims.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"

	"precis/storage"
)

// identity reads the email, name and groups of a verified ID token.
func (o *oidcLogin) identity(idt *oidc.IDToken) (*ssoIdentity, *ssoRefusal) {
	var claims struct {
		Email    string          `json:"email"`
		Verified json.RawMessage `json:"email_verified"`
		Name     string          `json:"name"`
	}
	var all map[string]json.RawMessage
	if err := idt.Claims(&claims); err != nil {
		return nil, &ssoRefusal{status: http.StatusBadRequest, reason: "claims_unreadable", message: ssoInvalid}
	} else if err := idt.Claims(&all); err != nil {
		return nil, &ssoRefusal{status: http.StatusBadRequest, reason: "claims_unreadable", message: ssoInvalid}
	}
	id := &ssoIdentity{email: strings.TrimSpace(claims.Email), name: strings.TrimSpace(claims.Name)}
	if id.email == "" {
		return nil, &ssoRefusal{status: http.StatusBadRequest, reason: "email_missing",
			message: "The single sign-on provider did not send your email address, which Precis needs to know " +
				"who you are. Ask your administrator to release the email claim to Precis."}
	}
	if !claimTrue(claims.Verified) {
		return nil, &ssoRefusal{status: http.StatusBadRequest, reason: "email_unverified", email: id.email,
			message: "Your email address is not verified at the single sign-on provider. Verify it there, then try again."}
	}
	groups, err := stringList(all[o.cfg.GroupsClaim])
	if err != nil {
		return nil, &ssoRefusal{status: http.StatusBadRequest, reason: "groups_unreadable", email: id.email,
			detail: map[string]any{"claim": o.cfg.GroupsClaim},
			message: fmt.Sprintf("The single sign-on provider sent the %q claim in a form Precis cannot read "+
				"(it must be a list of group names). Ask your administrator.", o.cfg.GroupsClaim)}
	}
	id.groups = groups
	return id, nil
}

// claimTrue reads an email_verified claim: absent counts as verified (many
// providers only send verified addresses and omit it); present, it must be
// true or, as some providers send it, the string "true".
func claimTrue(raw json.RawMessage) bool {
	if len(raw) == 0 || string(raw) == "null" {
		return true
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	var s string
	return json.Unmarshal(raw, &s) == nil && strings.EqualFold(s, "true")
}

// stringList reads a claim that is a list of strings or a single string; an
// absent claim is an empty list.
func stringList(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, err
	}
	return list, nil
}

// role returns the role the groups give: admin when any is an admin group,
// else staff when any is a staff group; ok is false for neither.
func (o *oidcLogin) role(groups []string) (role string, ok bool) {
	switch {
	case slices.ContainsFunc(groups, func(g string) bool { return slices.Contains(o.cfg.AdminGroups, g) }):
		return storage.RoleAdmin, true
	case slices.ContainsFunc(groups, func(g string) bool { return slices.Contains(o.cfg.StaffGroups, g) }):
		return storage.RoleStaff, true
	}
	return "", false
}
