-- Nothing a job role defines runs with the rights of the tool's own functions (a hostile review's
-- findings; the door's owner is a superuser on the embedded cluster).
--
-- 1. The door's functions named their search path `pg_catalog` alone. PostgreSQL then searches the
--    caller's temporary schema first for type names, so a payments login's `pg_temp.jsonb`, a
--    domain whose CHECK calls its own function, replaced the door's `jsonb` and ran that function
--    as the door's owner. Every function of the tool that sets its path now lists `pg_temp` last.
-- 2. The door reads metrics.computed_periods and metrics.provider_results with its owner's rights.
--    Owned by the analyst role since 0015, either could be reshaped by an analyst (a view over its
--    own function in its place, row security with a policy calling one, a column of its own type
--    whose implicit cast is one), which the door then ran. They now belong to the door's owner,
--    the analyst keeping the rights to their rows that a metrics run and a stored comparison use.
--    A table already reshaped while the analyst owned it is refused, not adopted: the migration
--    stops, naming it, and an administrator looks at what was done.
-- 3. The door reads the caller's staged lines from its temporary tables, which check_staging required
--    to be plain; but an index whose predicate is the caller's immutable function was folded by the
--    planner, as the door's owner. They now carry no index, statistics object, constraint, default or
--    trigger either (LedgerWriter makes none).
-- 4. Runs of one contract passed the door side by side: each one's cap check saw only committed
--    lines, so two uncommitted runs could together pass a cap; and a REPEATABLE READ caller's
--    snapshot, taken before a load finished or a run was staged, passed the door's freshness checks.
--    check_run (open_run, stage_run, approve_run) now takes the contract's lock and refuses any
--    isolation but READ COMMITTED.
-- One block: a migration is one statement.
DO $migration$
DECLARE
    door_owner oid := (SELECT proowner FROM pg_proc WHERE oid = 'payments.check_run(text, integer, text, text, integer, text)'::regprocedure);
    propagation text := current_setting('citus.enable_ddl_propagation', true);
    fn regprocedure;
    reshaped text;
BEGIN
-- As in 0030: the tool's functions and these tables live on the coordinator only.
IF propagation IS NOT NULL THEN
    PERFORM set_config('citus.enable_ddl_propagation', 'off', true);
END IF;

CREATE OR REPLACE FUNCTION payments.check_run(p_contract text, p_version integer, p_period text, p_kind text, p_load integer, p_inputs text)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off AS $$
DECLARE
    hash text;
    found jsonb;
    head text;
    stale record;
BEGIN
    -- What the door checks must be what has committed: not a snapshot the caller's transaction took before.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'the ledger''s door runs in a READ COMMITTED transaction, not %', current_setting('transaction_isolation')
            USING ERRCODE = 'invalid_transaction_state';
    END IF;
    -- A contract's runs pass the door one at a time, until each commits: a cap sums lines across periods and runs,
    -- and each run's check must see the others' lines. (Volatile, so that what follows reads after the wait.)
    PERFORM pg_advisory_xact_lock(hashtext('payments/' || p_contract));
    SELECT c.file_sha256, t.terms INTO hash, found
    FROM payments.contracts c LEFT JOIN payments.contract_terms t USING (contract_id, version)
    WHERE c.contract_id = p_contract AND c.version = p_version;
    IF hash IS NULL THEN
        RAISE EXCEPTION 'version % of contract % is not loaded', p_version, p_contract USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF found IS NULL THEN
        RAISE EXCEPTION 'the terms of version % of contract % are not recorded', p_version, p_contract
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF p_kind IS NULL OR p_kind NOT IN ('interim', 'final') OR p_inputs IS NULL OR p_load IS NULL OR p_period IS NULL THEN
        RAISE EXCEPTION 'a run is interim or final, not %', p_kind USING ERRCODE = 'check_violation';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM metrics.computed_periods
                   WHERE contract_id = p_contract AND period = p_period AND version = p_version AND load_id = p_load) THEN
        RAISE EXCEPTION 'period % of contract % has no metrics computed from version % and data load %', p_period, p_contract,
            p_version, p_load USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF p_load IS DISTINCT FROM (SELECT max(d.load_id) FROM ids.data_loads d WHERE d.finished_at IS NOT NULL) THEN
        RAISE EXCEPTION 'data load % is not the newest finished load: compute the metrics of contract % again', p_load, p_contract
            USING ERRCODE = 'check_violation';
    END IF;
    -- Each period the run reads up to the one paid: computed under this version from this load, missing no load
    -- numbered before it that has finished since. What came before the first and the control arm, where this
    -- version has them (only the metrics run writes them, and only for a version that reads them), the same.
    -- (A matched group, `@matched`, may be stored by a comparison for a version that does not pay on it: the
    -- tool checks it where it is read.)
    SELECT p.period, p.contract_id INTO stale
    FROM (SELECT p_contract AS contract_id, r.period
          FROM unnest(payments.periods_read(found, p_period)) AS r(period) WHERE r.period <> '(before)'
          UNION ALL
          SELECT c.contract_id, c.period FROM metrics.computed_periods c
          WHERE c.version = p_version AND ((c.contract_id = p_contract AND c.period = '(before)')
                                           OR (c.contract_id = p_contract || '@control'
                                               AND c.period = ANY (payments.periods_read(found, p_period))))) p
    LEFT JOIN metrics.computed_periods c ON c.contract_id = p.contract_id AND c.period = p.period
    WHERE c.contract_id IS NULL OR c.version IS DISTINCT FROM p_version OR c.load_id <> p_load
       OR EXISTS (SELECT 1 FROM ids.data_loads d WHERE d.load_id = ANY (c.pending_loads) AND d.finished_at IS NOT NULL)
    ORDER BY p.contract_id, p.period
    LIMIT 1;
    IF stale.contract_id IS NOT NULL THEN  -- (FOUND is the terms here)
        RAISE EXCEPTION 'the metrics of period % of % are not computed from version % and data load % with every load before it',
            stale.period, stale.contract_id, p_version, p_load USING ERRCODE = 'check_violation';
    END IF;
    head := concat_ws(E'\n', E'outcomes-payment-inputs\t1', E'contract\t' || payments.copy_text(p_contract),
                      E'version\t' || p_version, E'file_sha256\t' || hash, E'period\t' || payments.copy_text(p_period),
                      E'kind\t' || p_kind) || E'\n';
    IF left(p_inputs, length(head)) <> head OR split_part(left(p_inputs, 65536), E'\n', 9) <> E'load\t' || p_load THEN
        RAISE EXCEPTION 'the inputs given are not those of version % of contract %, period %, % run, data load %', p_version,
            p_contract, p_period, p_kind, p_load USING ERRCODE = 'check_violation';
    END IF;
    RETURN found;
END
$$;

CREATE OR REPLACE FUNCTION payments.check_staging() RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off AS $$
DECLARE
    expected constant text[] := ARRAY[
        'outcomes_run_lines:line_no integer, provider_id text, payer_id text, person_id bigint, line_id text, entry text, '
            || 'amount numeric, earned numeric, notes text, reasons jsonb',
        'outcomes_run_determinations:seq integer, line_id text, mechanism text, cohort text, provider_id text, finding text, '
            || 'improvement numeric, improvement_exact text, threshold numeric, earned numeric, payable numeric, detail jsonb'];
    item text;
    found text;
BEGIN
    FOREACH item IN ARRAY expected LOOP
        -- format_type qualifies a type the path does not find first: a pg_temp domain named numeric is not numeric.
        SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) INTO found
        FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relnamespace = pg_my_temp_schema() AND c.relname = split_part(item, ':', 1)
          AND c.relkind = 'r' AND NOT c.relrowsecurity AND NOT c.relhasrules AND NOT c.relhassubclass AND NOT c.relispartition
          AND NOT c.relhastriggers AND c.relchecks = 0
          AND NOT EXISTS (SELECT 1 FROM pg_index x WHERE x.indrelid = c.oid)
          AND NOT EXISTS (SELECT 1 FROM pg_statistic_ext s WHERE s.stxrelid = c.oid)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid)
          AND NOT EXISTS (SELECT 1 FROM pg_attrdef d WHERE d.adrelid = c.oid)
          AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid)
        GROUP BY c.oid;
        IF found IS DISTINCT FROM split_part(item, ':', 2) THEN
            RAISE EXCEPTION 'the staged % are not a plain temporary table of the expected columns', split_part(item, ':', 1)
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END LOOP;
END
$$;

FOR fn IN
    SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname IN ('ids', 'metrics', 'payments', 'linkage', 'evaluation', 'scenario', 'quality', 'public')
      AND p.proowner = door_owner
      AND (p.prosecdef OR EXISTS (SELECT 1 FROM unnest(p.proconfig) AS c(setting) WHERE c.setting LIKE 'search\_path=%'))
    ORDER BY 1
LOOP
    EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp', fn);
END LOOP;

SELECT string_agg(t.relid::regclass::text, ', ' ORDER BY t.relid::regclass::text) INTO reshaped
FROM (VALUES ('metrics.computed_periods'::regclass), ('metrics.provider_results'::regclass)) AS t(relid)
JOIN pg_class c ON c.oid = t.relid
WHERE c.relkind <> 'r' OR c.relrowsecurity OR c.relforcerowsecurity OR c.relhasrules OR c.relhassubclass OR c.relispartition
   OR EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = t.relid)
   OR EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = t.relid AND NOT tgisinternal)
   OR EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = t.relid OR inhparent = t.relid)
   OR EXISTS (SELECT 1 FROM pg_statistic_ext WHERE stxrelid = t.relid)
   OR EXISTS (SELECT 1 FROM pg_index WHERE indrelid = t.relid AND (indexprs IS NOT NULL OR indpred IS NOT NULL))
   OR EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
              WHERE a.attrelid = t.relid AND a.attnum > 0 AND NOT a.attisdropped AND ty.typnamespace <> 'pg_catalog'::regnamespace)
   -- Defaults and constraints calling or comparing with anything but PostgreSQL's own.
   OR EXISTS (SELECT 1 FROM pg_depend d
              WHERE ((d.classid = 'pg_class'::regclass AND d.objid = t.relid)
                     OR (d.classid = 'pg_attrdef'::regclass AND d.objid IN (SELECT oid FROM pg_attrdef WHERE adrelid = t.relid))
                     OR (d.classid = 'pg_constraint'::regclass AND d.objid IN (SELECT oid FROM pg_constraint WHERE conrelid = t.relid)))
                AND ((d.refclassid = 'pg_proc'::regclass
                      AND (SELECT pronamespace FROM pg_proc WHERE oid = d.refobjid) <> 'pg_catalog'::regnamespace)
                  OR (d.refclassid = 'pg_operator'::regclass
                      AND (SELECT oprnamespace FROM pg_operator WHERE oid = d.refobjid) <> 'pg_catalog'::regnamespace)
                  OR (d.refclassid = 'pg_type'::regclass
                      AND (SELECT typnamespace FROM pg_type WHERE oid = d.refobjid) <> 'pg_catalog'::regnamespace)));
IF reshaped IS NOT NULL THEN
    RAISE EXCEPTION '% % reshaped while the analyst role owned it (a view, rule, row security, trigger, child, statistics object, expression index, or a column, default or constraint of a type or function not PostgreSQL''s own): the migration does not adopt it; an administrator inspects and restores it, then migrates again',
        reshaped, CASE WHEN reshaped LIKE '%,%' THEN 'were' ELSE 'was' END
        USING ERRCODE = 'object_not_in_prerequisite_state';
END IF;

EXECUTE format('ALTER TABLE metrics.computed_periods OWNER TO %I', pg_get_userbyid(door_owner));
EXECUTE format('ALTER TABLE metrics.provider_results OWNER TO %I', pg_get_userbyid(door_owner));
GRANT SELECT, INSERT, UPDATE, DELETE ON metrics.computed_periods, metrics.provider_results TO outcomes_analyst;

IF propagation IS NOT NULL THEN
    PERFORM set_config('citus.enable_ddl_propagation', propagation, true);
END IF;
END
$migration$;
