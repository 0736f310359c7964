-- Accounts: one marketplace cabinet each. Secrets never live here.
CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    marketplace TEXT NOT NULL CHECK (marketplace IN ('wb', 'ozon')),
    created_at  INTEGER NOT NULL
);

CREATE TABLE products (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    external_id     TEXT NOT NULL,
    name            TEXT,
    brand           TEXT,
    category        TEXT,
    vendor_code     TEXT,
    price           INTEGER,
    description     TEXT,
    characteristics TEXT NOT NULL DEFAULT '[]',
    card_fetched_at INTEGER,
    UNIQUE (account_id, external_id)
);

CREATE TABLE customers (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    external_id TEXT,
    name        TEXT,
    created_at  INTEGER NOT NULL,
    UNIQUE (account_id, external_id)
);

-- One thing to answer, unified over marketplaces and channels.
CREATE TABLE interactions (
    id                  INTEGER PRIMARY KEY,
    account_id          INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    channel             TEXT NOT NULL CHECK (channel IN ('review', 'question', 'chat')),
    external_id         TEXT NOT NULL,
    source              TEXT NOT NULL,
    product_external_id TEXT,
    product_name        TEXT,
    product_brand       TEXT,
    customer_id         INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    customer_name       TEXT,
    text                TEXT NOT NULL,
    pros                TEXT,
    cons                TEXT,
    photos              INTEGER NOT NULL DEFAULT 0,
    rating              INTEGER CHECK (rating BETWEEN 1 AND 5),
    created_at          INTEGER NOT NULL,
    waiting_since       INTEGER NOT NULL,
    synced_at           INTEGER NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('open', 'pending', 'answered', 'archived')),
    answer_text         TEXT,
    answer_moderation   TEXT,
    answer_editable     INTEGER,
    tier                TEXT NOT NULL,
    at_risk_at          INTEGER NOT NULL,
    due_at              INTEGER NOT NULL,
    intent              TEXT,
    sentiment           TEXT,
    reply_handle        TEXT,
    raw                 TEXT NOT NULL,
    UNIQUE (account_id, channel, external_id)
);
CREATE INDEX interactions_queue ON interactions (state, due_at, id);
CREATE INDEX interactions_channel_queue ON interactions (channel, state, due_at, id);
CREATE INDEX interactions_account_queue ON interactions (account_id, state, due_at, id);
CREATE INDEX interactions_product ON interactions (account_id, product_external_id);

CREATE TABLE chat_messages (
    id             INTEGER PRIMARY KEY,
    interaction_id INTEGER NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
    external_id    TEXT NOT NULL,
    sender         TEXT NOT NULL CHECK (sender IN ('buyer', 'seller')),
    text           TEXT NOT NULL,
    sent_at        INTEGER NOT NULL,
    UNIQUE (interaction_id, external_id)
);
CREATE INDEX chat_messages_thread ON chat_messages (interaction_id, sent_at);

CREATE TABLE drafts (
    id             INTEGER PRIMARY KEY,
    interaction_id INTEGER NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
    text           TEXT NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('template', 'reuse', 'llm', 'manual')),
    confidence     REAL NOT NULL,
    prompt_version TEXT,
    verdict        TEXT,
    created_at     INTEGER NOT NULL,
    outcome        TEXT CHECK (outcome IN ('sent_as_is', 'edited', 'discarded')),
    edit_distance  REAL
);
CREATE INDEX drafts_interaction ON drafts (interaction_id, created_at);

-- Replies waiting for delivery. Written before any network call; the idempotency key
-- makes a second enqueue of the same reply a no-op.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    interaction_id  INTEGER NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL UNIQUE,
    draft_id        INTEGER REFERENCES drafts(id) ON DELETE SET NULL,
    text            TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'confirmed', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    confirmed_at    INTEGER
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_interaction ON outbox (interaction_id);

CREATE TABLE sync_runs (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    connector     TEXT NOT NULL,
    started_at    INTEGER NOT NULL,
    finished_at   INTEGER NOT NULL,
    ok            INTEGER NOT NULL,
    requests      INTEGER NOT NULL DEFAULT 0,
    pages         INTEGER NOT NULL DEFAULT 0,
    items_seen    INTEGER NOT NULL DEFAULT 0,
    items_new     INTEGER NOT NULL DEFAULT 0,
    items_changed INTEGER NOT NULL DEFAULT 0,
    items_skipped INTEGER NOT NULL DEFAULT 0,
    error         TEXT
);
CREATE INDEX sync_runs_recent ON sync_runs (account_id, connector, started_at);

CREATE TABLE sync_cursors (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    connector  TEXT NOT NULL,
    cursor     TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, connector)
);

-- Runtime-editable rules; scope is 'global' or 'account:<id>'.
CREATE TABLE settings (
    scope      TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);

CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL,
    interaction_id INTEGER REFERENCES interactions(id) ON DELETE SET NULL,
    detail         TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);

-- Full-text index over what customers wrote. Contentless: it stores only the index. The
-- text is indexed with ё folded to е (unicode61 treats them as different letters), and
-- queries fold the same way (store::search).
CREATE VIRTUAL TABLE interactions_fts USING fts5(
    text, pros, cons, product_name, customer_name,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER interactions_fts_insert AFTER INSERT ON interactions BEGIN
    INSERT INTO interactions_fts (rowid, text, pros, cons, product_name, customer_name)
    VALUES (new.id,
            replace(replace(new.text, 'ё', 'е'), 'Ё', 'Е'),
            replace(replace(new.pros, 'ё', 'е'), 'Ё', 'Е'),
            replace(replace(new.cons, 'ё', 'е'), 'Ё', 'Е'),
            replace(replace(new.product_name, 'ё', 'е'), 'Ё', 'Е'),
            replace(replace(new.customer_name, 'ё', 'е'), 'Ё', 'Е'));
END;
CREATE TRIGGER interactions_fts_delete AFTER DELETE ON interactions BEGIN
    DELETE FROM interactions_fts WHERE rowid = old.id;
END;
CREATE TRIGGER interactions_fts_update AFTER UPDATE OF text, pros, cons, product_name, customer_name ON interactions BEGIN
    DELETE FROM interactions_fts WHERE rowid = old.id;
    INSERT INTO interactions_fts (rowid, text, pros, cons, product_name, customer_name)
    VALUES (new.id,
            replace(replace(new.text, 'ё', 'е'), 'Ё', 'Е'),
            replace(replace(new.pros, 'ё', 'е'), 'Ё', 'Е'),
            replace(replace(new.cons, 'ё', 'е'), 'Ё', 'Е'),
            replace(replace(new.product_name, 'ё', 'е'), 'Ё', 'Е'),
            replace(replace(new.customer_name, 'ё', 'е'), 'Ё', 'Е'));
END;
