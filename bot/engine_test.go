package bot_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocop-tayninh/ocopbot/bot"
	"github.com/ocop-tayninh/ocopbot/domain"
	"github.com/ocop-tayninh/ocopbot/locales"
	"github.com/ocop-tayninh/ocopbot/storage/sqlite"
)

// recorder is a Sender that keeps what it was asked to send.
type recorder struct {
	mu      sync.Mutex
	texts   []string
	answers []string
}

func (r *recorder) Send(_ context.Context, _ string, rep bot.Reply) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.texts = append(r.texts, rep.Text)
	return "1", nil
}

func (r *recorder) AnswerCallback(_ context.Context, _, text string, _ bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answers = append(r.answers, text)
	return nil
}

// A handler that fails or panics leaves the user with a clear answer, and
// the update is not handed back for another try (it got its answer).
func TestFailuresAreAnsweredOnce(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "e.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tr, err := bot.NewTranslator(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	kv := sqlite.NewKV(db)
	e := bot.New(bot.Config{Users: sqlite.NewUserStore(db), Sessions: bot.NewSessionStore(kv), Dedup: bot.NewDeduper(kv), Translator: tr})
	e.Command(bot.Command{Name: "/loi", Handle: func(context.Context, *bot.Ctx) error {
		return domain.E("test", domain.KindInternal, errors.New("boom"))
	}})
	e.Command(bot.Command{Name: "/ban", Handle: func(context.Context, *bot.Ctx) error {
		return domain.E("test", domain.KindUnavailable, errors.New("redis down"))
	}})
	e.Command(bot.Command{Name: "/panic", Handle: func(context.Context, *bot.Ctx) error { panic("oops") }})
	rec := &recorder{}
	e.SetSender("t", rec)
	internal, _ := tr.Template("vi", "error.internal")
	unavailable, _ := tr.Template("vi", "error.unavailable")
	for i, tc := range []struct{ cmd, want string }{{"/loi", internal}, {"/ban", unavailable}, {"/panic", internal}} {
		u := &bot.Update{Channel: "t", ID: int64(i + 1), UserID: "7", ChatID: "7", Private: true, Kind: bot.KindCommand, Command: tc.cmd}
		if err := e.Handle(context.Background(), u); err != nil {
			t.Fatalf("%s: Handle = %v, want nil (answered, not to be retried)", tc.cmd, err)
		}
		rec.mu.Lock()
		got := rec.texts[len(rec.texts)-1]
		rec.mu.Unlock()
		if !strings.Contains(got, strings.SplitN(tc.want, ".", 2)[0]) {
			t.Errorf("%s answered %q, want %q", tc.cmd, got, tc.want)
		}
	}
	if len(rec.texts) != 3 {
		t.Fatalf("%d answers for 3 failures: %q", len(rec.texts), rec.texts)
	}
}
