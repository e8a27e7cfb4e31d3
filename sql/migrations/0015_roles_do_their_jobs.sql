-- Each command runs as the role its job needs (`outcomes` SETs ROLE after connecting): analysts
-- compute metrics, so the analyst role owns the metrics tables (a run swaps whole partitions of
-- person results in, which takes their owner) and may create the staging tables; the payments
-- role posts through the door; a provider's users read their own lines.
GRANT CREATE, USAGE ON SCHEMA metrics TO outcomes_analyst;
ALTER TABLE metrics.person_results OWNER TO outcomes_analyst;
ALTER TABLE metrics.provider_results OWNER TO outcomes_analyst;
ALTER TABLE metrics.computed_periods OWNER TO outcomes_analyst;
DO $$
DECLARE
    part regclass;
BEGIN
    -- Every partition of the results, at every level, created by earlier runs.
    FOR part IN
        WITH RECURSIVE tree AS (
            SELECT inhrelid FROM pg_inherits WHERE inhparent = 'metrics.person_results'::regclass
            UNION ALL
            SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.inhrelid)
        SELECT inhrelid::regclass FROM tree
    LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO outcomes_analyst', part);
    END LOOP;
END
$$;

-- Reading what a command reports: the analyst reads the payment tables it summarizes.
GRANT SELECT ON payments.milestone_attestations TO outcomes_payments;
GRANT SELECT ON public.schema_migrations TO outcomes_analyst, outcomes_payments, outcomes_provider;
-- A provider's users read the terms of the contract their statement is under.
GRANT SELECT ON payments.contracts TO outcomes_provider;

-- A provider's user who takes the provider role (SET ROLE outcomes_provider, as the CLI does) is
-- still known by the login: the policies look at the session's user as well as the current one.
DROP POLICY ledger_own_provider ON payments.ledger;
CREATE POLICY ledger_own_provider ON payments.ledger FOR SELECT TO outcomes_provider
    USING (provider_id IN (SELECT provider_id FROM payments.provider_users WHERE user_name IN (current_user, session_user)));
DROP POLICY determinations_own_provider ON payments.determinations;
CREATE POLICY determinations_own_provider ON payments.determinations FOR SELECT TO outcomes_provider
    USING (provider_id IN (SELECT provider_id FROM payments.provider_users WHERE user_name IN (current_user, session_user)));
DROP POLICY provider_users_own_row ON payments.provider_users;
CREATE POLICY provider_users_own_row ON payments.provider_users FOR SELECT TO outcomes_provider
    USING (user_name IN (current_user, session_user));
CREATE OR REPLACE VIEW payments.run_headers WITH (security_barrier = true) AS
    SELECT r.run_id, r.contract_id, r.version, r.period, r.kind, r.inputs_sha256, r.run_by, r.run_at
    FROM payments.runs r
    WHERE NOT EXISTS (SELECT 1 FROM payments.provider_users u WHERE u.user_name IN (current_user, session_user))
       OR EXISTS (SELECT 1 FROM payments.ledger l JOIN payments.provider_users u USING (provider_id)
                  WHERE u.user_name IN (current_user, session_user) AND l.run_id = r.run_id)
       OR EXISTS (SELECT 1 FROM payments.determinations d JOIN payments.provider_users u USING (provider_id)
                  WHERE u.user_name IN (current_user, session_user) AND d.run_id = r.run_id);

-- Who loaded a contract and who attested a milestone is the session's login, whatever the
-- INSERT says (a role taken with SET ROLE, or a name given by the caller, is not a person).
CREATE FUNCTION payments.record_loader() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.loaded_by := session_user;
    NEW.loaded_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER contracts_loaded_by_the_session BEFORE INSERT ON payments.contracts
    FOR EACH ROW EXECUTE FUNCTION payments.record_loader();

CREATE FUNCTION payments.record_attester() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.attested_by := session_user;
    NEW.attested_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER attestations_by_the_session BEFORE INSERT ON payments.milestone_attestations
    FOR EACH ROW EXECUTE FUNCTION payments.record_attester();
