-- The shared outbox: replies written by anyone on the team (through
-- agentiq_enqueue_reply), sent only by the owner's delivery daemon, which holds the
-- marketplace tokens. The states and the fencing are the SQLite outbox's: a process works
-- on a row only after claiming it (claimed_by, claim_token), and every later write names
-- the claim. claim_lock is the claimant's session advisory lock: while that session
-- lives the claim stands; when it dies (a killed daemon) the row is free to take over.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    interaction_id  bigint NOT NULL REFERENCES interactions (id),
    idempotency_key text NOT NULL UNIQUE,
    kind            text NOT NULL DEFAULT 'reply' CHECK (kind IN ('reply', 'edit')),
    text            text NOT NULL,
    state           text NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'sending', 'accepted', 'visible', 'rejected', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    next_attempt_at timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    sent_at         timestamptz,
    confirmed_at    timestamptz,
    cancelled_at    timestamptz,
    checks          integer NOT NULL DEFAULT 0,
    claimed_by      text,
    claim_token     bigint NOT NULL DEFAULT 0,
    claim_expires   timestamptz,
    claim_lock      bigint,
    -- Who wrote the reply (their database role) and how it was checked.
    author          text NOT NULL,
    actor           text NOT NULL DEFAULT 'human',
    verdict         text,
    findings        jsonb,
    overridden      boolean NOT NULL DEFAULT false,
    draft_source    text,
    draft_text      text,
    edit_distance   double precision,
    shadow          boolean NOT NULL DEFAULT false
);

CREATE INDEX outbox_due ON outbox (id) WHERE state IN ('queued', 'sending', 'accepted');
CREATE INDEX outbox_by_item ON outbox (interaction_id);

ALTER TABLE interactions ADD COLUMN first_answered_at timestamptz;
ALTER TABLE audit_log ADD COLUMN interaction_id bigint;
CREATE INDEX audit_log_by_item ON audit_log (interaction_id) WHERE interaction_id IS NOT NULL;

-- Whether the session holding advisory lock `key` (in this database) is still connected.
CREATE FUNCTION agentiq_session_alive(key bigint) RETURNS boolean
    LANGUAGE sql STABLE AS
$$ SELECT EXISTS (
       SELECT 1 FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND objsubid = 1
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND ((classid::bigint << 32) | objid::bigint) = key) $$;

-- Queues a reply to item p_item as the connected person. SECURITY DEFINER: members may
-- not write the outbox themselves; this is the one way in, and it enforces the claim. A
-- member must hold a live claim on the item (and be on its shop); the owner may reply to
-- an unclaimed item. Nobody replies over another person's live claim. The same
-- idempotency key again returns the row written before.
CREATE FUNCTION agentiq_enqueue_reply(
    p_item bigint, p_text text, p_key text, p_verdict text, p_findings jsonb,
    p_overridden boolean, p_draft_source text, p_draft_text text,
    p_edit_distance double precision)
RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS
$$
DECLARE
    me     text := session_user;
    is_member boolean := EXISTS (SELECT 1 FROM team_members WHERE team_members.member = session_user);
    item   interactions%ROWTYPE;
    other  bigint;
    new_id bigint;
BEGIN
    SELECT id INTO new_id FROM outbox WHERE idempotency_key = p_key;
    IF new_id IS NOT NULL THEN
        RETURN new_id;
    END IF;
    SELECT * INTO item FROM interactions WHERE id = p_item FOR UPDATE;
    IF NOT FOUND OR (is_member AND item.account_id NOT IN (SELECT agentiq_my_shops())) THEN
        RAISE EXCEPTION 'no item #%', p_item USING ERRCODE = 'AQ404';
    END IF;
    IF item.claimed_by IS NOT NULL AND item.claimed_by <> me AND item.claim_expires_at > now() THEN
        RAISE EXCEPTION 'item #% is claimed by %', p_item, item.claimed_by
            USING ERRCODE = 'AQ409';
    END IF;
    IF is_member AND (item.claimed_by IS DISTINCT FROM me OR item.claim_expires_at <= now()) THEN
        RAISE EXCEPTION 'item #% is not claimed by %: claim it first (agentiq claim)', p_item, me
            USING ERRCODE = 'AQ409';
    END IF;
    IF item.state IN ('answered', 'archived') THEN
        RAISE EXCEPTION 'item #% can no longer be answered', p_item USING ERRCODE = 'AQ422';
    END IF;
    IF item.channel <> 'chat' THEN
        SELECT id INTO other FROM outbox
        WHERE interaction_id = p_item AND kind = 'reply' AND NOT shadow
          AND state IN ('queued', 'sending', 'accepted', 'visible')
        LIMIT 1;
        IF other IS NOT NULL THEN
            RAISE EXCEPTION 'item #% already has a reply on its way (outbox %)', p_item, other
                USING ERRCODE = 'AQ422';
        END IF;
    END IF;
    INSERT INTO outbox (interaction_id, idempotency_key, text, next_attempt_at, created_at,
                        updated_at, author, verdict, findings, overridden, draft_source,
                        draft_text, edit_distance)
    VALUES (p_item, p_key, p_text, now(), now(), now(), me, p_verdict, p_findings,
            p_overridden, coalesce(p_draft_source, 'manual'), p_draft_text, p_edit_distance)
    RETURNING id INTO new_id;
    -- Answered: the item leaves the queue and the claim is done with.
    UPDATE interactions SET state = 'pending', claimed_by = NULL, claimed_at = NULL,
                            claim_expires_at = NULL
    WHERE id = p_item;
    INSERT INTO audit_log (at, actor, action, interaction_id, detail)
    VALUES (now(), me, 'reply_queued', p_item,
            jsonb_build_object('outbox_id', new_id, 'text', p_text));
    IF p_overridden THEN
        INSERT INTO audit_log (at, actor, action, interaction_id, detail)
        VALUES (now(), me, 'guardrail_overridden', p_item,
                jsonb_build_object('outbox_id', new_id, 'findings', p_findings));
    END IF;
    PERFORM pg_notify('agentiq_outbox', new_id::text);
    RETURN new_id;
END
$$;
REVOKE ALL ON FUNCTION agentiq_enqueue_reply(bigint, text, text, text, jsonb, boolean, text,
                                             text, double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION agentiq_enqueue_reply(bigint, text, text, text, jsonb, boolean,
                                                text, text, double precision)
    TO agentiq_manager, agentiq_operator;

-- Members read the outbox and audit trail of their shops' items (show, list), never write.
GRANT SELECT ON outbox, audit_log TO agentiq_manager, agentiq_operator;
ALTER TABLE outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY member_outbox ON outbox FOR SELECT TO agentiq_manager, agentiq_operator
    USING (EXISTS (SELECT 1 FROM interactions i WHERE i.id = outbox.interaction_id));
CREATE POLICY member_audit ON audit_log FOR SELECT TO agentiq_manager, agentiq_operator
    USING (EXISTS (SELECT 1 FROM interactions i WHERE i.id = audit_log.interaction_id));
