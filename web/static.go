package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var staticFiles embed.FS

// Static is the tree of static assets (htmx.min.js and its licence, app.css,
// app.js), rooted at the static folder.
var Static fs.FS = mustSub(staticFiles, "static")

// StaticPrefix is the URL path under which StaticHandler is mounted.
const StaticPrefix = "/static/"

// staticETags holds a strong ETag per asset, computed once, so browsers can
// revalidate cheaply (embedded files have no modification time).
var staticETags = func() map[string]string {
	tags := map[string]string{}
	_ = fs.WalkDir(Static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(Static, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		tags[p] = `"` + hex.EncodeToString(sum[:8]) + `"`
		return nil
	})
	return tags
}()

// StaticHandler serves the embedded assets for paths under StaticPrefix, with
// a content type from the file extension, an ETag, and "no-cache", so a new
// binary's assets are picked up at once. Directories are not listed.
func StaticHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), StaticPrefix)
		tag, ok := staticETags[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		b, err := fs.ReadFile(Static, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", tag)
		w.Header().Set("Cache-Control", "no-cache")
		// ServeContent sets Content-Type from the extension and answers
		// If-None-Match with 304.
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
	})
}

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
