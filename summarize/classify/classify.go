// Package classify finds sensitive content in the extracted text of a document: privilege
// markers, personal data (payment cards, IBANs, US social security numbers, e-mail
// addresses, phone numbers) and the names on an admin-maintained watchlist of clients and
// matters. Findings only ever raise a document's label; mapping categories to labels is
// the caller's business.
//
// Scan normalizes every page (see Normalize) and runs each detector on it. A finding never
// holds a full sensitive value: card numbers, IBANs, SSNs, e-mail addresses and phone
// numbers are masked. The rules of each detector and their measured precision and recall
// are in docs/DETECTORS.md.
package classify

import (
	"cmp"
	"slices"
)

// Categories of findings.
const (
	// CategoryPrivilege: the document marks itself as privileged (legal advice, work
	// product, without-prejudice correspondence).
	CategoryPrivilege = "privilege"
	// CategoryPersonalData: the document holds personal or payment data.
	CategoryPersonalData = "personal_data"
	// CategoryWatchlist: the document names a client or matter on the watchlist.
	CategoryWatchlist = "watchlist"
)

// Detector names. They are stable: findings are stored under them.
const (
	DetectorPrivilege   = "privilege_marker"
	DetectorPaymentCard = "payment_card"
	DetectorIBAN        = "iban"
	DetectorSSN         = "us_ssn"
	DetectorEmail       = "email"
	DetectorPhone       = "phone"
	DetectorWatchlist   = "watchlist"
)

// Page is the text of one page as extraction delivers it; Number counts from 1.
type Page struct {
	Number int
	Text   string
}

// Finding is what one detector found on one page: Count occurrences of the same masked
// Match. Match never holds a full card number, IBAN, SSN, e-mail address or phone number,
// for example "Visa card ending 4242", "j***@acme-legal.co.uk", "IBAN DE89 ... 3000",
// "SSN ***-**-6789", "phone +1 ending 0011". For privilege markers it is the marker phrase
// in lower case ("attorney work product"), for the watchlist the entry as the admin wrote it.
type Finding struct {
	Detector string
	Category string
	Page     int
	Match    string
	Count    int
}

// Options configure a Scan. The zero value runs every detector but the watchlist.
type Options struct {
	// Watchlist holds client and matter names, matched case- and accent-insensitively on
	// word boundaries. Entries that ValidateWatchlist rejects are skipped by Scan.
	Watchlist []string
	// PhoneRegions are the ISO 3166-1 regions (for example "US", "GB") whose national
	// formats phone numbers written without a country code are read in, tried in order.
	// Nil means DefaultPhoneRegions. Unknown regions are skipped by Scan.
	PhoneRegions []string
}

// DefaultPhoneRegions are used when Options.PhoneRegions is nil.
var DefaultPhoneRegions = []string{"US", "GB"}

// Info describes a detector for people, for example on an admin page.
type Info struct {
	Name        string
	Category    string
	Description string
}

// emitter takes one occurrence: its masked match and where it is in the normalized page
// text (byte offsets; -1 when the detector does not track them).
type emitter func(match string, start, end int)

// finder reports each occurrence on one page by calling emit.
type finder func(p *pageText, emit emitter)

// detector is a detector's description and how to make its finder for one Scan; newFinder
// returns nil when the options leave the detector nothing to do.
type detector struct {
	Info
	newFinder func(Options) finder
}

// fixed wraps a finder that needs no options.
func fixed(f finder) func(Options) finder { return func(Options) finder { return f } }

// detectors are all detectors, in the order findings are listed.
var detectors = []detector{
	{Info{DetectorPrivilege, CategoryPrivilege, "Privilege markings: a legend such as \"Privileged & Confidential\", \"Attorney Work Product\" or \"Without Prejudice\" set as a heading, or a sentence labelling the document itself (\"This memorandum was prepared at the direction of counsel\"). Mentions of privilege in ordinary clauses do not count."}, fixed(findPrivilege)},
	{Info{DetectorPaymentCard, CategoryPersonalData, "Payment card numbers: 13-19 digits that pass the Luhn check and the issuer's prefix and length rules, with a word such as card, Visa, expiry or CVV nearby."}, fixed(findCards)},
	{Info{DetectorIBAN, CategoryPersonalData, "International bank account numbers: a known country code, that country's length and account format, and a valid mod-97 check."}, fixed(findIBANs)},
	{Info{DetectorSSN, CategoryPersonalData, "US social security numbers: valid area, group and serial numbers, with \"SSN\" or \"social security\" nearby (or, in the dashed form, a taxpayer or birth-date context)."}, fixed(findSSNs)},
	{Info{DetectorEmail, CategoryPersonalData, "E-mail addresses (reserved example domains excluded)."}, fixed(findEmails)},
	{Info{DetectorPhone, CategoryPersonalData, "Phone and fax numbers valid in the numbering plan (libphonenumber data), written with a country code, in an unmistakable phone format, or next to a label such as Tel, Phone or Fax."}, func(o Options) finder { return newPhoneFinder(o.PhoneRegions) }},
	{Info{DetectorWatchlist, CategoryWatchlist, "Client and matter names from the admin-maintained watchlist, matched case- and accent-insensitively on word boundaries, across line breaks and hyphenation."}, func(o Options) finder {
		if w := newWatchlist(o.Watchlist); w != nil {
			return w.find
		}
		return nil
	}},
}

// Detectors lists every detector with its name, category and description, in the order
// Scan reports findings.
func Detectors() []Info {
	out := make([]Info, len(detectors))
	for i, d := range detectors {
		out[i] = d.Info
	}
	return out
}

// Scan runs every detector over the pages and returns the findings grouped by page number,
// detector and masked match, with the number of occurrences (pages that share a number
// count as one page). Findings are ordered by page number, then by detector in the order
// of Detectors, then by match; the result is the same for the same input.
func Scan(pages []Page, opts Options) []Finding {
	type active struct {
		info Info
		find finder
	}
	var dets []active
	for _, d := range detectors {
		if f := d.newFinder(opts); f != nil {
			dets = append(dets, active{d.Info, f})
		}
	}
	order := make([]int, len(pages))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(pages[a].Number, pages[b].Number) })

	var out []Finding
	for len(order) > 0 {
		n := 1 // pages order[:n] share a number
		for n < len(order) && pages[order[n]].Number == pages[order[0]].Number {
			n++
		}
		texts := make([]*pageText, n)
		for k := range n {
			texts[k] = newPageText(pages[order[k]].Text)
		}
		for _, d := range dets {
			counts := map[string]int{}
			for _, p := range texts {
				d.find(p, func(match string, _, _ int) { counts[match]++ })
			}
			out = appendCounts(out, d.info, pages[order[0]].Number, counts)
		}
		order = order[n:]
	}
	return out
}

// appendCounts appends one finding per match, sorted by match.
func appendCounts(out []Finding, d Info, page int, counts map[string]int) []Finding {
	start := len(out)
	for m, n := range counts {
		out = append(out, Finding{Detector: d.Name, Category: d.Category, Page: page, Match: m, Count: n})
	}
	slices.SortFunc(out[start:], func(a, b Finding) int { return cmp.Compare(a.Match, b.Match) })
	return out
}
