package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// TicketStore keeps the questions to officers ("Hỏi cán bộ").
type TicketStore struct{ db *DB }

// NewTicketStore returns the tickets repository of db.
func NewTicketStore(db *DB) *TicketStore { return &TicketStore{db: db} }

const ticketColumns = `t.id, t.user_id, coalesce(t.subject_id, 0), t.commune, t.to_province, t.question, t.answer, t.answered_by,
t.asked_at, coalesce(t.answered_at, 0), (SELECT count(*) FROM ticket_files f WHERE f.ticket_id = t.id)`

func scanTicket(r interface{ Scan(...any) error }) (domain.Ticket, error) {
	var t domain.Ticket
	var asked, answered int64
	err := r.Scan(&t.ID, &t.UserID, &t.SubjectID, &t.Commune, &t.ToProvince, &t.Question, &t.Answer, &t.AnsweredBy,
		&asked, &answered, &t.Photos)
	t.Asked = fromMillis(asked)
	if answered != 0 {
		t.Answered = fromMillis(answered)
	}
	return t, err
}

// Create records a new question, setting its ID and Asked.
func (s *TicketStore) Create(ctx context.Context, t *domain.Ticket) error {
	const op = "sqlite.TicketStore.Create"
	if t.Question == "" || t.UserID == 0 {
		return domain.E(op, domain.KindInvalid, errors.New("a ticket needs a question and its asker"))
	}
	now := s.db.now()
	var subject any
	if t.SubjectID != 0 {
		subject = t.SubjectID
	}
	err := s.db.db.QueryRowContext(ctx, `INSERT INTO tickets (user_id, subject_id, commune, to_province, question, asked_at)
VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, t.UserID, subject, t.Commune, t.ToProvince, t.Question, millis(now)).Scan(&t.ID)
	if err != nil {
		return dbError(op, err)
	}
	t.Asked = fromMillis(millis(now))
	return nil
}

// AddPhoto attaches a photo to an open ticket (the same file twice, an
// update handled again, adds nothing).
func (s *TicketStore) AddPhoto(ctx context.Context, ticketID int64, fileID, blob, mime string, size int64) error {
	const op = "sqlite.TicketStore.AddPhoto"
	res, err := s.db.db.ExecContext(ctx, `INSERT INTO ticket_files (ticket_id, file_id, blob, mime, size, created_at)
SELECT id, ?, ?, ?, ?, ? FROM tickets WHERE id = ? AND answered_at IS NULL
ON CONFLICT (ticket_id, file_id, blob) DO NOTHING`, fileID, blob, mime, size, millis(s.db.now()), ticketID)
	if err != nil {
		return dbError(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.Get(ctx, ticketID); err != nil {
			return err
		}
	}
	return nil
}

// Photos returns the blobs and file ids of a ticket's photos, in order.
func (s *TicketStore) Photos(ctx context.Context, ticketID int64) ([]domain.ItemFile, error) {
	const op = "sqlite.TicketStore.Photos"
	var out []domain.ItemFile
	err := eachRow(ctx, s.db.db, `SELECT id, file_id, blob, mime, size, created_at FROM ticket_files WHERE ticket_id = ? ORDER BY id`,
		[]any{ticketID}, func(r *sql.Rows) error {
			var f domain.ItemFile
			var at int64
			if err := r.Scan(&f.ID, &f.FileID, &f.Blob, &f.MIME, &f.Size, &at); err != nil {
				return err
			}
			f.CreatedAt = fromMillis(at)
			out = append(out, f)
			return nil
		})
	return out, dbError(op, err)
}

// Get returns one ticket.
func (s *TicketStore) Get(ctx context.Context, id int64) (domain.Ticket, error) {
	const op = "sqlite.TicketStore.Get"
	t, err := scanTicket(s.db.db.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM tickets t WHERE t.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, domain.E(op, domain.KindNotFound, domain.ErrNotFound)
	}
	return t, dbError(op, err)
}

// Open returns the tickets waiting for an answer, oldest first.
func (s *TicketStore) Open(ctx context.Context) ([]domain.Ticket, error) {
	return s.list(ctx, "sqlite.TicketStore.Open", `WHERE t.answered_at IS NULL ORDER BY t.asked_at, t.id`)
}

// ByUser returns the tickets a person asked (on any of their channels),
// newest first, at most limit.
func (s *TicketStore) ByUser(ctx context.Context, userID int64, limit int) ([]domain.Ticket, error) {
	return s.list(ctx, "sqlite.TicketStore.ByUser", `WHERE t.user_id IN (SELECT o.id FROM users o, users u
WHERE u.id = ? AND coalesce(o.person_id, o.id) = coalesce(u.person_id, u.id)) ORDER BY t.asked_at DESC, t.id DESC LIMIT ?`, userID, limit)
}

// All returns every ticket of the area (its commune), for the figures.
func (s *TicketStore) All(ctx context.Context, area domain.Area) ([]domain.Ticket, error) {
	where, args := areaFilter("t.commune", area)
	return s.list(ctx, "sqlite.TicketStore.All", `WHERE `+where+` ORDER BY t.id`, args...)
}

func (s *TicketStore) list(ctx context.Context, op, tail string, args ...any) ([]domain.Ticket, error) {
	var out []domain.Ticket
	err := eachRow(ctx, s.db.db, `SELECT `+ticketColumns+` FROM tickets t `+tail, args, func(r *sql.Rows) error {
		t, err := scanTicket(r)
		if err != nil {
			return err
		}
		out = append(out, t)
		return nil
	})
	return out, dbError(op, err)
}

// Answer records the answer of an open ticket; a ticket answered meanwhile
// (by another officer) is a KindConflict and keeps its first answer.
func (s *TicketStore) Answer(ctx context.Context, id, by int64, answer string) (domain.Ticket, error) {
	const op = "sqlite.TicketStore.Answer"
	res, err := s.db.db.ExecContext(ctx, `UPDATE tickets SET answer = ?, answered_by = ?, answered_at = ? WHERE id = ? AND answered_at IS NULL`,
		answer, by, millis(s.db.now()), id)
	if err != nil {
		return domain.Ticket{}, dbError(op, err)
	}
	t, err := s.Get(ctx, id)
	if err != nil {
		return t, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return t, domain.E(op, domain.KindConflict, errors.New("answered already"))
	}
	return t, nil
}
