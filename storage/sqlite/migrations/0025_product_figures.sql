-- /thongke counted today's products in one grouped scan of the products
-- index: ~100 ms of SQLite at 100,000 products on the benchmark machine,
-- most of the command (issue 16). What it adds up is kept here instead by
-- the triggers below, in two small tables (a few thousand rows for a
-- province), one per way the figures group the products:
--
-- product_counts: by commune, stage and stars, with what the figures sum
-- (rated, rated and upgraded) and whether the product has a last valid
-- day (dated). Which certificates are valid depends on the day asked, so
-- the table counts the dated products and the figures take away those
-- whose day has passed, read from the partial index products_lapsing
-- (only recognised products whose validity ended and that the daily
-- expiry job has not moved yet).
--
-- product_set_counts: by commune, rulebook and set (the product groups).
CREATE TABLE product_counts (
	commune_code TEXT    NOT NULL,
	stage        TEXT    NOT NULL,
	stars        INTEGER NOT NULL,
	rated        INTEGER NOT NULL,
	upgraded     INTEGER NOT NULL,
	dated        INTEGER NOT NULL,
	n            INTEGER NOT NULL,
	PRIMARY KEY (commune_code, stage, stars, rated, upgraded, dated)
) WITHOUT ROWID;
CREATE TABLE product_set_counts (
	commune_code TEXT    NOT NULL,
	rulebook     TEXT    NOT NULL,
	set_id       INTEGER NOT NULL,
	n            INTEGER NOT NULL,
	PRIMARY KEY (commune_code, rulebook, set_id)
) WITHOUT ROWID;

INSERT INTO product_counts (commune_code, stage, stars, rated, upgraded, dated, n)
SELECT commune_code, stage, stars, rated, upgraded, valid_until IS NOT NULL, count(*)
FROM products GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO product_set_counts (commune_code, rulebook, set_id, n)
SELECT commune_code, rulebook, set_id, count(*) FROM products GROUP BY 1, 2, 3;

CREATE TRIGGER product_counts_insert AFTER INSERT ON products
BEGIN
	INSERT INTO product_counts (commune_code, stage, stars, rated, upgraded, dated, n)
	VALUES (NEW.commune_code, NEW.stage, NEW.stars, NEW.rated, NEW.upgraded, NEW.valid_until IS NOT NULL, 1)
	ON CONFLICT (commune_code, stage, stars, rated, upgraded, dated) DO UPDATE SET n = n + 1;
	INSERT INTO product_set_counts (commune_code, rulebook, set_id, n)
	VALUES (NEW.commune_code, NEW.rulebook, NEW.set_id, 1)
	ON CONFLICT (commune_code, rulebook, set_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER product_counts_delete AFTER DELETE ON products
BEGIN
	UPDATE product_counts SET n = n - 1
	WHERE commune_code = OLD.commune_code AND stage = OLD.stage AND stars = OLD.stars
		AND rated = OLD.rated AND upgraded = OLD.upgraded AND dated = (OLD.valid_until IS NOT NULL);
	UPDATE product_set_counts SET n = n - 1
	WHERE commune_code = OLD.commune_code AND rulebook = OLD.rulebook AND set_id = OLD.set_id;
END;

CREATE TRIGGER product_counts_update AFTER UPDATE OF commune_code, stage, stars, rated, upgraded, valid_until ON products
WHEN OLD.commune_code <> NEW.commune_code OR OLD.stage <> NEW.stage OR OLD.stars <> NEW.stars
	OR OLD.rated <> NEW.rated OR OLD.upgraded <> NEW.upgraded OR (OLD.valid_until IS NULL) <> (NEW.valid_until IS NULL)
BEGIN
	UPDATE product_counts SET n = n - 1
	WHERE commune_code = OLD.commune_code AND stage = OLD.stage AND stars = OLD.stars
		AND rated = OLD.rated AND upgraded = OLD.upgraded AND dated = (OLD.valid_until IS NOT NULL);
	INSERT INTO product_counts (commune_code, stage, stars, rated, upgraded, dated, n)
	VALUES (NEW.commune_code, NEW.stage, NEW.stars, NEW.rated, NEW.upgraded, NEW.valid_until IS NOT NULL, 1)
	ON CONFLICT (commune_code, stage, stars, rated, upgraded, dated) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER product_set_counts_update AFTER UPDATE OF commune_code, rulebook, set_id ON products
WHEN OLD.commune_code <> NEW.commune_code OR OLD.rulebook <> NEW.rulebook OR OLD.set_id <> NEW.set_id
BEGIN
	UPDATE product_set_counts SET n = n - 1
	WHERE commune_code = OLD.commune_code AND rulebook = OLD.rulebook AND set_id = OLD.set_id;
	INSERT INTO product_set_counts (commune_code, rulebook, set_id, n)
	VALUES (NEW.commune_code, NEW.rulebook, NEW.set_id, 1)
	ON CONFLICT (commune_code, rulebook, set_id) DO UPDATE SET n = n + 1;
END;

-- The products that count as recognised while their certificate is valid
-- (the figures' rule: 3 stars or more, neither expired nor revoked), by
-- their last valid day: those whose day has passed are a short range at
-- its start.
CREATE INDEX products_lapsing ON products (valid_until, commune_code, stars)
WHERE valid_until IS NOT NULL AND stars >= 3 AND stage NOT IN ('het_han', 'thu_hoi');
