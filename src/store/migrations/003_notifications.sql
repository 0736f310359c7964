-- What the notifier has acted on, so each event notifies once: an item going at risk or
-- breaching on one clock (a re-opened chat starts a new clock), a connector's streak of
-- failed syncs. Shared by every process on the database (the TUI and
-- `agentiq sync --daemon`): a process shows a notification only after its INSERT here
-- succeeded. IF NOT EXISTS: the notifier also creates it on a database this migration has
-- not reached yet.
CREATE TABLE IF NOT EXISTS notifications_sent (
    subject TEXT NOT NULL,    -- 'item:<interaction id>' or 'sync:<account id>:<connector>'
    level   TEXT NOT NULL CHECK (level IN ('at_risk', 'breached', 'sync_failing')),
    since   INTEGER NOT NULL, -- the episode: the item's waiting_since, or the streak's first run
    outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'silent', 'muted')),
    at      INTEGER NOT NULL, -- when it was recorded
    PRIMARY KEY (subject, level, since)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS notifications_sent_at ON notifications_sent (at);
-- The watcher's look-up: open items whose target has passed.
CREATE INDEX IF NOT EXISTS interactions_open_at_risk ON interactions (state, at_risk_at);
