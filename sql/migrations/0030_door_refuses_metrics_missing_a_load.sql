-- The door's own check that a run's metrics are current, as `outcomes payments` checks them.
-- Until now the door required only a row of metrics.computed_periods for the paid period computed
-- from the load the run names, so a login calling the door's functions itself could post or stage
-- a run on metrics from an older load, on metrics that miss a load (loads take their numbers when
-- they begin and finish in any order: a metrics run records the loads numbered before its own that
-- had not finished, `pending_loads`, 0028), or on earlier periods computed under another version,
-- from another load or not at all; and a checker could approve a staged run once a load its lines
-- do not hold had finished and the metrics had been computed again, since the door judged only the
-- newest finished load's number.
--
-- Now `check_run` (called by open_run, stage_run and approve_run) requires the load named to be
-- the newest finished one, and each period the run reads up to the one paid (with what came before
-- the first and the control arm, where the version has them) to be computed under this version
-- from that load, with no load it missed since finished. `stage_run` records the loads numbered up
-- to the run's that had not finished (`staged_runs.pending_loads`), and `approve_run` refuses the
-- run once one of them has finished (stage it again). One block: a migration is one statement.
DO $migration$
DECLARE
    propagation text := current_setting('citus.enable_ddl_propagation', true);
BEGIN
-- The door's functions run on the coordinator only. Citus would also create them on every node,
-- which it refuses in a transaction that changed a distributed table in parallel (0027, applied in
-- the same transaction on a database distributed before it): not here.
IF propagation IS NOT NULL THEN
    PERFORM set_config('citus.enable_ddl_propagation', 'off', true);
END IF;
-- The periods a run of p_period reads: what came before the first, then every period of the terms up to p_period.
CREATE FUNCTION payments.periods_read(p_terms jsonb, p_period text) RETURNS text[]
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog AS $$
    SELECT ARRAY['(before)'] || coalesce(p.periods[1:array_position(p.periods, p_period)], ARRAY[p_period])
    FROM (SELECT ARRAY(SELECT jsonb_array_elements_text(p_terms->'periods')) AS periods) p
$$;
REVOKE ALL ON FUNCTION payments.periods_read(jsonb, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION payments.check_run(p_contract text, p_version integer, p_period text, p_kind text, p_load integer, p_inputs text)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog SET jit = off AS $$
DECLARE
    hash text;
    found jsonb;
    head text;
    stale record;
BEGIN
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

-- The loads numbered up to a staged run's own that had not finished when it was staged: its lines
-- cannot hold their data, so it is not approved once one of them has finished.
ALTER TABLE payments.staged_runs ADD COLUMN pending_loads integer[];
COMMENT ON COLUMN payments.staged_runs.pending_loads IS 'Loads numbered up to load_id that had not finished when the run was staged (its lines cannot hold their data): the run is not approved once one of them has finished. NULL for runs staged before this was recorded.';

CREATE OR REPLACE FUNCTION payments.stage_run(p_contract text, p_version integer, p_period text, p_kind text, p_load integer, p_total numeric,
                                   p_inputs text, p_context text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog SET jit = off AS $$
DECLARE
    terms jsonb := payments.check_run(p_contract, p_version, p_period, p_kind, p_load, p_inputs);
    staged bigint;
    pending integer[];
BEGIN
    IF terms->>'approval' IS DISTINCT FROM 'maker_checker' THEN
        RAISE EXCEPTION 'runs of version % of contract % are posted by the login that runs them', p_version, p_contract
            USING ERRCODE = 'check_violation';
    END IF;
    PERFORM payments.check_lines(p_contract, terms, p_total);
    -- Read apart from the INSERT: on Citus an INSERT … VALUES may not hold a subquery on a distributed or reference table.
    pending := ARRAY(SELECT i FROM generate_series(1, p_load) AS i
                     WHERE NOT EXISTS (SELECT 1 FROM ids.data_loads d WHERE d.load_id = i AND d.finished_at IS NOT NULL) ORDER BY i);
    INSERT INTO payments.staged_runs (contract_id, version, period, kind, inputs_sha256, load_id, total, after_run, inputs, context,
                                      staged_by, staged_at, pending_loads)
    VALUES (p_contract, p_version, p_period, p_kind, payments.text_sha256(p_inputs), p_load, p_total,
            (SELECT max(run_id) FROM payments.runs WHERE contract_id = p_contract AND period = p_period), p_inputs, p_context,
            session_user, now(), pending)
    RETURNING staged_id INTO staged;
    INSERT INTO payments.staged_lines (staged_id, line_no, provider_id, payer_id, person_id, line_id, entry, amount, earned, notes,
                                       reasons)
    SELECT staged, s.line_no, s.provider_id, s.payer_id, s.person_id, s.line_id, s.entry, s.amount, s.earned, s.notes, s.reasons
    FROM pg_temp.outcomes_run_lines s;
    INSERT INTO payments.staged_determinations (staged_id, seq, line_id, mechanism, cohort, provider_id, finding, improvement,
                                                improvement_exact, threshold, earned, payable, detail)
    SELECT staged, d.seq, d.line_id, d.mechanism, d.cohort, d.provider_id, d.finding, d.improvement, d.improvement_exact,
           d.threshold, d.earned, d.payable, d.detail
    FROM pg_temp.outcomes_run_determinations d;
    PERFORM payments.check_caps(p_contract, terms, p_period, NULL, staged);
    RETURN staged;
END
$$;

CREATE OR REPLACE FUNCTION payments.approve_run(p_staged bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog SET jit = off AS $$
DECLARE
    staged record;
    terms jsonb;
    posted bigint;
BEGIN
    SELECT * INTO staged FROM payments.staged_runs WHERE staged_id = p_staged;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no run % is staged', p_staged USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('payments/' || staged.contract_id || '/' || staged.period));
    IF staged.staged_by = session_user THEN
        RAISE EXCEPTION 'run % was staged by %; another login approves it', p_staged, session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF EXISTS (SELECT 1 FROM payments.runs WHERE staged_id = p_staged) THEN
        RAISE EXCEPTION 'staged run % is posted already', p_staged USING ERRCODE = 'unique_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM payments.staged_runs WHERE contract_id = staged.contract_id AND period = staged.period
               AND staged_id > p_staged) THEN
        RAISE EXCEPTION 'staged run % is superseded by a later one', p_staged USING ERRCODE = 'check_violation';
    END IF;
    IF (SELECT max(run_id) FROM payments.runs WHERE contract_id = staged.contract_id AND period = staged.period)
       IS DISTINCT FROM staged.after_run THEN
        RAISE EXCEPTION 'the ledger changed since run % was staged', p_staged USING ERRCODE = 'check_violation';
    END IF;
    IF (SELECT max(load_id) FROM ids.data_loads WHERE finished_at IS NOT NULL) IS DISTINCT FROM staged.load_id THEN
        RAISE EXCEPTION 'a data load finished since run % was staged', p_staged USING ERRCODE = 'check_violation';
    END IF;
    -- A load numbered before the staged run's that had not finished when it was staged is not in its lines.
    IF EXISTS (SELECT 1 FROM ids.data_loads d WHERE d.load_id = ANY (staged.pending_loads) AND d.finished_at IS NOT NULL) THEN
        RAISE EXCEPTION 'a data load that had not finished when run % was staged has finished since', p_staged
            USING ERRCODE = 'check_violation';
    END IF;
    terms := payments.check_run(staged.contract_id, staged.version, staged.period, staged.kind, staged.load_id, staged.inputs);
    INSERT INTO payments.runs (contract_id, version, period, kind, inputs_sha256, load_id, total, run_by, run_at, staged_id,
                               staged_by, staged_at, approved_by, approved_at)
    VALUES (staged.contract_id, staged.version, staged.period, staged.kind, staged.inputs_sha256, staged.load_id, staged.total,
            staged.staged_by, now(), p_staged, staged.staged_by, staged.staged_at, session_user, now())
    RETURNING run_id INTO posted;
    INSERT INTO payments.run_snapshots VALUES (posted, 1, staged.inputs, staged.context, payments.computations_of(staged.contract_id, NULL));
    INSERT INTO payments.ledger (run_id, line_no, contract_id, period, provider_id, payer_id, person_id, line_id, entry, amount,
                                 earned, notes, reasons)
    SELECT posted, s.line_no, staged.contract_id, staged.period, s.provider_id, s.payer_id, s.person_id, s.line_id, s.entry,
           s.amount, s.earned, s.notes, s.reasons
    FROM payments.staged_lines s WHERE s.staged_id = p_staged;
    INSERT INTO payments.determinations (run_id, seq, contract_id, period, line_id, mechanism, cohort, provider_id, finding,
                                         improvement, improvement_exact, threshold, earned, payable, detail)
    SELECT posted, d.seq, staged.contract_id, staged.period, d.line_id, d.mechanism, d.cohort, d.provider_id, d.finding,
           d.improvement, d.improvement_exact, d.threshold, d.earned, d.payable, d.detail
    FROM payments.staged_determinations d WHERE d.staged_id = p_staged;
    PERFORM payments.check_caps(staged.contract_id, terms, staged.period, posted, NULL);
    PERFORM payments.seal_run(posted);
    RETURN posted;
END
$$;
IF propagation IS NOT NULL THEN
    PERFORM set_config('citus.enable_ddl_propagation', propagation, true);
END IF;
END
$migration$;
