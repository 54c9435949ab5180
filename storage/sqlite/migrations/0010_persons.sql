-- One person on several channels (DESIGN §3b): a Telegram user and a Zalo
-- user who shared the same verified phone number, or whom an officer
-- linked, are one person: the same subject and role on both, and notices
-- go to the channel they used last. person_id is the id of the person's
-- first user row; NULL means the row is a person of its own.
ALTER TABLE users ADD COLUMN person_id INTEGER;
CREATE INDEX users_person ON users (person_id) WHERE person_id IS NOT NULL;
