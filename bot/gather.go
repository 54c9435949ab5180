package bot

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// Gather makes a step take several messages, then «Xong» (pressed, or
// typed "xong" or "done"): texts, joined as paragraphs, and, when Files
// allows, photos and documents with their captions. Each message is
// acknowledged with the step's buttons («Xong», «Quay lại», «Hủy»); «Xong»
// with nothing gathered keeps the user on the step with the Empty message,
// or, when the step was answered before (back from a later step, an edit
// from the confirmation screen), keeps that answer. The step's value is a
// Gathered, as JSON: read it with ParseGathered.
//
// What is gathered stays in the form (the session) until «Xong», so an
// unfinished step resumes where it was; «Quay lại» away from the step
// drops it, as it drops a multi-choice's ticks.
type Gather struct {
	// MaxText bounds the characters of the texts together (0: none); a
	// text past it is refused and what came before is kept.
	MaxText int
	// Files is how many photos and documents are kept (0: none is taken);
	// past it, a new one takes the place of the oldest.
	Files int
	// MaxPhoto and MaxDocument bound the size of a photo and of a document,
	// in bytes (0: none).
	MaxPhoto, MaxDocument int64
	// Keep, if set, stores a copy of a file as it comes (for the channels
	// that cannot use its file id), reading at most limit bytes, and
	// returns its reference (GatheredFile.Copy). ErrTooLarge or a
	// KindInvalid error refuses the file as too large.
	Keep func(ctx context.Context, c *Ctx, f *File, limit int64) (string, error)
	// Preview, if set, shows what was gathered once «Xong» took it, before
	// the next question (or the confirmation screen).
	Preview func(ctx context.Context, c *Ctx, f *Form, g Gathered) error
	// Message ids, where the flow words them its own way ("" takes the
	// engine's form.gather_*): a text added (data Chars, the characters so
	// far), a file attached, «Xong» with nothing gathered, a text past
	// MaxText (data Max).
	Added, AddedFile, Empty, TooLong string
}

// Gathered is what a gathering step took: its texts and its files.
type Gathered struct {
	// Text is the texts and captions, in the order sent, one blank line
	// apart; each keeps its own line breaks (domain.CleanParagraphs).
	Text  string         `json:"text,omitempty"`
	Files []GatheredFile `json:"files,omitempty"`
}

// GatheredFile is a photo or document a gathering step took.
type GatheredFile struct {
	Photo bool   `json:"photo,omitempty"` // a photo, else a document
	ID    string `json:"id"`              // the channel's file id
	Name  string `json:"name,omitempty"`
	Copy  string `json:"copy,omitempty"` // what Gather.Keep returned
}

// ParseGathered reads the value of a gathering step ("" is nothing).
func ParseGathered(v string) (Gathered, error) {
	var g Gathered
	if v == "" {
		return g, nil
	}
	if err := json.Unmarshal([]byte(v), &g); err != nil {
		return Gathered{}, domain.E("form.gathered", domain.KindInternal, err)
	}
	return g, nil
}

// Empty reports whether nothing was gathered.
func (g Gathered) Empty() bool { return strings.TrimSpace(g.Text) == "" && len(g.Files) == 0 }

func (g Gathered) encode() string {
	b, _ := json.Marshal(g)
	return string(b)
}

// chars is the length of the text, in characters.
func (g Gathered) chars() int { return utf8.RuneCountInString(g.Text) }

// withText returns g with the text (not empty) added as a new paragraph,
// and false when the text would pass max characters (max 0: no bound).
func (g Gathered) withText(text string, max int) (Gathered, bool) {
	if g.Text != "" {
		text = g.Text + "\n\n" + text
	}
	if max > 0 && utf8.RuneCountInString(text) > max {
		return g, false
	}
	g.Text = text
	return g, true
}

// ShowGathered renders what a gathering step took, in a line (HTML): the
// start of its text with its length, and how many files.
func ShowGathered(c *Ctx, g Gathered) string {
	start, _, _ := strings.Cut(g.Text, "\n")
	if r := []rune(start); len(r) > 60 {
		start = strings.TrimSpace(string(r[:60])) + "…"
	} else if start != g.Text {
		start += "…"
	}
	return c.T("form.gathered", map[string]any{"Start": start, "Chars": g.chars(), "Files": len(g.Files)})
}

// gathering returns what the form's current step gathered so far.
func (f *Form) gathering() Gathered {
	if f.Gathering == nil {
		return Gathered{}
	}
	g := *f.Gathering
	g.Files = append([]GatheredFile(nil), g.Files...)
	return g
}

// gatherText adds a typed text to the step: «Xong» ends the step.
func (e *Engine) gatherText(ctx context.Context, c *Ctx, flow *Flow, f *Form, step *Step, word string) error {
	if word == "xong" || word == "done" {
		return e.finishGather(ctx, c, flow, f, step)
	}
	g := step.Gather
	got, ok := f.gathering().withText(domain.CleanParagraphs(c.Update.Text), g.MaxText)
	if !ok {
		return e.gatherSay(ctx, c, flow, f, step, or(g.TooLong, "form.gather_too_long"), map[string]any{"Max": g.MaxText}, true)
	}
	f.Gathering = &got
	return e.gatherSay(ctx, c, flow, f, step, or(g.Added, "form.gather_added"), map[string]any{"Chars": got.chars()}, false)
}

// gatherFile adds a photo or document, with its caption, to the step.
func (e *Engine) gatherFile(ctx context.Context, c *Ctx, flow *Flow, f *Form, step *Step) error {
	g, file := step.Gather, c.Update.File
	if g.Files == 0 || file == nil {
		return e.prompt(ctx, c, flow, f, "form.text_expected")
	}
	photo := c.Update.Kind == KindPhoto
	limit, tooLarge := g.MaxDocument, "form.gather_document_too_large"
	if photo {
		limit, tooLarge = g.MaxPhoto, "form.gather_photo_too_large"
	}
	refuse := func() error {
		return e.gatherSay(ctx, c, flow, f, step, tooLarge, map[string]any{"MB": limit >> 20}, true)
	}
	if limit > 0 && file.Size > limit {
		return refuse()
	}
	var kept string
	if g.Keep != nil {
		var err error
		kept, err = g.Keep(ctx, c, file, limit)
		if errors.Is(err, ErrTooLarge) || domain.ErrorKind(err) == domain.KindInvalid {
			return refuse()
		}
		if err != nil {
			return err
		}
	}
	got := f.gathering()
	got.Files = append(got.Files, GatheredFile{Photo: photo, ID: file.ID, Name: domain.Clean(file.Name), Copy: kept})
	if n := len(got.Files) - g.Files; n > 0 {
		got.Files = got.Files[n:]
	}
	if caption := domain.CleanParagraphs(c.Update.Text); caption != "" {
		var ok bool
		if got, ok = got.withText(caption, g.MaxText); !ok {
			return e.gatherSay(ctx, c, flow, f, step, or(g.TooLong, "form.gather_too_long"), map[string]any{"Max": g.MaxText}, true)
		}
		f.Gathering = &got
		return e.gatherSay(ctx, c, flow, f, step, or(g.Added, "form.gather_added"), map[string]any{"Chars": got.chars()}, false)
	}
	f.Gathering = &got
	return e.gatherSay(ctx, c, flow, f, step, or(g.AddedFile, "form.gather_added_file"), nil, false)
}

// finishGather ends the step with what it gathered; with nothing, it
// keeps the step's earlier answer, skips an optional step, or stays.
func (e *Engine) finishGather(ctx context.Context, c *Ctx, flow *Flow, f *Form, step *Step) error {
	got := f.gathering()
	if !got.Empty() {
		return e.accept(ctx, c, flow, f, got.encode())
	}
	if old := f.Answers[step.Key]; old != "" {
		return e.accept(ctx, c, flow, f, old)
	}
	if step.Optional {
		return e.accept(ctx, c, flow, f, "")
	}
	return e.prompt(ctx, c, flow, f, or(step.Gather.Empty, "form.gather_empty"))
}

// gatherSay answers a message of a gathering step with the step's buttons;
// warn marks a message refused.
func (e *Engine) gatherSay(ctx context.Context, c *Ctx, flow *Flow, f *Form, step *Step, id string, data map[string]any, warn bool) error {
	text := c.T(id, data)
	if warn {
		text = c.T("form.warning", map[string]any{"Text": HTML(text)})
	}
	n, _ := e.position(flow, f)
	return c.Send(ctx, Reply{Text: text, Buttons: [][]Button{e.nav(c, f, step, n)}})
}

// or is id, or def when id is "".
func or(id, def string) string {
	if id == "" {
		return def
	}
	return id
}
