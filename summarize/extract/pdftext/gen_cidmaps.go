//go:build ignore

// gen_cidmaps copies Adobe's CID-to-Unicode CMaps for the four CJK character collections
// (Adobe-Japan1, Adobe-GB1, Adobe-CNS1, Adobe-Korea1), gzipped, into cidmaps/. They come
// from Debian's poppler-data package (/usr/share/poppler/cMap, BSD-3-Clause, copyright
// Adobe; the licence text is kept inside each file). Run: go run gen_cidmaps.go
package main

import (
	"compress/gzip"
	"log"
	"os"
	"path/filepath"
)

func main() {
	for _, o := range []string{"Japan1", "GB1", "CNS1", "Korea1"} {
		src := filepath.Join("/usr/share/poppler/cMap", "Adobe-"+o, "Adobe-"+o+"-UCS2")
		data, err := os.ReadFile(src)
		if err != nil {
			log.Fatal(err)
		}
		out, err := os.Create(filepath.Join("cidmaps", o+".cmap.gz"))
		if err != nil {
			log.Fatal(err)
		}
		zw, _ := gzip.NewWriterLevel(out, gzip.BestCompression)
		if _, err := zw.Write(data); err != nil {
			log.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			log.Fatal(err)
		}
		if err := out.Close(); err != nil {
			log.Fatal(err)
		}
	}
}
