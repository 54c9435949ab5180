package handlers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// "Hỏi cán bộ": whatever the FAQ cannot answer can go to a person. The
// question (its text, then any photos sent right after) becomes a numbered
// ticket for the officers of the producer's commune (the province's when
// the commune has none); they list open questions with /hoidap, press
// "Trả lời" and type; the answer reaches the producer on the channel they
// use. Unanswered, the officers are reminded after 2 working days and the
// province's officers see it after 5 (Reminders). /cauhoi shows a producer
// their questions and answers.

// Tickets is what the handlers need of the tickets repository.
type Tickets interface {
	Create(ctx context.Context, t *domain.Ticket) error
	AddPhoto(ctx context.Context, ticketID int64, fileID, blob, mime string, size int64) error
	Photos(ctx context.Context, ticketID int64) ([]domain.ItemFile, error)
	Get(ctx context.Context, id int64) (domain.Ticket, error)
	Open(ctx context.Context) ([]domain.Ticket, error)
	ByUser(ctx context.Context, userID int64, limit int) ([]domain.Ticket, error)
	Answer(ctx context.Context, id, by int64, answer string) (domain.Ticket, error)
	All(ctx context.Context, area domain.Area) ([]domain.Ticket, error)
}

// Button data of questions: "q|a" asks the question kept, "q|r|<id>"
// answers one (officers), "q|s|<id>" sends the answer typed, "q|w|<id>"
// asks for it again, "q|p|<id>" shows its photos (officers).
const cbTicket = "q"

// Session keys of questions.
const (
	keyQuestion   = "~q.text"    // the text the FAQ could not answer, to ask (for the next update only)
	keyQuestionOf = "~q.of"      // the update that question came in (it names the question)
	keyAsking     = "q.ask"      // "1": the next text is the question
	keyPhotoTo    = "q.photo"    // the ticket photos sent now attach to
	keyReply      = "q.reply"    // the ticket an officer is answering
	keyDraft      = "q.draft"    // the answer typed, waiting for «Gửi»
	keyDraftOf    = "q.draft_of" // the ticket of a draft left when the officer went elsewhere
)

// Limits of questions and answers, in characters, and of lists.
const (
	maxQuestion   = 1000
	maxAnswer     = 2000
	maxTicketList = 10
	maxQuote      = 200 // of a question quoted back to the person who asked
)

// askOfficer is "Hỏi cán bộ" typed or pressed: the question kept, the one
// typed after the words, or, with neither, a request to type it.
func (a *app) askOfficer(ctx context.Context, c *bot.Ctx, question string) error {
	if a.Tickets == nil {
		return a.sayMenu(ctx, c, "fallback.not_understood")
	}
	of := updateRef(c)
	if len(strings.Fields(foldWords(question))) < 2 || filler(question) {
		// "hỏi cán bộ xã", "hỏi cán bộ ơi": no question after the words.
		question = ""
	}
	if question == "" {
		question, of = c.Session.Get(keyQuestion), c.Session.Get(keyQuestionOf)
	}
	if question == "" {
		return a.askToType(ctx, c, "qa.type_question")
	}
	return a.createTicket(ctx, c, question, of)
}

// askToType asks for the question with message id: the next text is it,
// a number too (not a pick from a list above).
func (a *app) askToType(ctx context.Context, c *bot.Ctx, id string, data ...map[string]any) error {
	c.Session.Put(keyAsking, "1")
	c.AwaitText()
	return c.Say(ctx, id, data...)
}

// stopAsking reports whether a text typed instead of the question means
// to ask nothing after all: "thôi", "hủy", "không".
func stopAsking(text string) bool {
	switch domain.Fold(strings.TrimRight(text, ".!… ")) {
	case "thoi", "huy", "dung lai", "cancel", "thoi khong hoi nua", "khong hoi nua", "khong hoi":
		return true
	}
	return domain.ParseAnswer(text) == domain.AnswerNo
}

// createTicket files the question for the officers and tells them, once
// for the update the question came in (of): "Hỏi cán bộ" pressed again,
// or the update handed out again after a crash, says it was sent.
func (a *app) createTicket(ctx context.Context, c *bot.Ctx, question, of string) error {
	c.Session.Put(keyQuestion, "")
	c.Session.Put(keyQuestionOf, "")
	c.Session.Put(keyAsking, "")
	if utf8.RuneCountInString(question) > maxQuestion {
		return a.askToType(ctx, c, "qa.question_too_long", map[string]any{"Max": maxQuestion})
	}
	if n, err := a.openTwin(ctx, c, question); err != nil || n != 0 {
		if err != nil {
			return err
		}
		return a.sayMenu(ctx, c, "qa.already_open", map[string]any{"N": n})
	}
	if of == "" {
		of = updateRef(c)
	}
	key := ""
	if of != "" {
		key = "qa:" + of
	}
	return c.Once(ctx, key, func(ctx context.Context) error { return a.fileTicket(ctx, c, question) },
		func(ctx context.Context, ref string) error {
			return a.sayMenu(ctx, c, "qa.already_asked", map[string]any{"N": ref})
		})
}

// openTwin returns the number of the person's open question that reads
// as question does (the same words, with or without diacritics), 0 when
// none: a question typed again is not filed twice.
func (a *app) openTwin(ctx context.Context, c *bot.Ctx, question string) (int64, error) {
	list, err := a.Tickets.ByUser(ctx, c.User.ID, maxTicketList)
	if err != nil {
		return 0, domain.Op("qa.mine", err)
	}
	q := foldWords(question) // "Tem truy xuất làm ở đâu?" reads as "tem truy xuat lam o dau"
	for _, t := range list {
		if t.Open() && foldWords(t.Question) == q {
			return t.ID, nil
		}
	}
	return 0, nil
}

// updateRef names the update (with the user: a question typed in it), ""
// when the channel does not number its updates (the console).
func updateRef(c *bot.Ctx) string {
	if c.Update.ID == 0 {
		return ""
	}
	return strconv.FormatInt(c.Update.ID, 10)
}

// fileTicket records the question and queues the officers' notices.
func (a *app) fileTicket(ctx context.Context, c *bot.Ctx, question string) error {
	t := domain.Ticket{UserID: c.User.ID, SubjectID: c.User.SubjectID, Question: question}
	who := "" // the business that asks, for the officers' notice
	if c.User.SubjectID != 0 {
		s, err := a.Subjects.Get(ctx, c.User.SubjectID)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return domain.Op("qa.subject", err)
		}
		t.Commune, who = s.CommuneCode, s.Name
	}
	officers, err := a.ticketOfficers(ctx, t.Commune, false)
	if err != nil {
		return err
	}
	t.ToProvince = len(officers) == 0
	if t.ToProvince {
		if officers, err = a.ticketOfficers(ctx, "", true); err != nil {
			return err
		}
	}
	if err := a.Tickets.Create(ctx, &t); err != nil {
		return domain.Op("qa.create", err)
	}
	c.Saved(strconv.FormatInt(t.ID, 10))
	n := bot.Notice{Msg: "qa.new", Data: map[string]string{"N": strconv.FormatInt(t.ID, 10), "Question": question, "Commune": a.ticketCommune(t.Commune)}}
	if who != "" {
		n.Msg, n.Data["Who"] = "qa.new_from", who
	}
	if err := a.enqueueAll(ctx, officers, "qa:new:"+strconv.FormatInt(t.ID, 10), n); err != nil {
		return err
	}
	c.Session.Put(keyPhotoTo, strconv.FormatInt(t.ID, 10))
	c.Session.Put(keyUpload, "") // photos now go with the question
	return a.sayMenu(ctx, c, "qa.asked", map[string]any{"N": t.ID, "Question": clipText(question, maxQuote)})
}

// ticketOfficers are who answers questions of a commune: its commune
// officers; with province set, the province's officers and admins.
func (a *app) ticketOfficers(ctx context.Context, commune string, province bool) ([]domain.User, error) {
	if a.Staff == nil {
		return nil, nil
	}
	list, err := a.Staff.OfficersOf(ctx, commune)
	if err != nil {
		return nil, domain.Op("qa.officers", err)
	}
	var out []domain.User
	for _, u := range list {
		if (u.Role == domain.RoleCommuneOfficer && !province && commune != "") || (province && u.Role.IsProvince()) {
			out = append(out, u)
		}
	}
	return out, nil
}

func (a *app) enqueueAll(ctx context.Context, users []domain.User, key string, n bot.Notice) error {
	if a.Enqueue == nil {
		return nil
	}
	for _, u := range users {
		n.Lang = u.Locale
		if err := a.Enqueue(ctx, key+":"+strconv.FormatInt(u.ID, 10), u.Channel, u.ChannelID, n); err != nil {
			return domain.Op("qa.notify", err)
		}
	}
	return nil
}

// ticketText handles the text of a question or an answer in progress, and
// "hỏi cán bộ" typed; it reports whether the text was that.
func (a *app) ticketText(ctx context.Context, c *bot.Ctx) (bool, error) {
	if a.Tickets == nil || c.Update.Kind != bot.KindText {
		return false, nil
	}
	c.Session.Put(keyPhotoTo, "") // photos go with the question just asked only
	text := domain.Clean(c.Update.Text)
	if id := c.Session.Get(keyReply); id != "" && c.IsOfficer() {
		if c.Awaited() {
			return true, a.replyText(ctx, c, id, text)
		}
		// The officer went elsewhere (a command, a button) since the
		// answer was asked for: this text is not it. An answer typed and
		// not sent yet stays, and /hoidap offers to send it.
		c.Session.Put(keyReply, "")
		if c.Session.Get(keyDraft) != "" {
			c.Session.Put(keyDraftOf, id)
		}
	}
	if n, ok := replyNumber(text); ok && c.IsOfficer() {
		// "trả lời số 3" typed outside /hoidap: that question's answer.
		t, found, err := a.officersTicket(ctx, c, n)
		switch {
		case err != nil:
			return true, err
		case !found:
			return true, c.Say(ctx, "qa.gone")
		case !t.Open():
			// What was answered, so that the officer need not answer again.
			return true, c.Say(ctx, "qa.answered_already_was", map[string]any{"N": t.ID, "Question": clipText(t.Question, maxQuote),
				"Answer": t.Answer, "When": t.Answered.In(a.loc()).Format("15:04 02/01/2006")})
		}
		return true, a.startReply(ctx, c, t)
	}
	if rest, ok := afterWords(askLead(text), "hoi can bo"); ok {
		return true, a.askOfficer(ctx, c, rest)
	}
	if c.Session.Get(keyAsking) != "" {
		switch {
		case !c.Awaited():
			// The person went elsewhere since the question was asked for
			// (a command, a button): this text is not taken as it.
			c.Session.Put(keyAsking, "")
		case stopAsking(text):
			c.Session.Put(keyAsking, "")
			return true, a.sayMenu(ctx, c, "qa.ask_stopped")
		case !hasLetter(text):
			return true, a.askToType(ctx, c, "qa.type_question_words")
		default:
			return true, a.createTicket(ctx, c, text, "")
		}
	}
	// The question kept is the text just before "Hỏi cán bộ": it lives
	// for this update only (KeepForNext), unless notUnderstood keeps this
	// text, or keeps it again after "cho em hỏi".
	return false, nil
}

// hasLetter reports whether s has a letter: a question has words; a
// number, an emoji or punctuation alone is not one.
func hasLetter(s string) bool {
	return strings.IndexFunc(s, unicode.IsLetter) >= 0
}

// afterWords reports whether text begins with the folded words, and
// returns what follows them (as typed).
func afterWords(text, words string) (string, bool) {
	want := strings.Fields(words)
	fields := strings.Fields(text)
	if len(fields) < len(want) {
		return "", false
	}
	for i, w := range want {
		if foldWords(fields[i]) != w {
			return "", false
		}
	}
	rest := strings.TrimLeft(strings.Join(fields[len(want):], " "), ":,.-– ")
	if !domain.HasLetterOrDigit(rest) {
		rest = ""
	}
	return rest, true
}

// fillers are what people say around a question, that are no question.
var fillers = map[string]bool{"cho em hoi": true, "cho hoi": true, "cho toi hoi": true, "cho minh hoi": true, "cho chau hoi": true,
	"em hoi chut": true, "hoi chut": true, "giup em voi": true, "giup toi voi": true, "giup voi": true, "giup minh voi": true,
	"oi": true, "xa": true, "a": true, "ad oi": true, "alo": true, "can bo oi": true, "anh oi": true, "chi oi": true, "em oi": true}

// filler reports whether a text is only words said around a question.
func filler(text string) bool { return fillers[foldWords(text)] }

// askLeads are the words people put before "hỏi cán bộ".
var askLeads = []string{"toi muon", "em muon", "minh muon", "toi can", "em can", "cho toi", "cho em", "cho minh", "xin", "muon", "can", "toi xin", "em xin"}

// askLead takes off the words a person puts before "hỏi cán bộ" ("tôi
// muốn hỏi cán bộ …").
func askLead(text string) string {
	fields := strings.Fields(text)
	for _, lead := range askLeads {
		n := len(strings.Fields(lead))
		if len(fields) > n && foldWords(strings.Join(fields[:n], " ")) == lead {
			return strings.Join(fields[n:], " ")
		}
	}
	return text
}

// notUnderstood answers a text nothing else understood, paper being
// what the bot knows of a dossier paper the text names (paperInfo, ""
// for none): that, with «Hỏi cán bộ» for where and how long, which is
// the officers' to say; or that the bot could not answer, with the menu
// and «Hỏi cán bộ», the text kept as the question to ask.
func (a *app) notUnderstood(ctx context.Context, c *bot.Ctx, paper string) error {
	switch {
	case paper != "" && a.canAsk(c):
		return a.offerAsk(ctx, c, paper+"\n\n"+c.T("qa.paper_ask"))
	case paper != "":
		return c.Send(ctx, bot.Reply{Text: paper, Buttons: a.menu(c)})
	case c.IsOfficer():
		// Officers answer the questions; they are not offered to ask one.
		return a.sayMenu(ctx, c, "fallback.not_understood_officer")
	case !a.canAsk(c):
		return a.sayMenu(ctx, c, "fallback.not_understood")
	}
	return a.offerAsk(ctx, c, c.T("qa.not_understood"))
}

// canAsk reports whether «Hỏi cán bộ» is offered under an answer to this
// update: to producers (officers answer), for a typed text.
func (a *app) canAsk(c *bot.Ctx) bool {
	return !c.IsOfficer() && a.Tickets != nil && c.Update.Kind == bot.KindText
}

// offerAsk sends text with the menu and «Hỏi cán bộ» under it, the text
// typed kept for that button (pressed next) when it reads as a question.
func (a *app) offerAsk(ctx context.Context, c *bot.Ctx, text string) error {
	if !a.canAsk(c) {
		return c.Send(ctx, bot.Reply{Text: text, Buttons: a.menu(c)})
	}
	q := domain.Clean(c.Update.Text)
	if utf8.RuneCountInString(q) > maxQuestion {
		q = string([]rune(q)[:maxQuestion])
	}
	switch {
	case filler(q):
		// "cho em hỏi" after the question: the question stays the one
		// the button sends.
		if prev := c.Session.Get(keyQuestion); prev != "" {
			c.KeepForNext(keyQuestion, prev)
			c.KeepForNext(keyQuestionOf, c.Session.Get(keyQuestionOf))
		}
	case len(strings.Fields(foldWords(q))) >= 2:
		// Kept for the button under this answer, pressed next: a single
		// word ("asdfgh") is not a question to send; the button then asks
		// for one.
		c.KeepForNext(keyQuestion, q)
		c.KeepForNext(keyQuestionOf, updateRef(c))
	}
	// The menu keeps its numbers (a "1" typed is still its first item);
	// the question's button comes after it.
	rows := append(a.menu(c), []bot.Button{bot.Data(cbTicket, "a").Button(c.T("qa.button_ask"))})
	return c.Send(ctx, bot.Reply{Text: text, Buttons: rows})
}

// paperInfo says what a dossier paper the text names is (its name and
// help in the rulebook of new dossiers: "giay attp lam o dau"), or "".
func (a *app) paperInfo(c *bot.Ctx) string {
	if c.Update.Kind != bot.KindText || a.Rules == nil {
		return ""
	}
	r, err := a.rulesNow()
	if err != nil {
		return ""
	}
	it, ok := r.ItemNamed(c.Update.Text)
	if !ok {
		return ""
	}
	return c.T("qa.paper_info", map[string]any{"Name": it.Name, "Help": it.Help})
}

// ticketFile attaches a photo sent right after a question to it.
func (a *app) ticketFile(next bot.HandlerFunc) bot.HandlerFunc {
	return func(ctx context.Context, c *bot.Ctx) error {
		id, _ := strconv.ParseInt(c.Session.Get(keyPhotoTo), 10, 64)
		f := c.Update.File
		if id == 0 || a.Tickets == nil || f == nil || c.Session.Get(keyUpload) != "" {
			return next(ctx, c)
		}
		if f.Size > maxPhotoSize {
			return c.Say(ctx, "qa.photo_invalid")
		}
		rc, err := c.Download(ctx, f.ID, maxPhotoSize)
		if errors.Is(err, bot.ErrTooLarge) {
			return c.Say(ctx, "qa.photo_invalid")
		}
		if err != nil {
			if domain.ErrorKind(err) == domain.KindInvalid {
				return err
			}
			return domain.E("qa.download", domain.KindUnavailable, err)
		}
		defer rc.Close()
		br := bufio.NewReaderSize(rc, 4096)
		head, _ := br.Peek(512)
		mime, ok := a.Sniff(head, f.Name)
		if !ok || !strings.HasPrefix(mime, "image/") {
			return c.Say(ctx, "qa.photo_invalid")
		}
		sum, size, err := a.Blobs.Put(br, maxPhotoSize)
		switch {
		case errors.Is(err, bot.ErrTooLarge), domain.ErrorKind(err) == domain.KindInvalid:
			return c.Say(ctx, "qa.photo_invalid")
		case err != nil:
			return domain.Op("qa.store_photo", err)
		}
		if err := a.Tickets.AddPhoto(ctx, id, f.ID, sum, mime, size); err != nil {
			return domain.Op("qa.add_photo", err)
		}
		return c.Say(ctx, "qa.photo_added", map[string]any{"N": id})
	}
}

// ticketButton handles "q|a", "q|r|<id>", "q|s|<id>", "q|w|<id>" and "q|p|<id>".
func (a *app) ticketButton(ctx context.Context, c *bot.Ctx) error {
	act := c.Pressed.Verb
	if act == "a" {
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return a.askOfficer(ctx, c, "")
	}
	if !c.IsOfficer() {
		return c.Answer(ctx, c.T("common.officers_only"), true)
	}
	id, err := c.Pressed.ID(0)
	if err != nil {
		return err
	}
	t, found, err := a.officersTicket(ctx, c, id)
	if err != nil {
		return err
	}
	if !found {
		return c.Answer(ctx, c.T("qa.gone"), true)
	}
	switch act {
	case "r", "w":
		if !t.Open() {
			return c.Answer(ctx, c.T("qa.answered_already"), true)
		}
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return a.startReply(ctx, c, t)
	case "s":
		draft, n := c.Session.Get(keyDraft), strconv.FormatInt(t.ID, 10)
		if (c.Session.Get(keyReply) != n && c.Session.Get(keyDraftOf) != n) || draft == "" {
			// Sent already, dropped, or another question's answer since.
			return c.Answer(ctx, c.T("qa.draft_gone"), true)
		}
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return a.answerTicket(ctx, c, strconv.FormatInt(t.ID, 10), draft)
	case "p":
		if err := c.Answer(ctx, "", false); err != nil {
			return err
		}
		return a.ticketPhotos(ctx, c, t)
	}
	return c.Answer(ctx, c.T("common.stale_button"), false)
}

func (a *app) ticketPhotos(ctx context.Context, c *bot.Ctx, t domain.Ticket) error {
	files, err := a.Tickets.Photos(ctx, t.ID)
	if err != nil {
		return domain.Op("qa.photos", err)
	}
	for i, f := range files {
		att := &bot.Attachment{FileID: f.FileID, Name: fmt.Sprintf("cau-hoi-%d-%d.jpg", t.ID, i+1)}
		if rc, err := a.Blobs.Open(f.Blob); err == nil {
			att.Data, _ = io.ReadAll(io.LimitReader(rc, maxPhotoSize))
			rc.Close()
		}
		if err := c.Send(ctx, bot.Reply{Text: c.T("qa.photo_caption", map[string]any{"N": t.ID, "I": i + 1, "Count": len(files)}), Photo: att}); err != nil {
			return err
		}
	}
	return nil
}

// startReply asks the officer to type the answer to t.
func (a *app) startReply(ctx context.Context, c *bot.Ctx, t domain.Ticket) error {
	prev := c.Session.Get(keyReply)
	if prev == "" {
		prev = c.Session.Get(keyDraftOf)
	}
	dropped := c.Session.Get(keyDraft) != "" && prev != strconv.FormatInt(t.ID, 10)
	c.Session.Put(keyReply, strconv.FormatInt(t.ID, 10))
	c.Session.Put(keyDraft, "")
	c.Session.Put(keyDraftOf, "")
	c.AwaitText()
	text := c.T("qa.type_answer", map[string]any{"N": t.ID, "Question": t.Question})
	if dropped {
		// One answer is kept at a time: the one not sent is said gone.
		text = c.T("qa.draft_dropped", map[string]any{"N": prev}) + "\n\n" + text
	}
	return c.Send(ctx, bot.Reply{Text: text})
}

// replyText reads what an officer typed when asked for an answer. An
// answer goes to a farmer and cannot be taken back, so it is shown first
// with «Có, gửi đi» / «Không, viết lại» (a new text replaces it); «thôi»
// sends nothing, "trả lời số 2" turns to question 2, and a text without
// words ("3", "ok?") is asked again.
func (a *app) replyText(ctx context.Context, c *bot.Ctx, idS, text string) error {
	id, _ := strconv.ParseInt(idS, 10, 64)
	if draft := c.Session.Get(keyDraft); draft != "" {
		// The words of the buttons under the answer shown, typed.
		switch foldWords(text) {
		case "gui", "gui di", "gui luon", "gui ngay", "gui nhe", "send":
			return a.answerTicket(ctx, c, idS, draft)
		case "viet lai", "sua lai", "sua", "viet khac", "go lai":
			t, found, err := a.officersTicket(ctx, c, id)
			if err != nil {
				return err
			}
			if found && t.Open() {
				return a.startReply(ctx, c, t)
			}
		}
	}
	if stopAsking(text) {
		c.Session.Put(keyReply, "")
		c.Session.Put(keyDraft, "")
		return a.sayMenu(ctx, c, "qa.answer_stopped", map[string]any{"N": id})
	}
	if other, ok := replyNumber(text); ok {
		t, found, err := a.officersTicket(ctx, c, other)
		switch {
		case err != nil:
			return err
		case !found:
			c.AwaitText()
			return c.Say(ctx, "qa.no_such_question", map[string]any{"N": other, "Current": id})
		case !t.Open():
			c.AwaitText()
			return c.Say(ctx, "qa.answered_already_n", map[string]any{"N": other, "Current": id})
		}
		return a.startReply(ctx, c, t)
	}
	switch n := utf8.RuneCountInString(text); {
	case !hasLetter(text):
		c.AwaitText()
		return c.Say(ctx, "qa.type_answer_again", map[string]any{"N": id})
	case n > maxAnswer:
		c.AwaitText()
		return c.Say(ctx, "qa.answer_too_long", map[string]any{"Max": maxAnswer})
	}
	t, found, err := a.officersTicket(ctx, c, id)
	if err != nil {
		return err
	}
	if !found {
		c.Session.Put(keyReply, "")
		return c.Say(ctx, "qa.gone")
	}
	c.Session.Put(keyDraft, text)
	c.AwaitText() // a new text replaces the answer shown
	return c.Send(ctx, bot.Reply{Text: c.T("qa.answer_confirm", map[string]any{"N": id, "Question": clipText(t.Question, maxQuote), "Answer": text}),
		Buttons: answerButtons(c, id)})
}

// officersTicket returns question n when it exists and is the officer's
// to answer (found false otherwise, whether it is answered or not).
func (a *app) officersTicket(ctx context.Context, c *bot.Ctx, n int64) (t domain.Ticket, found bool, err error) {
	t, err = a.Tickets.Get(ctx, n)
	switch {
	case err != nil && !errors.Is(err, domain.ErrNotFound) && domain.ErrorKind(err) != domain.KindNotFound:
		return t, false, domain.Op("qa.get", err)
	case err != nil || !t.VisibleTo(c.User, a.Calendar, a.now()):
		return t, false, nil
	}
	return t, true, nil
}

// answerButtons are «Có, gửi đi» / «Không, viết lại» under an answer shown
// before it is sent.
func answerButtons(c *bot.Ctx, id int64) [][]bot.Button {
	return [][]bot.Button{{bot.Data(cbTicket, "s", id).Button(c.T("qa.button_send"))}, {bot.Data(cbTicket, "w", id).Button(c.T("qa.button_rewrite"))}}
}

// replyNumber reads "trả lời số 2", "tra loi 2", "tl 2", "câu 2", "số 2":
// the officer turning to another question.
func replyNumber(text string) (int64, bool) {
	w := strings.Fields(domain.Fold(text))
	if len(w) < 2 || len(w) > 4 {
		return 0, false
	}
	n, err := strconv.ParseInt(w[len(w)-1], 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	switch strings.Join(w[:len(w)-1], " ") {
	case "tra loi so", "tra loi", "tl", "tl so", "cau", "cau so", "so", "cau hoi so", "cau hoi", "tra loi cau", "tra loi cau so":
		return n, true
	}
	return 0, false
}

// answerTicket records an officer's answer, confirmed, and sends it to the
// person who asked, on the channel they use.
func (a *app) answerTicket(ctx context.Context, c *bot.Ctx, idS, text string) error {
	id, _ := strconv.ParseInt(idS, 10, 64)
	c.Session.Put(keyReply, "")
	c.Session.Put(keyDraft, "")
	c.Session.Put(keyDraftOf, "")
	_, found, err := a.officersTicket(ctx, c, id)
	if err != nil {
		return err // the update fails: its session, the answer typed with it, is not saved
	}
	if !found {
		return c.Say(ctx, "qa.gone")
	}
	// The answer and the asker's notice are one save (bot.Ctx.Once): a
	// crash between them would leave the asker never told.
	key := ""
	if ref := updateRef(c); ref != "" {
		key = "qa-answer:" + ref
	}
	return c.Once(ctx, key, func(ctx context.Context) error {
		t, err := a.Tickets.Answer(ctx, id, c.User.ID, text)
		if domain.ErrorKind(err) == domain.KindConflict {
			return c.Say(ctx, "qa.answered_already")
		}
		if err != nil {
			return domain.Op("qa.answer", err)
		}
		asker, err := a.Staff.GetByID(ctx, t.UserID)
		if err != nil {
			return domain.Op("qa.asker", err)
		}
		if err := a.notifyUser(ctx, asker, "qa:"+strconv.FormatInt(t.ID, 10), bot.Notice{Msg: "qa.answered_you",
			Data: map[string]string{"N": strconv.FormatInt(t.ID, 10), "Question": t.Question, "Answer": t.Answer}}); err != nil {
			return err
		}
		return a.sayAnswerSent(ctx, c, t.ID)
	}, func(ctx context.Context, _ string) error {
		return a.sayAnswerSent(ctx, c, id)
	})
}

// sayAnswerSent says the answer to question id was sent and, while other
// questions wait for the officer, shows the oldest with its buttons, so
// that answering goes on without /hoidap.
func (a *app) sayAnswerSent(ctx context.Context, c *bot.Ctx, id int64) error {
	sent := c.T("qa.answer_sent", map[string]any{"N": id})
	waiting, err := a.openFor(ctx, c)
	if err != nil {
		return err
	}
	waiting = slices.DeleteFunc(waiting, func(t domain.Ticket) bool { return t.ID == id })
	if len(waiting) == 0 {
		return c.Send(ctx, bot.Reply{Text: sent})
	}
	card, err := a.ticketCard(ctx, c, waiting[0])
	if err != nil {
		return err
	}
	card.Text = sent + "\n\n" + c.T("qa.next_open", map[string]any{"Count": len(waiting)}) + "\n" + card.Text
	return c.Send(ctx, card)
}

// openFor returns the open questions the officer answers, oldest first.
func (a *app) openFor(ctx context.Context, c *bot.Ctx) ([]domain.Ticket, error) {
	list, err := a.Tickets.Open(ctx)
	if err != nil {
		return nil, domain.Op("qa.open", err)
	}
	now := a.now()
	var mine []domain.Ticket
	for _, t := range list {
		if t.VisibleTo(c.User, a.Calendar, now) {
			mine = append(mine, t)
		}
	}
	return mine, nil
}

// ticketCard is a question as the officers' list shows it: who asked,
// where, since when, with «Trả lời» (and its photos).
func (a *app) ticketCard(ctx context.Context, c *bot.Ctx, t domain.Ticket) (bot.Reply, error) {
	row := []bot.Button{bot.Data(cbTicket, "r", t.ID).Button(c.T("qa.button_answer", map[string]any{"N": t.ID}))}
	if t.Photos > 0 {
		row = append(row, bot.Data(cbTicket, "p", t.ID).Button(c.T("qa.button_photos", map[string]any{"Count": t.Photos})))
	}
	who, err := a.asker(ctx, c, t)
	if err != nil {
		return bot.Reply{}, err
	}
	text := c.T("qa.open_item", map[string]any{"N": t.ID, "Question": t.Question, "Commune": a.ticketCommune(t.Commune),
		"Asked": t.Asked.In(a.loc()).Format("15:04 02/01/2006"), "Days": a.waitingDays(t.Asked, a.now()), "Who": who})
	return bot.Reply{Text: text, Buttons: [][]bot.Button{row}}, nil
}

// openTickets (/hoidap) lists the open questions the officer answers,
// oldest first, each with "Trả lời" (and its photos).
func (a *app) openTickets(ctx context.Context, c *bot.Ctx) error {
	if a.Tickets == nil {
		return c.Say(ctx, "qa.none_open")
	}
	mine, err := a.openFor(ctx, c)
	if err != nil {
		return err
	}
	if len(mine) == 0 {
		return c.Say(ctx, "qa.none_open")
	}
	if err := c.Say(ctx, "qa.open_header", map[string]any{"Count": len(mine), "Shown": min(len(mine), maxTicketList)}); err != nil {
		return err
	}
	if n := c.Session.Get(keyReply); n != "" && c.Session.Get(keyDraft) != "" {
		// /hoidap ends the answering under way; its answer stays.
		c.Session.Put(keyDraftOf, n)
	}
	c.Session.Put(keyReply, "")
	if n, draft := c.Session.Get(keyDraftOf), c.Session.Get(keyDraft); n != "" && draft != "" {
		id, _ := strconv.ParseInt(n, 10, 64)
		for _, t := range mine {
			if t.ID != id {
				continue
			}
			// An answer typed and left unsent: offered again, not lost.
			if err := c.Send(ctx, bot.Reply{Text: c.T("qa.draft_left", map[string]any{"N": id, "Question": clipText(t.Question, maxQuote), "Answer": draft}),
				Buttons: answerButtons(c, id)}); err != nil {
				return err
			}
		}
	}
	for _, t := range mine[:min(len(mine), maxTicketList)] {
		card, err := a.ticketCard(ctx, c, t)
		if err != nil {
			return err
		}
		if err := c.Send(ctx, card); err != nil {
			return err
		}
	}
	return nil
}

// maxAskerProducts bounds the products named under a question.
const maxAskerProducts = 3

// asker names who asked t for the officers who answer it: the producer's
// business and its representative, then its products with their stage
// (the answer often depends on them), or the person's name when they have
// not registered.
func (a *app) asker(ctx context.Context, c *bot.Ctx, t domain.Ticket) (bot.HTML, error) {
	if t.SubjectID != 0 {
		s, err := a.Subjects.Get(ctx, t.SubjectID)
		switch {
		case err == nil:
			who := bot.Escape(s.Name)
			if s.Representative != "" {
				who = c.T("qa.asker_subject", map[string]any{"Subject": s.Name, "Rep": s.Representative})
			}
			list, err := a.Products.ListBySubject(ctx, s.ID)
			if err != nil {
				return "", domain.Op("qa.asker_products", err)
			}
			if len(list) == 0 {
				return bot.HTML(who), nil
			}
			var names []string
			for _, p := range list[:min(len(list), maxAskerProducts)] {
				names = append(names, c.T("qa.asker_product", map[string]any{"Name": p.Name, "Stage": c.T("stage_short." + string(p.Stage))}))
			}
			if more := len(list) - maxAskerProducts; more > 0 {
				names = append(names, c.T("qa.asker_more", map[string]any{"Count": more}))
			}
			return bot.HTML(who + "\n" + c.T("qa.asker_products", map[string]any{"List": bot.HTML(strings.Join(names, "; "))})), nil
		case !errors.Is(err, domain.ErrNotFound):
			return "", domain.Op("qa.asker", err)
		}
	}
	if a.Staff != nil {
		u, err := a.Staff.GetByID(ctx, t.UserID)
		if err == nil {
			return bot.HTML(c.T("qa.asker_unregistered_named", map[string]any{"Name": personName(u)})), nil
		}
		if !errors.Is(err, domain.ErrNotFound) {
			return "", domain.Op("qa.asker", err)
		}
	}
	return bot.HTML(c.T("qa.asker_unregistered")), nil
}

// waitingDays counts the working days a question has waited.
func (a *app) waitingDays(asked, now time.Time) int {
	if a.Calendar == nil {
		return 0
	}
	n := 0
	for n < 60 && !now.Before(domain.TicketDue(a.Calendar, asked.In(a.loc()), n+1)) {
		n++
	}
	return n
}

// myTickets (/cauhoi) shows a person their questions and the answers.
func (a *app) myTickets(ctx context.Context, c *bot.Ctx) error {
	if a.Tickets == nil {
		return c.Say(ctx, "qa.mine_none")
	}
	list, err := a.Tickets.ByUser(ctx, c.User.ID, maxTicketList)
	if err != nil {
		return domain.Op("qa.mine", err)
	}
	if len(list) == 0 {
		return c.Send(ctx, bot.Reply{Text: c.T("qa.mine_none"), Buttons: [][]bot.Button{{bot.Data(cbTicket, "a").Button(c.T("qa.button_ask"))}}})
	}
	var b strings.Builder
	b.WriteString(c.T("qa.mine_header", map[string]any{"Count": len(list)}))
	for _, t := range list {
		b.WriteString("\n\n")
		if t.Open() {
			b.WriteString(c.T("qa.mine_open", map[string]any{"N": t.ID, "Question": t.Question, "Asked": a.date(t.Asked)}))
		} else {
			b.WriteString(c.T("qa.mine_answered", map[string]any{"N": t.ID, "Question": t.Question, "Answer": t.Answer, "Answered": a.date(t.Answered)}))
		}
	}
	return c.Send(ctx, bot.Reply{Text: b.String(), Buttons: [][]bot.Button{{bot.Data(cbTicket, "a").Button(c.T("qa.button_ask"))}}})
}

// ticketCommune names the commune of a question; "—" when the asker is
// not registered.
func (a *app) ticketCommune(code string) string {
	if code == "" {
		return "—"
	}
	return a.communeName(code)
}

// ticketStatsText is the line of /thongke on "Hỏi cán bộ": questions
// asked, answered and the median time to an answer, in the officer's area.
func (a *app) ticketStatsText(ctx context.Context, c *bot.Ctx) (string, error) {
	if a.Tickets == nil {
		return "", nil
	}
	area := domain.Area{All: true}
	if scope := scopeOf(c.User); scope != nil {
		area = domain.Area{Communes: scope}
	}
	list, err := a.Tickets.All(ctx, area)
	if err != nil {
		return "", domain.Op("qa.stats", err)
	}
	st := domain.StatsOf(list)
	median := c.T("figures.no_data")
	if st.Answered > 0 {
		median = formatWait(c.T, st.Median)
	}
	return c.T("qa.stats", map[string]any{"Asked": st.Asked, "Answered": st.Answered, "Median": median}), nil
}

// formatWait writes a time to an answer for people: "45 phút", "3,5 giờ",
// "2,0 ngày"; t renders the unit's message id.
func formatWait(t func(id string, data ...map[string]any) string, d time.Duration) string {
	switch {
	case d < time.Hour:
		return t("qa.wait_minutes", map[string]any{"N": int(d.Round(time.Minute) / time.Minute)})
	case d < 48*time.Hour:
		return t("qa.wait_hours", map[string]any{"N": domain.FormatNumber(d.Hours(), 1)})
	}
	return t("qa.wait_days", map[string]any{"N": domain.FormatNumber(d.Hours()/24, 1)})
}
