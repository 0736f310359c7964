-- The seller's corrections of an item's intent (docs/drafts.md, "Intent corrections"):
-- what the classifier read (channel, rating, text), what it said and what the seller
-- chose. The newest correction of an item decides its intent; all of an account's
-- corrections train its own intent model (`agentiq model retrain`).
CREATE TABLE intent_corrections (
    id             INTEGER PRIMARY KEY,
    interaction_id INTEGER NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
    account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    channel        TEXT NOT NULL CHECK (channel IN ('review', 'question', 'chat')),
    rating         INTEGER,
    text           TEXT NOT NULL,
    old_intent     TEXT,
    new_intent     TEXT NOT NULL,
    corrected_at   INTEGER NOT NULL
);
CREATE INDEX intent_corrections_item ON intent_corrections (interaction_id, id);
CREATE INDEX intent_corrections_account ON intent_corrections (account_id, id);

-- An account's own intent model, kept only when it scored better than the shipped one on
-- the held-out slice of the account's corrections. `digest` names the bytes (the loaded
-- model is cached by it); the figures are those of the retraining that kept it.
CREATE TABLE intent_models (
    account_id      INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    model           BLOB NOT NULL,
    digest          INTEGER NOT NULL,
    trained_at      INTEGER NOT NULL,
    corrections     INTEGER NOT NULL,
    heldout         INTEGER NOT NULL,
    shipped_correct INTEGER NOT NULL,
    own_correct     INTEGER NOT NULL
);

-- When the seller opened the editor that sent a reply (NULL: not sent from the inbox's
-- editor), for the time from open to send per version.
ALTER TABLE outbox ADD COLUMN opened_at INTEGER;
