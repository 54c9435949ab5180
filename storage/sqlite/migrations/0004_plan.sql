-- The plan's figures: money spent against the plan's budget lines, and the
-- OCOP showrooms officers record.

-- A disbursement on one activity of the plan in one year. amount is in
-- thousands of VND (domain.Money), so million-VND amounts keep three
-- decimals exactly. by_user is the officer's user id.
CREATE TABLE disbursements (
	id       INTEGER PRIMARY KEY,
	activity INTEGER NOT NULL,
	year     INTEGER NOT NULL,
	amount   INTEGER NOT NULL CHECK (amount > 0),
	note     TEXT    NOT NULL DEFAULT '',
	by_user  INTEGER NOT NULL,
	at       INTEGER NOT NULL
);
CREATE INDEX disbursements_activity_year ON disbursements (activity, year);

-- An OCOP showroom (điểm giới thiệu và bán sản phẩm OCOP). opened is the
-- opening day as YYYY-MM-DD in the province's calendar.
CREATE TABLE showrooms (
	id      INTEGER PRIMARY KEY,
	name    TEXT    NOT NULL,
	address TEXT    NOT NULL,
	opened  TEXT    NOT NULL,
	by_user INTEGER NOT NULL,
	at      INTEGER NOT NULL
);
