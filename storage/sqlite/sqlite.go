// Package sqlite keeps the bot's data in one SQLite file through the pure-Go
// driver modernc.org/sqlite: users, subjects, the inbox of incoming updates and
// an embedded key-value store with expiry.
//
// Times are stored as unix milliseconds in UTC and read back as UTC, so a time
// written and read again is truncated to the millisecond.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ocop-tayninh/ocopbot/domain"
	sqlitedrv "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// pragmas are set on every pooled connection. _txlock=immediate makes write
// transactions take the write lock at BEGIN, where busy_timeout waits for it,
// instead of failing with SQLITE_BUSY when a read is upgraded to a write.
//
// wal_autocheckpoint(0): no connection checkpoints when it commits; the
// DB's own checkpointer does, in the background (see checkpointer). An
// automatic checkpoint ran inside whichever commit crossed 1,000 pages of
// WAL, and its two fsyncs (about 20 ms each on the benchmark machine)
// held up that caller: the intake's group commit, and with it every
// webhook call waiting for its 200, or an update's reply (BENCHMARKS.md).
const pragmas = "_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=wal_autocheckpoint(0)&_txlock=immediate"

// maxConns bounds the pool, and that many stay open between uses: more
// than the statements that can run at once on a few cores, few enough that
// their page caches (2 MB each at most) stay small. Without the bound, the
// webhook's and the dispatcher's goroutines opened a connection each and
// closed it again, the file opened and the whole schema parsed each time
// (see BENCHMARKS.md). So that the bound cannot deadlock, no code may
// hold a connection (a transaction, unread rows) while it asks for another.
const maxConns = 16

//go:embed migrations/*.sql inbox_migrations/*.sql
var migrationFiles embed.FS

// The migrations of the main database, and of the inbox's own file
// (OpenInboxDB).
const (
	mainSchema  = "migrations"
	inboxSchema = "inbox_migrations"
)

// DB is an open database. Repositories are built on it with NewUserStore,
// NewSubjectStore, NewInbox and NewKV.
type DB struct {
	db    *pool
	now   func() time.Time
	users userCache
	group grouper // small writes committed together (grouped)

	stopCheckpoints func() // ends the checkpointer and waits for it
}

// userCache keeps users by channel and channel id for UserStore.Touch,
// which every update calls: users change seldom, and only through this
// package (every write of a user drops them from the cache once it is
// committed: userChanged; a write outside a transaction keeps the row it
// returns instead: wrote). Another process writing the users table of the
// same file would not be seen; none does (the admin commands do not write
// users, and roles are given through the bot).
//
// A read that raced a write of the same user must not be kept, so writes
// are counted, per stripe of keys: with one count for all, every new
// user's first message (a write) made the reads of everyone else in
// flight at that moment uncacheable, and under a stream of new users the
// cache missed most of the time (the Zalo benchmark: a SELECT of the user
// on most updates, BENCHMARKS.md).
type userCache struct {
	mu    sync.Mutex
	gen   [userStripes]uint64    // writes of the keys of each stripe
	byID  uint64                 // writes known by user id only, of users not cached
	byKey map[string]domain.User // channel + "\x00" + channel id
	keyOf map[int64]string       // user id -> key in byKey
}

const userStripes = 64

// userGen is what a read saw of the write counts, given back to put.
type userGen struct{ stripe, byID uint64 }

// maxCachedUsers bounds the cache; when full it starts again empty.
const maxCachedUsers = 20000

func userKey(channel, channelID string) string { return channel + "\x00" + channelID }

func userStripe(key string) int {
	h := uint32(2166136261) // FNV-1a
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	return int(h % userStripes)
}

// get returns the cached user and the write counts to give to put.
func (c *userCache) get(channel, channelID string) (domain.User, bool, userGen) {
	key := userKey(channel, channelID)
	c.mu.Lock()
	defer c.mu.Unlock()
	u, ok := c.byKey[key]
	return u, ok, userGen{c.gen[userStripe(key)], c.byID}
}

// put caches u read when the counts were gen, unless a write that may
// concern u came since.
func (c *userCache) put(u domain.User, gen userGen) {
	key := userKey(u.Channel, u.ChannelID)
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != (userGen{c.gen[userStripe(key)], c.byID}) {
		return
	}
	c.keepLocked(key, u)
}

// keepLocked caches u under key; when full, the cache starts again empty.
func (c *userCache) keepLocked(key string, u domain.User) {
	if c.byKey == nil || len(c.byKey) >= maxCachedUsers {
		c.byKey, c.keyOf = map[string]domain.User{}, map[int64]string{}
	}
	c.byKey[key] = u
	c.keyOf[u.ID] = key
}

// genOfID returns the write counts to give to wrote for a write of the
// user with id, when that user is cached (their key, and so their stripe,
// is known).
func (c *userCache) genOfID(id int64) (userGen, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key, ok := c.keyOf[id]
	if !ok {
		return userGen{}, false
	}
	return userGen{c.gen[userStripe(key)], c.byID}, true
}

// wrote caches u as a write that has just committed left them, when no
// other write that may concern them came since gen was read (before the
// write); otherwise it only forgets them. Either way the reads in flight
// are not kept: they may have read the row before the write.
func (c *userCache) wrote(u domain.User, gen userGen) {
	c.wroteAll([]domain.User{u}, []userGen{gen})
}

// wroteAll is wrote for the users one transaction wrote, each with the
// counts read before it: each is kept when no write came to its stripe
// since then, whatever the others of the same transaction do to the
// counts (one by one, each made the next of its stripe look stale).
func (c *userCache) wroteAll(us []domain.User, gens []userGen) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var buf [8]bool
	fresh := buf[:0]
	for i, u := range us {
		fresh = append(fresh, gens[i] == (userGen{c.gen[userStripe(userKey(u.Channel, u.ChannelID))], c.byID}))
	}
	for i, u := range us {
		key := userKey(u.Channel, u.ChannelID)
		c.gen[userStripe(key)]++
		if old, ok := c.byKey[key]; ok {
			delete(c.byKey, key)
			delete(c.keyOf, old.ID)
		}
		if fresh[i] {
			c.keepLocked(key, u)
		}
	}
}

// forget drops the user of key (when not "") and of id (when not 0) after
// a write of them has committed.
func (c *userCache) forget(key string, id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id != 0 {
		if k, ok := c.keyOf[id]; ok {
			delete(c.byKey, k)
			delete(c.keyOf, id)
			c.gen[userStripe(k)]++
		} else {
			// Not cached, but a read of them may be in flight, under a key
			// this id does not tell.
			c.byID++
		}
	}
	if key != "" {
		if u, ok := c.byKey[key]; ok {
			delete(c.byKey, key)
			delete(c.keyOf, u.ID)
		}
		c.gen[userStripe(key)]++
	}
}

// userChanged forgets a user after a write of the users table (or of
// user_communes) concerning them has committed: by id, or by channel and
// channel id.
func (db *DB) userChanged(ctx context.Context, id int64) {
	db.db.afterCommit(ctx, func() { db.users.forget("", id) })
}

func (db *DB) channelUserChanged(ctx context.Context, channel, channelID string) {
	db.db.afterCommit(ctx, func() { db.users.forget(userKey(channel, channelID), 0) })
}

// pool is the connection pool, whose ExecContext, QueryContext and
// QueryRowContext run statements it prepared once and kept: preparing a
// statement again for every call was the largest part of the cost of the
// small queries of each update (see BENCHMARKS.md). database/sql prepares
// a kept statement again only on a connection that has not seen it.
type pool struct {
	*sql.DB
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	errs   atomic.Uint64 // SQLite's own errors (count)
	writer chan struct{} // held by this process's writer (lockWrite)
	queued atomic.Int32  // writers waiting for the turn (for tests)
}

// writeWait bounds how long lockWrite waits before leaving the wait to
// SQLite (busy_timeout, the same 5 s).
const writeWait = 5 * time.Second

// lockWrite takes this process's write turn before a write transaction
// (or a write outside one) and returns what gives it back. SQLite lets one
// connection write at a time, and a connection that finds the database
// locked sleeps and tries again (1, 2, 5, 10 … 100 ms under
// busy_timeout): when many updates reached the same step at once (a
// registration's save), those sleeps left the cores idle while the
// writers waited (BENCHMARKS.md). Waiting here instead, each writer starts
// as soon as the one before is done. Another process (the admin commands)
// still meets busy_timeout. A wait longer than writeWait, or one whose
// context ends, goes on without the turn and leaves it to SQLite, as
// before.
func (p *pool) lockWrite(ctx context.Context) (unlock func()) {
	if p.joined(ctx) != nil {
		return func() {} // the open Atomic holds the turn
	}
	select {
	case p.writer <- struct{}{}:
		return p.unlockWrite
	default:
	}
	p.queued.Add(1)
	defer p.queued.Add(-1)
	t := time.NewTimer(writeWait)
	defer t.Stop()
	select {
	case p.writer <- struct{}{}:
		return p.unlockWrite
	case <-ctx.Done():
	case <-t.C:
	}
	return func() {}
}

func (p *pool) unlockWrite() { <-p.writer }

// maxStmts bounds the kept statements (queries built with a variable
// number of "?" are different texts); beyond it statements are prepared
// for each call, as before.
const maxStmts = 256

// stmt returns the kept statement of query, preparing it the first time,
// or nil when it is not to be kept (several statements in one text, the
// bound reached, or an error, which the direct call then reports).
func (p *pool) stmt(ctx context.Context, query string) *sql.Stmt {
	p.mu.Lock()
	st, ok := p.stmts[query]
	full := len(p.stmts) >= maxStmts
	p.mu.Unlock()
	if ok || full || strings.Contains(query, ";") {
		return st
	}
	st, err := p.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if kept, ok := p.stmts[query]; ok {
		st.Close()
		return kept
	}
	p.stmts[query] = st
	return st
}

// brief returns ctx for a statement of a moment (ExecContext,
// QueryRowContext, a grouped write's): without its cancellation, once
// checked that it is not cancelled already (then it is returned as it is,
// for the statement to fail with it). A cancellable context cost
// database/sql a context and a goroutine for each query (to close its
// rows when the context ends) and the driver another goroutine for each
// statement (to interrupt it), several times per update; neither can
// help a statement that takes microseconds. Scans (QueryContext) keep it.
func brief(ctx context.Context) context.Context {
	if ctx.Done() == nil || ctx.Err() != nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

// ExecContext, QueryContext and QueryRowContext run in the open Atomic
// ctx carries, if any (see Begin), with the kept statement there too: the
// transaction's connection reuses the statement it prepared before
// (database/sql's Tx.StmtContext), where tx.QueryContext prepared it anew
// on every call (5 % of the bot's CPU on Zalo, see BENCHMARKS.md).
func (p *pool) ExecContext(ctx context.Context, query string, args ...any) (res sql.Result, err error) {
	ctx = brief(ctx)
	if tx := p.joined(ctx); tx != nil {
		if st := p.stmt(ctx, query); st != nil {
			res, err = tx.StmtContext(ctx, st).ExecContext(ctx, args...)
		} else {
			res, err = tx.ExecContext(ctx, query, args...)
		}
	} else if st := p.stmt(ctx, query); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = p.DB.ExecContext(ctx, query, args...)
	}
	if err != nil {
		p.count(err)
	}
	return res, err
}

func (p *pool) QueryContext(ctx context.Context, query string, args ...any) (rows *sql.Rows, err error) {
	if tx := p.joined(ctx); tx != nil {
		if st := p.stmt(ctx, query); st != nil {
			rows, err = tx.StmtContext(ctx, st).QueryContext(ctx, args...)
		} else {
			rows, err = tx.QueryContext(ctx, query, args...)
		}
	} else if st := p.stmt(ctx, query); st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = p.DB.QueryContext(ctx, query, args...)
	}
	if err != nil {
		p.count(err)
	}
	return rows, err
}

func (p *pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = brief(ctx)
	if tx := p.joined(ctx); tx != nil {
		if st := p.stmt(ctx, query); st != nil {
			return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
		}
		return tx.QueryRowContext(ctx, query, args...)
	}
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.DB.QueryRowContext(ctx, query, args...)
}

// Close closes the kept statements and the pool.
func (p *pool) Close() error {
	p.mu.Lock()
	for q, st := range p.stmts {
		st.Close()
		delete(p.stmts, q)
	}
	p.mu.Unlock()
	return p.DB.Close()
}

// Open opens (creating when missing) the database file at path and brings its
// schema up to date. now is the clock used for every stored time; nil means
// time.Now. The path may not contain "?". Open refuses a database whose
// schema is newer than this binary.
func Open(ctx context.Context, path string, now func() time.Time) (*DB, error) {
	return open(ctx, path, now, 0, mainSchema)
}

// open is Open applying the migrations up to version upTo only (0: all),
// which tests use to make the database an older binary left.
func open(ctx context.Context, path string, now func() time.Time, upTo int, schema string) (*DB, error) {
	const op = "sqlite.Open"
	if path == "" || strings.Contains(path, "?") {
		return nil, domain.E(op, domain.KindInvalid, fmt.Errorf("unusable database path %q", path))
	}
	if now == nil {
		now = time.Now
	}
	if err := private(path); err != nil {
		return nil, domain.E(op, domain.KindInternal, err)
	}
	sqldb, err := sql.Open("sqlite", path+"?"+pragmas)
	if err != nil {
		return nil, domain.E(op, domain.KindInternal, err)
	}
	sqldb.SetMaxOpenConns(maxConns)
	sqldb.SetMaxIdleConns(maxConns) // database/sql keeps only 2 by default
	db := &DB{db: &pool{DB: sqldb, stmts: map[string]*sql.Stmt{}, writer: make(chan struct{}, 1)}, now: now}
	db.group.db = db.db
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, domain.E(op, domain.KindUnavailable, fmt.Errorf("open %s: %w", path, err))
	}
	if err := db.migrate(ctx, upTo, schema); err != nil {
		sqldb.Close()
		return nil, domain.E(op, domain.KindInternal, fmt.Errorf("%s: %w", path, err))
	}
	db.stopCheckpoints = db.checkpointer(checkpointEvery)
	return db, nil
}

// checkpointEvery is how often the checkpointer copies the WAL's new
// pages into the database file. With synchronous(NORMAL) a commit is
// durable once a checkpoint has synced it, so this is also how much
// could be lost to a power cut (not to a crash of the process): under a
// second, where automatic checkpoints left the last commits of a quiet
// day unsynced until 1,000 pages had gathered.
const checkpointEvery = time.Second

// checkpointer runs a passive checkpoint every period on a pooled
// connection, off every caller's path: a passive checkpoint waits for no
// reader or writer (what a reader still needs stays in the WAL for the
// next round), and once the WAL is all copied the next commit starts it
// again from its beginning, so it stays small. The returned function
// stops it after a last checkpoint.
func (db *DB) checkpointer(period time.Duration) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_ = db.Checkpoint(ctx)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
			_ = db.Checkpoint(context.Background())
		})
	}
}

// Checkpoint copies the pages committed to the WAL into the database file
// (a passive checkpoint: it does not wait for readers or writers) and
// syncs them.
func (db *DB) Checkpoint(ctx context.Context) error {
	if _, err := db.db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
		return dbError("sqlite.Checkpoint", err)
	}
	return nil
}

// private makes the database's files readable by their owner only,
// whatever the umask: a missing folder is created 0700; the database file
// is created (or set) 0600 before SQLite opens it, and an existing -wal or
// -shm beside it is set 0600 too (SQLite creates them with the database
// file's mode). A folder that already exists is left as it is (it may be
// shared, like /var/lib).
func private(path string) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if fi.Mode().Perm() != 0o600 {
			// Best effort: a file another user owns (or a file system
			// without modes) is left as it is rather than refused.
			_ = os.Chmod(p, 0o600)
		}
	}
	return nil
}

// Close stops the checkpointer, after a last checkpoint, and closes the
// database.
func (db *DB) Close() error {
	if db.stopCheckpoints != nil {
		db.stopCheckpoints()
	}
	return db.db.Close()
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.db.PingContext(ctx); err != nil {
		return dbError("sqlite.Ping", err)
	}
	return nil
}

// SQL returns the underlying handle, for repositories added later.
func (db *DB) SQL() *sql.DB { return db.db.DB }

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations ordered by version. A file is
// named NNNN_what.sql; NNNN is its version.
func migrations(schema string) ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, schema)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		prefix, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(prefix)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %q is not named NNNN_name.sql", e.Name())
		}
		b, err := migrationFiles.ReadFile(schema + "/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a version", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// migrate applies the migrations not yet recorded in schema_migrations, in
// order, each in its own transaction; those after version upTo are left
// when upTo is not 0.
func (db *DB) migrate(ctx context.Context, upTo int, schema string) error {
	ms, err := migrations(schema)
	if err != nil {
		return err
	}
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at INTEGER NOT NULL
)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var current int
	if err := db.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	known := 0
	if len(ms) > 0 {
		known = ms[len(ms)-1].version
	}
	if current > known {
		return fmt.Errorf("database schema version %d is newer than this binary knows (%d): run a newer release", current, known)
	}
	for _, m := range ms {
		if m.version <= current || (upTo > 0 && m.version > upTo) {
			continue
		}
		if err := db.apply(ctx, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

func (db *DB) apply(ctx context.Context, m migration) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		// Another process may have applied it since we looked.
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil || n > 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.version, m.name, millis(db.now()))
		return err
	})
}

// inTx runs fn in a write transaction, committing when it returns nil;
// inside an open Atomic (see Begin), in a savepoint of its transaction.
func (db *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) (err error) {
	if tx := db.db.joined(ctx); tx != nil {
		return db.db.savepoint(ctx, tx, fn)
	}
	defer db.db.lockWrite(ctx)()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		db.db.count(err)
		return err
	}
	// Rolled back whatever happens in fn, a panic included (after a commit
	// the rollback does nothing).
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		var se *sqlitedrv.Error
		if errors.As(err, &se) {
			db.db.count(err)
		}
		return err
	}
	if err = tx.Commit(); err != nil {
		db.db.count(err)
	}
	return err
}

// dbError wraps an error from database/sql with op and a kind chosen by the
// SQLite result code. Errors that are already *domain.Error pass unchanged.
func dbError(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return domain.E(op, domain.KindNotFound, domain.ErrNotFound)
	}
	var se *sqlitedrv.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary code of an extended one
		case sqlite3.SQLITE_CONSTRAINT:
			return domain.E(op, domain.KindConflict, err)
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return domain.E(op, domain.KindUnavailable, err)
		}
	}
	return domain.E(op, domain.KindInternal, err)
}

// notFound is returned when an UPDATE or DELETE by key touched no row.
func notFound(op string) error { return domain.E(op, domain.KindNotFound, domain.ErrNotFound) }

// affected returns sql.ErrNoRows when res reports no changed row.
func affected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return sql.ErrNoRows
	}
	return nil
}

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// fromNullMillis returns the zero time for NULL.
func fromNullMillis(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return fromMillis(ms.Int64)
}
