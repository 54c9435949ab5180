-- A showroom belongs to a commune: the figures of an area count the
-- showrooms in its communes. Those recorded before (commune_code '') are
-- of no known commune and count in every area, as they did.
ALTER TABLE showrooms ADD COLUMN commune_code TEXT NOT NULL DEFAULT '';
