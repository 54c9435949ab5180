package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"sync"
)

// Atomic is a write transaction that the stores join: every call of a
// store of its database made with the context Begin returned runs in it,
// until Commit or Rollback. It lets a confirming step (a form's save, see
// bot.Saves) write through several stores, and record that it did, all
// or nothing, without the stores knowing about each other. A store that
// opens its own transaction inside it gets a savepoint. After Commit or
// Rollback the context's calls run on their own again, as without it.
type Atomic struct {
	a *ambient
}

// ambient is the transaction an Atomic's context carries.
type ambient struct {
	pool   *pool
	mu     sync.Mutex
	tx     *sql.Tx  // nil once committed or rolled back
	saves  int      // savepoints opened so far, for their names
	after  []func() // to run once committed
	unlock func()   // gives back the write turn (pool.lockWrite)
}

type ambientKey struct{}

// ErrNestedAtomic is returned by Begin inside another Atomic of the same
// database.
var ErrNestedAtomic = errors.New("sqlite: an atomic unit of work is already open on this context")

// Begin opens an Atomic and returns the context its stores' calls join.
// It takes the write lock at once (_txlock=immediate): keep it short, and
// send nothing over the network while it is open.
func (db *DB) Begin(ctx context.Context) (context.Context, *Atomic, error) {
	if db.db.joined(ctx) != nil {
		return ctx, nil, ErrNestedAtomic
	}
	unlock := db.db.lockWrite(ctx)
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		unlock()
		db.db.count(err)
		return ctx, nil, dbError("sqlite.Begin", err)
	}
	a := &ambient{pool: db.db, tx: tx, unlock: unlock}
	return context.WithValue(ctx, ambientKey{}, a), &Atomic{a: a}, nil
}

// Commit commits what was written in the Atomic and then runs what was
// waiting for it (caches forgetting what changed).
func (t *Atomic) Commit() error {
	a := t.a
	a.mu.Lock()
	tx, after := a.tx, a.after
	a.tx, a.after = nil, nil
	a.mu.Unlock()
	if tx == nil {
		return dbError("sqlite.Commit", sql.ErrTxDone)
	}
	err := tx.Commit()
	a.unlock()
	if err != nil {
		a.pool.count(err)
		return dbError("sqlite.Commit", err)
	}
	for _, fn := range after {
		fn()
	}
	return nil
}

// Rollback drops what was written in the Atomic; after Commit it does
// nothing.
func (t *Atomic) Rollback() {
	a := t.a
	a.mu.Lock()
	tx := a.tx
	a.tx, a.after = nil, nil
	a.mu.Unlock()
	if tx != nil {
		_ = tx.Rollback()
		a.unlock()
	}
}

// joined returns the open transaction of an Atomic of this pool that ctx
// carries, or nil.
func (p *pool) joined(ctx context.Context) *sql.Tx {
	a, _ := ctx.Value(ambientKey{}).(*ambient)
	if a == nil || a.pool != p {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tx
}

// afterCommit runs fn now and, inside an open Atomic, once more after it
// commits: a cache forgets a row when it is written, and again once the
// write is visible to the others (a read made meanwhile by another
// connection saw the row as it was and may have cached it).
func (p *pool) afterCommit(ctx context.Context, fn func()) {
	fn()
	a, _ := ctx.Value(ambientKey{}).(*ambient)
	if a == nil || a.pool != p {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tx != nil {
		a.after = append(a.after, fn)
	}
}

// savepoint runs fn inside the open transaction tx of an Atomic, as a
// savepoint: what fn wrote is undone when it fails, and the Atomic goes on.
func (p *pool) savepoint(ctx context.Context, tx *sql.Tx, fn func(*sql.Tx) error) error {
	a := ctx.Value(ambientKey{}).(*ambient)
	a.mu.Lock()
	a.saves++
	// A name, not a value: it cannot be a parameter; it is made here of
	// digits only.
	name := "sp" + strconv.Itoa(a.saves)
	a.mu.Unlock()
	if _, err := tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		p.count(err)
		return err
	}
	if err := fn(tx); err != nil {
		_, _ = tx.ExecContext(ctx, "ROLLBACK TO "+name)
		_, _ = tx.ExecContext(ctx, "RELEASE "+name)
		return err
	}
	if _, err := tx.ExecContext(ctx, "RELEASE "+name); err != nil {
		p.count(err)
		return err
	}
	return nil
}

// readTx runs fn in a read transaction (one snapshot), or inside the open
// Atomic ctx carries, whose writes it then sees.
func (db *DB) readTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if tx := db.db.joined(ctx); tx != nil {
		return fn(tx)
	}
	tx, err := db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}
