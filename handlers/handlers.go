// Package handlers holds the conversations of the bot, one file per flow.
// Handlers speak only through message ids (locales/) and bot.Reply; they
// never import a messenger SDK.
package handlers

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/report"
)

// Users is what the handlers need of the users repository.
type Users interface {
	SetConsent(ctx context.Context, id int64, c domain.Consent) error
	SetLocale(ctx context.Context, id int64, locale string) error
	LinkSubject(ctx context.Context, userID, subjectID int64) error
	SetStartPayload(ctx context.Context, id int64, payload string) error
	ListBySubject(ctx context.Context, subjectID int64) ([]domain.User, error)
	// ReachBySubject lists the people acting for a subject once each, at
	// the channel they used last; Reach is that channel's user of one person.
	ReachBySubject(ctx context.Context, subjectID int64) ([]domain.User, error)
	Reach(ctx context.Context, userID int64) (domain.User, error)
	// LinkPerson makes a user the same person as another (two channels).
	LinkPerson(ctx context.Context, userID, otherID int64) error
}

// Subjects is what the handlers need of the subjects repository.
type Subjects interface {
	Create(ctx context.Context, s *domain.Subject) error
	Update(ctx context.Context, s *domain.Subject) error
	Get(ctx context.Context, id int64) (domain.Subject, error)
	FindByPhone(ctx context.Context, e164 string) (domain.Subject, error)
}

// Products is what the handlers need of the products repository.
type Products interface {
	Create(ctx context.Context, p *domain.Product, communeCode, provinceCode string) error
	Update(ctx context.Context, p *domain.Product) error
	Get(ctx context.Context, id int64) (domain.Product, error)
	// GetByCode finds a product by its code ("80-25480-001-2026").
	GetByCode(ctx context.Context, code string) (domain.Product, error)
	ListBySubject(ctx context.Context, subjectID int64) ([]domain.Product, error)
	Delete(ctx context.Context, id int64) error
	// MoveStage moves a product between stages in one transaction, failing
	// with KindConflict when it is no longer in stage from; apply sets the
	// fields that go with the move.
	MoveStage(ctx context.Context, id int64, from, to domain.Stage, by int64, reason string, apply func(p *domain.Product, m domain.Move) error) (domain.Product, error)
}

// Dossiers is what the handlers need of the dossier repository.
type Dossiers interface {
	Items(ctx context.Context, productID int64) (map[string]domain.DossierItem, error)
	SetState(ctx context.Context, productID int64, itemID string, state domain.ItemState, reason string) error
	AddFile(ctx context.Context, f *domain.ItemFile) error
	Files(ctx context.Context, productID int64, itemID string) ([]domain.ItemFile, error)
	FileCounts(ctx context.Context, productID int64) (map[string]int, error)
	DeleteFile(ctx context.Context, productID, fileID int64) (int, error)
}

// Blobs keeps copies of the files users send.
type Blobs interface {
	Put(r io.Reader, max int64) (sum string, size int64, err error)
	// PutChecked keeps a dossier file only once its whole content passed
	// the checks (type agreeing with the name, no macros, no programs);
	// a refusal is a KindInvalid error whose message id says why.
	PutChecked(r io.Reader, max int64, name string) (sum string, size int64, mime string, err error)
	Open(sum string) (io.ReadCloser, error)
	// Remove deletes a stored file no record refers to any more.
	Remove(sum string) error
}

// Deps are the handlers' dependencies.
type Deps struct {
	Users    Users
	Subjects Subjects
	Products Products
	Dossiers Dossiers
	Blobs    Blobs
	// Sniff tells an accepted file type by its first bytes.
	Sniff    func(head []byte, name string) (mime string, ok bool)
	Places   *domain.Places
	Rules    *domain.Rulebooks
	Calendar *domain.Calendar
	// PinnedRules, when set, is the rulebook of every new dossier (RULES).
	PinnedRules  string
	ProvinceCode string
	Location     *time.Location
	Now          func() time.Time
	// Enqueue queues a notice for a chat in the durable outbox under a
	// unique key (a key queued before is ignored).
	Enqueue func(ctx context.Context, key, channel, chatID string, n bot.Notice) error
	// Search finds subjects and products for officers (/timkiem).
	Search Searcher
	// Staff is the users repository seen by officer tools.
	Staff Staff
	// Queue lists dossiers for the review.
	Queue Queue
	// Events, Jobs, Kick and DeepLink serve events, announcements and
	// settings (events.go, broadcast.go, settings.go).
	Events   Events
	Jobs     Jobs
	Kick     func()                      // start the bulk sender's next round now
	DeepLink func(payload string) string // the channel's /start link, "" when unknown
	// The plan's figures, budget, showrooms and report (figures.go).
	Plan       *domain.Plan
	Figures    report.Figures
	Budget     BudgetBook
	Showrooms  Showrooms
	ReportData report.Data
	// Tickets keeps the questions to officers ("Hỏi cán bộ", tickets.go);
	// nil leaves the FAQ without it.
	Tickets Tickets
	// Attendance gives the "trained" figure once events record it; nil
	// shows "no data". ReportEvents fills the workbook's events sheet; nil
	// leaves its headers only.
	Attendance   report.Attendance
	ReportEvents report.Events
	// Public reads the products' public pages (public.go); PublicURL is
	// where the outside world reaches them ("" when not set: the QR
	// buttons say the province must set it).
	Public    PublicProducts
	PublicURL string
	// Monitoring keeps the monitoring checks (hậu kiểm, /haukiem); nil
	// leaves the command out.
	Monitoring Monitoring
	// Privacy keeps the personal data a person sees, takes, withdraws or
	// erases (/xoadulieu); nil leaves the command out.
	Privacy Privacy
	// Log records what handlers do outside a reply (an erasure's request,
	// never its content); nil discards.
	Log *slog.Logger
}

// Monitoring is what /haukiem needs of its repository.
type Monitoring interface {
	AddCheck(ctx context.Context, c *domain.MonitoringCheck) error
	Checks(ctx context.Context, productID int64) ([]domain.MonitoringCheck, error)
}

func (a *app) loc() *time.Location {
	if a.Location == nil {
		return time.Local
	}
	return a.Location
}

// notifySubject queues a notice for every user who acts for a subject:
// stage changes, returned items, scores and certificates are told at once.
func (a *app) notifySubject(ctx context.Context, subjectID int64, key string, n bot.Notice) error {
	if a.Enqueue == nil {
		return nil
	}
	users, err := a.Users.ReachBySubject(ctx, subjectID)
	if err != nil {
		return domain.Op("notify", err)
	}
	for _, u := range users {
		n.Lang = u.Locale
		if err := a.Enqueue(ctx, key+":"+strconv.FormatInt(u.ID, 10), u.Channel, u.ChannelID, n); err != nil {
			return domain.Op("notify", err)
		}
	}
	return nil
}

func (a *app) now() time.Time {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	loc := a.Location
	if loc == nil {
		loc = time.Local
	}
	return now().In(loc)
}

// date renders a day the Vietnamese way: 09/04/2027.
func (a *app) date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if a.Location != nil {
		t = t.In(a.Location)
	}
	return t.Format("02/01/2006")
}

type app struct {
	Deps
	e *bot.Engine
}

// Register adds every command, button and form of the bot to the engine,
// as the routes table lists them (routes.go); a route listed twice, or
// one that does not say who may use it, is an error.
func Register(e *bot.Engine, d Deps) error {
	a := &app{Deps: d, e: e}
	return e.Register(a.routes())
}

// Button data prefixes (see bot.ButtonData).
const (
	cbConsent  = "c" // c|y[|<flow>], c|n
	cbMenu     = "m" // m|<command without slash>
	cbLanguage = "l" // l|vi, l|en
)

// menu returns the main menu buttons for the user.
func (a *app) menu(c *bot.Ctx) [][]bot.Button {
	if c.IsOfficer() && c.User.SubjectID == 0 {
		// An officer who runs no business of their own: their work, not
		// «Đăng ký» and the producer's papers.
		return officerMenu(c)
	}
	first := bot.Data(cbMenu, "dangky").Button(c.T("menu.button.register"))
	if c.User.SubjectID != 0 {
		// The producer's details (to see and change them); "Trạng thái"
		// is the products' status, "Hồ sơ" the dossier papers.
		first = bot.Data(cbMenu, "dangky").Button(c.T("menu.button.profile"))
	}
	rows := [][]bot.Button{{first}}
	if c.User.SubjectID != 0 {
		rows = append(rows, []bot.Button{bot.Data(cbMenu, "sanpham").Button(c.T("menu.button.products")), bot.Data(cbMenu, "hoso").Button(c.T("menu.button.dossier"))})
	}
	return append(rows,
		[]bot.Button{bot.Data(cbMenu, "trangthai").Button(c.T("menu.button.status")), bot.Data(cbMenu, "trogiup").Button(c.T("menu.button.help"))},
		[]bot.Button{bot.Data(cbEvent, "l").Button(c.T("ev.menu_button")), bot.Data(cbSettings, "s").Button(c.T("settings.menu_button"))},
		[]bot.Button{bot.Data(cbMenu, "ngonngu").Button(c.T("menu.button.language"))},
	)
}

// registerButton leads someone not registered yet to the registration.
func registerButton(c *bot.Ctx) [][]bot.Button {
	return [][]bot.Button{{bot.Data(cbMenu, "dangky").Button(c.T("menu.button.register"))}}
}

// sayMenu sends a message with the main menu under it.
func (a *app) sayMenu(ctx context.Context, c *bot.Ctx, id string, data ...map[string]any) error {
	return c.Send(ctx, bot.Reply{Text: c.T(id, data...), Buttons: a.menu(c)})
}

// menuAction is what a button of a menu ("m|<command>") opens; officer:
// only for officers (the officers' menu of /start, officerMenu), so that a
// button kept by someone who is an officer no more, or forged, opens
// nothing.
type menuAction struct {
	officer bool
	open    func(a *app, ctx context.Context, c *bot.Ctx) error
}

var menuActions = map[string]menuAction{
	"dangky":    {open: func(a *app, ctx context.Context, c *bot.Ctx) error { return a.e.StartFlow(ctx, c, flowRegister) }},
	"trangthai": {open: (*app).status},
	"trogiup":   {open: (*app).help},
	"ngonngu":   {open: (*app).language},
	"sanpham":   {open: (*app).products},
	"hoso":      {open: (*app).dossier},
	"duyet":     {officer: true, open: (*app).reviewQueue},
	"hoidap":    {officer: true, open: (*app).openTickets},
	"thongke":   {officer: true, open: (*app).figures},
	"timkiem":   {officer: true, open: (*app).search},
}

func (a *app) menuButton(ctx context.Context, c *bot.Ctx) error {
	act, ok := menuActions[c.Pressed.Verb]
	switch {
	case !ok:
		return c.Answer(ctx, c.T("common.stale_button"), false)
	case act.officer && !c.IsOfficer():
		return c.Answer(ctx, c.T("common.officers_only"), true)
	}
	if err := c.Answer(ctx, "", false); err != nil {
		return err
	}
	return act.open(a, ctx, c)
}
