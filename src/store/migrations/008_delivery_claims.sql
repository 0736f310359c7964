-- Delivery that tells the truth, claimed per reply.
--
-- States: queued -> sending -> accepted (the marketplace answered 2xx) -> visible (read
-- back with our text) | rejected (the marketplace refused it after accepting, e.g. WB
-- moderation) ; failed only for a refusal that is final. `sent_at` is when the
-- marketplace accepted the reply, `confirmed_at` when it was read back.
--
-- Claims: a process works on a row only after one conditional update makes it the
-- row's holder (`claimed_by`) and bumps `claim_token`; every later write names both, so a
-- process that lost its claim cannot move the row. `claim_expires` is pushed forward
-- while the holder works; an expired claim, or one whose process is gone, may be taken
-- over (after looking at the marketplace first).
-- `checks`: read-backs of an accepted reply so far (they back off up to 48 h).
CREATE TABLE outbox_v8 (
    id              INTEGER PRIMARY KEY,
    interaction_id  INTEGER NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL UNIQUE,
    draft_id        INTEGER REFERENCES drafts(id) ON DELETE SET NULL,
    text            TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN
                        ('queued', 'sending', 'accepted', 'visible', 'rejected', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    confirmed_at    INTEGER,
    draft_source    TEXT CHECK (draft_source IN ('template', 'reuse', 'llm', 'manual')),
    draft_text      TEXT,
    edit_distance   REAL,
    verdict         TEXT CHECK (verdict IN ('pass', 'warn', 'block')),
    findings        TEXT NOT NULL DEFAULT '[]',
    overridden      INTEGER NOT NULL DEFAULT 0,
    actor           TEXT NOT NULL DEFAULT 'human' CHECK (actor IN ('human', 'auto')),
    undo_until      INTEGER,
    shadow          INTEGER NOT NULL DEFAULT 0,
    cancelled_at    INTEGER,
    claimed_by      TEXT,
    claim_token     INTEGER NOT NULL DEFAULT 0,
    claim_expires   INTEGER,
    checks          INTEGER NOT NULL DEFAULT 0
);

INSERT INTO outbox_v8 (id, interaction_id, idempotency_key, draft_id, text, state, attempts,
                       last_error, next_attempt_at, created_at, updated_at, sent_at,
                       confirmed_at, draft_source, draft_text, edit_distance, verdict,
                       findings, overridden, actor, undo_until, shadow, cancelled_at)
SELECT id, interaction_id, idempotency_key, draft_id, text,
       CASE state WHEN 'sent' THEN 'accepted' WHEN 'confirmed' THEN 'visible' ELSE state END,
       attempts, last_error, next_attempt_at, created_at, updated_at, sent_at, confirmed_at,
       draft_source, draft_text, edit_distance, verdict, findings, overridden, actor,
       undo_until, shadow, cancelled_at
FROM outbox;

DROP TABLE outbox;
ALTER TABLE outbox_v8 RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_interaction ON outbox (interaction_id);
CREATE INDEX outbox_confirmed ON outbox (state, confirmed_at);

-- The processes working on this database, and the shops they can reach: so a reply no
-- running process can send is shown as waiting for one, and the inbox can say who
-- syncs. Written when a process starts, removed when it ends; a row whose pid no longer
-- runs on its host is dead and ignored (and cleaned by whoever notices).
CREATE TABLE processes (
    holder     TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    pid        INTEGER NOT NULL,
    host       TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    -- JSON array of "account_id:channel" this process has a connector for.
    reaches    TEXT NOT NULL DEFAULT '[]'
);
