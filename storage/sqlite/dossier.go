package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ocop-tayninh/ocopbot/domain"
)

// DossierStore keeps the state of each product's dossier items and the files
// sent for them. Every call names the product, and a file is reached only
// through its product: an id taken from forged callback data cannot touch
// another product's file.
type DossierStore struct{ db *DB }

// NewDossierStore returns the dossier repository of db.
func NewDossierStore(db *DB) *DossierStore { return &DossierStore{db: db} }

// Items returns the recorded items of the product's dossier by item id. An
// item without an entry is missing. A product that does not exist is a
// KindNotFound error.
func (s *DossierStore) Items(ctx context.Context, productID int64) (map[string]domain.DossierItem, error) {
	const op = "sqlite.DossierStore.Items"
	items := make(map[string]domain.DossierItem)
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := productExists(ctx, tx, productID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT item_id, state, reason, updated_at FROM dossier_items
WHERE product_id = ?`, productID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			it := domain.DossierItem{ProductID: productID}
			var updated int64
			if err := rows.Scan(&it.ItemID, &it.State, &it.Reason, &updated); err != nil {
				return err
			}
			it.UpdatedAt = fromMillis(updated)
			items[it.ItemID] = it
		}
		return rows.Err()
	})
	if err != nil {
		return nil, dbError(op, err)
	}
	return items, nil
}

// SetState records the state of an item, with the officer's reason for a
// returned one. A product that does not exist is a KindNotFound error; an
// unknown state or an empty item id is KindInvalid.
func (s *DossierStore) SetState(ctx context.Context, productID int64, itemID string, state domain.ItemState, reason string) error {
	const op = "sqlite.DossierStore.SetState"
	if itemID == "" {
		return domain.E(op, domain.KindInvalid, errors.New("empty item id"))
	}
	if !validItemState(state) {
		return domain.E(op, domain.KindInvalid, fmt.Errorf("unknown item state %q", state))
	}
	now := millis(s.db.now())
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := productExists(ctx, tx, productID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO dossier_items (product_id, item_id, state, reason, updated_at)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (product_id, item_id) DO UPDATE SET
	state = excluded.state, reason = excluded.reason, updated_at = excluded.updated_at`,
			productID, itemID, state, reason, now)
		return err
	})
	if err != nil {
		return dbError(op, err)
	}
	return nil
}

// AddFile stores a file sent for an item and sets f.ID and f.CreatedAt. In the
// same transaction an item that was missing, returned or on paper becomes
// sent (a returned item's reason is cleared); a sent or accepted one keeps
// its state. A product that does not exist is a KindNotFound error. The
// same file added again (an update handled again after a crash) is the
// file stored before.
func (s *DossierStore) AddFile(ctx context.Context, f *domain.ItemFile) error {
	const op = "sqlite.DossierStore.AddFile"
	if f.ItemID == "" || f.Blob == "" {
		return domain.E(op, domain.KindInvalid, errors.New("empty item id or blob"))
	}
	now := millis(s.db.now())
	var id int64
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := productExists(ctx, tx, f.ProductID); err != nil {
			return err
		}
		// The same file (its id and content) for the same item again is an
		// update handled again after a crash: it adds nothing.
		var created int64
		err := tx.QueryRowContext(ctx, `SELECT id, created_at FROM item_files WHERE product_id = ? AND item_id = ? AND file_id = ? AND blob = ?`,
			f.ProductID, f.ItemID, f.FileID, f.Blob).Scan(&id, &created)
		if err == nil {
			now = created
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO item_files (product_id, item_id, file_id, blob, name, mime, size, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			f.ProductID, f.ItemID, f.FileID, f.Blob, f.Name, f.MIME, f.Size, now).Scan(&id)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO dossier_items (product_id, item_id, state, reason, updated_at)
VALUES (?, ?, ?, '', ?)
ON CONFLICT (product_id, item_id) DO UPDATE SET
	state = excluded.state, reason = '', updated_at = excluded.updated_at
WHERE dossier_items.state IN (?, ?, ?)`,
			f.ProductID, f.ItemID, domain.ItemSent, now, domain.ItemMissing, domain.ItemReturned, domain.ItemPaper)
		return err
	})
	if err != nil {
		return dbError(op, err)
	}
	f.ID, f.CreatedAt = id, fromMillis(now)
	return nil
}

const fileColumns = `id, product_id, item_id, file_id, blob, name, mime, size, created_at`

func scanFile(row interface{ Scan(...any) error }) (domain.ItemFile, error) {
	var (
		f       domain.ItemFile
		created int64
	)
	if err := row.Scan(&f.ID, &f.ProductID, &f.ItemID, &f.FileID, &f.Blob, &f.Name, &f.MIME, &f.Size, &created); err != nil {
		return domain.ItemFile{}, err
	}
	f.CreatedAt = fromMillis(created)
	return f, nil
}

// File returns the product's file with the id. A file of another product is
// KindNotFound, as is one that does not exist.
func (s *DossierStore) File(ctx context.Context, productID, fileID int64) (domain.ItemFile, error) {
	f, err := scanFile(s.db.db.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM item_files
WHERE id = ? AND product_id = ?`, fileID, productID))
	if err != nil {
		return domain.ItemFile{}, dbError("sqlite.DossierStore.File", err)
	}
	return f, nil
}

// Files returns the files sent for an item of the product, oldest first.
func (s *DossierStore) Files(ctx context.Context, productID int64, itemID string) ([]domain.ItemFile, error) {
	const op = "sqlite.DossierStore.Files"
	rows, err := s.db.db.QueryContext(ctx, `SELECT `+fileColumns+` FROM item_files
WHERE product_id = ? AND item_id = ? ORDER BY id`, productID, itemID)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	var fs []domain.ItemFile
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, dbError(op, err)
		}
		fs = append(fs, f)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err)
	}
	return fs, nil
}

// FileCounts returns how many files each item of the product has; items
// without files are absent.
func (s *DossierStore) FileCounts(ctx context.Context, productID int64) (map[string]int, error) {
	const op = "sqlite.DossierStore.FileCounts"
	rows, err := s.db.db.QueryContext(ctx, `SELECT item_id, count(*) FROM item_files
WHERE product_id = ? GROUP BY item_id`, productID)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer rows.Close()
	counts := make(map[string]int)
	for rows.Next() {
		var (
			item string
			n    int
		)
		if err := rows.Scan(&item, &n); err != nil {
			return nil, dbError(op, err)
		}
		counts[item] = n
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err)
	}
	return counts, nil
}

// DeleteFile deletes the product's file with the id and returns how many
// files its item has left. When none is left and the item was sent, it goes
// back to missing. A file id that does not belong to the product is a
// KindNotFound error and deletes nothing. The stored copy stays in the blob
// store, which other files may share.
func (s *DossierStore) DeleteFile(ctx context.Context, productID, fileID int64) (remaining int, err error) {
	const op = "sqlite.DossierStore.DeleteFile"
	now := millis(s.db.now())
	err = s.db.inTx(ctx, func(tx *sql.Tx) error {
		var item string
		err := tx.QueryRowContext(ctx, `DELETE FROM item_files WHERE id = ? AND product_id = ? RETURNING item_id`,
			fileID, productID).Scan(&item)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM item_files WHERE product_id = ? AND item_id = ?`,
			productID, item).Scan(&remaining); err != nil {
			return err
		}
		if remaining > 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE dossier_items SET state = ?, updated_at = ?
WHERE product_id = ? AND item_id = ? AND state = ?`, domain.ItemMissing, now, productID, item, domain.ItemSent)
		return err
	})
	if err != nil {
		return 0, dbError(op, err)
	}
	return remaining, nil
}

// read runs fn in a read-only transaction, so that its queries see one
// snapshot.
func (s *DossierStore) read(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.db.readTx(ctx, fn)
}

// productExists returns sql.ErrNoRows when the product does not exist.
func productExists(ctx context.Context, tx *sql.Tx, productID int64) error {
	var one int
	return tx.QueryRowContext(ctx, `SELECT 1 FROM products WHERE id = ?`, productID).Scan(&one)
}

func validItemState(s domain.ItemState) bool {
	switch s {
	case domain.ItemMissing, domain.ItemSent, domain.ItemPaper, domain.ItemAccepted, domain.ItemReturned:
		return true
	}
	return false
}
