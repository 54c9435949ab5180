package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// Downloads records the stored files made only for a download link, so
// that they leave files/ once the link expired (or their person erased
// their data: PrivacyStore.Erase).
type Downloads struct{ db *DB }

// NewDownloads returns the download files of db.
func NewDownloads(db *DB) *Downloads { return &Downloads{db: db} }

// Add records that the stored file sum backs a link for a chat until expires.
func (d *Downloads) Add(ctx context.Context, sum, channel, chatID string, expires time.Time) error {
	_, err := d.db.db.ExecContext(ctx, `INSERT INTO download_files (sum, channel, chat_id, expires_at) VALUES (?, ?, ?, ?)`,
		sum, channel, chatID, millis(expires))
	return dbError("sqlite.Downloads.Add", err)
}

// Expire forgets the links expired at now and returns the stored files
// nothing refers to any more, for the caller to remove.
func (d *Downloads) Expire(ctx context.Context, now time.Time) ([]string, error) {
	var out []string
	err := d.db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = dropDownloads(ctx, tx, `expires_at <= ?`, millis(now))
		return err
	})
	return out, dbError("sqlite.Downloads.Expire", err)
}

// dropDownloads deletes the download rows matching where and returns
// their files that no dossier and no other link refers to.
func dropDownloads(ctx context.Context, tx *sql.Tx, where string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT sum FROM download_files WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	var sums []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, err
		}
		sums = append(sums, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM download_files WHERE `+where, args...); err != nil {
		return nil, err
	}
	var out []string
	for _, s := range sums {
		var used bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM item_files WHERE blob = ?)
	OR EXISTS (SELECT 1 FROM download_files WHERE sum = ?)`, s, s).Scan(&used); err != nil {
			return nil, err
		}
		if !used {
			out = append(out, s)
		}
	}
	return out, nil
}
