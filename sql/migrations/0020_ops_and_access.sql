-- Provider isolation holds for a login that has the provider role but is mapped to no provider:
-- it sees no run header (the ledger's and determinations' policies already show it no row).
-- Acting as a provider: having the provider role's rights without the analyst's or the payments
-- role's, and not being a superuser (a provider's login, or any login after SET ROLE
-- outcomes_provider). `payments statement` asks the same question before it reads a statement.
CREATE FUNCTION payments.acts_as_provider() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT NOT a.rolsuper AND pg_has_role(current_user, 'outcomes_provider', 'USAGE')
                            AND NOT pg_has_role(current_user, 'outcomes_analyst', 'USAGE')
                            AND NOT pg_has_role(current_user, 'outcomes_payments', 'USAGE')
                     FROM pg_roles a WHERE a.rolname = current_user), false)
$$;

-- Every header for a user mapped to no provider that does not act as one (a superuser, the
-- schema's owner, the analyst and payments roles); a provider's own runs for its mapped users;
-- nothing for anyone else.
CREATE OR REPLACE VIEW payments.run_headers WITH (security_barrier = true) AS
    SELECT r.run_id, r.contract_id, r.version, r.period, r.kind, r.inputs_sha256, r.run_by, r.run_at
    FROM payments.runs r
    WHERE (NOT EXISTS (SELECT 1 FROM payments.provider_users u WHERE u.user_name IN (current_user, session_user))
           AND NOT payments.acts_as_provider())
       OR EXISTS (SELECT 1 FROM payments.ledger l JOIN payments.provider_users u USING (provider_id)
                  WHERE u.user_name IN (current_user, session_user) AND l.run_id = r.run_id)
       OR EXISTS (SELECT 1 FROM payments.determinations d JOIN payments.provider_users u USING (provider_id)
                  WHERE u.user_name IN (current_user, session_user) AND d.run_id = r.run_id);

-- Comparison and scenario runs are append-only for every role, as the ledger is: what a run found
-- is what it stored. The schemas and tables pass from the analyst role to the schema's owner (the
-- user who migrates), since an owner may alter, disable triggers on or drop its tables; the analyst
-- keeps what its commands do — insert runs, read them, and build a comparison's work tables (its
-- own, dropped at the end of the run) in the evaluation schema. Rows already stored are kept.
CREATE FUNCTION evaluation.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%.% is append-only: % is refused; run it again to store a new run', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

ALTER SCHEMA evaluation OWNER TO CURRENT_USER;
ALTER SCHEMA scenario OWNER TO CURRENT_USER;
ALTER TABLE evaluation.runs OWNER TO CURRENT_USER;
ALTER TABLE evaluation.run_units OWNER TO CURRENT_USER;
ALTER TABLE scenario.runs OWNER TO CURRENT_USER;

REVOKE ALL ON evaluation.runs, evaluation.run_units, scenario.runs FROM PUBLIC, outcomes_analyst, outcomes_payments, outcomes_provider;
GRANT USAGE, CREATE ON SCHEMA evaluation TO outcomes_analyst;
GRANT USAGE ON SCHEMA scenario TO outcomes_analyst;
GRANT SELECT, INSERT ON evaluation.runs, evaluation.run_units, scenario.runs TO outcomes_analyst;
GRANT SELECT ON evaluation.runs, evaluation.run_units, scenario.runs TO outcomes_payments;

CREATE TRIGGER runs_append_only BEFORE UPDATE OR DELETE ON evaluation.runs
    FOR EACH ROW EXECUTE FUNCTION evaluation.refuse_change();
CREATE TRIGGER runs_no_truncate BEFORE TRUNCATE ON evaluation.runs
    FOR EACH STATEMENT EXECUTE FUNCTION evaluation.refuse_change();
CREATE TRIGGER run_units_append_only BEFORE UPDATE OR DELETE ON evaluation.run_units
    FOR EACH ROW EXECUTE FUNCTION evaluation.refuse_change();
CREATE TRIGGER run_units_no_truncate BEFORE TRUNCATE ON evaluation.run_units
    FOR EACH STATEMENT EXECUTE FUNCTION evaluation.refuse_change();
CREATE TRIGGER runs_append_only BEFORE UPDATE OR DELETE ON scenario.runs
    FOR EACH ROW EXECUTE FUNCTION evaluation.refuse_change();
CREATE TRIGGER runs_no_truncate BEFORE TRUNCATE ON scenario.runs
    FOR EACH STATEMENT EXECUTE FUNCTION evaluation.refuse_change();
