-- The seller's knowledge base (docs/drafts.md): FAQ entries, size tables, care and
-- warranty policies imported from the config folder's kb/ files. Global entries have no
-- account. The full-text index is contentless (the entries table holds the text) and
-- folds ё to е like interactions_fts.
CREATE TABLE kb_entries (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    -- The file (relative to kb/) and the entry's position in it: "care.md#2".
    source      TEXT NOT NULL,
    imported_at INTEGER NOT NULL
);
CREATE INDEX kb_entries_account ON kb_entries (account_id, id);

CREATE VIRTUAL TABLE kb_fts USING fts5(
    title, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER kb_fts_insert AFTER INSERT ON kb_entries BEGIN
    INSERT INTO kb_fts (rowid, title, body)
    VALUES (new.id,
            replace(replace(new.title, 'ё', 'е'), 'Ё', 'Е'),
            replace(replace(new.body, 'ё', 'е'), 'Ё', 'Е'));
END;
CREATE TRIGGER kb_fts_delete AFTER DELETE ON kb_entries BEGIN
    DELETE FROM kb_fts WHERE rowid = old.id;
END;
CREATE TRIGGER kb_fts_update AFTER UPDATE OF title, body ON kb_entries BEGIN
    DELETE FROM kb_fts WHERE rowid = old.id;
    INSERT INTO kb_fts (rowid, title, body)
    VALUES (new.id,
            replace(replace(new.title, 'ё', 'е'), 'Ё', 'Е'),
            replace(replace(new.body, 'ё', 'е'), 'Ё', 'Е'));
END;
