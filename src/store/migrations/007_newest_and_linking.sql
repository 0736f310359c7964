-- Indexes measured in docs/performance.md. Newest first, in the inbox and over the whole
-- history (where search reads its newest hits), walks an index instead of sorting every
-- row; linking by name reads the nearest same-name items of one product from an index
-- instead of every same-name item of the window.
CREATE INDEX interactions_newest ON interactions (state, created_at, id);
CREATE INDEX interactions_by_created ON interactions (created_at, id);
CREATE INDEX interactions_customer_product
    ON interactions (account_id, customer_name_key, product_external_id, created_at);
