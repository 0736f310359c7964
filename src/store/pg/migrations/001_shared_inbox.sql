-- The shared inbox: shops, their synced items, sync cursors and runs. Times are
-- timestamptz; the raw payload is kept as the marketplace sent it (text), so an
-- unchanged item is recognised by comparing it, as in the SQLite store.
CREATE TABLE accounts (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    marketplace text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE interactions (
    id                  bigserial PRIMARY KEY,
    account_id          bigint NOT NULL REFERENCES accounts (id),
    channel             text NOT NULL,
    external_id         text NOT NULL,
    source              text NOT NULL,
    product_external_id text,
    product_name        text,
    customer_name       text,
    text                text NOT NULL,
    pros                text,
    cons                text,
    rating              smallint,
    created_at          timestamptz NOT NULL,
    waiting_since       timestamptz NOT NULL,
    synced_at           timestamptz NOT NULL,
    state               text NOT NULL,
    answer_text         text,
    tier                text NOT NULL,
    at_risk_at          timestamptz NOT NULL,
    due_at              timestamptz NOT NULL,
    reply_handle        text,
    raw                 text NOT NULL,
    -- Russian stemming for the customer's words and the product's name.
    search              tsvector GENERATED ALWAYS AS (
        to_tsvector('russian',
            coalesce(text, '') || ' ' || coalesce(pros, '') || ' ' ||
            coalesce(cons, '') || ' ' || coalesce(product_name, ''))) STORED,
    UNIQUE (account_id, channel, external_id)
);

CREATE INDEX interactions_search ON interactions USING gin (search);
-- The queue: open items by deadline (the claim's order too).
CREATE INDEX interactions_open_by_due ON interactions (due_at, id) WHERE state = 'open';

CREATE TABLE sync_cursors (
    account_id bigint NOT NULL REFERENCES accounts (id),
    connector  text NOT NULL,
    cursor     text NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (account_id, connector)
);

CREATE TABLE sync_runs (
    id            bigserial PRIMARY KEY,
    account_id    bigint NOT NULL REFERENCES accounts (id),
    connector     text NOT NULL,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz NOT NULL,
    ok            boolean NOT NULL,
    requests      integer NOT NULL,
    pages         integer NOT NULL,
    items_seen    integer NOT NULL,
    items_new     integer NOT NULL,
    items_changed integer NOT NULL,
    items_skipped integer NOT NULL,
    error         text
);

CREATE TABLE audit_log (
    id     bigserial PRIMARY KEY,
    at     timestamptz NOT NULL,
    actor  text NOT NULL,
    action text NOT NULL,
    detail jsonb NOT NULL
);
