package extract

import (
	"errors"

	"github.com/ledongthuc/pdf"
)

var (
	// errTooManyPages means the page tree has more leaves than the page limit.
	errTooManyPages = errors.New("extract: too many pages")
	// errPageTree means the page tree is too deep or too tangled to be a real one.
	errPageTree = errors.New("extract: malformed page tree")
)

// maxTreeDepth bounds the nesting of /Pages nodes. Real files are a few levels deep
// (a balanced tree of 10^6 pages with 8 kids per node is 7 deep).
const maxTreeDepth = 64

// walkPages lists the pages of the document in order by walking the page tree itself rather
// than trusting ledongthuc/pdf's Reader.Page and NumPage: those believe /Count (2^31 pages on
// a one-page file) and loop forever on a /Pages node that lists itself among its kids.
//
// A kid that is one of its own ancestors is skipped, so the rest of the tree still counts
// (this is what poppler and qpdf do). Ancestors are recognised by their printed dictionary,
// which includes the references of their kids: a node printed like its ancestor has the same
// kids, so walking it would only repeat the walk. Nodes shared by several parents (a tree that
// is a DAG) are bounded by maxPages and by a limit on visited nodes.
func walkPages(r *pdf.Reader, maxPages int) (pages []pdf.Page, err error) {
	root := r.Trailer().Key("Root").Key("Pages")
	if root.IsNull() {
		return nil, nil
	}
	w := &pageWalker{maxPages: maxPages, maxVisits: 4*maxPages + 1024}
	if err := w.walk(root, nil); err != nil {
		return nil, err
	}
	return w.pages, nil
}

type pageWalker struct {
	pages     []pdf.Page
	maxPages  int
	visits    int
	maxVisits int
}

// walk visits node, whose ancestors (printed) are in path.
func (w *pageWalker) walk(node pdf.Value, path []string) error {
	w.visits++
	if w.visits > w.maxVisits {
		return errPageTree
	}
	if len(path) > maxTreeDepth {
		return errPageTree
	}
	if node.Kind() != pdf.Dict {
		return nil // a dangling or broken reference: no page here
	}
	kids := node.Key("Kids")
	if !isPagesNode(node, kids) {
		if len(w.pages) >= w.maxPages {
			return errTooManyPages
		}
		w.pages = append(w.pages, pdf.Page{V: node})
		return nil
	}
	self := node.String()
	for _, a := range path {
		if a == self {
			return nil // the node lists one of its ancestors: skip the loop
		}
	}
	path = append(path, self)
	for i := 0; i < kids.Len(); i++ {
		if err := w.walk(kids.Index(i), path); err != nil {
			return err
		}
	}
	return nil
}

// isPagesNode tells an inner node of the page tree from a page. /Type is required by the
// standard but often wrong or missing, so a node with a /Kids array counts as inner unless it
// says it is a page.
func isPagesNode(node, kids pdf.Value) bool {
	switch node.Key("Type").Name() {
	case "Pages":
		return true
	case "Page":
		return false
	}
	return kids.Kind() == pdf.Array
}
