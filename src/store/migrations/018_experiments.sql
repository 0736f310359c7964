-- Prompt/template version experiments (docs/drafts.md, "Experiments"). At most one is
-- running or paused at a time (checked by the writer); stopped ones stay for their metrics.
CREATE TABLE experiments (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('running', 'paused', 'stopped')),
    -- What it covers: NULL is every account, channel, intent.
    account_id  INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    channel     TEXT CHECK (channel IN ('review', 'question', 'chat')),
    intent      TEXT,
    -- JSON: [{version, weight}], and the versions as they were when it started
    -- ([{name, origin, description, instructions, examples, templates}]).
    arms        TEXT NOT NULL,
    versions    TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    stopped_at  INTEGER
);
CREATE INDEX experiments_state ON experiments (state, started_at);

-- The version that drafted each draft, and the experiment that chose it (NULL: none ran).
ALTER TABLE drafts ADD COLUMN version TEXT;
ALTER TABLE drafts ADD COLUMN experiment_id INTEGER REFERENCES experiments(id) ON DELETE SET NULL;
-- The same on each reply, copied from the draft it was sent from.
ALTER TABLE outbox ADD COLUMN version TEXT;
ALTER TABLE outbox ADD COLUMN experiment_id INTEGER REFERENCES experiments(id) ON DELETE SET NULL;
