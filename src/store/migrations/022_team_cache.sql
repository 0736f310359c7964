-- The local cache of a team's shared inbox (team mode, docs/team.md): the mirror writes
-- the items the operator may see into this store, each with its id in the shared
-- database and its claim, and keeps how far it has read the shared changes.
ALTER TABLE interactions ADD COLUMN team_id INTEGER;
ALTER TABLE interactions ADD COLUMN claimed_by TEXT;
ALTER TABLE interactions ADD COLUMN claim_expires_at INTEGER;
CREATE UNIQUE INDEX interactions_team_id ON interactions (team_id) WHERE team_id IS NOT NULL;
CREATE INDEX interactions_claimed ON interactions (claimed_by, state, due_at, id)
    WHERE claimed_by IS NOT NULL;

-- One row per shared database (its URL without the password): the last change read.
CREATE TABLE team_mirror (
    source     TEXT PRIMARY KEY,
    change_seq INTEGER NOT NULL
);
