-- What each reply came from and what it carried: the pilot metrics read these.
ALTER TABLE outbox ADD COLUMN draft_source TEXT CHECK (draft_source IN ('template', 'reuse', 'llm', 'manual'));
-- The draft as proposed, and the normalised edit distance (0..1) from it to what was sent.
ALTER TABLE outbox ADD COLUMN draft_text TEXT;
ALTER TABLE outbox ADD COLUMN edit_distance REAL;
-- Guardrail verdict when the reply was queued: pass | warn | block, and the findings (JSON).
ALTER TABLE outbox ADD COLUMN verdict TEXT CHECK (verdict IN ('pass', 'warn', 'block'));
ALTER TABLE outbox ADD COLUMN findings TEXT NOT NULL DEFAULT '[]';
-- A block-level finding the seller overrode deliberately: sent, and counted as harmful.
ALTER TABLE outbox ADD COLUMN overridden INTEGER NOT NULL DEFAULT 0;
-- Who sent it: a person, or the auto-responder (whose replies wait out an undo window and
-- may run in shadow mode: recorded, never sent).
ALTER TABLE outbox ADD COLUMN actor TEXT NOT NULL DEFAULT 'human' CHECK (actor IN ('human', 'auto'));
ALTER TABLE outbox ADD COLUMN undo_until INTEGER;
ALTER TABLE outbox ADD COLUMN shadow INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN cancelled_at INTEGER;

-- When the item first carried an answer (ours when confirmed, else when sync first saw one).
ALTER TABLE interactions ADD COLUMN first_answered_at INTEGER;
-- Classification beside the existing intent and sentiment columns.
ALTER TABLE interactions ADD COLUMN intent_confidence REAL;
ALTER TABLE interactions ADD COLUMN sentiment_score REAL;
ALTER TABLE interactions ADD COLUMN escalations TEXT NOT NULL DEFAULT '[]';
ALTER TABLE interactions ADD COLUMN classified_at INTEGER;

CREATE INDEX interactions_created ON interactions (account_id, channel, created_at);
CREATE INDEX interactions_due ON interactions (channel, due_at);
CREATE INDEX outbox_confirmed ON outbox (state, confirmed_at);
