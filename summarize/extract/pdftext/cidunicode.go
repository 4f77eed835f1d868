package pdftext

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io"
	"sync"
)

// Adobe's CID-to-Unicode maps of the CJK character collections, for CID fonts that come
// without a ToUnicode map (gen_cidmaps.go copies them from poppler-data).
//
//go:embed cidmaps/*.cmap.gz
var cidMapFiles embed.FS

var (
	cidMapMu sync.Mutex
	cidMaps  = map[string]*cmap{}
)

// collectionUnicode returns the CID-to-Unicode map of an Adobe character collection
// (Ordering Japan1, GB1, CNS1 or Korea1), parsed on first use, or nil.
func collectionUnicode(registry, ordering string) *cmap {
	if registry != "Adobe" {
		return nil
	}
	switch ordering {
	case "Japan1", "GB1", "CNS1", "Korea1":
	default:
		return nil
	}
	cidMapMu.Lock()
	defer cidMapMu.Unlock()
	if m, ok := cidMaps[ordering]; ok {
		return m
	}
	var m *cmap
	if gz, err := cidMapFiles.ReadFile("cidmaps/" + ordering + ".cmap.gz"); err == nil {
		if zr, err := gzip.NewReader(bytes.NewReader(gz)); err == nil {
			if data, err := io.ReadAll(zr); err == nil {
				m = parseCMap(data)
			}
		}
	}
	cidMaps[ordering] = m
	return m
}
