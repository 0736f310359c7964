-- Claims and the team's roles. A claim lives on its item: who holds it and until when;
-- an expired claim is free to take again. Row-level security lets a person see and claim
-- only the items of the shops they are on, and an operator touch only their own claims.
ALTER TABLE interactions
    ADD COLUMN claimed_by       text,
    ADD COLUMN claimed_at       timestamptz,
    ADD COLUMN claim_expires_at timestamptz;

CREATE INDEX interactions_claimed_by ON interactions (claimed_by) WHERE claimed_by IS NOT NULL;

-- Team-wide settings the owner changes (an operator or manager only reads them).
CREATE TABLE team_settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);
INSERT INTO team_settings (key, value) VALUES ('claim_ttl_secs', '900');

-- People and the shops they work on; `member` is their PostgreSQL role.
CREATE TABLE team_members (
    member     text PRIMARY KEY,
    role       text NOT NULL CHECK (role IN ('owner', 'manager', 'operator')),
    added_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE team_shops (
    member     text NOT NULL REFERENCES team_members (member) ON DELETE CASCADE,
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (member, account_id)
);

-- The group roles; cluster-wide, so created only when missing.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'agentiq_manager') THEN
        CREATE ROLE agentiq_manager NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'agentiq_operator') THEN
        CREATE ROLE agentiq_operator NOLOGIN;
    END IF;
END
$$;

-- The shops of the connected person. SECURITY DEFINER: the policies below read the
-- membership tables, which members cannot read themselves.
CREATE FUNCTION agentiq_my_shops() RETURNS SETOF bigint
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
$$ SELECT account_id FROM team_shops WHERE member = session_user $$;
REVOKE ALL ON FUNCTION agentiq_my_shops() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION agentiq_my_shops() TO agentiq_manager, agentiq_operator;

GRANT SELECT ON accounts, interactions, team_settings TO agentiq_manager, agentiq_operator;
-- Taking, renewing and releasing claims is the only write to items a member makes here.
GRANT UPDATE (claimed_by, claimed_at, claim_expires_at) ON interactions
    TO agentiq_manager, agentiq_operator;

ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE interactions ENABLE ROW LEVEL SECURITY;

CREATE POLICY member_shops ON accounts FOR SELECT TO agentiq_manager, agentiq_operator
    USING (id IN (SELECT agentiq_my_shops()));
CREATE POLICY member_items ON interactions FOR SELECT TO agentiq_manager, agentiq_operator
    USING (account_id IN (SELECT agentiq_my_shops()));
-- An operator takes a free (or expired) item, or changes their own claim, and can only
-- leave it free or held by themselves.
CREATE POLICY operator_claims ON interactions FOR UPDATE TO agentiq_operator
    USING (account_id IN (SELECT agentiq_my_shops())
           AND (claimed_by IS NULL OR claimed_by = session_user OR claim_expires_at < now()))
    WITH CHECK (claimed_by IS NULL OR claimed_by = session_user);
-- A manager assigns and reassigns any item of their shops.
CREATE POLICY manager_assigns ON interactions FOR UPDATE TO agentiq_manager
    USING (account_id IN (SELECT agentiq_my_shops()))
    WITH CHECK (account_id IN (SELECT agentiq_my_shops()));
