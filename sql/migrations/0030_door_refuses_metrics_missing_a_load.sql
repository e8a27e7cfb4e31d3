-- The door's own check that a run's metrics are current. Loads take their numbers when they begin
-- and may finish in any order; a metrics run records the loads numbered before its own that had
-- not finished (metrics.computed_periods.pending_loads, 0028). `outcomes payments` refuses metrics
-- missing such a load once it has finished, but the door judged only the load a run names and (on
-- approval) the newest finished load's number, so a login calling the door's functions itself
-- could post, or approve, a run on metrics that leave a finished load out. `check_run`, which
-- `open_run`, `stage_run` and `approve_run` all call, now refuses them. Nothing stored changes.
CREATE OR REPLACE FUNCTION payments.check_run(p_contract text, p_version integer, p_period text, p_kind text, p_load integer, p_inputs text)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog SET jit = off AS $$
DECLARE
    hash text;
    found jsonb;
    head text;
    missed integer;
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
    -- Loads finish in any order: one numbered before p_load that had not finished when the metrics
    -- were computed (pending_loads, 0028) and has finished since is missing from them.
    SELECT min(d.load_id) INTO missed
    FROM metrics.computed_periods c JOIN ids.data_loads d ON d.load_id = ANY (c.pending_loads) AND d.finished_at IS NOT NULL
    WHERE c.contract_id = p_contract AND c.period = p_period AND c.version = p_version AND c.load_id = p_load;
    IF missed IS NOT NULL THEN
        RAISE EXCEPTION 'the metrics of period % of contract % miss data load %, which finished after they were computed', p_period,
            p_contract, missed USING ERRCODE = 'check_violation';
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
