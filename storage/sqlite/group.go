package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// grouper commits the small writes of different updates together (group
// commit): a write that comes while another group is committing waits for
// the next one, which runs every write that gathered meanwhile in one
// transaction, each inside a savepoint of its own so that one failing does
// not undo the others. Each caller still returns only once its write is
// committed (or failed), so nothing is less durable than with a
// transaction of its own.
//
// Why: on the Zalo closed loop a registration made about five write
// transactions of its own (the new user, consent, the open-form marks, ...),
// each ~150 µs of the bot's CPU for its WAL frames and commit even when it
// changed one row; written together, the pages they share (the users
// table's and its indexes') go to the WAL once a group (BENCHMARKS.md).
type grouper struct {
	db *pool

	mu      sync.Mutex
	queue   []*groupWrite
	running bool
	commits int // transactions committed, for tests
}

type groupWrite struct {
	ctx  context.Context
	fn   func(*sql.Tx) error
	err  error
	done chan struct{}
}

// grouped runs fn, the statements of one small write, in a transaction
// shared with the writes that come meanwhile, and returns when it is
// committed. Inside an open Atomic (see Begin) fn runs in it, as a
// savepoint. fn must use only tx (no other store call, which could wait on
// the group fn belongs to) and may be run again on failure: it must not keep
// state between runs.
func (db *DB) grouped(ctx context.Context, fn func(*sql.Tx) error) error {
	if db.db.joined(ctx) != nil {
		return db.inTx(ctx, fn)
	}
	w := &groupWrite{ctx: ctx, fn: fn, done: make(chan struct{})}
	g := &db.group
	g.mu.Lock()
	g.queue = append(g.queue, w)
	start := !g.running
	g.running = true
	g.mu.Unlock()
	if start {
		go g.run()
	}
	<-w.done // not ctx.Done: the write may be committing
	return w.err
}

// run commits groups until none is waiting.
func (g *grouper) run() {
	for {
		g.mu.Lock()
		batch := g.queue
		g.queue = nil
		if len(batch) == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		g.commit(batch)
		for _, w := range batch {
			close(w.done)
		}
	}
}

// commit runs batch in one transaction; a write whose context ended while
// it waited is not run.
func (g *grouper) commit(batch []*groupWrite) {
	live := batch[:0:0]
	for _, w := range batch {
		if err := w.ctx.Err(); err != nil {
			w.err = err
			continue
		}
		live = append(live, w)
	}
	if len(live) == 0 {
		return
	}
	// The transaction belongs to no caller: it is not cut short by one
	// caller's context (each statement still runs under its own).
	bctx := context.WithoutCancel(live[0].ctx)
	defer g.db.lockWrite(bctx)()
	tx, err := g.db.BeginTx(bctx, nil)
	if err != nil {
		g.db.count(err)
		for _, w := range live {
			w.err = err
		}
		return
	}
	defer func() { _ = tx.Rollback() }()
	if len(live) == 1 {
		// Alone: its own transaction, rolled back if it fails.
		if live[0].err = live[0].fn(tx); live[0].err != nil {
			return
		}
	} else {
		for _, w := range live {
			w.err = g.savepoint(w, tx)
		}
	}
	if err := tx.Commit(); err != nil {
		g.db.count(err)
		for _, w := range live {
			if w.err == nil {
				w.err = err
			}
		}
		return
	}
	g.mu.Lock()
	g.commits++
	g.mu.Unlock()
}

// savepoint runs one write of a group in a savepoint of its own.
func (g *grouper) savepoint(w *groupWrite, tx *sql.Tx) error {
	if _, err := tx.ExecContext(w.ctx, "SAVEPOINT grouped"); err != nil {
		g.db.count(err)
		return err
	}
	err := w.fn(tx)
	if err != nil {
		if _, rerr := tx.ExecContext(context.WithoutCancel(w.ctx), "ROLLBACK TO grouped"); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}
	if _, rerr := tx.ExecContext(context.WithoutCancel(w.ctx), "RELEASE grouped"); rerr != nil {
		g.db.count(rerr)
		return errors.Join(err, rerr)
	}
	return err
}

// txStmt returns query's kept statement for tx (see pool.stmt), or nil when
// it is not kept.
func (p *pool) txStmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	if st := p.stmt(ctx, query); st != nil {
		return tx.StmtContext(ctx, st)
	}
	return nil
}

// txQueryRow is tx.QueryRowContext with the kept statement of query.
func (p *pool) txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	ctx = brief(ctx)
	if st := p.txStmt(ctx, tx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// txExec is tx.ExecContext with the kept statement of query.
func (p *pool) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	ctx = brief(ctx)
	if st := p.txStmt(ctx, tx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}
