package web

import (
	"context"
	"encoding/json"
	"io"
	"net/url"

	"github.com/a-h/templ"
)

type ctxKey int

const (
	csrfKey ctxKey = iota
	viewerKey
)

// CSRFFieldName is the form field, and CSRFHeader the request header, that
// carry the CSRF token of a state-changing request.
const (
	CSRFFieldName = "_csrf"
	CSRFHeader    = "X-CSRF-Token"
)

// WithCSRF returns ctx carrying the request's CSRF token, for the components
// that render forms.
func WithCSRF(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, csrfKey, token)
}

// CSRFToken returns the CSRF token in ctx, "" when there is none.
func CSRFToken(ctx context.Context) string {
	t, _ := ctx.Value(csrfKey).(string)
	return t
}

// CSRFField is the hidden input every form that changes something carries.
func CSRFField() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := io.WriteString(w, `<input type="hidden" name="`+CSRFFieldName+`" value="`+
			templ.EscapeString(CSRFToken(ctx))+`"/>`)
		return err
	})
}

// csrfHeaders is the hx-headers value that makes htmx send the token with
// every request it makes.
func csrfHeaders(ctx context.Context) string {
	b, _ := json.Marshal(map[string]string{CSRFHeader: CSRFToken(ctx)})
	return string(b)
}

// withCSRFQuery appends the token to a form action, for the multipart upload
// form: its body is streamed to disk, so the token must be readable before it.
func withCSRFQuery(ctx context.Context, action string) templ.SafeURL {
	return templ.SafeURL(action + "?" + url.Values{CSRFFieldName: {CSRFToken(ctx)}}.Encode())
}

// Viewer is the signed-in user a page is rendered for.
type Viewer struct {
	Email string
	Admin bool
}

// WithViewer returns ctx carrying the signed-in user.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey, v)
}

// ViewerFrom returns the signed-in user in ctx; ok is false when nobody is
// signed in.
func ViewerFrom(ctx context.Context) (v Viewer, ok bool) {
	v, ok = ctx.Value(viewerKey).(Viewer)
	return v, ok
}

// queryEscape escapes s for a URL query value.
func queryEscape(s string) string { return url.QueryEscape(s) }
