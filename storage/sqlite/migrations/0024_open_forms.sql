-- The forms a user has open (flow ids, comma-separated), kept apart from
-- the sessions (Redis): a form the session store lost (a Redis restarted
-- empty) is noticed at the user's next message, and they are told plainly
-- instead of having their answer misread (issue 13, item 6).
ALTER TABLE users ADD COLUMN open_forms TEXT NOT NULL DEFAULT '';
