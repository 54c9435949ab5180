package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// ReportStore lists the rows of the report workbook (/baocao, ocopbot
// export) over an area: subjects, products, dossier items and history.
type ReportStore struct{ db *DB }

// NewReportStore returns the report rows of db.
func NewReportStore(db *DB) *ReportStore { return &ReportStore{db: db} }

// Subjects returns the subjects registered in the area, with their sales
// channels, by id.
func (s *ReportStore) Subjects(ctx context.Context, area domain.Area) ([]domain.Subject, error) {
	const op = "sqlite.ReportStore.Subjects"
	where, args := areaFilter("commune_code", area)
	var out []domain.Subject
	index := map[int64]int{}
	err := eachRow(ctx, s.db.db, `SELECT `+subjectColumns+` FROM subjects WHERE `+where+` ORDER BY id`, args, func(r *sql.Rows) error {
		var sub domain.Subject
		var created, updated int64
		if err := r.Scan(&sub.ID, &sub.Kind, &sub.Name, &sub.Representative, &sub.Phone, &sub.PhoneVerified,
			&sub.CommuneCode, &sub.BusinessRegNo, &created, &updated); err != nil {
			return err
		}
		sub.CreatedAt, sub.UpdatedAt = fromMillis(created), fromMillis(updated)
		index[sub.ID] = len(out)
		out = append(out, sub)
		return nil
	})
	if err != nil {
		return nil, dbError(op, err)
	}
	where, args = areaFilter("s.commune_code", area)
	err = eachRow(ctx, s.db.db, `SELECT ch.subject_id, ch.channel FROM subject_sales_channels ch JOIN subjects s ON s.id = ch.subject_id
WHERE `+where+` ORDER BY ch.rowid`, args, func(r *sql.Rows) error {
		var id int64
		var c domain.SalesChannel
		if err := r.Scan(&id, &c); err != nil {
			return err
		}
		if i, ok := index[id]; ok {
			out[i].SalesChannels = append(out[i].SalesChannels, c)
		}
		return nil
	})
	return out, dbError(op, err)
}

// Products returns the products filed in the area, by id.
func (s *ReportStore) Products(ctx context.Context, area domain.Area) ([]domain.Product, error) {
	const op = "sqlite.ReportStore.Products"
	where, args := areaFilter("commune_code", area)
	var out []domain.Product
	err := eachRow(ctx, s.db.db, `SELECT `+productColumns+` FROM products WHERE `+where+` ORDER BY id`, args, func(r *sql.Rows) error {
		p, err := scanProduct(r)
		out = append(out, p)
		return err
	})
	return out, dbError(op, err)
}

// DossierItems returns the item states of the area's products: product id
// -> item id -> state. Items without a row are missing.
func (s *ReportStore) DossierItems(ctx context.Context, area domain.Area) (map[int64]map[string]domain.DossierItem, error) {
	const op = "sqlite.ReportStore.DossierItems"
	where, args := areaFilter("p.commune_code", area)
	out := map[int64]map[string]domain.DossierItem{}
	err := eachRow(ctx, s.db.db, `SELECT d.product_id, d.item_id, d.state, d.reason, d.updated_at
FROM dossier_items d JOIN products p ON p.id = d.product_id WHERE `+where, args, func(r *sql.Rows) error {
		var it domain.DossierItem
		var at int64
		if err := r.Scan(&it.ProductID, &it.ItemID, &it.State, &it.Reason, &at); err != nil {
			return err
		}
		it.UpdatedAt = fromMillis(at)
		if out[it.ProductID] == nil {
			out[it.ProductID] = map[string]domain.DossierItem{}
		}
		out[it.ProductID][it.ItemID] = it
		return nil
	})
	return out, dbError(op, err)
}

// History returns the stage changes of the area's products, by product and
// in order, with the display names of the users who made them (the system,
// id 0, has none).
func (s *ReportStore) History(ctx context.Context, area domain.Area) ([]domain.StageChange, map[int64]string, error) {
	const op = "sqlite.ReportStore.History"
	where, args := areaFilter("p.commune_code", area)
	var out []domain.StageChange
	names := map[int64]string{}
	err := eachRow(ctx, s.db.db, `SELECT h.product_id, h.from_stage, h.to_stage, h.by_user, h.reason, h.at, `+actorColumns+`
FROM stage_changes h JOIN products p ON p.id = h.product_id LEFT JOIN users u ON u.id = h.by_user AND h.by_user <> 0
WHERE `+where+` ORDER BY h.product_id, h.id`, args, func(r *sql.Rows) error {
		var h domain.StageChange
		var at int64
		var name, username, channel, channelID string
		if err := r.Scan(&h.ProductID, &h.From, &h.To, &h.By, &h.Reason, &at, &name, &username, &channel, &channelID); err != nil {
			return err
		}
		h.At = fromMillis(at)
		if h.By != 0 {
			names[h.By] = domain.ActorName(name, username, channel, channelID)
		}
		out = append(out, h)
		return nil
	})
	return out, names, dbError(op, err)
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

// SubjectNames returns the names of subjects by id.
func (s *ReportStore) SubjectNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	const op = "sqlite.ReportStore.SubjectNames"
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	b, _ := json.Marshal(ids)
	err := eachRow(ctx, s.db.db, `SELECT id, name FROM subjects WHERE id IN (SELECT value FROM json_each(?))`, []any{string(b)},
		func(r *sql.Rows) error {
			var id int64
			var name string
			err := r.Scan(&id, &name)
			out[id] = name
			return err
		})
	return out, dbError(op, err)
}

// TicketsIn returns the questions to officers of the area's communes, for
// the workbook's figures ("Hỏi cán bộ").
func (s *ReportStore) TicketsIn(ctx context.Context, area domain.Area) ([]domain.Ticket, error) {
	return NewTicketStore(s.db).All(ctx, area)
}
