package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/bulk"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// An announcement (/thongbao) is written first, in as many messages as the
// officer likes (text, a photo or a document, with captions): the draft is
// kept in the session. "Xong" shows the preview and opens the audience
// form, whose confirmation screen gives the audience size.
const (
	flowAnnounce = "ann"
	keyDraft     = "annDraft"
	// cbAnnounce: "an|d" (draft done), "an|x" (drop the draft).
	cbAnnounce = "an"
	// answer key of the announcement form holding the draft (JSON).
	annContent = "content"
)

// Limits of an announcement.
const (
	maxAnnounceText = 20000    // characters, in all its messages
	maxPhotoSize    = 10 << 20 // Telegram's limit for photos
	maxDocSize      = 50 << 20 // Telegram's limit for files a bot sends
)

// draft is an announcement being written.
type draft struct {
	Text     string `json:"text,omitempty"`
	Photo    string `json:"photo,omitempty"`
	Document string `json:"document,omitempty"`
	// Blob is the stored copy of the photo or document, sent to the
	// channels that cannot use the file id (Zalo and Telegram each other's).
	Blob string `json:"blob,omitempty"`
	Name string `json:"name,omitempty"`
}

func (d draft) empty() bool {
	return strings.TrimSpace(d.Text) == "" && d.Photo == "" && d.Document == ""
}

func (d draft) message() bulk.Message {
	return bulk.Message{Msg: "ann.header", Text: d.Text, Photo: d.Photo, Document: d.Document, Blob: d.Blob, Name: d.Name}
}

func (a *app) announcementFlow() *bot.Flow {
	return &bot.Flow{ID: flowAnnounce, Title: "ann.title",
		Steps: a.audienceSteps(func(*bot.Form) domain.Topic { return domain.TopicGeneral }),
		Begin: officerOnly, Done: a.saveAnnouncement}
}

// announce is /thongbao: resume an unfinished announcement, or start a
// draft. A form being filled in is kept where it was.
func (a *app) announce(ctx context.Context, c *bot.Ctx) error {
	if c.Session.Forms[flowAnnounce] != nil {
		return a.e.StartFlow(ctx, c, flowAnnounce)
	}
	c.Session.Active = "" // park any other form: the draft takes the chat
	c.Session.Put(keyDraft, "{}")
	return c.Send(ctx, bot.Reply{Text: c.T("ann.ask_content"), Buttons: draftButtons(c)})
}

func draftButtons(c *bot.Ctx) [][]bot.Button {
	return [][]bot.Button{{bot.Data(cbAnnounce, "d").Button(c.T("common.done")), bot.Data(cbAnnounce, "x").Button(c.T("common.cancel"))}}
}

func (a *app) loadDraft(c *bot.Ctx) (draft, bool) {
	raw := c.Session.Get(keyDraft)
	if raw == "" || !c.IsOfficer() {
		return draft{}, false
	}
	var d draft
	if json.Unmarshal([]byte(raw), &d) != nil {
		return draft{}, true
	}
	return d, true
}

func (a *app) saveDraft(c *bot.Ctx, d draft) {
	b, _ := json.Marshal(d)
	c.Session.Put(keyDraft, string(b))
}

// draftText wraps the fallback: while an officer writes an announcement,
// what they type is its text.
func (a *app) draftText(next bot.HandlerFunc) bot.HandlerFunc {
	return func(ctx context.Context, c *bot.Ctx) error {
		d, ok := a.loadDraft(c)
		if !ok {
			return next(ctx, c)
		}
		if c.Update.Kind != bot.KindText {
			return c.Send(ctx, bot.Reply{Text: c.T("ann.content_expected"), Buttons: draftButtons(c)})
		}
		in := cleanParagraphs(c.Update.Text)
		switch domain.Fold(in) {
		case "xong", "done":
			return a.finishDraft(ctx, c)
		case "huy", "cancel":
			c.Session.Put(keyDraft, "")
			return c.Say(ctx, "ann.dropped")
		case "":
			return c.Send(ctx, bot.Reply{Text: c.T("ann.content_expected"), Buttons: draftButtons(c)})
		}
		return a.addText(ctx, c, d, in)
	}
}

func (a *app) addText(ctx context.Context, c *bot.Ctx, d draft, in string) error {
	text := in
	if d.Text != "" {
		text = d.Text + "\n\n" + in
	}
	if utf8.RuneCountInString(text) > maxAnnounceText {
		return c.Send(ctx, bot.Reply{Text: c.T("ann.too_long", map[string]any{"Max": maxAnnounceText}), Buttons: draftButtons(c)})
	}
	d.Text = text
	a.saveDraft(c, d)
	return c.Send(ctx, bot.Reply{Text: c.T("ann.added", map[string]any{"Chars": utf8.RuneCountInString(d.Text)}), Buttons: draftButtons(c)})
}

// draftFile wraps the handler of files sent outside a form: while an
// officer writes an announcement, a photo or document is attached to it.
func (a *app) draftFile(next bot.HandlerFunc) bot.HandlerFunc {
	return func(ctx context.Context, c *bot.Ctx) error {
		d, ok := a.loadDraft(c)
		if !ok {
			return next(ctx, c)
		}
		f := c.Update.File
		if f == nil {
			return c.Send(ctx, bot.Reply{Text: c.T("ann.content_expected"), Buttons: draftButtons(c)})
		}
		limit, tooLarge := int64(maxDocSize), "ann.file_too_large"
		if c.Update.Kind == bot.KindPhoto {
			limit, tooLarge = maxPhotoSize, "ann.photo_too_large"
		}
		if f.Size > limit {
			return c.Send(ctx, bot.Reply{Text: c.T(tooLarge), Buttons: draftButtons(c)})
		}
		// A copy for the recipients on other channels.
		sum, err := a.keepCopy(ctx, c, f, limit)
		if errors.Is(err, bot.ErrTooLarge) || domain.ErrorKind(err) == domain.KindInvalid {
			return c.Send(ctx, bot.Reply{Text: c.T(tooLarge), Buttons: draftButtons(c)})
		}
		if err != nil {
			return err
		}
		d.Photo, d.Document, d.Blob, d.Name = "", "", sum, domain.Clean(f.Name)
		if c.Update.Kind == bot.KindPhoto {
			d.Photo = f.ID
		} else {
			d.Document = f.ID
		}
		if caption := cleanParagraphs(c.Update.Text); caption != "" {
			return a.addText(ctx, c, d, caption)
		}
		a.saveDraft(c, d)
		return c.Send(ctx, bot.Reply{Text: c.T("ann.added_file"), Buttons: draftButtons(c)})
	}
}

// keepCopy stores the file a user sent and returns its sum ("" when the
// channel cannot give files: the console).
func (a *app) keepCopy(ctx context.Context, c *bot.Ctx, f *bot.File, limit int64) (string, error) {
	rc, err := c.Download(ctx, f.ID, limit)
	if domain.ErrorKind(err) == domain.KindInvalid && !errors.Is(err, bot.ErrTooLarge) {
		return "", nil // no downloads on this channel
	}
	if err != nil {
		if errors.Is(err, bot.ErrTooLarge) {
			return "", err
		}
		return "", domain.E("ann.download", domain.KindUnavailable, err)
	}
	defer rc.Close()
	sum, _, err := a.Blobs.Put(rc, limit)
	if err != nil && !errors.Is(err, bot.ErrTooLarge) && domain.ErrorKind(err) != domain.KindInvalid {
		return "", domain.Op("ann.store_file", err)
	}
	return sum, err
}

// cleanParagraphs cleans each line of an officer's text (see
// domain.Clean) but keeps its line breaks, and at most one blank line
// between paragraphs: long announcements are split there.
func cleanParagraphs(s string) string {
	var out []string
	blank := false
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		line = domain.Clean(line)
		if line == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// announceButton handles the draft's "Xong" and "Hủy".
func (a *app) announceButton(ctx context.Context, c *bot.Ctx) error {
	act := c.Pressed.Verb
	if _, ok := a.loadDraft(c); !ok {
		return c.Answer(ctx, c.T("common.stale_button"), false)
	}
	if err := c.Answer(ctx, "", false); err != nil {
		return err
	}
	switch act {
	case "d":
		return a.finishDraft(ctx, c)
	case "x":
		c.Session.Put(keyDraft, "")
		return c.Say(ctx, "ann.dropped")
	}
	return nil
}

// finishDraft refuses an empty announcement; otherwise it shows the
// preview and asks for the audience.
func (a *app) finishDraft(ctx context.Context, c *bot.Ctx) error {
	d, _ := a.loadDraft(c)
	if d.empty() {
		return c.Send(ctx, bot.Reply{Text: c.T("ann.empty"), Buttons: draftButtons(c)})
	}
	c.Session.Put(keyDraft, "")
	if err := c.Say(ctx, "ann.preview"); err != nil {
		return err
	}
	if err := c.Send(ctx, d.message().Reply(a.e, c.Locale)); err != nil {
		return err
	}
	raw, _ := json.Marshal(d)
	return a.e.StartFlowWith(ctx, c, flowAnnounce, func(f *bot.Form) error {
		f.Answers[annContent] = string(raw)
		return nil
	})
}

// saveAnnouncement creates the job: nobody in the audience says so and
// sends nothing.
func (a *app) saveAnnouncement(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
	if !c.IsOfficer() {
		return domain.Invalid("ann.save", "common.officers_only")
	}
	var d draft
	if err := json.Unmarshal([]byte(f.Answers[annContent]), &d); err != nil || d.empty() {
		return domain.Invalid("ann.save", "ann.empty")
	}
	aud := a.audienceOf(f)
	if err := checkAudience(aud); err != nil {
		return err
	}
	n, err := a.Jobs.CountAudience(ctx, aud, domain.TopicGeneral, c.User.ID)
	if err != nil {
		return domain.Op("ann.save", err)
	}
	if n == 0 {
		return domain.Invalid("ann.save", "aud.nobody")
	}
	waiting, err := a.Jobs.CountWaiting(ctx, aud, domain.TopicGeneral, c.User.ID, a.now())
	if err != nil {
		return domain.Op("ann.save", err)
	}
	j := &domain.Job{Key: "ann:" + c.Update.Channel + ":" + c.Update.UserID + ":" + f.Nonce, Kind: domain.JobAnnouncement,
		Topic: domain.TopicGeneral, CreatedBy: c.User.ID, Channel: c.Update.Channel, ChatID: c.Update.ChatID, Lang: c.Locale,
		Payload: d.message().Encode()}
	created, err := a.Jobs.CreateJob(ctx, j, aud, c.User.ID)
	if err != nil {
		return domain.Op("ann.save", err)
	}
	if !created && j.ID == 0 {
		return domain.Invalid("ann.save", "aud.nobody")
	}
	if !created {
		return nil // a repeat of the confirmation: the job runs already
	}
	c.Saved(strconv.FormatInt(j.ID, 10))
	return a.startProgress(ctx, c, *j, n, waiting)
}

// cancelJobButton stops a running job ("bj|x|<id>"): its creator or a
// province officer may.
func (a *app) cancelJobButton(ctx context.Context, c *bot.Ctx) error {
	id, err := c.Pressed.ID(0)
	if err != nil {
		return err
	}
	if c.Pressed.Verb != "x" {
		return c.Answer(ctx, c.T("common.stale_button"), false)
	}
	j, err := a.Jobs.Job(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return c.Answer(ctx, c.T("common.stale_button"), false)
	}
	if err != nil {
		return domain.Op("bulk.cancel", err)
	}
	if j.CreatedBy != c.User.ID && !c.User.Role.IsProvince() {
		return c.Answer(ctx, c.T("bulk.not_yours"), true)
	}
	ok, err := a.Jobs.Cancel(ctx, id)
	if err != nil {
		return domain.Op("bulk.cancel", err)
	}
	a.kick()
	if !ok {
		return c.Answer(ctx, c.T("bulk.already_over"), false)
	}
	return c.Answer(ctx, c.T("bulk.cancel_done"), false)
}
