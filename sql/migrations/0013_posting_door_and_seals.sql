-- Runs are posted through the database's own door, and sealed into a hash chain.
--
-- The payments role no longer inserts runs, ledger lines or determinations itself: it opens a run
-- with payments.open_run (the contract version must be loaded and the period's metrics computed
-- from it; who ran it is the session's user, not a claim), stages its lines in a temporary table
-- and closes the run with payments.close_run, which writes the lines, checks they add up to the
-- run's total and seals the run: a SHA-256 over the run's header, its lines and its determinations,
-- chained to the previous seal. `outcomes payments verify` recomputes the chain, so an edit — even
-- a superuser's, with the append-only triggers switched off — is detected.

-- The digest of a run's ledger lines, in line order, in chunks (one string of a whole run would be
-- hundreds of megabytes).
CREATE FUNCTION payments.lines_digest(p_run bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(coalesce(string_agg(chunk, ',' ORDER BY n), ''), 'UTF8')), 'hex')
    FROM (
        SELECT line_no / 4096 AS n,
               encode(sha256(convert_to(string_agg(concat_ws(E'\t', line_no, contract_id, period, provider_id, payer_id,
                   coalesce(person_id::text, '-'), line_id, entry, amount::text, coalesce(earned::text, '-'), notes,
                   coalesce(reasons::text, '-')), E'\n' ORDER BY line_no), 'UTF8')), 'hex') AS chunk
        FROM payments.ledger WHERE run_id = p_run GROUP BY 1
    ) AS chunks
$$;

CREATE FUNCTION payments.determinations_digest(p_run bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(coalesce(string_agg(concat_ws(E'\t', seq, line_id, cohort, provider_id, finding,
               coalesce(improvement_exact, '-'), earned::text, payable::text, detail::text), E'\n' ORDER BY seq), ''), 'UTF8')), 'hex')
    FROM payments.determinations WHERE run_id = p_run
$$;

-- The seal of a run: its header, the digests of its lines and determinations, and the previous seal.
CREATE FUNCTION payments.seal_of(p_run bigint, p_previous text, p_lines text, p_determinations text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(concat_ws('|', coalesce(p_previous, ''), r.run_id, r.contract_id, r.version, r.period,
               r.kind, r.inputs_sha256, r.load_id, r.total::text, r.run_by, to_char(r.run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
               p_lines, p_determinations), 'UTF8')), 'hex')
    FROM payments.runs r WHERE r.run_id = p_run
$$;

-- The same, from the run's lines and determinations as they are now (what `payments verify` checks).
CREATE FUNCTION payments.seal_of(p_run bigint, p_previous text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT payments.seal_of(p_run, p_previous, payments.lines_digest(p_run), payments.determinations_digest(p_run))
$$;

CREATE TABLE payments.run_seals (
    position     bigint PRIMARY KEY,
    run_id       bigint NOT NULL UNIQUE REFERENCES payments.runs,
    lines_sha256 text NOT NULL,
    previous     text,
    seal         text NOT NULL,
    sealed_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER run_seals_append_only BEFORE UPDATE OR DELETE ON payments.run_seals
    FOR EACH ROW EXECUTE FUNCTION payments.refuse_change();
CREATE TRIGGER run_seals_no_truncate BEFORE TRUNCATE ON payments.run_seals
    FOR EACH STATEMENT EXECUTE FUNCTION payments.refuse_change();

-- Appends a run to the chain. The digests are taken first; then sealing is serialized (the lock
-- is held to the end of the transaction), so concurrent runs form one chain, never a fork.
CREATE FUNCTION payments.seal_run(p_run bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    last record;
    lines text := payments.lines_digest(p_run);
    determinations text := payments.determinations_digest(p_run);
    sealed text;
BEGIN
    LOCK TABLE payments.run_seals IN EXCLUSIVE MODE;
    SELECT position, seal INTO last FROM payments.run_seals ORDER BY position DESC LIMIT 1;
    sealed := payments.seal_of(p_run, last.seal, lines, determinations);
    INSERT INTO payments.run_seals (position, run_id, lines_sha256, previous, seal)
    VALUES (coalesce(last.position, 0) + 1, p_run, lines, last.seal, sealed);
    RETURN sealed;
END
$$;

-- The runs posted before the chain: sealed now, in the order they were posted.
DO $$
DECLARE
    run bigint;
BEGIN
    FOR run IN SELECT run_id FROM payments.runs ORDER BY run_id LOOP
        PERFORM payments.seal_run(run);
    END LOOP;
END
$$;

-- Opens a run: the contract version must be loaded and the period's metrics computed from it.
CREATE FUNCTION payments.open_run(p_contract text, p_version integer, p_period text, p_kind text, p_inputs text,
                                  p_load integer, p_total numeric) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    opened bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM payments.contracts WHERE contract_id = p_contract AND version = p_version) THEN
        RAISE EXCEPTION 'version % of contract % is not loaded', p_version, p_contract USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM metrics.computed_periods
                   WHERE contract_id = p_contract AND period = p_period AND version = p_version AND load_id = p_load) THEN
        RAISE EXCEPTION 'period % of contract % has no metrics computed from version % and data load %', p_period, p_contract,
            p_version, p_load USING ERRCODE = 'foreign_key_violation';
    END IF;
    INSERT INTO payments.runs (contract_id, version, period, kind, inputs_sha256, load_id, total, run_by, run_at)
    VALUES (p_contract, p_version, p_period, p_kind, p_inputs, p_load, p_total, session_user, now())
    RETURNING run_id INTO opened;
    RETURN opened;
END
$$;

-- Closes a run: its lines and determinations, staged by the caller in the temporary tables
-- outcomes_run_lines and outcomes_run_determinations, are written; the lines must add up to the
-- run's total; the run is sealed. A run is closed once.
CREATE FUNCTION payments.close_run(p_run bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    run record;
    posted numeric;
BEGIN
    SELECT * INTO run FROM payments.runs WHERE run_id = p_run;
    IF NOT FOUND OR EXISTS (SELECT 1 FROM payments.run_seals WHERE run_id = p_run)
       OR EXISTS (SELECT 1 FROM payments.ledger WHERE run_id = p_run) THEN
        RAISE EXCEPTION 'run % is not open', p_run USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO payments.ledger (run_id, line_no, contract_id, period, provider_id, payer_id, person_id, line_id, entry, amount,
                                 earned, notes, reasons)
    SELECT p_run, s.line_no, run.contract_id, run.period, s.provider_id, s.payer_id, s.person_id, s.line_id, s.entry, s.amount,
           s.earned, s.notes, s.reasons
    FROM pg_temp.outcomes_run_lines s;
    SELECT coalesce(sum(amount), 0) INTO posted FROM payments.ledger WHERE run_id = p_run;
    IF posted <> run.total THEN
        RAISE EXCEPTION 'the lines of run % add up to %, not its total %', p_run, posted, run.total USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO payments.determinations (run_id, seq, contract_id, period, line_id, mechanism, cohort, provider_id, finding,
                                         improvement, improvement_exact, threshold, earned, payable, detail)
    SELECT p_run, d.seq, run.contract_id, run.period, d.line_id, d.mechanism, d.cohort, d.provider_id, d.finding, d.improvement,
           d.improvement_exact, d.threshold, d.earned, d.payable, d.detail
    FROM pg_temp.outcomes_run_determinations d;
    RETURN payments.seal_run(p_run);
END
$$;

REVOKE ALL ON FUNCTION payments.seal_run(bigint), payments.open_run(text, integer, text, text, text, integer, numeric),
    payments.close_run(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION payments.open_run(text, integer, text, text, text, integer, numeric), payments.close_run(bigint)
    TO outcomes_payments;
REVOKE INSERT ON payments.runs, payments.ledger, payments.determinations FROM outcomes_payments;
GRANT SELECT ON payments.run_seals TO outcomes_analyst, outcomes_payments;

-- Lines enter only through close_run, which takes their contract and period from their run, and
-- `payments verify` reports any line without its run: the per-statement check of migration 0008
-- is no longer needed (it cost a join of every posted line with the runs).
DROP TRIGGER ledger_lines_belong_to_runs ON payments.ledger;
