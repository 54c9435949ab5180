-- After certification (issue 11): what domain.Rulebooks.Apply decides is
-- saved on the product, and each stage change keeps the stars and the last
-- valid day the product had after it, so that the figures of a past day can
-- be read from the history.

-- valid_until: the last day the certificate counts as valid (midnight in
-- the province's time zone, in ms), NULL without a certificate; the
-- certificate's expiry, or up to 180 days later while a re-evaluation filed
-- in time waits for its decision.
ALTER TABLE products ADD COLUMN valid_until INTEGER;
-- purpose: why the dossier in progress was opened: '' (first evaluation),
-- 'reevaluate' or 'upgrade'.
ALTER TABLE products ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
-- The revocation decision (Điều 8): ground, number, day, level.
ALTER TABLE products ADD COLUMN revoke_ground TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN revoke_no TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN revoke_date INTEGER;
ALTER TABLE products ADD COLUMN revoke_level TEXT NOT NULL DEFAULT '';
UPDATE products SET valid_until = cert_expires WHERE stars >= 3 AND cert_expires IS NOT NULL;

ALTER TABLE stage_changes ADD COLUMN stars INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stage_changes ADD COLUMN valid_until INTEGER;
-- Older rows: the product's present stars and validity are the best guess.
UPDATE stage_changes SET
	stars = (SELECT p.stars FROM products p WHERE p.id = stage_changes.product_id),
	valid_until = (SELECT p.valid_until FROM products p WHERE p.id = stage_changes.product_id);

-- The figures read valid_until instead of cert_expires.
DROP INDEX products_figures;
CREATE INDEX products_figures ON products (commune_code, stage, stars, rulebook, set_id, valid_until, rated, upgraded);
DROP INDEX products_craft;
CREATE INDEX products_craft ON products (commune_code, craft, stars, stage, valid_until) WHERE craft <> '';
-- The expiry job's daily look-up.
CREATE INDEX products_valid_until ON products (valid_until) WHERE valid_until IS NOT NULL;
-- The history as of a day.
CREATE INDEX stage_changes_at ON stage_changes (product_id, at);
