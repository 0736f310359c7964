-- Leases let several processes (the TUI, `agentiq sync --daemon`) share one database
-- without both syncing an account or both delivering the outbox. A lease expires, so a
-- crashed holder never blocks the others for long.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
