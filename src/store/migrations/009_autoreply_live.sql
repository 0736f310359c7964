-- The auto-responder's deliberate go-live, per account. Enabling auto-replies in the
-- settings runs them in shadow mode (recorded, never sent), whatever else the settings
-- say; only a row here makes an account's auto-replies live. It is written after a typed
-- confirmation that showed the shadow period's figures (kept here and in the audit log)
-- and deleted by the kill switch.
CREATE TABLE autoreply_live (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    since      INTEGER NOT NULL,
    -- Who confirmed: cli | tui.
    via        TEXT NOT NULL,
    -- The shadow figures shown at the confirmation (JSON).
    figures    TEXT NOT NULL DEFAULT '{}'
);
