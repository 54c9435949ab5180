-- Monitoring checks (hậu kiểm, 26/2026 Điều 9): the province's periodic and
-- ad-hoc checks of recognised products, recorded against the product.
-- day is the day of the check (midnight in the province's time zone, ms);
-- by_user the officer who recorded it.
CREATE TABLE monitoring_checks (
	id         INTEGER PRIMARY KEY,
	product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
	day        INTEGER NOT NULL,
	result     TEXT    NOT NULL CHECK (result IN ('passed', 'fix', 'violation')),
	note       TEXT    NOT NULL DEFAULT '',
	by_user    INTEGER NOT NULL DEFAULT 0,
	at         INTEGER NOT NULL
);
CREATE INDEX monitoring_checks_product ON monitoring_checks (product_id, day);
