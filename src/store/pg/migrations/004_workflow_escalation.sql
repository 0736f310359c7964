-- Workflow states (ROAD-004), claim activity and escalation (ROAD-003).
--
-- workflow: new → assigned (a manager gave it to someone) → in_progress (its holder
-- works on it) → answered / waiting_buyer (a chat answered, the buyer's turn) /
-- escalated (to the managers). A trigger moves it as claims, replies and sync change the
-- item, so every writer (claim, release, agentiq_enqueue_reply, the daemon's settling,
-- sync) keeps it true without knowing of it.
ALTER TABLE interactions
    ADD COLUMN workflow text NOT NULL DEFAULT 'new'
        CHECK (workflow IN ('new', 'assigned', 'in_progress', 'answered', 'escalated',
                            'waiting_buyer')),
    -- The holder's last activity on the claim (taken, renewed by show/reply/claim --renew).
    ADD COLUMN claim_active_at  timestamptz,
    ADD COLUMN escalated_at     timestamptz,
    ADD COLUMN escalation_reason text;

UPDATE interactions SET
    workflow = CASE
        WHEN state IN ('answered', 'archived') AND channel = 'chat' THEN 'waiting_buyer'
        WHEN state IN ('answered', 'archived') THEN 'answered'
        WHEN state = 'pending' THEN 'in_progress'
        WHEN claimed_by IS NOT NULL AND claim_expires_at > now() THEN 'in_progress'
        ELSE 'new' END,
    claim_active_at = claimed_at;

CREATE INDEX interactions_open_workflow ON interactions (workflow, due_at, id)
    WHERE state = 'open';

-- An idle claim (no activity for this long) is escalated by the owner's daemon; 0: never.
INSERT INTO team_settings (key, value) VALUES ('escalate_idle_secs', '600');

-- The role of a person: 'owner' for anyone not on the team (the tables' owner).
-- SECURITY DEFINER: members cannot read team_members.
CREATE FUNCTION agentiq_role_of(p_member text) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT coalesce((SELECT role FROM team_members WHERE member = p_member), 'owner') $$;
REVOKE ALL ON FUNCTION agentiq_role_of(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION agentiq_role_of(text) TO agentiq_manager, agentiq_operator;

CREATE FUNCTION agentiq_workflow_moves() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.workflow := CASE
            WHEN NEW.state IN ('answered', 'archived') AND NEW.channel = 'chat' THEN 'waiting_buyer'
            WHEN NEW.state IN ('answered', 'archived') THEN 'answered'
            WHEN NEW.state = 'pending' THEN 'in_progress'
            ELSE 'new' END;
        RETURN NEW;
    END IF;
    IF NEW.claimed_by IS DISTINCT FROM OLD.claimed_by THEN
        NEW.claim_active_at := CASE WHEN NEW.claimed_by IS NULL THEN NULL ELSE now() END;
    ELSIF NEW.claimed_by IS NOT NULL
          AND NEW.claim_expires_at IS DISTINCT FROM OLD.claim_expires_at THEN
        NEW.claim_active_at := now();
    END IF;
    -- A statement that names the state (escalation) has the last word.
    IF NEW.workflow IS DISTINCT FROM OLD.workflow THEN
        RETURN NEW;
    END IF;
    IF NEW.state IS DISTINCT FROM OLD.state THEN
        IF NEW.state IN ('answered', 'archived') THEN
            NEW.workflow := CASE WHEN NEW.channel = 'chat' THEN 'waiting_buyer' ELSE 'answered' END;
        ELSIF NEW.state = 'pending' THEN
            NEW.workflow := 'in_progress';
        ELSE
            -- Back in the queue: the buyer wrote again, or a reply was refused.
            NEW.workflow := 'new';
            NEW.escalated_at := NULL;
            NEW.escalation_reason := NULL;
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.state <> 'open' THEN
        RETURN NEW;
    END IF;
    -- A claim taken is work started (agentiq_assign names 'assigned' itself).
    IF NEW.claimed_by IS DISTINCT FROM OLD.claimed_by THEN
        NEW.workflow := CASE
            WHEN NEW.claimed_by IS NULL AND OLD.workflow = 'escalated' THEN 'escalated'
            WHEN NEW.claimed_by IS NULL THEN 'new'
            ELSE 'in_progress' END;
    ELSIF NEW.workflow = 'assigned'
          AND (NEW.claimed_at IS DISTINCT FROM OLD.claimed_at
               OR (NEW.claim_expires_at IS DISTINCT FROM OLD.claim_expires_at
                   AND NEW.claimed_by = session_user)) THEN
        -- The assignee claimed or renewed it: they work on it now.
        NEW.workflow := 'in_progress';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER interactions_workflow BEFORE INSERT OR UPDATE ON interactions
    FOR EACH ROW EXECUTE FUNCTION agentiq_workflow_moves();

-- Escalates item p_item to the managers with p_reason, as the connected person: its
-- claim is released, the workflow is 'escalated', the audit trail says who and why.
-- An operator escalates an item of their shops that nobody else holds.
CREATE FUNCTION agentiq_escalate(p_item bigint, p_reason text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS
$$
DECLARE
    me   text := session_user;
    role text := agentiq_role_of(session_user);
    item interactions%ROWTYPE;
BEGIN
    SELECT * INTO item FROM interactions WHERE id = p_item FOR UPDATE;
    IF NOT FOUND OR (role <> 'owner' AND item.account_id NOT IN (SELECT agentiq_my_shops())) THEN
        RAISE EXCEPTION 'no item #%', p_item USING ERRCODE = 'AQ404';
    END IF;
    IF item.state <> 'open' THEN
        RAISE EXCEPTION 'item #% is %: only an item waiting for an answer is escalated',
            p_item, item.state USING ERRCODE = 'AQ422';
    END IF;
    IF item.workflow = 'escalated' THEN
        RAISE EXCEPTION 'item #% is escalated already', p_item USING ERRCODE = 'AQ422';
    END IF;
    IF role = 'operator' AND item.claimed_by IS NOT NULL AND item.claimed_by <> me
       AND item.claim_expires_at > now() THEN
        RAISE EXCEPTION 'item #% is claimed by %', p_item, item.claimed_by USING ERRCODE = 'AQ409';
    END IF;
    UPDATE interactions SET workflow = 'escalated', escalated_at = now(),
                            escalation_reason = p_reason, claimed_by = NULL,
                            claimed_at = NULL, claim_expires_at = NULL
    WHERE id = p_item;
    INSERT INTO audit_log (at, actor, action, interaction_id, detail)
    VALUES (now(), me, 'escalated', p_item,
            jsonb_build_object('reason', p_reason, 'automatic', false,
                               'held_by', item.claimed_by));
    PERFORM pg_notify('agentiq_escalations', p_item::text);
END
$$;
REVOKE ALL ON FUNCTION agentiq_escalate(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION agentiq_escalate(bigint, text) TO agentiq_manager, agentiq_operator;

-- The owner's daemon, each poll: escalates open items that reached their at-risk time
-- unclaimed, and live claims idle for escalate_idle_secs (0: never), once per stay in
-- the queue. p_now is the daemon's clock. Returns the items and why.
CREATE FUNCTION agentiq_auto_escalate(p_now timestamptz)
RETURNS TABLE (item bigint, reason text)
    LANGUAGE plpgsql AS
$$
DECLARE
    idle_secs double precision := coalesce(
        (SELECT value::double precision FROM team_settings WHERE key = 'escalate_idle_secs'), 0);
BEGIN
    RETURN QUERY
    WITH due AS (
        SELECT i.id, i.claimed_by AS holder,
               CASE WHEN i.claimed_by IS NOT NULL AND i.claim_expires_at > p_now
                    THEN format('claim by %s idle since %s', i.claimed_by,
                                to_char(i.claim_active_at AT TIME ZONE 'UTC',
                                        'YYYY-MM-DD HH24:MI:SS "UTC"'))
                    ELSE format('unclaimed and near its deadline (%s)',
                                to_char(i.due_at AT TIME ZONE 'UTC',
                                        'YYYY-MM-DD HH24:MI:SS "UTC"')) END AS why
        FROM interactions i
        WHERE i.state = 'open' AND i.workflow <> 'escalated' AND i.escalated_at IS NULL
          AND ((NOT (i.claimed_by IS NOT NULL AND i.claim_expires_at > p_now)
                AND i.at_risk_at <= p_now)
               OR (idle_secs > 0 AND i.claimed_by IS NOT NULL AND i.claim_expires_at > p_now
                   AND i.claim_active_at <= p_now - make_interval(secs => idle_secs)))
        FOR UPDATE SKIP LOCKED
    ), moved AS (
        UPDATE interactions i SET workflow = 'escalated', escalated_at = p_now,
               escalation_reason = due.why, claimed_by = NULL, claimed_at = NULL,
               claim_expires_at = NULL
        FROM due WHERE i.id = due.id
        RETURNING i.id, due.why, due.holder
    ), logged AS (
        INSERT INTO audit_log (at, actor, action, interaction_id, detail)
        SELECT p_now, 'agentiq', 'escalated', moved.id,
               jsonb_build_object('reason', moved.why, 'automatic', true, 'held_by', moved.holder)
        FROM moved
    )
    SELECT moved.id, moved.why FROM moved;
END
$$;
REVOKE ALL ON FUNCTION agentiq_auto_escalate(timestamptz) FROM PUBLIC;

-- Teams (named groups of people) with their queue discipline, and routing rules: an
-- item of a rule's shop / marketplace / channel (each: any when null) is offered first
-- to the rule's person or team, and not to others (managers and the owner excepted).
CREATE TABLE team_groups (
    name       text PRIMARY KEY,
    discipline text NOT NULL DEFAULT 'sla' CHECK (discipline IN ('sla', 'fifo', 'balanced'))
);
CREATE TABLE team_group_members (
    team   text NOT NULL REFERENCES team_groups (name) ON DELETE CASCADE,
    member text NOT NULL REFERENCES team_members (member) ON DELETE CASCADE,
    PRIMARY KEY (team, member)
);
CREATE TABLE team_routes (
    id          bigserial PRIMARY KEY,
    account_id  bigint REFERENCES accounts (id) ON DELETE CASCADE,
    marketplace text,
    channel     text,
    to_member   text REFERENCES team_members (member) ON DELETE CASCADE,
    to_team     text REFERENCES team_groups (name) ON DELETE CASCADE,
    CHECK ((to_member IS NULL) <> (to_team IS NULL))
);
-- Everyone reads the rules (claim follows them); only the owner writes them.
GRANT SELECT ON team_groups, team_group_members, team_routes TO agentiq_manager, agentiq_operator;

-- Assigns item p_item to p_member (a person on its shop, or a team: its least busy
-- person on the shop) for one claim lifetime, as the connected manager or owner; an
-- operator is refused. The assignee finds it first when
-- they next claim, and it is theirs alone until it expires or they release it.
CREATE FUNCTION agentiq_assign(p_item bigint, p_member text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS
$$
DECLARE
    me   text := session_user;
    role text := agentiq_role_of(session_user);
    item interactions%ROWTYPE;
    target text;
    ttl  double precision := coalesce(
        (SELECT value::double precision FROM team_settings WHERE key = 'claim_ttl_secs'), 900);
BEGIN
    IF role = 'operator' THEN
        RAISE EXCEPTION 'only a manager or the owner assigns items' USING ERRCODE = '42501';
    END IF;
    SELECT * INTO item FROM interactions WHERE id = p_item FOR UPDATE;
    IF NOT FOUND OR (role <> 'owner' AND item.account_id NOT IN (SELECT agentiq_my_shops())) THEN
        RAISE EXCEPTION 'no item #%', p_item USING ERRCODE = 'AQ404';
    END IF;
    IF item.state <> 'open' THEN
        RAISE EXCEPTION 'item #% is %: only an item waiting for an answer is assigned',
            p_item, item.state USING ERRCODE = 'AQ422';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM team_members WHERE member = p_member)
       AND EXISTS (SELECT 1 FROM team_groups WHERE name = p_member) THEN
        -- A team: its person on the shop with the fewest open claims.
        SELECT g.member INTO target FROM team_group_members g
        JOIN team_shops s ON s.member = g.member AND s.account_id = item.account_id
        WHERE g.team = p_member
        ORDER BY (SELECT count(*) FROM interactions c WHERE c.claimed_by = g.member
                    AND c.state = 'open' AND c.claim_expires_at > now()), g.member
        LIMIT 1;
        IF target IS NULL THEN
            RAISE EXCEPTION 'nobody of team % is on the shop of item #%', p_member, p_item
                USING ERRCODE = 'AQ422';
        END IF;
        p_member := target;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM team_shops
                   WHERE member = p_member AND account_id = item.account_id) THEN
        RAISE EXCEPTION '% is not on the shop of item #%', p_member, p_item
            USING ERRCODE = 'AQ422';
    END IF;
    UPDATE interactions SET claimed_by = p_member, claimed_at = now(),
                            claim_expires_at = now() + make_interval(secs => ttl),
                            workflow = 'assigned'
    WHERE id = p_item;
    INSERT INTO audit_log (at, actor, action, interaction_id, detail)
    VALUES (now(), me, 'assigned', p_item,
            jsonb_build_object('to', p_member,
                               'from', CASE WHEN item.claim_expires_at > now()
                                            THEN item.claimed_by END));
END
$$;
REVOKE ALL ON FUNCTION agentiq_assign(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION agentiq_assign(bigint, text) TO agentiq_manager, agentiq_operator;
