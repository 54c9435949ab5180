package bot

import (
	"context"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// Saves keeps what a user's confirming steps saved, by the step's
// instance (a form's nonce, a question's): pressing "Xác nhận" again — an
// old button, an update handed out again after a crash between the save
// and the reply, a form left open because its reply failed — shows what
// was saved instead of saving it twice. A step's record is written in the
// transaction of what the step saved (SaveTx), so that one never exists
// without the other.
type Saves interface {
	// Saved returns what the step key of the user saved (flow is the
	// form's id, ref names the record), when it did.
	Saved(ctx context.Context, channel, user, key string) (flow, ref string, ok bool, err error)
	// Begin opens the transaction of a save: the stores' writes made with
	// the returned context are part of it until Commit or Rollback.
	Begin(ctx context.Context) (context.Context, SaveTx, error)
}

// SaveTx is the transaction of one confirming step's save.
type SaveTx interface {
	// Commit records that the step key saved ref, with what the
	// transaction wrote, all or nothing; ctx is the one Begin returned.
	Commit(ctx context.Context, channel, user, key, flow, ref string) error
	// Rollback drops what the transaction wrote; after Commit it does
	// nothing.
	Rollback()
}

// saving is the save in progress of a confirming step: committed before
// the step first speaks (its reply tells that it is saved), or at its end.
type saving struct {
	commit func() error
	done   bool
	err    error
}

// commitSave commits the save in progress, if any, before the step speaks:
// what it wrote until now is its save; what it writes later is not part
// of it.
func (c *Ctx) commitSave() error {
	s := c.saving
	if s == nil || s.done {
		if s != nil {
			return s.err
		}
		return nil
	}
	s.done = true
	s.err = s.commit()
	return s.err
}

// Saved names the record a confirming step saved ("subject:12"), for the
// summary shown when the step is confirmed again (Flow.Summary). Call it
// in Flow.Done, or in the save of Once, before the step first speaks.
func (c *Ctx) Saved(ref string) { c.ref = ref }

// once runs save, the writes of a confirming step, at most once for key
// (per user): save's writes, the record of key and the ref it names are
// one transaction, committed before the step first speaks or when save
// returns. When key was saved before, save does not run and again answers
// with what was saved (its ref). It reports whether the step is saved
// (now or before); an error after the commit (the reply failed) comes
// with saved true.
func (e *Engine) once(ctx context.Context, c *Ctx, key, flow string, save func(context.Context) error,
	again func(ctx context.Context, flow, ref string) error) (saved bool, err error) {
	s := e.cfg.Saves
	if s == nil || c.saving != nil {
		// Without a store of saves (or inside another step's save), as it
		// always was.
		return false, save(ctx)
	}
	u := c.Update
	if oldFlow, ref, ok, err := s.Saved(ctx, u.Channel, u.UserID, key); err != nil {
		return false, domain.E("save.check", domain.KindUnavailable, err)
	} else if ok {
		return true, again(ctx, oldFlow, ref)
	}
	tctx, tx, err := s.Begin(ctx)
	if err != nil {
		return false, domain.E("save.begin", domain.KindUnavailable, err)
	}
	defer tx.Rollback()
	c.ref = ""
	sv := &saving{commit: func() error {
		if err := tx.Commit(tctx, u.Channel, u.UserID, key, flow, c.ref); err != nil {
			return domain.E("save.commit", domain.KindUnavailable, err)
		}
		return nil
	}}
	c.saving = sv
	err = save(tctx)
	c.saving = nil
	if sv.done {
		if sv.err != nil {
			return false, sv.err
		}
		return true, err
	}
	if err != nil {
		return false, err
	}
	sv.done = true
	if err := sv.commit(); err != nil {
		return false, err
	}
	return true, nil
}

// savedUnanswered is the error of a confirming step saved whose reply
// then failed: the update ends there without an error reply (the user must
// not hear that nothing was saved) and without saving the session, so the
// confirmation is where it was, and pressing it again shows what was saved.
type savedUnanswered struct{ err error }

func (e *savedUnanswered) Error() string { return "saved, but its reply failed: " + e.err.Error() }
func (e *savedUnanswered) Unwrap() error { return e.err }

// Once runs save, the writes of a confirming step that is not a form (a
// button that files a question, say), at most once for key, as a form's
// Done is run: save's writes and the record of key are one transaction,
// committed before the step first speaks. When key was saved before,
// again answers with what was saved (the ref save named with Saved). When
// the reply fails after the commit, the user is not told that nothing was
// saved: the update ends without an answer, and the step pressed again
// shows what was saved. An empty key runs save as it is.
func (c *Ctx) Once(ctx context.Context, key string, save func(context.Context) error, again func(ctx context.Context, ref string) error) error {
	if key == "" {
		return save(ctx)
	}
	saved, err := c.engine.once(ctx, c, key, "", save, func(ctx context.Context, _, ref string) error { return again(ctx, ref) })
	if saved && err != nil {
		return &savedUnanswered{err}
	}
	return err
}

// Finish marks the update handled now, before the rest of its work: an
// update handed out again after a stop or a crash is then not handled a
// second time. A step whose effect must not come twice (a report's
// workbook) calls it just before that effect, and so accepts that a crash
// in the middle of the effect loses it rather than doubles it.
func (c *Ctx) Finish(ctx context.Context) error {
	d, u := c.engine.cfg.Dedup, c.Update
	if d == nil || u.ID == 0 || c.finished {
		return nil
	}
	if err := d.Finish(ctx, u.Channel, u.ID); err != nil {
		return domain.E("update.finish", domain.KindUnavailable, err)
	}
	c.finished = true
	return nil
}
