-- Whether a subject shows its phone number on the public pages of its
-- products (/caidat). Off by default: the page holds no personal data
-- unless the producer asks for it.
ALTER TABLE subjects ADD COLUMN public_contact INTEGER NOT NULL DEFAULT 0;
