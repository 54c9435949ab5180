package public

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/qrlabel"
)

// Record is a product's public record: the page's facts, and the JSON of
// /sp/<code>.json.
type Record struct {
	Code        string      `json:"code"`
	URL         string      `json:"url,omitempty"`
	Name        string      `json:"name"`
	Producer    string      `json:"producer"`
	CommuneCode string      `json:"commune_code"`
	Commune     string      `json:"commune"`
	ProductSet  string      `json:"product_set"`
	Stars       int         `json:"stars"`
	Certificate Certificate `json:"certificate"`
	// Status is valid, expired, revoked or reevaluation; StatusDate goes
	// with expired (the last valid day) and revoked (the day).
	Status     domain.CertStatus `json:"status"`
	StatusText string            `json:"status_text"`
	StatusDate string            `json:"status_date,omitempty"`
	Contact    string            `json:"contact,omitempty"`
}

// Certificate is the OCOP certificate, dates as YYYY-MM-DD.
type Certificate struct {
	Number     string `json:"number"`
	Issued     string `json:"issued,omitempty"`
	ValidUntil string `json:"valid_until,omitempty"`
}

// record builds the public record of a product.
func (s *Server) record(pp domain.PublicProduct, check domain.CertCheck) Record {
	p := pp.Product
	rec := Record{Code: pp.PublicCode, Name: p.Name, Producer: pp.Producer, CommuneCode: p.CommuneCode,
		Commune: s.communeName(p.CommuneCode), ProductSet: s.setName(p), Stars: p.Stars,
		Certificate: Certificate{Number: p.CertNo, Issued: isoDate(p.CertIssued, s.cfg.Location), ValidUntil: isoDate(p.CertExpires, s.cfg.Location)},
		Status:      check.Status, StatusDate: isoDate(check.Since, s.cfg.Location), StatusText: s.statusText(check)}
	if s.cfg.BaseURL != "" {
		rec.URL = s.cfg.BaseURL + "/sp/" + pp.PublicCode
	}
	if pp.Contact != "" {
		rec.Contact = domain.FormatPhone(pp.Contact)
	}
	return rec
}

func (s *Server) statusText(check domain.CertCheck) string {
	date := check.Since
	if check.Status == domain.CertExpired {
		date = date.AddDate(0, 0, 1) // no longer valid from the next day
	}
	return s.t("public.status."+string(check.Status), map[string]any{"Date": s.date(date)})
}

func (s *Server) date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.cfg.Location).Format("02/01/2006")
}

func isoDate(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(time.DateOnly)
}

func (s *Server) communeName(code string) string {
	if s.cfg.Places != nil {
		if c, ok := s.cfg.Places.Get(code); ok {
			return c.Name
		}
	}
	return code
}

func (s *Server) setName(p domain.Product) string {
	if s.cfg.Rules != nil {
		// Named as the figures group it (domain.Rulebooks.SetOf).
		if set, _, ok := s.cfg.Rules.SetOf(p, s.cfg.Now().In(s.cfg.Location)); ok {
			return set.Name
		}
	}
	if p.Set == 0 {
		return ""
	}
	return strconv.Itoa(p.Set)
}

// starGlyphs is n stars, as text.
func starGlyphs(n int) string { return strings.Repeat("★", max(0, min(n, 5))) }

type fact struct{ Label, Value string }

type productPage struct {
	page
	Status                      domain.CertStatus
	StatusText, StatusNote      string
	Name, StarGlyphs, StarsText string
	StarsClass                  string
	Facts                       []fact
	Footer, CatalogueLink       string
}

func (s *Server) product(w http.ResponseWriter, r *http.Request, raw string) {
	pp, check, ok, err := s.lookup(r.Context(), raw)
	if err != nil {
		s.failed(w, r, err)
		return
	}
	if !ok {
		if code, isProduct := domain.ProductCodeQuery(raw); isProduct {
			// The code printed in the dossier ("80-25480-001-2026"), not
			// the page's: the catalogue finds it by that code, as it does
			// by name, rather than a page saying it may not be OCOP.
			http.Redirect(w, r, "/sp?q="+url.QueryEscape(code), http.StatusSeeOther)
			return
		}
		s.notFound(w, r)
		return
	}
	rec := s.record(pp, check)
	// Stars are gold only while they hold: a buyer who glances at a
	// lapsed product sees grey ones.
	stars, starsClass := s.t("public.stars", map[string]any{"Stars": rec.Stars}), "stars"
	if !check.Status.Holds() {
		stars, starsClass = s.t("public.stars_lapsed", map[string]any{"Stars": rec.Stars}), "stars lapsed"
	}
	title := s.t("public.product_title", map[string]any{"Name": rec.Name, "Stars": rec.Stars})
	desc := strings.Join(nonEmpty(rec.StatusText, rec.Producer, rec.Commune), " · ")
	v := productPage{page: s.page(title, desc), Status: check.Status, StatusText: rec.StatusText,
		StatusNote: s.t("public.note."+string(check.Status), map[string]any{"Until": s.date(pp.Product.CertExpires)}),
		Name:       rec.Name, StarGlyphs: starGlyphs(rec.Stars), StarsText: stars, StarsClass: starsClass,
		Footer:        s.t("public.footer", map[string]any{"Code": rec.Code, "At": s.cfg.Now().In(s.cfg.Location).Format("15:04 02/01/2006")}),
		CatalogueLink: s.t("public.catalogue_link", nil)}
	if pp.Product.CertExpires.IsZero() {
		v.StatusNote = s.t("public.note.no_expiry", nil)
	}
	add := func(id, value string) {
		if value != "" {
			v.Facts = append(v.Facts, fact{Label: s.t(id, nil), Value: value})
		}
	}
	if rec.Producer == "" {
		// A producer who had their data erased keeps a certified
		// product's page without their name (sqlite eraseSubject): the
		// buyer is told so rather than shown a missing line.
		add("public.fact.producer", s.t("public.producer_withheld", nil))
	} else {
		add("public.fact.producer", rec.Producer)
	}
	add("public.fact.commune", rec.Commune)
	add("public.fact.set", rec.ProductSet)
	add("public.fact.cert_no", rec.Certificate.Number)
	add("public.fact.issued", s.date(pp.Product.CertIssued))
	if check.Status.Holds() {
		add("public.fact.until", s.date(pp.Product.CertExpires))
	} else {
		add("public.fact.printed_until", s.date(pp.Product.CertExpires))
	}
	add("public.fact.contact", rec.Contact)
	v.OG = &openGraph{Title: title, Description: desc}
	if s.cfg.BaseURL != "" {
		v.OG.URL = rec.URL
		v.OG.Image = rec.URL + ".png"
	}
	s.render(w, r, http.StatusOK, "product-page.html", v)
}

func (s *Server) productJSON(w http.ResponseWriter, r *http.Request, raw string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	pp, check, ok, err := s.lookup(r.Context(), raw)
	var body any
	status := http.StatusOK
	switch {
	case err != nil:
		s.cfg.Log.Error("public json", "err", err)
		w.Header().Set("Cache-Control", "no-store")
		status, body = http.StatusServiceUnavailable, map[string]string{"error": "unavailable"}
	case !ok:
		status, body = http.StatusNotFound, map[string]string{"error": "not_found"}
	default:
		body = s.record(pp, check)
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(append(b, '\n'))
	}
}

// productPNG is the label (QR code, name, stars): the picture of the
// page's preview when its link is shared.
func (s *Server) productPNG(w http.ResponseWriter, r *http.Request, raw string) {
	pp, _, ok, err := s.lookup(r.Context(), raw)
	if err != nil {
		s.failed(w, r, err)
		return
	}
	if !ok || s.cfg.BaseURL == "" {
		s.notFound(w, r)
		return
	}
	b, err := qrlabel.PNG(qrlabel.Label{URL: s.cfg.BaseURL + "/sp/" + pp.PublicCode, Name: pp.Product.Name, Stars: pp.Product.Stars})
	if err != nil {
		s.failed(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

// CataloguePageSize is the number of products on a page of /sp.
const CataloguePageSize = 20

// maxQuery bounds a catalogue search, in characters.
const maxQuery = 100

type catalogueItem struct {
	Href, Name, StarGlyphs, StarsText, Reeval, Line string
}

type cataloguePage struct {
	page
	Heading, Query, Placeholder, SearchButton, Summary string
	Items                                              []catalogueItem
	Prev, Next, PrevText, NextText                     string
}

// catEntry is a product of the catalogue with what a search matches,
// prepared once per read of the list.
type catEntry struct {
	pp                  domain.PublicProduct
	name, producer, set domain.SearchName
	setName, commune    string
	cert                string // the certificate number, folded
	folded              string // the name folded, the order of equal scores
}

// certified returns the products that hold their stars now, with their
// status, from a list read at most catalogueTTL ago.
func (s *Server) certified(r *http.Request) ([]*catEntry, []domain.CertCheck, error) {
	now := s.cfg.Now()
	s.catMu.Lock()
	defer s.catMu.Unlock()
	if s.catList == nil || now.Sub(s.catAt) > catalogueTTL || now.Before(s.catAt) {
		list, err := s.cfg.Store.Certified(r.Context(), now)
		if err != nil {
			return nil, nil, err
		}
		entries := make([]catEntry, len(list))
		for i, pp := range list {
			set := s.setName(pp.Product)
			entries[i] = catEntry{pp: pp, name: domain.NewSearchName(pp.Product.Name), producer: domain.NewSearchName(pp.Producer),
				set: domain.NewSearchName(set), setName: set, commune: s.communeName(pp.Product.CommuneCode),
				folded: domain.Fold(pp.Product.Name), cert: domain.Fold(pp.Product.CertNo)}
		}
		s.catList, s.catAt = entries, now
	}
	var (
		out    []*catEntry
		checks []domain.CertCheck
	)
	for i := range s.catList {
		e := &s.catList[i]
		if c := e.pp.Check(now, s.cfg.Location); c.Status.Holds() {
			out = append(out, e)
			checks = append(checks, c)
		}
	}
	return out, checks, nil
}

func (s *Server) catalogue(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(domain.Clean(r.URL.Query().Get("q")))
	if utf8.RuneCountInString(q) > maxQuery {
		q = string([]rune(q)[:maxQuery])
	}
	list, checks, err := s.certified(r)
	if err != nil {
		s.failed(w, r, err)
		return
	}
	type hit struct{ i, score int }
	var hits []hit
	name := domain.NewNameQuery(q)
	communes := s.communesNamed(q)
	code, isCode := domain.ParsePublicCode(q)
	foldedQ := domain.Fold(q)
	for i, e := range list {
		p := e.pp.Product
		sc := 1
		if q != "" {
			sc = max(name.ScoreName(e.name), name.ScoreName(e.producer), name.ScoreName(e.set), communes[p.CommuneCode])
			if (isCode && e.pp.PublicCode == code) || strings.EqualFold(p.Code, q) || (e.cert != "" && e.cert == foldedQ) {
				sc = domain.ScoreExactCode
			}
		}
		if sc > 0 {
			hits = append(hits, hit{i: i, score: sc})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(list[a.i].folded, list[b.i].folded)
	})
	pages := max(1, (len(hits)+CataloguePageSize-1)/CataloguePageSize)
	pg, _ := strconv.Atoi(r.URL.Query().Get("trang"))
	pg = min(max(pg, 1), pages)
	heading := s.t("public.catalogue_title", nil)
	v := cataloguePage{page: s.page(heading, s.t("public.catalogue_description", nil)), Heading: heading, Query: q,
		Placeholder: s.t("public.search_placeholder", nil), SearchButton: s.t("public.search_button", nil),
		PrevText: s.t("public.prev", nil), NextText: s.t("public.next", nil)}
	v.OG = &openGraph{Title: heading, Description: v.Description}
	if s.cfg.BaseURL != "" {
		v.OG.URL = s.cfg.BaseURL + "/sp"
	}
	switch {
	case len(hits) == 0 && q != "":
		v.Summary = s.t("public.catalogue_none", map[string]any{"Query": q})
	case len(hits) == 0:
		v.Summary = s.t("public.catalogue_empty", nil)
	default:
		v.Summary = s.t("public.catalogue_summary", map[string]any{"Total": len(hits), "Page": pg, "Pages": pages})
	}
	from := (pg - 1) * CataloguePageSize
	for _, h := range hits[min(from, len(hits)):min(from+CataloguePageSize, len(hits))] {
		e := list[h.i]
		p := e.pp.Product
		it := catalogueItem{Href: "/sp/" + e.pp.PublicCode, Name: p.Name, StarGlyphs: starGlyphs(p.Stars),
			StarsText: s.t("public.stars", map[string]any{"Stars": p.Stars}),
			Line:      strings.Join(nonEmpty(e.pp.Producer, e.commune, e.setName), " · ")}
		if checks[h.i].Status == domain.CertReevaluation {
			it.Reeval = s.statusText(checks[h.i])
		}
		v.Items = append(v.Items, it)
	}
	link := func(n int) string {
		vals := url.Values{}
		if q != "" {
			vals.Set("q", q)
		}
		vals.Set("trang", strconv.Itoa(n))
		return "/sp?" + vals.Encode()
	}
	if pg > 1 {
		v.Prev = link(pg - 1)
	}
	if pg < pages {
		v.Next = link(pg + 1)
	}
	s.render(w, r, http.StatusOK, "catalogue-page.html", v)
}

// communesNamed returns the communes a search names, scored as /timkiem
// scores them: the commune itself, or one made from a former district of
// that name.
func (s *Server) communesNamed(q string) map[string]int {
	out := map[string]int{}
	if s.cfg.Places == nil || q == "" {
		return out
	}
	if _, ok := s.cfg.Places.Get(q); ok {
		out[q] = domain.ScoreCommune
		return out
	}
	for _, m := range s.cfg.Places.Search(q, len(s.cfg.Places.All())) {
		switch m.Via {
		case domain.ViaCommune:
			out[m.Commune.Code] = domain.ScoreCommune
		case domain.ViaDistrict:
			out[m.Commune.Code] = max(out[m.Commune.Code], domain.ScoreDistrict)
		}
	}
	return out
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
