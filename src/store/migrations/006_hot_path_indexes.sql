-- Indexes for queries that run in background loops and scanned the whole table at 1M
-- items (docs/performance.md): the classifier's "what is pending" look-up, the recent
-- answers every draft reads, and the per-channel open counts of the tab bar.
CREATE INDEX interactions_unclassified ON interactions (due_at) WHERE classified_at IS NULL;
CREATE INDEX interactions_answers ON interactions (account_id, synced_at) WHERE answer_text IS NOT NULL;
CREATE INDEX interactions_state_channel ON interactions (state, channel);
