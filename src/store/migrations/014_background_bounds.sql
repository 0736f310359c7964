-- What the inbox's background services read or write while nothing happens costs the
-- same in a store of 10k items as in one of a million.

-- The heartbeat pushes this process's outbox claims forward every few seconds, and a
-- process leaving lets go of them: only claimed rows (a handful, while a send is under
-- way) are in this index, instead of a scan of every reply ever sent.
CREATE INDEX outbox_claims ON outbox (claimed_by) WHERE claimed_by IS NOT NULL;
-- A draft's "recent answers" (variety, near-duplicates): the newest replies that reached
-- the marketplace, read newest first.
CREATE INDEX outbox_answers_recent ON outbox (created_at)
    WHERE state IN ('accepted', 'visible') AND shadow = 0;
