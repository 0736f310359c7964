-- WB lets a seller edit a sent feedback answer once. An edit travels through the outbox
-- like a reply (claimed, sent once, read back), told apart by its kind.
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'reply' CHECK (kind IN ('reply', 'edit'));
CREATE INDEX outbox_edits ON outbox (interaction_id) WHERE kind = 'edit';
