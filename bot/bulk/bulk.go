// Package bulk sends jobs (announcements, invitations, reminders) to
// their recipients at the messenger's pace: a durable row per recipient is
// claimed, sent through the channel's sender marked as bulk traffic (see
// bot.Pacer) and marked, so that a restart resumes every unfinished job
// without skipping anyone. One process at a time sends: the Worker holds a
// lease.
package bulk

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
)

// Message is what a job sends to each recipient (the job's payload, JSON).
type Message struct {
	// Msg is a message id rendered in the recipient's language with Data.
	Msg  string            `json:"msg,omitempty"`
	Data map[string]string `json:"data,omitempty"`
	// IDs are data keys whose values are message ids, rendered in the
	// recipient's language (the name of an event's kind, say).
	IDs map[string]string `json:"ids,omitempty"`
	// Text is an officer's own text, plain: it is HTML-escaped when sent,
	// after the rendered Msg.
	Text string `json:"text,omitempty"`
	// Photo or Document is the file id of an attachment (of the channel it
	// came from); Blob is its stored copy (storage/blob), which the other
	// channels are sent, under Name.
	Photo    string `json:"photo,omitempty"`
	Document string `json:"document,omitempty"`
	Blob     string `json:"blob,omitempty"`
	Name     string `json:"name,omitempty"`
	// Buttons carry message ids as labels.
	Buttons [][]Button `json:"buttons,omitempty"`
}

// Button is an inline button whose Label is a message id.
type Button struct {
	Label string `json:"label"`
	Data  string `json:"data,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Renderer renders message ids (the engine).
type Renderer interface {
	T(lang, id string, data map[string]any) string
}

// Reply renders the message in lang.
func (m Message) Reply(r Renderer, lang string) bot.Reply {
	var parts []string
	if m.Msg != "" {
		data := make(map[string]any, len(m.Data))
		for k, v := range m.Data {
			data[k] = v
		}
		for k, id := range m.IDs {
			data[k] = bot.HTML(r.T(lang, id, nil))
		}
		parts = append(parts, r.T(lang, m.Msg, data))
	}
	if strings.TrimSpace(m.Text) != "" {
		parts = append(parts, html.EscapeString(m.Text))
	}
	out := bot.Reply{Text: strings.Join(parts, "\n\n")}
	for _, row := range m.Buttons {
		var br []bot.Button
		for _, b := range row {
			br = append(br, bot.Button{Label: r.T(lang, b.Label, nil), Data: b.Data, URL: b.URL})
		}
		out.Buttons = append(out.Buttons, br)
	}
	switch {
	case m.Photo != "":
		out.Photo = &bot.Attachment{FileID: m.Photo, Name: m.Name}
	case m.Document != "":
		out.Document = &bot.Attachment{FileID: m.Document, Name: m.Name}
	}
	return out
}

// Blobs opens stored files (storage/blob.Store).
type Blobs interface {
	Open(sum string) (io.ReadCloser, error)
}

// Encode returns the JSON of the message.
func (m Message) Encode() []byte {
	b, _ := json.Marshal(m)
	return b
}

// Store is the durable record of jobs and recipients (storage/sqlite.JobStore).
type Store interface {
	Recover(ctx context.Context) (int64, error)
	Claim(ctx context.Context, now time.Time, limit int) ([]domain.Delivery, error)
	MarkSent(ctx context.Context, jobID, userID int64) error
	MarkBlocked(ctx context.Context, jobID, userID int64) error
	// MarkWaiting: the messenger refused, the user being outside its reply
	// window; the recipient waits for them to write again.
	MarkWaiting(ctx context.Context, jobID, userID int64) error
	// ExpireWaiting closes the waiting recipients of jobs no longer current.
	ExpireWaiting(ctx context.Context, now time.Time) (int64, error)
	MarkFailed(ctx context.Context, jobID, userID int64, errText string, retryAt time.Time, final bool) error
	Release(ctx context.Context, jobID, userID int64) error
	Unreported(ctx context.Context) ([]domain.Job, error)
	Stats(ctx context.Context, jobID int64) (domain.JobStats, error)
	Complete(ctx context.Context, jobID int64) (bool, error)
	MarkReported(ctx context.Context, jobID int64) error
}

// Sender sends replies on a channel (the engine).
type Sender interface {
	Renderer
	SendReplyTo(ctx context.Context, channel, chatID string, r bot.Reply) (string, error)
	// CanEdit reports whether the channel edits messages (Zalo does not).
	CanEdit(channel string) bool
}

// NoEditProgressEvery is the least time between two progress messages on a
// channel that cannot edit one (DESIGN §3b: at most every 30 s).
const NoEditProgressEvery = 30 * time.Second

// ExpireEvery spaces the rounds that expire the recipients who waited
// (outside a reply window) for a message no longer current.
const ExpireEvery = time.Minute

// LeaseName is the lease of the bulk sender.
const LeaseName = "bulk-sender"

// CancelPrefix starts the data of the button that cancels a running job:
// "bj|x|<job id>".
const CancelPrefix = "bj"

// Worker sends the recipients of running jobs while it holds the lease,
// edits each job's progress message as it goes and gives the final summary.
type Worker struct {
	Store  Store
	Lease  bot.Lease
	Send   Sender
	Holder string // unique per process
	// Rate is BROADCAST_RATE, messages a second (the pacing itself is the
	// sender's Pacer): it sizes batches and the estimated time left.
	Rate float64
	Now  func() time.Time
	// Interval between rounds when idle; Kick starts one at once.
	Interval time.Duration
	// Schedule (may be nil) runs at most once an Interval while the lease
	// is held, to create what is due (event reminders).
	Schedule func(ctx context.Context, now time.Time) error
	// MaxAttempts bounds the tries of a recipient on errors other than
	// 429 (waited for) and 403 (blocked); default 5.
	MaxAttempts int
	// Backoff is the wait after the first failure, doubled each time;
	// default 5 s.
	Backoff time.Duration
	// Concurrency is how many sends may be in flight; default from Rate.
	Concurrency int
	// ProgressEvery spaces the edits of a progress message; default 1 s.
	ProgressEvery time.Duration
	// DrainTimeout bounds how long a stop waits for sends in flight.
	DrainTimeout time.Duration
	// Blobs has the stored copies of attachments (nil: ids only).
	Blobs Blobs
	Log   *slog.Logger

	once     sync.Once
	kick     chan struct{}
	mu       sync.Mutex
	lastEdit map[int64]time.Time
	blobMu   sync.Mutex
	blobSum  string // the attachment read last: a job sends the same to all
	blobData []byte
	lastSch  time.Time
	lastExp  time.Time
}

func (w *Worker) init() {
	w.once.Do(func() {
		w.kick = make(chan struct{}, 1)
		w.lastEdit = map[int64]time.Time{}
		if w.Rate <= 0 {
			w.Rate = 25
		}
		if w.Now == nil {
			w.Now = time.Now
		}
		if w.Interval <= 0 {
			w.Interval = time.Second
		}
		if w.MaxAttempts <= 0 {
			w.MaxAttempts = 5
		}
		if w.Backoff <= 0 {
			w.Backoff = 5 * time.Second
		}
		if w.Concurrency <= 0 {
			w.Concurrency = min(32, max(2, int(w.Rate/4)))
		}
		if w.ProgressEvery <= 0 {
			w.ProgressEvery = time.Second
		}
		if w.DrainTimeout <= 0 {
			w.DrainTimeout = 5 * time.Second
		}
		if w.Log == nil {
			w.Log = slog.New(slog.DiscardHandler)
		}
	})
}

// Kick asks for a round at once (a job was just created or cancelled).
func (w *Worker) Kick() {
	w.init()
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run works until ctx ends: sends in flight then finish (a clean stop
// repeats nobody), the others stay pending for the next start, and the
// lease is released.
func (w *Worker) Run(ctx context.Context) error {
	w.init()
	ttl := 3*w.Interval + 15*time.Second
	recovered := false
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	defer func() { _ = w.Lease.Release(context.WithoutCancel(ctx), LeaseName, w.Holder) }()
	for ctx.Err() == nil {
		held, err := w.Lease.Acquire(ctx, LeaseName, w.Holder, ttl)
		if err != nil && ctx.Err() == nil {
			w.Log.Warn("bulk: lease", "err", err)
		}
		if held && !recovered {
			if n, err := w.Store.Recover(ctx); err != nil {
				w.Log.Warn("bulk: recover", "err", err)
				held = false
			} else {
				recovered = true
				if n > 0 {
					w.Log.Info("bulk: messages in flight at the last stop queued again", "count", n)
				}
			}
		}
		for held && ctx.Err() == nil {
			n, err := w.Round(ctx)
			if err != nil && ctx.Err() == nil {
				w.Log.Warn("bulk: round", "err", err)
			}
			if n == 0 || err != nil {
				break
			}
			// Renew the lease between batches; stop when it is lost.
			if held, err = w.Lease.Acquire(ctx, LeaseName, w.Holder, ttl); err != nil && ctx.Err() == nil {
				w.Log.Warn("bulk: lease", "err", err)
			}
		}
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-w.kick:
		}
	}
	return nil
}

// Round runs the schedule when due, expires (at most once an ExpireEvery)
// the recipients who waited for a message no longer current, sends one
// batch and updates the progress of the jobs; it returns how many
// recipients it handled. Call it only while holding the lease (tests call
// it directly).
func (w *Worker) Round(ctx context.Context) (int, error) {
	w.init()
	now := w.Now()
	if w.Schedule != nil && (w.lastSch.IsZero() || now.Sub(w.lastSch) >= w.Interval || now.Before(w.lastSch)) {
		w.lastSch = now
		if err := w.Schedule(ctx, now); err != nil {
			w.Log.Warn("bulk: schedule", "err", err)
		}
	}
	if w.lastExp.IsZero() || now.Sub(w.lastExp) >= ExpireEvery || now.Before(w.lastExp) {
		w.lastExp = now
		if n, err := w.Store.ExpireWaiting(ctx, now); err != nil {
			w.Log.Warn("bulk: expire waiting", "err", err)
		} else if n > 0 {
			w.Log.Info("bulk: messages no longer current not sent to those who waited", "count", n)
		}
	}
	batch, err := w.Store.Claim(ctx, now, max(w.Concurrency, int(w.Rate/2)))
	if err != nil {
		return 0, err
	}
	if len(batch) > 0 {
		w.sendBatch(ctx, batch)
	}
	return len(batch), w.progress(ctx, len(batch) == 0)
}

// sendBatch sends a batch with Concurrency sends in flight. After ctx
// ends, nothing new starts and those in flight get DrainTimeout to finish.
func (w *Worker) sendBatch(ctx context.Context, batch []domain.Delivery) {
	sendCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-ctx.Done():
			t := time.NewTimer(w.DrainTimeout)
			defer t.Stop()
			select {
			case <-t.C:
				cancel()
			case <-finished:
			}
		case <-finished:
		}
	}()
	sendCtx = bot.WithBulk(sendCtx)
	ch := make(chan domain.Delivery)
	var wg sync.WaitGroup
	for range min(w.Concurrency, len(batch)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range ch {
				w.deliver(ctx, sendCtx, d)
			}
		}()
	}
	for _, d := range batch {
		ch <- d
	}
	close(ch)
	wg.Wait()
}

func (w *Worker) deliver(ctx, sendCtx context.Context, d domain.Delivery) {
	mctx := context.WithoutCancel(ctx)
	if ctx.Err() != nil {
		// Stopping: not started, so not sent; pending for the next start.
		w.mark(w.Store.Release(mctx, d.JobID, d.UserID), d)
		return
	}
	var m Message
	if err := json.Unmarshal(d.Payload, &m); err != nil || (m.Msg == "" && m.Text == "" && m.Photo == "" && m.Document == "") {
		w.mark(w.Store.MarkFailed(mctx, d.JobID, d.UserID, "bad payload", w.Now(), true), d)
		return
	}
	lang := d.Lang
	if lang == "" {
		lang = domain.LocaleVI
	}
	r := m.Reply(w.Send, lang)
	if m.Blob != "" {
		if data, err := w.blob(m.Blob); err != nil {
			w.Log.Warn("bulk: stored attachment", "job", d.JobID, "err", err)
		} else if att := firstAttachment(&r); att != nil {
			att.Data = data
		}
	}
	_, err := w.Send.SendReplyTo(sendCtx, d.Channel, d.ChatID, r)
	switch {
	case err == nil:
		err = w.Store.MarkSent(mctx, d.JobID, d.UserID)
	case errors.Is(err, bot.ErrBlocked):
		err = w.Store.MarkBlocked(mctx, d.JobID, d.UserID)
	case errors.Is(err, bot.ErrOutsideWindow):
		// Not a failure: it goes when the user writes again.
		err = w.Store.MarkWaiting(mctx, d.JobID, d.UserID)
	case sendCtx.Err() != nil:
		err = w.Store.Release(mctx, d.JobID, d.UserID)
	default:
		final := d.Attempts+1 >= w.MaxAttempts
		retry := w.Now().Add(w.Backoff << min(d.Attempts, 10))
		w.Log.Warn("bulk: send failed", "job", d.JobID, "user", d.UserID, "attempt", d.Attempts+1, "final", final, "err", err)
		err = w.Store.MarkFailed(mctx, d.JobID, d.UserID, err.Error(), retry, final)
	}
	w.mark(err, d)
}

// blob reads a stored attachment, keeping the last one read.
func (w *Worker) blob(sum string) ([]byte, error) {
	if w.Blobs == nil {
		return nil, errors.New("no file store")
	}
	w.blobMu.Lock()
	defer w.blobMu.Unlock()
	if sum == w.blobSum {
		return w.blobData, nil
	}
	rc, err := w.Blobs.Open(sum)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxBlob))
	if err != nil {
		return nil, err
	}
	w.blobSum, w.blobData = sum, data
	return data, nil
}

// maxBlob bounds an attachment read for a bulk send (Telegram's own limit
// on files a bot sends).
const maxBlob = 50 << 20

func firstAttachment(r *bot.Reply) *bot.Attachment {
	if r.Photo != nil {
		return r.Photo
	}
	return r.Document
}

func (w *Worker) mark(err error, d domain.Delivery) {
	if err != nil {
		w.Log.Error("bulk: mark", "job", d.JobID, "user", d.UserID, "err", err)
	}
}

// progress edits the progress messages of the running jobs (at most once
// a ProgressEvery each, unless force) and gives the final summary of those
// that are over.
func (w *Worker) progress(ctx context.Context, force bool) error {
	jobs, err := w.Store.Unreported(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, j := range jobs {
		over, err := w.Store.Complete(ctx, j.ID)
		if err != nil {
			return err
		}
		if !over && j.State == domain.JobRunning {
			w.mu.Lock()
			last := w.lastEdit[j.ID]
			every := w.ProgressEvery
			if !w.Send.CanEdit(j.Channel) {
				// Each progress is a new message there: fewer of them, the
				// first a while after the starting message (which has the
				// cancel button already).
				every = max(every, NoEditProgressEvery)
				if last.IsZero() {
					last = now
					w.lastEdit[j.ID] = now
				}
			}
			due := now.Sub(last) >= every
			if due {
				w.lastEdit[j.ID] = now
			}
			w.mu.Unlock()
			if (due || force && last.IsZero()) && j.ChatID != "" && j.ProgressMsg != "" {
				st, err := w.Store.Stats(ctx, j.ID)
				if err != nil {
					return err
				}
				w.edit(ctx, j, st, "bulk.progress", true)
			}
			continue
		}
		if over {
			if err := w.finish(ctx, j); err != nil {
				return err
			}
		}
	}
	return nil
}

// finish gives the final summary of a job that is over.
func (w *Worker) finish(ctx context.Context, j domain.Job) error {
	if j.ChatID != "" {
		// Re-read: the job may have been cancelled or completed just now.
		st, err := w.Store.Stats(ctx, j.ID)
		if err != nil {
			return err
		}
		state := j.State
		if state == domain.JobRunning {
			state = domain.JobDone
		}
		id := "bulk.done"
		if state == domain.JobCancelled {
			id = "bulk.cancelled"
		}
		if j.ProgressMsg != "" && w.Send.CanEdit(j.Channel) {
			// Where messages cannot be edited, the summary alone ends it.
			w.edit(ctx, j, st, id, false)
		}
		if _, err := w.Send.SendReplyTo(ctx, j.Channel, j.ChatID, bot.Reply{Text: w.Send.T(j.Lang, "bulk.summary", w.data(j, st))}); err != nil &&
			!errors.Is(err, bot.ErrBlocked) {
			w.Log.Warn("bulk: summary", "job", j.ID, "err", err)
		}
	}
	w.mu.Lock()
	delete(w.lastEdit, j.ID)
	w.mu.Unlock()
	return w.Store.MarkReported(ctx, j.ID)
}

func (w *Worker) data(j domain.Job, st domain.JobStats) map[string]any {
	left := st.Left()
	eta := ""
	if secs := int(float64(left)/w.Rate + 0.999); left > 0 {
		if secs < 90 {
			eta = w.Send.T(j.Lang, "bulk.eta_seconds", map[string]any{"N": secs})
		} else {
			eta = w.Send.T(j.Lang, "bulk.eta_minutes", map[string]any{"N": (secs + 59) / 60})
		}
	}
	d := map[string]any{
		"Title": w.Send.T(j.Lang, "bulk.kind."+j.Kind, nil), "Total": st.Total(), "Sent": st.Sent, "Blocked": st.Blocked,
		"Failed": st.Failed, "Left": left, "Skipped": st.Skipped, "ETA": eta, "Waiting": st.Waiting, "Expired": st.Expired,
		"WaitingLine": waitingLine(w.Send, j.Lang, st.Waiting), "WaitingPart": bot.HTML(""), "ExpiredPart": bot.HTML(""),
	}
	// The counts of a reply window (Zalo) show only when there are some.
	if st.Waiting > 0 {
		d["WaitingPart"] = bot.HTML(w.Send.T(j.Lang, "bulk.summary_waiting", map[string]any{"N": st.Waiting}))
	}
	if st.Expired > 0 {
		d["ExpiredPart"] = bot.HTML(w.Send.T(j.Lang, "bulk.summary_expired", map[string]any{"N": st.Expired}))
	}
	return d
}

// waitingLine is the line that counts the recipients waiting for the user
// to write again, empty when there are none.
func waitingLine(r Renderer, lang string, waiting int) bot.HTML {
	if waiting <= 0 {
		return ""
	}
	return bot.HTML(r.T(lang, "bulk.waiting_line", map[string]any{"N": waiting}))
}

// edit replaces the text of the job's progress message.
func (w *Worker) edit(ctx context.Context, j domain.Job, st domain.JobStats, id string, running bool) {
	r := bot.Reply{Edit: j.ProgressMsg, Text: w.Send.T(j.Lang, id, w.data(j, st))}
	if running {
		r.Buttons = cancelButton(w.Send, j.Lang, j.ID)
	}
	if _, err := w.Send.SendReplyTo(ctx, j.Channel, j.ChatID, r); err != nil && !errors.Is(err, bot.ErrBlocked) {
		w.Log.Warn("bulk: progress", "job", j.ID, "err", err)
	}
}

// ProgressReply is the first progress message of a job, with its cancel
// button once the job id is known (0: no button yet).
func ProgressReply(r Renderer, lang, kind string, total, waiting int, jobID int64) bot.Reply {
	out := bot.Reply{Text: r.T(lang, "bulk.starting", map[string]any{"Title": r.T(lang, "bulk.kind."+kind, nil), "Total": total,
		"WaitingLine": waitingLine(r, lang, waiting)})}
	if jobID != 0 {
		out.Buttons = cancelButton(r, lang, jobID)
	}
	return out
}

// cancelButton stops a running job.
func cancelButton(r Renderer, lang string, jobID int64) [][]bot.Button {
	return [][]bot.Button{{bot.Data(CancelPrefix, "x", jobID).Button(r.T(lang, "bulk.cancel_button", nil))}}
}
