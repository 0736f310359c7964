-- Open items per account and channel, kept by triggers so whichever process writes (sync,
-- replies, state changes) keeps them true: the inbox's tab counts read these few rows
-- instead of counting every open item (store::queue_count_by_channel).
CREATE TABLE open_counts (
    account_id INTEGER NOT NULL,
    channel    TEXT NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (account_id, channel)
) WITHOUT ROWID;
INSERT INTO open_counts (account_id, channel, n)
    SELECT account_id, channel, count(*) FROM interactions WHERE state = 'open'
    GROUP BY account_id, channel;
CREATE TRIGGER open_counts_insert AFTER INSERT ON interactions WHEN new.state = 'open' BEGIN
    INSERT INTO open_counts (account_id, channel, n) VALUES (new.account_id, new.channel, 1)
        ON CONFLICT (account_id, channel) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER open_counts_delete AFTER DELETE ON interactions WHEN old.state = 'open' BEGIN
    UPDATE open_counts SET n = n - 1
        WHERE account_id = old.account_id AND channel = old.channel;
END;
CREATE TRIGGER open_counts_update AFTER UPDATE OF state, account_id, channel ON interactions
    WHEN old.state = 'open' OR new.state = 'open' BEGIN
    UPDATE open_counts SET n = n - 1
        WHERE old.state = 'open' AND account_id = old.account_id AND channel = old.channel;
    INSERT INTO open_counts (account_id, channel, n)
        SELECT new.account_id, new.channel, 1 WHERE new.state = 'open'
        ON CONFLICT (account_id, channel) DO UPDATE SET n = n + 1;
END;
