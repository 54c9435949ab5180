package handlers

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/qrlabel"
)

// PublicProducts is what the bot needs of the public product pages' store:
// a product's public code, the certified products (labels), and the
// producer's choice to show a contact on the pages.
type PublicProducts interface {
	ByID(ctx context.Context, id int64) (domain.PublicProduct, error)
	Certified(ctx context.Context, now time.Time) ([]domain.PublicProduct, error)
	PublicContact(ctx context.Context, subjectID int64) (bool, error)
	SetPublicContact(ctx context.Context, subjectID int64, on bool) error
}

// cbQR: "qr|p|<product id>" sends the product's QR code.
const cbQR = "qr"

// maxLabels bounds a sheet of labels (20 A4 pages).
const maxLabels = 20 * qrlabel.PerSheet

// maxLabelsText bounds what /nhanqr reads, in characters.
const maxLabelsText = 2000

// publicURL is the address of a product's public page.
func (a *app) publicURL(code string) string { return a.PublicURL + "/sp/" + code }

// publicOf returns a product's public record and its certificate status;
// ok is false when it has no public page (it never held a certificate).
func (a *app) publicOf(ctx context.Context, id int64) (domain.PublicProduct, domain.CertCheck, bool) {
	if a.Public == nil {
		return domain.PublicProduct{}, domain.CertCheck{}, false
	}
	pp, err := a.Public.ByID(ctx, id)
	if err != nil {
		return domain.PublicProduct{}, domain.CertCheck{}, false
	}
	check := pp.Check(a.now(), a.loc())
	return pp, check, check.Status != domain.CertNone
}

// publicCard is the lines and the button a product's screen (the
// producer's and the officer's) shows about its public page: its code and
// "Mã QR". Nothing for a product that never held a certificate.
func (a *app) publicCard(ctx context.Context, c *bot.Ctx, id int64) (string, []bot.Button) {
	pp, check, ok := a.publicOf(ctx, id)
	if !ok {
		return "", nil
	}
	text := c.T("qr.card", map[string]any{"Code": pp.PublicCode, "Status": c.T("qr.status." + string(check.Status))})
	return text, []bot.Button{bot.Data(cbQR, "p", id).Button(c.T("qr.button"))}
}

// qrButton sends the QR code of a product's page to its producer or to an
// officer who sees its commune.
func (a *app) qrButton(ctx context.Context, c *bot.Ctx) error {
	id, err := c.Pressed.ID(0)
	if err != nil {
		return err
	}
	if c.Pressed.Verb != "p" {
		return c.Answer(ctx, c.T("common.stale_button"), false)
	}
	pp, _, ok := a.publicOf(ctx, id)
	if !ok || !(c.User.SubjectID == pp.Product.SubjectID || c.User.Sees(pp.Product.CommuneCode)) {
		return c.Answer(ctx, c.T("product.not_found"), true)
	}
	if err := c.Answer(ctx, "", false); err != nil {
		return err
	}
	if a.PublicURL == "" {
		return c.Say(ctx, "qr.no_public_url")
	}
	link := a.publicURL(pp.PublicCode)
	png, err := qrlabel.PNG(qrlabel.Label{URL: link, Name: pp.Product.Name, Stars: pp.Product.Stars})
	if err != nil {
		return domain.E("qr.png", domain.KindInternal, err)
	}
	return c.Send(ctx, bot.Reply{
		Text:  c.T("qr.sent", map[string]any{"Name": pp.Product.Name, "Stars": pp.Product.Stars, "Link": link}),
		Photo: &bot.Attachment{Name: "ocop-" + pp.PublicCode + ".png", Data: png},
	})
}

// labels is "/nhanqr <commune | codes>": an A4 PDF of QR labels for the
// products of a commune, or for the products listed by their codes, that
// hold their stars today.
func (a *app) labels(ctx context.Context, c *bot.Ctx) error {
	text := domain.Clean(c.Update.Args)
	switch {
	case !domain.HasLetterOrDigit(text):
		return c.Say(ctx, "qr.labels_usage")
	case utf8.RuneCountInString(text) > maxLabelsText:
		return c.Say(ctx, "qr.labels_too_long", map[string]any{"Max": maxLabelsText})
	case a.PublicURL == "" || a.Public == nil:
		return c.Say(ctx, "qr.no_public_url")
	}
	all, err := a.Public.Certified(ctx, a.now())
	if err != nil {
		return domain.Op("qr.labels", err)
	}
	var held []domain.PublicProduct
	for _, pp := range all {
		if pp.Check(a.now(), a.loc()).Status.Holds() && c.User.Sees(pp.Product.CommuneCode) {
			held = append(held, pp)
		}
	}
	var (
		chosen  []domain.PublicProduct
		missing []string
		what    string
	)
	communes, wider := a.labelCommunes(text)
	hint := ""
	if wider != "" {
		hint = "\n" + c.T("qr.labels_wider", map[string]any{"District": wider})
	}
	if len(communes) > 0 {
		var names []string
		for _, cm := range communes {
			names = append(names, cm.Name)
		}
		what = strings.Join(names, ", ")
		for _, pp := range held {
			for _, cm := range communes {
				if pp.Product.CommuneCode == cm.Code {
					chosen = append(chosen, pp)
				}
			}
		}
	} else if !looksLikeCodes(text) {
		// Words without a digit that name no commune ("ha noi"): a place
		// not found, not a list of unknown codes.
		return c.Say(ctx, "qr.labels_no_place", map[string]any{"Text": text})
	} else {
		byCode := map[string]domain.PublicProduct{}
		for _, pp := range held {
			byCode[pp.PublicCode] = pp
			byCode[strings.ToLower(pp.Product.Code)] = pp
		}
		seen := map[int64]bool{}
		for _, w := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
			key := strings.ToLower(w)
			if code, ok := domain.ParsePublicCode(w); ok {
				key = code
			}
			pp, ok := byCode[key]
			switch {
			case !ok:
				missing = append(missing, w)
			case !seen[pp.Product.ID]:
				seen[pp.Product.ID] = true
				chosen = append(chosen, pp)
			}
		}
		what = c.T("qr.labels_list", map[string]any{"Count": len(chosen)})
	}
	if len(chosen) == 0 {
		return c.Send(ctx, bot.Reply{Text: c.T("qr.labels_none", map[string]any{"What": what, "Missing": strings.Join(missing, ", ")}) + hint})
	}
	if len(chosen) > maxLabels {
		return c.Say(ctx, "qr.labels_too_many", map[string]any{"Count": len(chosen), "Max": maxLabels})
	}
	labels := make([]qrlabel.Label, len(chosen))
	for i, pp := range chosen {
		labels[i] = qrlabel.Label{URL: a.publicURL(pp.PublicCode), Name: pp.Product.Name, Stars: pp.Product.Stars,
			Lines: []string{pp.Producer, c.T("qr.label_cert", map[string]any{"CertNo": bot.HTML(pp.Product.CertNo), "Until": a.date(pp.Product.CertExpires)})}}
	}
	pdf, err := qrlabel.Sheet(labels, c.T("qr.sheet_title"))
	if err != nil {
		return domain.E("qr.sheet", domain.KindInternal, err)
	}
	pages := (len(labels) + qrlabel.PerSheet - 1) / qrlabel.PerSheet
	msg := c.T("qr.labels_sent", map[string]any{"Count": len(labels), "Pages": pages, "What": what})
	if len(missing) > 0 {
		msg += "\n" + c.T("qr.labels_missing", map[string]any{"Missing": strings.Join(missing, ", ")})
	}
	msg += hint
	return c.Send(ctx, bot.Reply{Text: msg, Document: &bot.Attachment{Name: "nhan-qr-ocop.pdf", Data: pdf}})
}

// looksLikeCodes reports whether text may be a list of product codes: one
// of its words has a digit (80-25459-001-2024) or is a public code.
func looksLikeCodes(text string) bool {
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
		if _, ok := domain.ParsePublicCode(w); ok || strings.ContainsAny(w, "0123456789") {
			return true
		}
	}
	return false
}

// labelCommunes returns the communes text names (by code or name, or a
// former district), none when it names none; wider is the former district
// of that name left out because a commune has the name (for a hint).
func (a *app) labelCommunes(text string) (communes []domain.Commune, wider string) {
	if a.Places == nil {
		return nil, ""
	}
	if cm, ok := a.Places.Get(text); ok {
		return []domain.Commune{cm}, ""
	}
	// A commune named as typed wins over the former districts of that
	// name: "trang bang" is Phường Trảng Bàng, not the six communes made
	// from the former Thị xã Trảng Bàng (Gò Dầu among them), unless the
	// district's kind is typed ("thi xa trang bang").
	var named, from []domain.Commune
	for _, m := range a.Places.Search(text, len(a.Places.All())) {
		switch m.Via {
		case domain.ViaCommune:
			named = append(named, m.Commune)
		case domain.ViaDistrict:
			from = append(from, m.Commune)
			if wider == "" {
				wider = m.District.Name
			}
		}
	}
	if len(named) == 0 || len(from) > 0 && domain.NamesDistrict(text) {
		return append(named, from...), "" // a commune of the district's name is one of them
	}
	return named, wider
}

// contactSetting is the /caidat line of a producer's contact on the
// public pages, with its button; nothing for a user without a subject.
func (a *app) contactSetting(ctx context.Context, c *bot.Ctx) (string, []bot.Button, error) {
	if a.Public == nil || c.User.SubjectID == 0 {
		return "", nil, nil
	}
	on, err := a.Public.PublicContact(ctx, c.User.SubjectID)
	if errors.Is(err, domain.ErrNotFound) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, domain.Op("settings.contact", err)
	}
	id := "qr.contact_off"
	if on {
		id = "qr.contact_on"
	}
	line := c.T(id)
	return line, []bot.Button{bot.Data(cbSettings, "c").Button(line)}, nil
}

// toggleContact turns the producer's contact on the public pages on or off.
func (a *app) toggleContact(ctx context.Context, c *bot.Ctx) (string, error) {
	if a.Public == nil || c.User.SubjectID == 0 {
		return "", domain.Invalid("settings.contact", "product.register_first")
	}
	on, err := a.Public.PublicContact(ctx, c.User.SubjectID)
	if err != nil {
		return "", domain.Op("settings.contact", err)
	}
	if err := a.Public.SetPublicContact(ctx, c.User.SubjectID, !on); err != nil {
		return "", domain.Op("settings.contact", err)
	}
	if on {
		return "qr.contact_turned_off", nil
	}
	return "qr.contact_turned_on", nil
}
