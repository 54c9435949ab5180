package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/bot/bulk"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// An announcement (/thongbao) is a form: its content first, in as many
// messages as the officer likes (text, a photo or a document, with
// captions), then «Xong» shows the preview and the audience is asked; the
// confirmation screen gives the audience size.
const (
	flowAnnounce = "ann"
	// annContent is the step that gathers the content (a bot.Gathered).
	annContent = "content"
)

// maxPhotoSize is Telegram's limit for photos (an announcement's, a question's).
const maxPhotoSize = 10 << 20

func (a *app) announcementFlow() *bot.Flow {
	content := bot.Step{Key: annContent, Prompt: "ann.ask_content", Label: "ann.label_content", Gather: &bot.Gather{
		MaxText:     20000, // characters, in all its messages
		Files:       1,     // a photo or a document; a second one takes its place
		MaxPhoto:    maxPhotoSize,
		MaxDocument: 50 << 20, // Telegram's limit for files a bot sends
		Keep:        a.keepCopy,
		Preview:     a.previewAnnouncement,
		Added:       "ann.added", AddedFile: "ann.added_file", Empty: "ann.empty", TooLong: "ann.too_long",
	}}
	return &bot.Flow{ID: flowAnnounce, Title: "ann.title",
		Steps: append([]bot.Step{content}, a.audienceSteps(func(*bot.Form) domain.Topic { return domain.TopicGeneral })...),
		Begin: officerOnly, Done: a.saveAnnouncement, Summary: a.announcementSummary}
}

// announcement is the message the content gathered makes: its text, and
// its last file.
func announcement(g bot.Gathered) bulk.Message {
	m := bulk.Message{Msg: "ann.header", Text: g.Text}
	if n := len(g.Files); n > 0 {
		f := g.Files[n-1]
		if f.Photo {
			m.Photo = f.ID
		} else {
			m.Document = f.ID
		}
		m.Blob, m.Name = f.Copy, f.Name
	}
	return m
}

// previewAnnouncement shows the announcement as its recipients will see it.
func (a *app) previewAnnouncement(ctx context.Context, c *bot.Ctx, _ *bot.Form, g bot.Gathered) error {
	if err := c.Say(ctx, "ann.preview"); err != nil {
		return err
	}
	return c.Send(ctx, announcement(g).Reply(a.e, c.Locale))
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

// saveAnnouncement creates the job: nobody in the audience says so and
// sends nothing.
func (a *app) saveAnnouncement(ctx context.Context, c *bot.Ctx, f *bot.Form) error {
	if !c.IsOfficer() {
		return domain.Invalid("ann.save", "common.officers_only")
	}
	content, err := bot.ParseGathered(f.Answers[annContent])
	if err != nil || content.Empty() {
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
		Payload: announcement(content).Encode()}
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

// announcementSummary renders the announcement a confirmed form created
// (ref: its job), for a confirmation pressed again: its content and how
// many it went to.
func (a *app) announcementSummary(ctx context.Context, c *bot.Ctx, ref string) (string, error) {
	id, _ := strconv.ParseInt(ref, 10, 64)
	j, err := a.Jobs.Job(ctx, id)
	if err != nil {
		return "", domain.Op("ann.summary", err)
	}
	var m bulk.Message
	if err := json.Unmarshal(j.Payload, &m); err != nil {
		return "", domain.E("ann.summary", domain.KindInternal, err)
	}
	content := bot.Gathered{Text: m.Text}
	if m.Photo != "" || m.Document != "" {
		content.Files = []bot.GatheredFile{{Photo: m.Photo != "", ID: m.Photo + m.Document, Name: m.Name, Copy: m.Blob}}
	}
	return c.T("form.field", map[string]any{"Label": c.T("ann.label_content"), "Value": bot.HTML(bot.ShowGathered(c, content))}) + "\n" +
		c.T("form.field", map[string]any{"Label": c.T("aud.label_kind"), "Value": bot.HTML(c.T("aud.count", map[string]any{"N": j.Total}))}), nil
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
