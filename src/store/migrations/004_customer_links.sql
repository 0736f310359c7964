-- Customer links: which customer wrote an item, how sure we are, and how we know.
ALTER TABLE interactions ADD COLUMN customer_confidence REAL;
ALTER TABLE interactions ADD COLUMN customer_link_method TEXT;
-- Lower-cased first name with ё folded, for finding name candidates (SQLite's own
-- case folding is ASCII-only).
ALTER TABLE interactions ADD COLUMN customer_name_key TEXT;
CREATE INDEX interactions_customer ON interactions (customer_id);
CREATE INDEX interactions_customer_name ON interactions (account_id, customer_name_key, created_at);
