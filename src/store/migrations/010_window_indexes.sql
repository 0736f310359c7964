-- Windowed reads (`agentiq metrics`, the analytics screen, `export`) read only their
-- window: each time column they filter by has an index that starts with it, so a 7-day
-- window costs the same in a store of 10k items as in one of a million.

-- Items of one channel created in a period (reviews for the 24 h metric, export by
-- channel, revenue).
CREATE INDEX interactions_channel_created ON interactions (channel, created_at, id);
-- Replies delivered in a period: the time the metrics count a reply at.
CREATE INDEX outbox_delivered_at ON outbox (coalesce(sent_at, confirmed_at));
-- Sync runs started in a period, over every account.
CREATE INDEX sync_runs_started ON sync_runs (started_at);
