-- "Consolidated or upgraded" counts products recognised again with a new
-- certificate after a re-evaluation or an upgrade. An upgrade not granted,
-- or a re-evaluation given up, also moves back into cong_nhan but keeps the
-- certificate it had: it is not a new recognition. A move into cong_nhan
-- counts when its last valid day is later than the one the product had
-- when the re-evaluation or upgrade was opened (migration 0013 keeps it on
-- each change).
DROP TRIGGER stage_changes_rated;
CREATE TRIGGER stage_changes_rated AFTER INSERT ON stage_changes WHEN NEW.to_stage = 'cong_nhan'
BEGIN
	UPDATE products SET rated = 1,
		upgraded = upgraded OR EXISTS (SELECT 1 FROM stage_changes a
			WHERE a.product_id = NEW.product_id AND a.id < NEW.id AND a.to_stage IN ('danh_gia_lai', 'nang_hang')
				AND coalesce(NEW.valid_until, 0) > coalesce(a.valid_until, 0))
	WHERE id = NEW.product_id;
END;
