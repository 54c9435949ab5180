-- A public code for every product: the last part of its public page's
-- address (PUBLIC_URL/sp/<code>) and of the QR code on its package. The
-- product code (80-25480-001-2026) counts up and would let anyone walk
-- through the province's products; this one is 10 random letters of
-- domain.PublicCodeAlphabet (about 2^49 codes). It never changes.
ALTER TABLE products ADD COLUMN public_code TEXT;

UPDATE products SET public_code =
		substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) ||
		substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) ||
		substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) ||
		substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) ||
		substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) ||
		substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) ||
		substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) ||
		substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) ||
		substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) ||
		substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1);

CREATE UNIQUE INDEX products_public_code ON products (public_code);

-- Every new product gets its code, whichever code path inserts it (the
-- product form, the importer).
CREATE TRIGGER products_public_code AFTER INSERT ON products
WHEN NEW.public_code IS NULL
BEGIN
	UPDATE products SET public_code =
		substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) ||
		substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) ||
		substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) ||
		substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) ||
		substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) ||
		substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) ||
		substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) ||
		substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) ||
		substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1) ||
		substr('23456789abcdefghjkmnpqrstuvwxyz', 1 + abs(random() % 31), 1)
	WHERE id = NEW.id;
END;
