-- The figures (/thongke, /baocao) over 100,000 products took seconds: each
-- call searched every product's history for a move into cong_nhan and every
-- subject's channels. What they need is now kept on the rows themselves by
-- triggers, and read through covering indexes in one pass per table.

-- rated: the product was ever recognised (a move into cong_nhan).
-- upgraded: it was recognised again after a move into danh_gia_lai or
-- nang_hang (re-evaluated or upgraded since a rating).
ALTER TABLE products ADD COLUMN rated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE products ADD COLUMN upgraded INTEGER NOT NULL DEFAULT 0;
UPDATE products SET
	rated = EXISTS (SELECT 1 FROM stage_changes r WHERE r.product_id = products.id AND r.to_stage = 'cong_nhan'),
	upgraded = EXISTS (SELECT 1 FROM stage_changes a JOIN stage_changes b ON b.product_id = a.product_id AND b.id > a.id
		WHERE a.product_id = products.id AND a.to_stage IN ('danh_gia_lai', 'nang_hang') AND b.to_stage = 'cong_nhan');
-- The history is only ever added to (rows go with their product).
CREATE TRIGGER stage_changes_rated AFTER INSERT ON stage_changes WHEN NEW.to_stage = 'cong_nhan'
BEGIN
	UPDATE products SET rated = 1,
		upgraded = upgraded OR EXISTS (SELECT 1 FROM stage_changes a
			WHERE a.product_id = NEW.product_id AND a.id < NEW.id AND a.to_stage IN ('danh_gia_lai', 'nang_hang'))
	WHERE id = NEW.product_id;
END;

-- modern: the subject sells through at least one of the plan's modern
-- channels. The list is domain.SalesChannel.Modern's (a test checks that
-- they agree).
ALTER TABLE subjects ADD COLUMN modern INTEGER NOT NULL DEFAULT 0;
UPDATE subjects SET modern = EXISTS (SELECT 1 FROM subject_sales_channels ch
	WHERE ch.subject_id = subjects.id AND ch.channel IN ('sieu_thi', 'tien_loi', 'tmdt'));
CREATE TRIGGER subject_channels_modern_insert AFTER INSERT ON subject_sales_channels
WHEN NEW.channel IN ('sieu_thi', 'tien_loi', 'tmdt')
BEGIN
	UPDATE subjects SET modern = 1 WHERE id = NEW.subject_id;
END;
CREATE TRIGGER subject_channels_modern_delete AFTER DELETE ON subject_sales_channels
WHEN OLD.channel IN ('sieu_thi', 'tien_loi', 'tmdt')
BEGIN
	UPDATE subjects SET modern = EXISTS (SELECT 1 FROM subject_sales_channels ch
		WHERE ch.subject_id = OLD.subject_id AND ch.channel IN ('sieu_thi', 'tien_loi', 'tmdt'))
	WHERE id = OLD.subject_id;
END;
CREATE TRIGGER subject_channels_modern_update AFTER UPDATE ON subject_sales_channels
BEGIN
	UPDATE subjects SET modern = EXISTS (SELECT 1 FROM subject_sales_channels ch
		WHERE ch.subject_id = subjects.id AND ch.channel IN ('sieu_thi', 'tien_loi', 'tmdt'))
	WHERE id IN (OLD.subject_id, NEW.subject_id);
END;

-- Covering indexes: the products' figures are one scan of
-- products_figures grouped by commune (products_commune is its prefix);
-- the subjects' of subjects_figures.
DROP INDEX products_commune;
CREATE INDEX products_figures ON products (commune_code, stage, stars, rulebook, set_id, cert_expires, rated, upgraded);
CREATE INDEX subjects_figures ON subjects (commune_code, kind, modern);
-- The few products that are circular on a raw-material area, and those
-- with a traditional craft written.
CREATE INDEX products_circular ON products (subject_id) WHERE circular = 1 AND raw_area = 1;
CREATE INDEX products_craft ON products (commune_code, craft, stars, stage, cert_expires) WHERE craft <> '';
