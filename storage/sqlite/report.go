package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// ReportStore lists the rows of the report workbook (/baocao, ocopbot
// export) over an area: subjects, products, dossier items and history.
type ReportStore struct{ db *DB }

// NewReportStore returns the report rows of db.
func NewReportStore(db *DB) *ReportStore { return &ReportStore{db: db} }

// mappedScan is the most of the database file a workbook's scans read
// through a memory map (see eachRowMapped).
const mappedScan = 1 << 30

// eachRowMapped is eachRow on a connection of its own that reads the
// database file through a memory map while the query runs. A workbook
// reads most of the file once, page by page: a system call for each page
// was a sixth of the CPU of a province's workbook. The map is dropped
// when the rows are read, so that the file's pages do not stay in the
// bot's memory; a connection that could not drop it is not kept.
func eachRowMapped(ctx context.Context, p *pool, query string, args []any, fn func(*sql.Rows) error) error {
	conn, err := p.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA mmap_size = `+strconv.Itoa(mappedScan)); err != nil {
		p.count(err)
		return err
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA mmap_size = 0`); err != nil {
			p.count(err)
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		p.count(err)
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	err = rows.Err()
	p.count(err)
	return err
}

// Subjects returns the subjects registered in the area, with their sales
// channels, by id.
func (s *ReportStore) Subjects(ctx context.Context, area domain.Area) ([]domain.Subject, error) {
	var out []domain.Subject
	err := s.EachSubject(ctx, area, func(sub *domain.Subject) error {
		sub.SalesChannels = slices.Clone(sub.SalesChannels)
		out = append(out, *sub)
		return nil
	})
	return out, err
}

// EachSubject calls fn with each subject registered in the area, by id,
// with its sales channels (in one pass: each subject's come from the key
// of subject_sales_channels). fn is called while the rows are read: it must
// not use the database, and the subject is only valid during the call.
func (s *ReportStore) EachSubject(ctx context.Context, area domain.Area, fn func(s *domain.Subject) error) error {
	const op = "sqlite.ReportStore.EachSubject"
	where, args := areaFilter("commune_code", area)
	var (
		sub              domain.Subject
		created, updated int64
		channels         string
		list             []domain.SalesChannel
	)
	err := eachRowMapped(ctx, s.db.db, `SELECT `+subjectColumns+`, `+subjectChannels+` FROM subjects WHERE `+where+` ORDER BY id`, args, func(r *sql.Rows) error {
		sub = domain.Subject{}
		if err := r.Scan(&sub.ID, &sub.Kind, &sub.Name, &sub.Representative, &sub.Phone, &sub.PhoneVerified,
			&sub.CommuneCode, &sub.BusinessRegNo, &created, &updated, &channels); err != nil {
			return err
		}
		sub.CreatedAt, sub.UpdatedAt = fromMillis(created), fromMillis(updated)
		list = list[:0]
		for c := range strings.SplitSeq(channels, ",") {
			if c != "" {
				list = append(list, domain.SalesChannel(c))
			}
		}
		if len(list) > 0 {
			sub.SalesChannels = list
		}
		return fn(&sub)
	})
	return dbError(op, err)
}

// EachProduct calls fn with each product filed in the area, by id, and
// the states of its dossier's items by item id (an item without a state is
// missing). The product has the fields the workbook shows (and those
// domain.Imported reads): reportProductColumns; the others are zero. fn is
// called while the rows are read: it must not use the database, and p and
// items are only valid during the call.
func (s *ReportStore) EachProduct(ctx context.Context, area domain.Area,
	fn func(p *domain.Product, items map[string]domain.ItemState) error) error {
	const op = "sqlite.ReportStore.EachProduct"
	where, args := areaFilter("p.commune_code", area)
	var (
		p                       domain.Product
		score                   sql.NullFloat64
		issued, expires, submit sql.NullInt64
		receipt                 sql.NullString
		states                  string
		items                   = map[string]domain.ItemState{}
	)
	// The items come as one text per product, "item state" pairs apart
	// (unit and record separators), read from the key of dossier_items:
	// one row per product rather than one per item, and no map of every
	// product's items.
	err := eachRowMapped(ctx, s.db.db, `SELECT `+reportProductColumns+`,
	coalesce((SELECT group_concat(d.item_id || char(31) || d.state, char(30)) FROM dossier_items d WHERE d.product_id = p.id), '')
FROM products p WHERE `+where+` ORDER BY p.id`, args, func(r *sql.Rows) error {
		p = domain.Product{}
		if err := r.Scan(&p.ID, &p.SubjectID, &p.CommuneCode, &p.Code, &p.Name, &p.Set, &p.Craft, &p.RawArea, &p.Circular,
			&p.Stage, &p.Rulebook, &score, &p.Stars, &p.CertNo, &issued, &expires, &receipt, &submit, &states); err != nil {
			return err
		}
		p.Score = score.Float64
		p.CertIssued, p.CertExpires, p.SubmittedAt = fromNullMillis(issued), fromNullMillis(expires), fromNullMillis(submit)
		p.ReceiptNo = receipt.String
		clear(items)
		for pair := range strings.SplitSeq(states, "\x1e") {
			if id, st, ok := strings.Cut(pair, "\x1f"); ok {
				items[id] = domain.ItemState(st)
			}
		}
		return fn(&p, items)
	})
	return dbError(op, err)
}

// reportProductColumns are the columns of products the workbook reads:
// fewer than productColumns, which a province's 100,000 rows pay for
// column by column.
const reportProductColumns = `p.id, p.subject_id, p.commune_code, p.code, p.name, p.set_id, p.craft, p.raw_area, p.circular,
	p.stage, p.rulebook, p.score, p.stars, p.cert_no, p.cert_issued, p.cert_expires, p.receipt_no, p.submitted_at`

// ProductSubjects returns the names of the subjects of the area's
// products, by id (a product keeps the commune it was filed in when its
// subject moves away). For the whole province that is every subject, read
// in one pass rather than looked up for each product.
func (s *ReportStore) ProductSubjects(ctx context.Context, area domain.Area) (map[int64]string, error) {
	const op = "sqlite.ReportStore.ProductSubjects"
	query, args := `SELECT id, name FROM subjects`, []any(nil)
	if !area.All {
		var where string
		where, args = areaFilter("p.commune_code", area)
		query = `SELECT DISTINCT s.id, s.name FROM products p JOIN subjects s ON s.id = p.subject_id WHERE ` + where
	}
	out := map[int64]string{}
	err := eachRow(ctx, s.db.db, query, args, func(r *sql.Rows) error {
		var id int64
		var name string
		err := r.Scan(&id, &name)
		out[id] = name
		return err
	})
	return out, dbError(op, err)
}

// EachChange calls fn with each stage change of the area's products, by
// product and in order, with the product's code and name. fn is called
// while the rows are read: it must not use the database.
func (s *ReportStore) EachChange(ctx context.Context, area domain.Area,
	fn func(h *domain.StageChange, code, name string) error) error {
	const op = "sqlite.ReportStore.EachChange"
	where, args := areaFilter("p.commune_code", area)
	var (
		h          domain.StageChange
		at         int64
		code, name string
	)
	err := eachRowMapped(ctx, s.db.db, `SELECT h.product_id, h.from_stage, h.to_stage, h.by_user, h.reason, h.at, p.code, p.name
FROM stage_changes h JOIN products p ON p.id = h.product_id WHERE `+where+` ORDER BY h.product_id, h.id`, args, func(r *sql.Rows) error {
		h = domain.StageChange{}
		if err := r.Scan(&h.ProductID, &h.From, &h.To, &h.By, &h.Reason, &at, &code, &name); err != nil {
			return err
		}
		h.At = fromMillis(at)
		return fn(&h, code, name)
	})
	return dbError(op, err)
}

// ChangeAuthors returns the display names of the users who made the stage
// changes of the area's products (the system, id 0, has none). They are
// looked up once each, not on every change: naming a change's author on
// its row looked for another account of the person for each change the
// system made, a scan of the users every time.
func (s *ReportStore) ChangeAuthors(ctx context.Context, area domain.Area) (map[int64]string, error) {
	const op = "sqlite.ReportStore.ChangeAuthors"
	where, args := areaFilter("p.commune_code", area)
	from := `stage_changes h JOIN products p ON p.id = h.product_id WHERE ` + where + ` AND`
	if area.All {
		from = `stage_changes h WHERE`
	}
	out := map[int64]string{}
	err := eachRow(ctx, s.db.db, `SELECT u.id, `+actorColumns+` FROM users u
WHERE u.id IN (SELECT DISTINCT h.by_user FROM `+from+` h.by_user <> 0)`, args, func(r *sql.Rows) error {
		var id int64
		var name, username, channel, channelID string
		if err := r.Scan(&id, &name, &username, &channel, &channelID); err != nil {
			return err
		}
		out[id] = domain.ActorName(name, username, channel, channelID)
		return nil
	})
	return out, dbError(op, err)
}

// actorColumns name the user u for officers: the name of the account,
// else that of another account of the same person (Zalo gives no names;
// the person's Telegram account may have one), then the username,
// channel and channel id (domain.ActorName).
const actorColumns = `coalesce(nullif(u.name, ''), (SELECT o.name FROM users o
	WHERE o.name <> '' AND coalesce(o.person_id, o.id) = coalesce(u.person_id, u.id) ORDER BY o.id LIMIT 1), ''),
	coalesce(u.username, ''), coalesce(u.channel, ''), coalesce(u.channel_id, '')`

// UserNames returns the display names of users by id (for "who recorded").
func (s *ReportStore) UserNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	const op = "sqlite.ReportStore.UserNames"
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	b, _ := json.Marshal(ids)
	err := eachRow(ctx, s.db.db, `SELECT u.id, `+actorColumns+` FROM users u WHERE u.id IN (SELECT value FROM json_each(?))`, []any{string(b)},
		func(r *sql.Rows) error {
			var id int64
			var name, username, channel, channelID string
			if err := r.Scan(&id, &name, &username, &channel, &channelID); err != nil {
				return err
			}
			out[id] = domain.ActorName(name, username, channel, channelID)
			return nil
		})
	return out, dbError(op, err)
}

// TicketsIn returns the questions to officers of the area's communes, for
// the workbook's figures ("Hỏi cán bộ").
func (s *ReportStore) TicketsIn(ctx context.Context, area domain.Area) ([]domain.Ticket, error) {
	return NewTicketStore(s.db).All(ctx, area)
}
