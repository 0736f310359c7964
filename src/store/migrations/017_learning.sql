-- What the drafts learnt from the seller's edits, per account (docs/drafts.md, "What the
-- drafts learn"). A phrase is one sentence of a reply with the customer's name and the
-- product's name replaced by {name} and {product}:
--   avoid    the seller deletes it from drafts (every channel);
--   opening  the seller adds it at the start (per channel);
--   closing  the seller adds it at the end (per channel);
--   body     the seller adds it in between, for one product (care advice, per channel).
-- A phrase is used once it was seen `min_evidence` times (`[learning]`); forgetting one
-- deletes its row.
CREATE TABLE learnt_phrases (
    id                  INTEGER PRIMARY KEY,
    account_id          INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind                TEXT NOT NULL CHECK (kind IN ('avoid', 'opening', 'closing', 'body')),
    -- '' for every channel.
    channel             TEXT NOT NULL DEFAULT '',
    -- '' for every product.
    product_external_id TEXT NOT NULL DEFAULT '',
    phrase              TEXT NOT NULL,
    -- The phrase lower-cased, ё as е, punctuation and spacing dropped: what is compared.
    norm                TEXT NOT NULL,
    seen                INTEGER NOT NULL DEFAULT 1,
    first_at            INTEGER NOT NULL,
    last_at             INTEGER NOT NULL,
    UNIQUE (account_id, kind, channel, product_external_id, norm)
);

-- The length of the seller's sent replies per channel, a running mean over the newest.
CREATE TABLE learnt_lengths (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    channel    TEXT NOT NULL,
    mean_chars REAL NOT NULL,
    samples    INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, channel)
);

-- Approved examples are also looked up by the item's intent: a bounded read of the newest.
CREATE INDEX interactions_answered_intent ON interactions (account_id, channel, intent, created_at)
    WHERE answer_text IS NOT NULL;
