package handlers

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// Privacy is what /xoadulieu needs of the personal-data repository.
type Privacy interface {
	// Collect returns everything kept about the person of a user.
	Collect(ctx context.Context, userID int64) (domain.PersonalData, error)
	// Audit records a request's kind and time, never its content.
	Audit(ctx context.Context, userID int64, kind string) error
	// Withdraw sets the consent of every account of the person to
	// declined, and audits it.
	Withdraw(ctx context.Context, userID int64) error
	// Erase removes the person's personal data (domain.Erasure says what
	// was kept), and audits it.
	Erase(ctx context.Context, userID int64, kind string) (domain.Erasure, error)
}

// cbPrivacy: "pd|v" (view), "pd|x" (export), "pd|w" and "pd|W|<nonce>"
// (withdraw, confirmed), "pd|d" and "pd|D|<nonce>" (erase, confirmed),
// "pd|k" (keep: nothing done).
const cbPrivacy = "pd"

// keyPrivacyNonce is the session value that a confirmation button must
// carry: an old or forged confirmation does nothing.
const keyPrivacyNonce = "pd_nonce"

// maxPrivacyListed bounds each list of the /xoadulieu screen; the files
// sent hold everything.
const maxPrivacyListed = 10

// myData (/xoadulieu, "Dữ liệu của tôi" in /caidat) shows everything kept
// about the person, with the ways to take it, withdraw consent or erase it.
func (a *app) myData(ctx context.Context, c *bot.Ctx) error {
	d, err := a.Privacy.Collect(ctx, c.User.ID)
	if err != nil {
		return domain.Op("privacy.view", err)
	}
	if err := a.audit(ctx, c, domain.PrivacyView); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(c.T("mydata.title"))
	for _, u := range d.Accounts {
		b.WriteString("\n" + c.T("mydata.account", map[string]any{"Channel": c.T("mydata.channel." + u.Channel), "Name": u.Name,
			"Since": a.date(u.CreatedAt), "Consent": c.T("mydata.consent." + consentKey(u.Consent))}))
	}
	if d.Subject.ID != 0 {
		b.WriteString("\n\n" + c.T("mydata.subject", map[string]any{"Profile": bot.HTML(a.profile(ctx, c, d.Subject))}))
		if d.SharedWith > 0 {
			b.WriteString("\n" + c.T("mydata.shared", map[string]any{"N": d.SharedWith}))
		}
	}
	if len(d.Products) > 0 {
		b.WriteString("\n\n" + c.T("mydata.products", map[string]any{"N": len(d.Products)}))
		for i, p := range d.Products {
			if i == maxPrivacyListed {
				b.WriteString("\n" + c.T("mydata.more", map[string]any{"N": len(d.Products) - i}))
				break
			}
			b.WriteString("\n" + c.T("mydata.product", map[string]any{"Name": p.Name, "Code": p.Code, "Stage": c.T("stage." + string(p.Stage))}))
		}
	}
	if len(d.Files) > 0 {
		b.WriteString("\n\n" + c.T("mydata.files", map[string]any{"N": len(d.Files)}))
		for i, f := range d.Files {
			if i == maxPrivacyListed {
				b.WriteString("\n" + c.T("mydata.more", map[string]any{"N": len(d.Files) - i}))
				break
			}
			b.WriteString("\n" + c.T("mydata.file", map[string]any{"Name": f.Name, "Code": f.ProductCode, "Date": a.date(f.At)}))
		}
	}
	if len(d.Events) > 0 {
		b.WriteString("\n\n" + c.T("mydata.events", map[string]any{"N": len(d.Events)}))
		for i, e := range d.Events {
			if i == maxPrivacyListed {
				b.WriteString("\n" + c.T("mydata.more", map[string]any{"N": len(d.Events) - i}))
				break
			}
			b.WriteString("\n" + c.T("mydata.event", map[string]any{"Title": e.Title, "Date": a.date(e.StartsAt), "What": c.T(eventWhat(e))}))
		}
	}
	if len(d.Questions) > 0 {
		b.WriteString("\n\n" + c.T("mydata.questions", map[string]any{"N": len(d.Questions)}))
		for i, q := range d.Questions {
			if i == maxPrivacyListed {
				b.WriteString("\n" + c.T("mydata.more", map[string]any{"N": len(d.Questions) - i}))
				break
			}
			b.WriteString("\n" + c.T("mydata.question", map[string]any{"Date": a.date(q.AskedAt), "Text": clipText(q.Question, 60)}))
		}
	}
	if len(d.Optouts) > 0 {
		var ts []string
		for _, t := range d.Optouts {
			ts = append(ts, c.T("settings.topic."+string(t)))
		}
		b.WriteString("\n\n" + c.T("mydata.optouts", map[string]any{"Topics": strings.Join(ts, ", ")}))
	}
	b.WriteString("\n\n" + c.T("mydata.choose"))
	rows := [][]bot.Button{{bot.Data(cbPrivacy, "x").Button(c.T("mydata.button_export"))}}
	if c.User.Consent == domain.ConsentGiven {
		rows = append(rows, []bot.Button{bot.Data(cbPrivacy, "w").Button(c.T("mydata.button_withdraw"))})
	}
	rows = append(rows, []bot.Button{bot.Data(cbPrivacy, "d").Button(c.T("mydata.button_erase"))})
	return c.Send(ctx, bot.Reply{Text: b.String(), Buttons: rows})
}

func consentKey(c domain.Consent) string {
	if c == domain.ConsentUnknown {
		return "unknown"
	}
	return string(c)
}

func eventWhat(e domain.PersonalEvent) string {
	switch {
	case e.Attended:
		return "mydata.event_attended"
	case e.Answer == "yes":
		return "mydata.event_yes"
	case e.Answer == "no":
		return "mydata.event_no"
	}
	return "mydata.event_invited"
}

// audit records a request; the log line names its kind and user id only.
func (a *app) audit(ctx context.Context, c *bot.Ctx, kind string) error {
	if err := a.Privacy.Audit(ctx, c.User.ID, kind); err != nil {
		return domain.Op("privacy.audit", err)
	}
	a.logger().Info("personal data request", "kind", kind, "user", c.User.ID)
	return nil
}

func (a *app) privacyButton(ctx context.Context, c *bot.Ctx) error {
	act, arg := c.Pressed.Verb, c.Pressed.Arg
	switch act {
	case "v":
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return a.myData(ctx, c)
	case "x":
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return a.exportMyData(ctx, c)
	case "w", "d":
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return a.askPrivacyConfirm(ctx, c, act)
	case "W", "D":
		nonce := c.Session.Get(keyPrivacyNonce)
		if nonce == "" || arg != nonce {
			return c.Answer(ctx, c.T("common.stale_button"), false)
		}
		c.Session.Put(keyPrivacyNonce, "")
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		if act == "W" {
			return a.withdrawConsent(ctx, c)
		}
		return a.eraseMyData(ctx, c)
	case "k":
		c.Session.Put(keyPrivacyNonce, "")
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return c.Say(ctx, "mydata.kept")
	}
	return c.Answer(ctx, c.T("common.stale_button"), false)
}

// askPrivacyConfirm says what withdrawing or erasing does and asks to
// confirm it; the confirmation carries a nonce kept in the session.
func (a *app) askPrivacyConfirm(ctx context.Context, c *bot.Ctx, act string) error {
	if act == "d" && c.IsOfficer() {
		return c.Say(ctx, "mydata.officer_erase")
	}
	var buf [6]byte
	_, _ = rand.Read(buf[:])
	// A letter first: a button's argument is never a number (bot.ButtonData).
	nonce := "n" + hex.EncodeToString(buf[:])
	c.Session.Put(keyPrivacyNonce, nonce)
	text, yes := c.T("mydata.withdraw_confirm"), c.T("mydata.button_withdraw_yes")
	if act == "d" {
		d, err := a.Privacy.Collect(ctx, c.User.ID)
		if err != nil {
			return domain.Op("privacy.erase", err)
		}
		var keep []string
		if d.SharedWith == 0 {
			for _, p := range d.Products {
				if p.MustKeep() {
					keep = append(keep, p.Code)
				}
			}
		}
		text, yes = c.T("mydata.erase_confirm"), c.T("mydata.button_erase_yes")
		switch {
		case d.SharedWith > 0:
			text += "\n\n" + c.T("mydata.erase_will_shared", map[string]any{"N": d.SharedWith})
		case len(keep) > 0:
			text += "\n\n" + c.T("mydata.erase_will_keep", map[string]any{"Codes": strings.Join(keep, ", ")})
		}
	}
	up := strings.ToUpper(act)
	return c.Send(ctx, bot.Reply{Text: text, Buttons: [][]bot.Button{
		{bot.Data(cbPrivacy, up).With(nonce).Button(yes)},
		{bot.Data(cbPrivacy, "k").Button(c.T("mydata.button_keep"))},
	}})
}

func (a *app) withdrawConsent(ctx context.Context, c *bot.Ctx) error {
	if err := a.Privacy.Withdraw(ctx, c.User.ID); err != nil {
		return domain.Op("privacy.withdraw", err)
	}
	a.logger().Info("personal data request", "kind", domain.PrivacyWithdraw, "user", c.User.ID)
	c.User.Consent = domain.ConsentDeclined
	return c.Say(ctx, "mydata.withdrawn")
}

// eraseMyData erases the person's data, removes the files nothing refers
// to any more, forgets the conversation and says what was kept and why.
func (a *app) eraseMyData(ctx context.Context, c *bot.Ctx) error {
	if c.IsOfficer() {
		return c.Say(ctx, "mydata.officer_erase")
	}
	r, err := a.Privacy.Erase(ctx, c.User.ID, domain.PrivacyErase)
	if err != nil {
		return domain.Op("privacy.erase", err)
	}
	a.logger().Info("personal data request", "kind", domain.PrivacyErase, "user", c.User.ID, "files", len(r.Blobs))
	removeBlobs(a.Blobs, r.Blobs, a.logger())
	// The conversation's state (forms half filled) goes too.
	c.Session.Data, c.Session.Forms = map[string]string{}, nil
	c.User.SubjectID, c.User.Consent = 0, domain.ConsentUnknown
	msg := "mydata.erased"
	data := map[string]any{}
	switch r.SubjectKept {
	case domain.SubjectAnonymised:
		msg, data["Codes"] = "mydata.erased_kept", strings.Join(r.KeptProducts, ", ")
	case domain.SubjectShared:
		msg = "mydata.erased_shared"
	}
	return c.Say(ctx, msg, data)
}

// removeBlobs removes stored files that no record refers to any more; a
// failure is logged (the file is then an orphan, not a record).
func removeBlobs(blobs Blobs, sums []string, log *slog.Logger) {
	for _, sum := range sums {
		if err := blobs.Remove(sum); err != nil {
			log.Warn("personal data: a file was not removed", "err", err)
		}
	}
}

func (a *app) logger() *slog.Logger {
	if a.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Log
}

// PurgeInactive is the daily cleanup of the retention limit: everything
// about people who never registered and have not written for
// domain.InactiveRetention is erased, as if they had asked.
func PurgeInactive(ctx context.Context, p interface {
	Inactive(ctx context.Context, now time.Time, limit int) ([]int64, error)
	Erase(ctx context.Context, userID int64, kind string) (domain.Erasure, error)
}, blobs Blobs, now time.Time, log *slog.Logger) (int, error) {
	ids, err := p.Inactive(ctx, now, 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		r, err := p.Erase(ctx, id, domain.PrivacyExpired)
		if err != nil {
			return n, err
		}
		removeBlobs(blobs, r.Blobs, log)
		n += r.Accounts
	}
	return n, nil
}

// exportMyData sends everything kept as two files: JSON (for machines)
// and a workbook (to read).
func (a *app) exportMyData(ctx context.Context, c *bot.Ctx) error {
	d, err := a.Privacy.Collect(ctx, c.User.ID)
	if err != nil {
		return domain.Op("privacy.export", err)
	}
	if err := a.audit(ctx, c, domain.PrivacyExport); err != nil {
		return err
	}
	js, err := json.MarshalIndent(a.exportOf(c, d), "", "  ")
	if err != nil {
		return domain.E("privacy.export", domain.KindInternal, err)
	}
	book, err := a.myDataWorkbook(c, d)
	if err != nil {
		return domain.E("privacy.export", domain.KindInternal, err)
	}
	day := a.now().Format("2006-01-02")
	if err := c.Send(ctx, bot.Reply{Text: c.T("mydata.export_json"), Document: &bot.Attachment{Name: "du-lieu-ca-nhan-" + day + ".json", Data: js}}); err != nil {
		return err
	}
	return c.Send(ctx, bot.Reply{Text: c.T("mydata.export_xlsx"), Document: &bot.Attachment{Name: "du-lieu-ca-nhan-" + day + ".xlsx", Data: book}})
}

// The export's JSON: English keys, values as kept.
type (
	exportData struct {
		Exported string                       `json:"exported_at"`
		Accounts []exportAccount              `json:"accounts"`
		Subject  *exportSubject               `json:"subject,omitempty"`
		Products []exportProduct              `json:"products,omitempty"`
		Files    []exportFile                 `json:"files,omitempty"`
		Events   []exportEvent                `json:"events,omitempty"`
		Optouts  []string                     `json:"announcements_turned_off,omitempty"`
		Asked    []exportQuestion             `json:"questions_asked,omitempty"`
		Forms    map[string]map[string]string `json:"unfinished_forms,omitempty"`
	}
	exportQuestion struct {
		Question   string `json:"question"`
		Answer     string `json:"answer,omitempty"`
		AskedAt    string `json:"asked_at"`
		AnsweredAt string `json:"answered_at,omitempty"`
	}
	exportAccount struct {
		Channel   string `json:"channel"`
		ID        string `json:"channel_user_id"`
		Username  string `json:"username,omitempty"`
		Name      string `json:"name"`
		Language  string `json:"language"`
		Consent   string `json:"consent"`
		ConsentAt string `json:"consent_at,omitempty"`
		Since     string `json:"first_seen"`
		LastSeen  string `json:"last_seen,omitempty"`
	}
	exportSubject struct {
		Kind           string   `json:"kind"`
		Name           string   `json:"name"`
		Representative string   `json:"representative"`
		Phone          string   `json:"phone"`
		PhoneVerified  bool     `json:"phone_verified"`
		Commune        string   `json:"commune"`
		BusinessRegNo  string   `json:"business_reg_no,omitempty"`
		SalesChannels  []string `json:"sales_channels,omitempty"`
		SharedWith     int      `json:"other_people_acting_for_it"`
	}
	exportProduct struct {
		Code         string  `json:"code"`
		Name         string  `json:"name"`
		Set          int     `json:"product_set"`
		Existing     bool    `json:"existing"`
		Craft        string  `json:"craft,omitempty"`
		RawArea      bool    `json:"raw_material_area"`
		RawAreaWhere string  `json:"raw_material_area_where,omitempty"`
		Circular     bool    `json:"circular"`
		Stage        string  `json:"stage"`
		Score        float64 `json:"score,omitempty"`
		Stars        int     `json:"stars,omitempty"`
		CertNo       string  `json:"certificate_no,omitempty"`
		CertExpires  string  `json:"certificate_expires,omitempty"`
		ReceiptNo    string  `json:"receipt_no,omitempty"`
		Created      string  `json:"created_at"`
	}
	exportFile struct {
		Product string `json:"product_code"`
		Item    string `json:"dossier_item"`
		Name    string `json:"name"`
		Type    string `json:"type"`
		Size    int64  `json:"size"`
		At      string `json:"sent_at"`
	}
	exportEvent struct {
		Title    string `json:"title"`
		StartsAt string `json:"starts_at"`
		Answer   string `json:"answer,omitempty"`
		Attended bool   `json:"attended"`
	}
)

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (a *app) exportOf(c *bot.Ctx, d domain.PersonalData) exportData {
	out := exportData{Exported: stamp(a.now())}
	for _, u := range d.Accounts {
		out.Accounts = append(out.Accounts, exportAccount{Channel: u.Channel, ID: u.ChannelID, Username: u.Username, Name: u.Name,
			Language: u.Locale, Consent: consentKey(u.Consent), ConsentAt: stamp(u.ConsentAt), Since: stamp(u.CreatedAt), LastSeen: stamp(u.LastSeen)})
	}
	if s := d.Subject; s.ID != 0 {
		es := &exportSubject{Kind: string(s.Kind), Name: s.Name, Representative: s.Representative, Phone: s.Phone,
			PhoneVerified: s.PhoneVerified, Commune: a.communeName(s.CommuneCode), BusinessRegNo: s.BusinessRegNo, SharedWith: d.SharedWith}
		for _, ch := range s.SalesChannels {
			es.SalesChannels = append(es.SalesChannels, string(ch))
		}
		out.Subject = es
	}
	for _, p := range d.Products {
		out.Products = append(out.Products, exportProduct{Code: p.Code, Name: p.Name, Set: p.Set, Existing: p.Existing, Craft: p.Craft,
			RawArea: p.RawArea, RawAreaWhere: p.RawAreaWhere, Circular: p.Circular, Stage: string(p.Stage), Score: p.Score, Stars: p.Stars,
			CertNo: p.CertNo, CertExpires: stamp(p.CertExpires), ReceiptNo: p.ReceiptNo, Created: stamp(p.CreatedAt)})
	}
	for _, f := range d.Files {
		out.Files = append(out.Files, exportFile{Product: f.ProductCode, Item: f.Item, Name: f.Name, Type: f.Mime, Size: f.Size, At: stamp(f.At)})
	}
	for _, e := range d.Events {
		out.Events = append(out.Events, exportEvent{Title: e.Title, StartsAt: stamp(e.StartsAt), Answer: e.Answer, Attended: e.Attended})
	}
	for _, q := range d.Questions {
		out.Asked = append(out.Asked, exportQuestion{Question: q.Question, Answer: q.Answer, AskedAt: stamp(q.AskedAt), AnsweredAt: stamp(q.AnsweredAt)})
	}
	for _, t := range d.Optouts {
		out.Optouts = append(out.Optouts, string(t))
	}
	for id, f := range c.Session.Forms {
		if f == nil || len(f.Answers) == 0 {
			continue
		}
		if out.Forms == nil {
			out.Forms = map[string]map[string]string{}
		}
		out.Forms[id] = f.Answers
	}
	return out
}

// myDataWorkbook is the export to read: one sheet per kind of data, a
// header row of labels and one row per record.
func (a *app) myDataWorkbook(c *bot.Ctx, d domain.PersonalData) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	yes := func(b bool) string {
		if b {
			return c.T("mydata.xlsx_yes")
		}
		return ""
	}
	type sheet struct {
		name string
		rows [][]any
	}
	accounts := sheet{c.T("mydata.xlsx_accounts"), [][]any{{c.T("mydata.xlsx_channel"), c.T("mydata.xlsx_name"), c.T("mydata.xlsx_consent"), c.T("mydata.xlsx_since")}}}
	for _, u := range d.Accounts {
		accounts.rows = append(accounts.rows, []any{c.T("mydata.channel." + u.Channel), u.Name, c.T("mydata.consent." + consentKey(u.Consent)), a.date(u.CreatedAt)})
	}
	sheets := []sheet{accounts}
	if s := d.Subject; s.ID != 0 {
		var chans []string
		for _, ch := range s.SalesChannels {
			chans = append(chans, c.T("sales_channel."+string(ch)))
		}
		sheets = append(sheets, sheet{c.T("mydata.xlsx_subject"), [][]any{
			{c.T("register.label_kind"), c.T("subject_kind." + string(s.Kind))},
			{c.T("register.label_name"), s.Name},
			{c.T("register.label_rep"), s.Representative},
			{c.T("register.label_phone"), domain.FormatPhone(s.Phone)},
			{c.T("register.label_commune"), a.communeName(s.CommuneCode)},
			{c.T("register.label_regno"), s.BusinessRegNo},
			{c.T("register.label_channels"), strings.Join(chans, ", ")},
		}})
	}
	products := sheet{c.T("mydata.xlsx_products"), [][]any{{c.T("mydata.xlsx_code"), c.T("mydata.xlsx_name"), c.T("mydata.xlsx_stage"),
		c.T("mydata.xlsx_stars"), c.T("mydata.xlsx_cert"), c.T("mydata.xlsx_since")}}}
	for _, p := range d.Products {
		products.rows = append(products.rows, []any{p.Code, p.Name, c.T("stage." + string(p.Stage)), p.Stars, p.CertNo, a.date(p.CreatedAt)})
	}
	files := sheet{c.T("mydata.xlsx_files"), [][]any{{c.T("mydata.xlsx_code"), c.T("mydata.xlsx_item"), c.T("mydata.xlsx_name"), c.T("mydata.xlsx_size"), c.T("mydata.xlsx_since")}}}
	for _, fl := range d.Files {
		files.rows = append(files.rows, []any{fl.ProductCode, fl.Item, fl.Name, fl.Size, a.date(fl.At)})
	}
	events := sheet{c.T("mydata.xlsx_events"), [][]any{{c.T("mydata.xlsx_name"), c.T("mydata.xlsx_date"), c.T("mydata.xlsx_answer"), c.T("mydata.xlsx_attended")}}}
	for _, e := range d.Events {
		events.rows = append(events.rows, []any{e.Title, a.date(e.StartsAt), c.T(eventWhat(e)), yes(e.Attended)})
	}
	questions := sheet{c.T("mydata.xlsx_questions"), [][]any{{c.T("mydata.xlsx_date"), c.T("mydata.xlsx_question"), c.T("mydata.xlsx_reply")}}}
	for _, q := range d.Questions {
		questions.rows = append(questions.rows, []any{a.date(q.AskedAt), q.Question, q.Answer})
	}
	sheets = append(sheets, products, files, events, questions)
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			return nil, err
		}
		for j, r := range s.rows {
			cell, err := excelize.CoordinatesToCellName(1, j+1)
			if err != nil {
				return nil, err
			}
			if err := f.SetSheetRow(s.name, cell, &r); err != nil {
				return nil, err
			}
		}
		if err := f.SetColWidth(s.name, "A", "F", 24); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// clipText cuts a long text to n characters, for a list line.
func clipText(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}
