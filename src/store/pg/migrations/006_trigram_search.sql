-- Words found as on SQLite (docs/search.md): every searched word whole, the last one as a
-- prefix, case-insensitive, ё = е, a phrase's words one after the other within one field.
-- The fields are joined by U+0001, which never occurs in what customers write, so a
-- phrase never runs from one field into the next (SQLite's FTS5 matches per column).
CREATE FUNCTION agentiq_words(text text, pros text, cons text, product text, customer text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT lower(translate(
        coalesce(text, '') || E'\001' || coalesce(pros, '') || E'\001' ||
        coalesce(cons, '') || E'\001' || coalesce(product, '') || E'\001' ||
        coalesce(customer, ''),
        'ёЁ', 'ее'))
$$;

-- One field alone (`product:`, `customer:`), folded the same way.
CREATE FUNCTION agentiq_words(field text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT lower(translate(coalesce(field, ''), 'ёЁ', 'ее'))
$$;

-- pg_trgm indexes those words for the regular expressions a search becomes (a prefix of
-- three letters or more uses the index). PostgreSQL 13+ lets a database's owner create
-- it (a trusted extension); where that is refused, search still works, by scanning, and
-- `agentiq sync` says so until a superuser runs `CREATE EXTENSION pg_trgm` once in this
-- database (the next `agentiq sync` then builds the index: store::pg::trigram).
DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
        RAISE WARNING 'pg_trgm is not available (%): search scans instead of using an index', SQLERRM;
    END;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE 'CREATE INDEX interactions_words ON interactions USING gin
                 (agentiq_words(text, pros, cons, product_name, customer_name) gin_trgm_ops)';
    END IF;
END $$;

-- Edits of published answers through the shared outbox (`agentiq reply --edit`). What WB
-- says of its one edit within 60 days: read back by the daemon when a reply shows
-- (store::pg::edits::note_reply_editable), and in the item's raw payload when sync
-- reads it with its answer.
ALTER TABLE interactions ADD COLUMN answer_editable boolean;

CREATE FUNCTION agentiq_note_answer_editable() RETURNS trigger
    LANGUAGE plpgsql AS
$$
DECLARE
    said boolean := ((NEW.raw::jsonb) #>> '{answer,editable}')::boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.answer_editable := said;
    ELSIF EXISTS (SELECT 1 FROM outbox e WHERE e.interaction_id = NEW.id AND e.kind = 'edit'
                  AND NOT e.shadow AND e.state IN ('queued', 'sending', 'accepted', 'visible')) THEN
        -- An edit of ours is queued, on its way or done: the one edit is spent.
        NEW.answer_editable := false;
    ELSIF NEW.raw IS DISTINCT FROM OLD.raw THEN
        NEW.answer_editable := coalesce(said, OLD.answer_editable);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER interactions_answer_editable BEFORE INSERT OR UPDATE OF raw ON interactions
    FOR EACH ROW EXECUTE FUNCTION agentiq_note_answer_editable();

-- Queues an edit of item p_item's published answer as the connected person: the checks of
-- the SQLite store's enqueue_edit (a WB review, answered, WB still allows its one edit, no
-- edit of ours before it) on an item of their shops, not over another person's live
-- claim. SECURITY DEFINER like agentiq_enqueue_reply: the one way members write an edit.
CREATE FUNCTION agentiq_enqueue_edit(
    p_item bigint, p_text text, p_key text, p_verdict text, p_findings jsonb,
    p_overridden boolean)
RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS
$$
DECLARE
    me        text := session_user;
    is_member boolean := EXISTS (SELECT 1 FROM team_members WHERE team_members.member = session_user);
    item      interactions%ROWTYPE;
    mp        text;
    earlier   bigint;
    new_id    bigint;
BEGIN
    SELECT id INTO new_id FROM outbox WHERE idempotency_key = p_key AND kind = 'edit';
    IF new_id IS NOT NULL THEN
        RETURN new_id;
    END IF;
    SELECT * INTO item FROM interactions WHERE id = p_item FOR UPDATE;
    IF NOT FOUND OR (is_member AND item.account_id NOT IN (SELECT agentiq_my_shops())) THEN
        RAISE EXCEPTION 'no item #%', p_item USING ERRCODE = 'AQ404';
    END IF;
    SELECT marketplace INTO mp FROM accounts WHERE id = item.account_id;
    IF (mp, item.channel) <> ('wb', 'review') THEN
        RAISE EXCEPTION 'item #% is a % %: only WB feedback answers can be edited',
            p_item, mp, item.channel USING ERRCODE = 'AQ422';
    END IF;
    IF item.claimed_by IS NOT NULL AND item.claimed_by <> me AND item.claim_expires_at > now() THEN
        RAISE EXCEPTION 'item #% is claimed by %', p_item, item.claimed_by USING ERRCODE = 'AQ409';
    END IF;
    IF item.state NOT IN ('answered', 'archived') OR item.answer_text IS NULL THEN
        RAISE EXCEPTION 'item #% has no published answer to edit', p_item USING ERRCODE = 'AQ422';
    END IF;
    SELECT id INTO earlier FROM outbox
    WHERE interaction_id = p_item AND kind = 'edit' AND NOT shadow
      AND state IN ('queued', 'sending', 'accepted', 'visible')
    LIMIT 1;
    IF earlier IS NOT NULL THEN
        RAISE EXCEPTION 'item #%: its answer was already edited (outbox %); WB allows one edit',
            p_item, earlier USING ERRCODE = 'AQ422';
    END IF;
    IF item.answer_editable IS NOT TRUE THEN
        RAISE EXCEPTION 'item #%: WB no longer allows editing its answer (one edit, within 60 days)',
            p_item USING ERRCODE = 'AQ422';
    END IF;
    INSERT INTO outbox (interaction_id, idempotency_key, kind, text, next_attempt_at,
                        created_at, updated_at, author, verdict, findings, overridden,
                        draft_source)
    VALUES (p_item, p_key, 'edit', p_text, now(), now(), now(), me, p_verdict, p_findings,
            p_overridden, 'manual')
    RETURNING id INTO new_id;
    -- WB's one edit is spent from now on, whatever a read from before it lands says.
    UPDATE interactions SET answer_editable = false WHERE id = p_item;
    INSERT INTO audit_log (at, actor, action, interaction_id, detail)
    VALUES (now(), me, 'edit_queued', p_item, jsonb_build_object('outbox_id', new_id, 'text', p_text));
    IF p_overridden THEN
        INSERT INTO audit_log (at, actor, action, interaction_id, detail)
        VALUES (now(), me, 'guardrail_overridden', p_item,
                jsonb_build_object('outbox_id', new_id, 'findings', p_findings));
    END IF;
    PERFORM pg_notify('agentiq_outbox', new_id::text);
    RETURN new_id;
END
$$;
REVOKE ALL ON FUNCTION agentiq_enqueue_edit(bigint, text, text, text, jsonb, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION agentiq_enqueue_edit(bigint, text, text, text, jsonb, boolean)
    TO agentiq_manager, agentiq_operator;

-- The queue's pages in the order `list` reads them (store::pg::queue), to the second as
-- the cursors count: open items by deadline, and everything newest first (search).
CREATE INDEX interactions_open_by_due_second ON interactions
    ((floor(extract(epoch FROM (due_at AT TIME ZONE 'UTC')))::bigint), id) WHERE state = 'open';
CREATE INDEX interactions_by_created_second ON interactions
    ((floor(extract(epoch FROM (created_at AT TIME ZONE 'UTC')))::bigint), id);
