package handlers

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// Searcher finds subjects and products for officers.
type Searcher interface {
	Search(ctx context.Context, q domain.SearchQuery) ([]domain.SearchHit, error)
}

// Button data of search pages: "tk|<nonce>|<page>". The nonce ties the
// buttons to the latest search of the officer, kept in the session. A
// product found opens as in the review ("r|o|<product>"), a subject as
// "tks|o|<subject>".
const (
	cbSearch        = "tk"
	cbSearchSubject = "tks"
)

// Session keys of the latest search.
const (
	sessSearchQuery = "tk_q"
	sessSearchNonce = "tk_n"
	sessSearchAsk   = "tk_a" // "/timkiem" alone: the next text is what to find
)

const (
	// searchPageSize: three hits, each with its button, and the two page
	// buttons make five, as many as Zalo shows as buttons (more would
	// become a numbered list there).
	searchPageSize = 3
	maxSearchText  = 100 // characters
)

// search answers "/timkiem <text>" with the first page of results.
func (a *app) search(ctx context.Context, c *bot.Ctx) error {
	text := domain.Clean(c.Update.Args)
	if !domain.HasLetterOrDigit(text) {
		// "/timkiem" alone: the next text is what to find.
		c.Session.Put(sessSearchAsk, "1")
		c.AwaitText()
		return c.Say(ctx, "search.ask")
	}
	return a.searchFor(ctx, c, text)
}

// searchTyped runs the search asked for by "/timkiem" alone with the text
// typed right after it; it reports whether the text was that.
func (a *app) searchTyped(ctx context.Context, c *bot.Ctx) (bool, error) {
	if c.Session.Get(sessSearchAsk) == "" {
		return false, nil
	}
	c.Session.Put(sessSearchAsk, "")
	if !c.Awaited() || !c.IsOfficer() {
		return false, nil // the officer went elsewhere in between
	}
	if stopAsking(c.Update.Text) {
		return true, a.sayMenu(ctx, c, "search.ask_stopped") // «thôi»: nothing to find
	}
	return true, a.searchFor(ctx, c, domain.Clean(c.Update.Text))
}

// searchFor finds text and shows the first page of hits.
func (a *app) searchFor(ctx context.Context, c *bot.Ctx, text string) error {
	switch {
	case !domain.HasLetterOrDigit(text):
		return c.Say(ctx, "search.usage")
	case utf8.RuneCountInString(text) > maxSearchText:
		return c.Say(ctx, "search.too_long", map[string]any{"Max": maxSearchText})
	}
	if a.Search == nil {
		return domain.Errorf("handlers.search", "no search store")
	}
	hits, err := a.searchHits(ctx, c, text)
	if err != nil {
		return domain.Op("handlers.search", err)
	}
	// A new nonce for every search, so that older page buttons go stale.
	prev, _ := strconv.ParseInt(c.Session.Get(sessSearchNonce), 36, 64)
	nonce := strconv.FormatInt((prev+1)%(36*36*36*36), 36)
	c.Session.Put(sessSearchQuery, text)
	c.Session.Put(sessSearchNonce, nonce)
	return c.Send(ctx, a.searchPage(c, text, nonce, hits, 0))
}

// searchButton shows another page of the latest search, in place.
func (a *app) searchButton(ctx context.Context, c *bot.Ctx) error {
	nonce := c.Pressed.Verb
	page, err := c.Pressed.ID(0)
	if err != nil {
		return err
	}
	text := c.Session.Get(sessSearchQuery)
	if page < 0 || nonce != c.Session.Get(sessSearchNonce) || text == "" {
		return c.Answer(ctx, c.T("search.stale"), false)
	}
	hits, err := a.searchHits(ctx, c, text)
	if err != nil {
		return domain.Op("handlers.search", err)
	}
	r := a.searchPage(c, text, nonce, hits, int(page))
	r.Edit = c.Update.Callback.MessageID
	if err := c.Send(ctx, r); err != nil {
		return err
	}
	return c.Answer(ctx, "", false)
}

// searchHits runs an officer's search. When the whole text finds nothing
// and its last words are a commune's name ("banh trang trang bang"), the
// words before them are searched within that commune.
func (a *app) searchHits(ctx context.Context, c *bot.Ctx, text string) ([]domain.SearchHit, error) {
	hits, err := a.Search.Search(ctx, a.searchQuery(c, text))
	if err != nil || len(hits) > 0 || a.Places == nil {
		return hits, err
	}
	w := strings.Fields(text)
	for k := min(3, len(w)-1); k >= 1; k-- {
		place := domain.Fold(strings.Join(w[len(w)-k:], " "))
		in := map[string]bool{}
		for _, m := range a.Places.Search(place, 8) {
			if m.Via == domain.ViaCommune && (domain.Fold(m.Commune.ShortName()) == place || domain.Fold(m.Commune.Name) == place) {
				in[m.Commune.Code] = true
			}
		}
		if len(in) == 0 {
			continue
		}
		found, err := a.Search.Search(ctx, a.searchQuery(c, strings.Join(w[:len(w)-k], " ")))
		if err != nil {
			return nil, err
		}
		for _, h := range found {
			if in[h.Subject.CommuneCode] {
				hits = append(hits, h)
			}
		}
		return hits, nil
	}
	return nil, nil
}

// searchQuery prepares the search of text within the officer's scope: a
// phone number in any format, a commune by code or name, names and codes.
func (a *app) searchQuery(c *bot.Ctx, text string) domain.SearchQuery {
	q := domain.SearchQuery{Text: text, All: c.User.Role.IsProvince(), Scope: c.User.Communes}
	if !q.All && c.User.Role != domain.RoleCommuneOfficer {
		q.Scope = nil // a producer reaching here by mistake sees nothing
	}
	if phone, err := domain.ParsePhone(text); err == nil {
		q.Phone = phone
	}
	if a.Places == nil {
		return q
	}
	q.Communes = map[string]int{}
	if _, ok := a.Places.Get(text); ok {
		q.Communes[text] = domain.ScoreCommune
		return q
	}
	for _, m := range a.Places.Search(text, len(a.Places.All())) {
		switch m.Via {
		case domain.ViaCommune:
			q.Communes[m.Commune.Code] = domain.ScoreCommune
		case domain.ViaDistrict:
			q.Communes[m.Commune.Code] = max(q.Communes[m.Commune.Code], domain.ScoreDistrict)
		}
	}
	return q
}

// searchPage renders one page of hits with the buttons to the others.
func (a *app) searchPage(c *bot.Ctx, text, nonce string, hits []domain.SearchHit, page int) bot.Reply {
	if len(hits) == 0 {
		return bot.Reply{Text: c.T("search.none", map[string]any{"Query": text})}
	}
	pages := (len(hits) + searchPageSize - 1) / searchPageSize
	page = min(page, pages-1)
	lines := []string{c.T("search.header", map[string]any{"Query": text, "Total": len(hits), "Page": page + 1, "Pages": pages})}
	from := page * searchPageSize
	var open [][]bot.Button
	for i, h := range hits[from:min(from+searchPageSize, len(hits))] {
		n := from + i + 1
		lines = append(lines, a.searchLine(c, n, h))
		open = append(open, []bot.Button{searchOpen(c, n, h)})
	}
	r := bot.Reply{Text: strings.Join(lines, "\n\n"), Buttons: open}
	var row []bot.Button
	if page > 0 {
		row = append(row, bot.Data(cbSearch, nonce, int64(page-1)).Button(c.T("search.prev")))
	}
	if page < pages-1 {
		row = append(row, bot.Data(cbSearch, nonce, int64(page+1)).Button(c.T("search.next")))
	}
	if len(row) > 0 {
		r.Buttons = append(r.Buttons, row)
	}
	return r
}

// searchOpen is the button that opens hit number n: a product as the
// review shows it, a subject with its products.
func searchOpen(c *bot.Ctx, n int, h domain.SearchHit) bot.Button {
	if h.Product != nil {
		return bot.Data(cbReview, "o", h.Product.ID).Button(c.Label("search.open_product", map[string]any{"N": n, "Name": h.Product.Name}))
	}
	return bot.Data(cbSearchSubject, "o", h.Subject.ID).Button(c.Label("search.open_subject", map[string]any{"N": n, "Name": h.Subject.Name}))
}

// searchSubject opens a subject found by /timkiem ("tks|o|<subject>"): who
// it is, and its products in the officer's communes, each a button to open
// it as the review does.
func (a *app) searchSubject(ctx context.Context, c *bot.Ctx) error {
	id, err := c.Pressed.ID(0)
	if err != nil {
		return err
	}
	if c.Pressed.Verb != "o" {
		return c.Answer(ctx, c.T("common.stale_button"), false)
	}
	s, err := a.Subjects.Get(ctx, id)
	if err != nil && !errors.Is(err, domain.ErrNotFound) && domain.ErrorKind(err) != domain.KindNotFound {
		return domain.Op("search.subject", err)
	}
	if err != nil || !c.User.Sees(s.CommuneCode) {
		// Gone (erased), or out of scope: answered as one that does not exist.
		return c.Answer(ctx, c.T("search.subject_gone"), true)
	}
	all, err := a.Products.ListBySubject(ctx, s.ID)
	if err != nil {
		return domain.Op("search.subject", err)
	}
	if err := c.Answer(ctx, "", false); err != nil {
		return err
	}
	phone := c.T("search.no_phone")
	if s.Phone != "" {
		phone = domain.FormatPhone(s.Phone)
	}
	var b strings.Builder
	b.WriteString(a.subjectCard(ctx, c, s, phone, s.CommuneCode))
	var rows [][]bot.Button
	for _, p := range all {
		if !c.User.Sees(p.CommuneCode) {
			continue
		}
		b.WriteString("\n")
		b.WriteString(c.T("search.subject_product", map[string]any{"Name": p.Name, "Code": p.Code, "Stage": bot.HTML(searchStage(c, p))}))
		rows = append(rows, []bot.Button{bot.Data(cbReview, "o", p.ID).Button(c.Label("review.queue_item",
			map[string]any{"Code": p.Code, "Name": p.Name, "Stage": c.T("stage_short." + string(p.Stage))}))})
	}
	if len(rows) == 0 {
		b.WriteString("\n")
		b.WriteString(c.T("search.subject_no_products"))
	}
	b.WriteString("\n\n")
	b.WriteString(c.T("search.subject_behalf", map[string]any{"Code": strconv.FormatInt(s.ID, 10)}))
	return c.Send(ctx, bot.Reply{Text: b.String(), Buttons: rows})
}

// searchLine renders one hit.
func (a *app) searchLine(c *bot.Ctx, n int, h domain.SearchHit) string {
	s := h.Subject
	if h.Product == nil {
		phone := c.T("search.no_phone")
		if s.Phone != "" {
			phone = domain.FormatPhone(s.Phone)
		}
		return c.T("search.subject", map[string]any{
			"N": n, "Name": s.Name, "Kind": c.T("subject_kind." + string(s.Kind)), "Representative": s.Representative,
			"Commune": a.searchCommuneName(s.CommuneCode), "Phone": phone, "Products": h.Products,
		})
	}
	p := h.Product
	return c.T("search.product", map[string]any{
		"N": n, "Name": p.Name, "Code": p.Code, "Subject": s.Name,
		"Commune": a.searchCommuneName(p.CommuneCode), "Stage": bot.HTML(searchStage(c, *p)),
	})
}

// searchStage is a product's stage in short, with its stars when it has
// some.
func searchStage(c *bot.Ctx, p domain.Product) string {
	stage := c.T("stage_short." + string(p.Stage))
	if p.Stars > 0 {
		stage = c.T("search.stars", map[string]any{"Stage": stage, "Stars": p.Stars})
	}
	return stage
}

// searchCommuneName returns the commune's name, or its code when unknown.
func (a *app) searchCommuneName(code string) string {
	if a.Places != nil {
		if cm, ok := a.Places.Get(code); ok {
			return cm.Name
		}
	}
	return code
}
