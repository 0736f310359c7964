-- Prefix indexes for the full-text search (docs/search.md; issue #16). The query language
-- matches the last word of every searched phrase as a prefix (`"плед"*`), and without a
-- prefix index FTS5 reads the posting list of every indexed word that starts with it,
-- in every segment: at 1M items search cost several times its 10k cost. With prefix
-- indexes of 2, 3 and 4 characters (FTS5 counts characters, not bytes) a prefix of that
-- length is one posting list; a longer prefix matches few words, which stays cheap.
--
-- An FTS5 table's options cannot be altered, and a contentless table cannot be
-- 'rebuild'-ed, so it is dropped, made again with the same columns, tokenizer and ё
-- folding, and filled from the items. The triggers of 001 name the table, not its
-- definition, and keep it current as before. Time at start-up: see docs/performance.md.
DROP TABLE interactions_fts;
CREATE VIRTUAL TABLE interactions_fts USING fts5(
    text, pros, cons, product_name, customer_name,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);
INSERT INTO interactions_fts (rowid, text, pros, cons, product_name, customer_name)
    SELECT id,
           replace(replace(text, 'ё', 'е'), 'Ё', 'Е'),
           replace(replace(pros, 'ё', 'е'), 'Ё', 'Е'),
           replace(replace(cons, 'ё', 'е'), 'Ё', 'Е'),
           replace(replace(product_name, 'ё', 'е'), 'Ё', 'Е'),
           replace(replace(customer_name, 'ё', 'е'), 'Ё', 'Е')
    FROM interactions;
