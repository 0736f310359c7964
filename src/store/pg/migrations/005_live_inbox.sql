-- The live inbox: every write of an item (sync's upserts, claims, replies, settling)
-- stamps it with the next number of one sequence, so an operator's inbox pulls only what
-- changed since it last looked (`change_seq > cursor`), and wakes it with
-- NOTIFY agentiq_items (once per statement; PostgreSQL folds repeats within a
-- transaction and delivers at commit).
CREATE SEQUENCE interactions_change_seq;
ALTER TABLE interactions ADD COLUMN change_seq bigint;
UPDATE interactions SET change_seq = nextval('interactions_change_seq');
ALTER TABLE interactions ALTER COLUMN change_seq SET NOT NULL;
CREATE INDEX interactions_by_change ON interactions (change_seq);

-- SECURITY DEFINER: members take claims but have no rights on the sequence.
CREATE FUNCTION agentiq_stamp_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS
$$
BEGIN
    NEW.change_seq := nextval('interactions_change_seq');
    RETURN NEW;
END
$$;
CREATE TRIGGER interactions_stamp_change BEFORE INSERT OR UPDATE ON interactions
    FOR EACH ROW EXECUTE FUNCTION agentiq_stamp_change();

CREATE FUNCTION agentiq_notify_items() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    PERFORM pg_notify('agentiq_items', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER interactions_notify AFTER INSERT OR UPDATE ON interactions
    FOR EACH STATEMENT EXECUTE FUNCTION agentiq_notify_items();

-- The people a manager may assign items to: members on at least one shop the caller is
-- on (everyone for the owner), with their roles. SECURITY DEFINER: members cannot read
-- the team's tables themselves.
CREATE FUNCTION agentiq_colleagues() RETURNS TABLE (member text, role text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT m.member, m.role FROM team_members m
   WHERE NOT EXISTS (SELECT 1 FROM team_members me WHERE me.member = session_user)
      OR EXISTS (SELECT 1 FROM team_shops s
                 WHERE s.member = m.member
                   AND s.account_id IN (SELECT agentiq_my_shops()))
   ORDER BY m.member $$;
REVOKE ALL ON FUNCTION agentiq_colleagues() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION agentiq_colleagues() TO agentiq_manager, agentiq_operator;

-- The connected person's role: 'owner' for whoever owns the tables (not in the team).
CREATE FUNCTION agentiq_my_role() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT coalesce((SELECT role FROM team_members WHERE member = session_user), 'owner') $$;
REVOKE ALL ON FUNCTION agentiq_my_role() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION agentiq_my_role() TO agentiq_manager, agentiq_operator;

-- `agentiq doctor` on a member's machine says whether the schema is current.
GRANT SELECT ON agentiq_migrations TO agentiq_manager, agentiq_operator;
