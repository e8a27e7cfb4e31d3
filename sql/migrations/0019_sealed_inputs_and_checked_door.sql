-- Every posted run can be recomputed, and the seal covers every stored column.
--
-- * A run stores the exact inputs its pure function consumed (payments.run_snapshots: the canonical
--   text of the figures, counts, attestations and comparison runs it read, and the amounts the
--   ledger held before it). The door computes the run's inputs hash from that text itself, so a
--   hash can no longer be written by hand; `payments verify --recompute` reads the text back and
--   runs the engine again.
-- * The door checks what it is handed against the contract version's terms, stored beside its text
--   when it is loaded (payments.contract_terms): lines whose provider, payer or line id the
--   contract does not name are refused, and so are sums above any cap the terms state.
-- * Maker–checker: a contract may require that a run staged by one login is posted only when a
--   different login approves it (payments.stage_run, payments.approve_run).
-- * Seals of format 2 cover every column of the run, its lines, determinations, inputs, approval,
--   its seal row and the contract text and terms it was computed under. Runs sealed before keep
--   their format 1 seals (history is not rewritten); `payments verify` checks each by its format.

-- A contract version's terms as the door reads them (providers, payers, line ids, caps, approval).
CREATE TABLE payments.contract_terms (
    contract_id text NOT NULL,
    version     integer NOT NULL,
    terms       jsonb NOT NULL,
    indexed_by  text NOT NULL,
    indexed_at  timestamptz NOT NULL,
    PRIMARY KEY (contract_id, version),
    FOREIGN KEY (contract_id, version) REFERENCES payments.contracts
);
CREATE TRIGGER contract_terms_append_only BEFORE UPDATE OR DELETE ON payments.contract_terms
    FOR EACH ROW EXECUTE FUNCTION payments.refuse_change();
CREATE TRIGGER contract_terms_no_truncate BEFORE TRUNCATE ON payments.contract_terms
    FOR EACH STATEMENT EXECUTE FUNCTION payments.refuse_change();

-- Records a version's terms once (at load; for versions loaded before this migration, at their
-- first run). The same terms again change nothing; other terms for the version are refused.
CREATE FUNCTION payments.index_terms(p_contract text, p_version integer, p_terms jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    known jsonb;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM payments.contracts WHERE contract_id = p_contract AND version = p_version) THEN
        RAISE EXCEPTION 'version % of contract % is not loaded', p_version, p_contract USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT terms INTO known FROM payments.contract_terms WHERE contract_id = p_contract AND version = p_version;
    -- Maker–checker binds every version loaded after it: the login it binds cannot lift it.
    IF p_terms->>'approval' IS DISTINCT FROM 'maker_checker' AND EXISTS (
        SELECT 1 FROM payments.contract_terms WHERE contract_id = p_contract AND version <> p_version AND terms->>'approval' = 'maker_checker')
    THEN
        RAISE EXCEPTION 'version % of contract % would let one login post runs another version has approved by another', p_version,
            p_contract USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF known IS NULL THEN
        INSERT INTO payments.contract_terms VALUES (p_contract, p_version, p_terms, session_user, now());
    ELSIF known <> p_terms THEN
        RAISE EXCEPTION 'the terms of version % of contract % are recorded already, and differ', p_version, p_contract
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
END
$$;

-- What a run consumed, as canonical text: its inputs (PaymentInputsRecord) and its context
-- (RunContext: what the ledger held before it); and, recorded by the door itself, the stored
-- computations of the contract's metrics when it was posted (`verify --recompute` reads its inputs
-- again from the results only while those are still the stored ones).
CREATE TABLE payments.run_snapshots (
    run_id   bigint PRIMARY KEY REFERENCES payments.runs,
    format   smallint NOT NULL,
    inputs   text NOT NULL,
    context  text NOT NULL,
    computed jsonb NOT NULL
);
-- The texts are written once and read rarely: stored out of line and uncompressed (compressing
-- tens of megabytes at every run costs more time than the disk it saves).
ALTER TABLE payments.run_snapshots ALTER COLUMN inputs SET STORAGE EXTERNAL, ALTER COLUMN context SET STORAGE EXTERNAL;
CREATE TRIGGER run_snapshots_append_only BEFORE UPDATE OR DELETE ON payments.run_snapshots
    FOR EACH ROW EXECUTE FUNCTION payments.refuse_change();
CREATE TRIGGER run_snapshots_no_truncate BEFORE TRUNCATE ON payments.run_snapshots
    FOR EACH STATEMENT EXECUTE FUNCTION payments.refuse_change();

-- Who staged and who approved a run posted by maker–checker.
ALTER TABLE payments.runs ADD COLUMN staged_id bigint, ADD COLUMN staged_by text, ADD COLUMN staged_at timestamptz,
    ADD COLUMN approved_by text, ADD COLUMN approved_at timestamptz;
-- Existing seals are of format 1; new ones of format 2.
ALTER TABLE payments.run_seals ADD COLUMN format smallint NOT NULL DEFAULT 1;

-- Runs staged for approval, with their lines and determinations, until a second login approves.
CREATE TABLE payments.staged_runs (
    staged_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract_id   text NOT NULL,
    version       integer NOT NULL,
    period        text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('interim', 'final')),
    inputs_sha256 text NOT NULL,
    load_id       integer NOT NULL,
    total         numeric NOT NULL,
    -- The period's last posted run when this was staged: approval needs the ledger unchanged since.
    after_run     bigint,
    inputs        text NOT NULL,
    context       text NOT NULL,
    staged_by     text NOT NULL,
    staged_at     timestamptz NOT NULL,
    FOREIGN KEY (contract_id, version) REFERENCES payments.contracts
);
ALTER TABLE payments.staged_runs ALTER COLUMN inputs SET STORAGE EXTERNAL, ALTER COLUMN context SET STORAGE EXTERNAL;
CREATE TABLE payments.staged_lines (LIKE payments.ledger);
ALTER TABLE payments.staged_lines DROP COLUMN run_id, DROP COLUMN contract_id, DROP COLUMN period;
ALTER TABLE payments.staged_lines ADD COLUMN staged_id bigint NOT NULL REFERENCES payments.staged_runs;
ALTER TABLE payments.staged_lines ADD PRIMARY KEY (staged_id, line_no);
CREATE TABLE payments.staged_determinations (LIKE payments.determinations);
ALTER TABLE payments.staged_determinations DROP COLUMN run_id, DROP COLUMN contract_id, DROP COLUMN period;
ALTER TABLE payments.staged_determinations ADD COLUMN staged_id bigint NOT NULL REFERENCES payments.staged_runs;
ALTER TABLE payments.staged_determinations ADD PRIMARY KEY (staged_id, seq);
CREATE TRIGGER staged_runs_append_only BEFORE UPDATE OR DELETE ON payments.staged_runs
    FOR EACH ROW EXECUTE FUNCTION payments.refuse_change();
CREATE TRIGGER staged_runs_no_truncate BEFORE TRUNCATE ON payments.staged_runs
    FOR EACH STATEMENT EXECUTE FUNCTION payments.refuse_change();
CREATE TRIGGER staged_lines_append_only BEFORE UPDATE OR DELETE ON payments.staged_lines
    FOR EACH ROW EXECUTE FUNCTION payments.refuse_change();
CREATE TRIGGER staged_lines_no_truncate BEFORE TRUNCATE ON payments.staged_lines
    FOR EACH STATEMENT EXECUTE FUNCTION payments.refuse_change();
CREATE TRIGGER staged_determinations_append_only BEFORE UPDATE OR DELETE ON payments.staged_determinations
    FOR EACH ROW EXECUTE FUNCTION payments.refuse_change();
CREATE TRIGGER staged_determinations_no_truncate BEFORE TRUNCATE ON payments.staged_determinations
    FOR EACH STATEMENT EXECUTE FUNCTION payments.refuse_change();

-- ---------------------------------------------------------------------------------------------
-- Seals, format 2: every column, written unambiguously (a row's text form quotes its fields).

-- The stored computations of a contract's metrics (its participants', control arm's and matched
-- group's), of some periods or all: what each contract-period was computed from, and when.
CREATE FUNCTION payments.computations_of(p_contract text, p_periods text[]) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('contract_id', contract_id, 'period', period, 'load_id', load_id, 'version', version,
                                                 'file_sha256', file_sha256,
                                                 'computed_at', to_char(computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'))
                              ORDER BY contract_id, period), '[]'::jsonb)
    FROM metrics.computed_periods
    WHERE contract_id IN (p_contract, p_contract || '@control', p_contract || '@matched')
      AND (p_periods IS NULL OR period = ANY (p_periods))
$$;

-- Of the computations recorded with a run, those of some periods.
CREATE FUNCTION payments.recorded_computations(p_recorded jsonb, p_periods text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_agg(e ORDER BY e->>'contract_id', e->>'period'), '[]'::jsonb)
    FROM jsonb_array_elements(p_recorded) AS e WHERE e->>'period' = ANY (p_periods)
$$;

-- A time as sealed: UTC, microseconds, whatever the session's TimeZone and DateStyle.
CREATE FUNCTION payments.sealed_time(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') $$;

CREATE FUNCTION payments.text_sha256(t text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT encode(sha256(convert_to(t, 'UTF8')), 'hex') $$;

CREATE FUNCTION payments.lines_digest_v2(p_run bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT payments.text_sha256(coalesce(string_agg(chunk, ',' ORDER BY n), ''))
    FROM (
        SELECT line_no / 4096 AS n,
               payments.text_sha256(string_agg(ROW(run_id, line_no, contract_id, period, provider_id, payer_id, person_id, line_id,
                   entry, amount, earned, notes, reasons)::text, E'\n' ORDER BY line_no)) AS chunk
        FROM payments.ledger WHERE run_id = p_run GROUP BY 1
    ) AS chunks
$$;

CREATE FUNCTION payments.determinations_digest_v2(p_run bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT payments.text_sha256(coalesce(string_agg(ROW(run_id, seq, contract_id, period, line_id, mechanism, cohort, provider_id,
               finding, improvement, improvement_exact, threshold, earned, payable, detail)::text, E'\n' ORDER BY seq), ''))
    FROM payments.determinations WHERE run_id = p_run
$$;

-- The run's header with its approval, its inputs, and the contract text and terms it ran under.
CREATE FUNCTION payments.run_digest_v2(p_run bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT payments.text_sha256(concat_ws(E'\n',
        ROW(r.run_id, r.contract_id, r.version, r.period, r.kind, r.inputs_sha256, r.load_id, r.total, r.run_by,
            payments.sealed_time(r.run_at), r.staged_id, r.staged_by, payments.sealed_time(r.staged_at), r.approved_by,
            payments.sealed_time(r.approved_at))::text,
        coalesce((SELECT ROW(s.run_id, s.format, payments.text_sha256(s.inputs), payments.text_sha256(s.context), s.computed)::text
                  FROM payments.run_snapshots s WHERE s.run_id = r.run_id), '-'),
        coalesce((SELECT ROW(c.contract_id, c.version, c.currency, c.file_sha256, payments.text_sha256(c.body), c.loaded_by,
                             payments.sealed_time(c.loaded_at))::text
                  FROM payments.contracts c WHERE c.contract_id = r.contract_id AND c.version = r.version), '-'),
        -- The terms the door checked the run against (recorded before it; a run sealed again by this
        -- migration ran before the terms of its version were recorded, and stays without them).
        coalesce((SELECT ROW(t.contract_id, t.version, t.terms, t.indexed_by, payments.sealed_time(t.indexed_at))::text
                  FROM payments.contract_terms t WHERE t.contract_id = r.contract_id AND t.version = r.version
                    AND t.indexed_at <= r.run_at), '-')))
    FROM payments.runs r WHERE r.run_id = p_run
$$;

-- A format 2 seal from its parts: the seal row's own fields, the run's digest, its lines' and determinations'.
CREATE FUNCTION payments.seal_v2(p_position bigint, p_run bigint, p_previous text, p_lines text, p_sealed_at timestamptz,
                                 p_run_digest text, p_determinations text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT payments.text_sha256(ROW('seal', 2, p_position, p_run, p_previous, p_lines, payments.sealed_time(p_sealed_at),
                                    p_run_digest, p_determinations)::text)
$$;

-- What a seal row's seal should be, from the run as it is now (what `payments verify` checks);
-- NULL when the lines' digest stored in the seal row is not the lines' digest now.
CREATE FUNCTION payments.expected_seal(p_position bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE s.format
        WHEN 1 THEN payments.seal_of(s.run_id, s.previous)
        WHEN 2 THEN CASE WHEN d.lines = s.lines_sha256
                         THEN payments.seal_v2(s.position, s.run_id, s.previous, d.lines, s.sealed_at, payments.run_digest_v2(s.run_id),
                                               payments.determinations_digest_v2(s.run_id)) END
    END
    FROM payments.run_seals s CROSS JOIN LATERAL (SELECT CASE WHEN s.format = 2 THEN payments.lines_digest_v2(s.run_id) END AS lines) d
    WHERE s.position = p_position
$$;

-- Appends a run to the chain with a format 2 seal. Sealing is serialized, so concurrent runs form one chain.
CREATE OR REPLACE FUNCTION payments.seal_run(p_run bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog SET jit = off AS $$
DECLARE
    last record;
    lines text := payments.lines_digest_v2(p_run);
    determinations text := payments.determinations_digest_v2(p_run);
    digest text := payments.run_digest_v2(p_run);
    at timestamptz := now();
    position bigint;
    sealed text;
BEGIN
    LOCK TABLE payments.run_seals IN EXCLUSIVE MODE;
    SELECT s.position, s.seal INTO last FROM payments.run_seals s ORDER BY s.position DESC LIMIT 1;
    position := coalesce(last.position, 0) + 1;
    sealed := payments.seal_v2(position, p_run, last.seal, lines, at, digest, determinations);
    INSERT INTO payments.run_seals (position, run_id, lines_sha256, previous, seal, sealed_at, format)
    VALUES (position, p_run, lines, last.seal, sealed, at, 2);
    RETURN sealed;
END
$$;

-- Runs sealed before this migration keep their format 1 seals, which leave some columns out (a
-- determination's mechanism, threshold and printed improvement; the contract text). Each is sealed
-- again now, in format 2, over everything it holds today, and appended to the chain in the order
-- they were posted: a later edit to any of their columns breaks that seal. (A run thus has one
-- seal, or two when it was posted before this migration.)
ALTER TABLE payments.run_seals DROP CONSTRAINT run_seals_run_id_key;
CREATE INDEX run_seals_run ON payments.run_seals (run_id);
DO $$
DECLARE
    run bigint;
BEGIN
    FOR run IN SELECT run_id FROM payments.run_seals WHERE format = 1 ORDER BY position LOOP
        PERFORM payments.seal_run(run);
    END LOOP;
END
$$;

-- A run is posted whole, in the transaction that opens it: one opened and not sealed by commit is
-- refused (left open, it would break every later verify, and another login could close it).
CREATE FUNCTION payments.refuse_unsealed_run() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM payments.run_seals WHERE run_id = NEW.run_id) THEN
        RAISE EXCEPTION 'run % was opened and not closed: a run is opened, closed and sealed in one transaction', NEW.run_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION payments.refuse_unsealed_run() FROM PUBLIC;
CREATE CONSTRAINT TRIGGER runs_sealed_by_commit AFTER INSERT ON payments.runs DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION payments.refuse_unsealed_run();

-- The chain's head, for every role (a provider's users keep it too, to check their statement later).
CREATE FUNCTION payments.chain_head(OUT head_position bigint, OUT head_seal text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
    SELECT s.position, s.seal FROM payments.run_seals s ORDER BY s.position DESC LIMIT 1
$$;

-- ---------------------------------------------------------------------------------------------
-- The door.

-- A field as the inputs text writes it (PostgreSQL's COPY text escapes).
CREATE FUNCTION payments.copy_text(t text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT replace(replace(replace(replace(t, E'\\', E'\\\\'), E'\t', E'\\t'), E'\n', E'\\n'), E'\r', E'\\r')
$$;

-- Checks what a run is about before anything is written: the version is loaded with its terms
-- recorded, the period's metrics were computed from it and the data load named, and the inputs
-- text names this contract text, period, kind and load. Returns the terms.
CREATE FUNCTION payments.check_run(p_contract text, p_version integer, p_period text, p_kind text, p_load integer, p_inputs text)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog SET jit = off AS $$
DECLARE
    hash text;
    found jsonb;
    head text;
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

-- The door reads the caller's staged lines and determinations with its owner's rights: they must
-- be plain tables of this session's own temporary schema with exactly the columns LedgerWriter
-- makes — never a view, a table with rules, row security or children, or columns of other types,
-- any of which could run the caller's code with the owner's rights.
CREATE FUNCTION payments.check_staging() RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog SET jit = off AS $$
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
        SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) INTO found
        FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relnamespace = pg_my_temp_schema() AND c.relname = split_part(item, ':', 1)
          AND c.relkind = 'r' AND NOT c.relrowsecurity AND NOT c.relhasrules AND NOT c.relhassubclass AND NOT c.relispartition
        GROUP BY c.oid;
        IF found IS DISTINCT FROM split_part(item, ':', 2) THEN
            RAISE EXCEPTION 'the staged % are not a plain temporary table of the expected columns', split_part(item, ':', 1)
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END LOOP;
END
$$;

-- Checks the lines a run posts (staged in pg_temp.outcomes_run_lines) against the terms: every
-- provider, payer and line id named by the contract, and their sum the run's total.
CREATE FUNCTION payments.check_lines(p_contract text, p_terms jsonb, p_total numeric) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off AS $$
DECLARE
    totals record;
    stray record;
BEGIN
    PERFORM payments.check_staging();
    IF p_total IS NULL OR p_total IN ('NaN', 'Infinity', '-Infinity') THEN
        RAISE EXCEPTION 'a run''s total is a finite number' USING ERRCODE = 'check_violation';
    END IF;
    -- One pass over the lines: their sum, and the first whose line, payer or amount the terms do not allow.
    SELECT coalesce(sum(amount), 0) AS posted,
           min(line_no) FILTER (WHERE amount IS NULL OR amount IN ('NaN', 'Infinity', '-Infinity')
                                   OR earned IN ('NaN', 'Infinity', '-Infinity')) AS not_finite,
           min(line_no) FILTER (WHERE NOT (line_id = ANY (ARRAY(SELECT jsonb_array_elements_text(p_terms->'line_ids'))))
                                   OR NOT (payer_id = ANY (ARRAY(SELECT jsonb_array_elements_text(p_terms->'payers'))))) AS unnamed
    INTO totals FROM pg_temp.outcomes_run_lines;
    IF totals.not_finite IS NOT NULL THEN
        RAISE EXCEPTION 'line % of the run is not a finite amount', totals.not_finite USING ERRCODE = 'check_violation';
    END IF;
    IF totals.posted <> p_total THEN
        RAISE EXCEPTION 'the lines add up to %, not the run''s total %', totals.posted, p_total USING ERRCODE = 'check_violation';
    END IF;
    IF totals.unnamed IS NOT NULL THEN
        SELECT line_id, payer_id INTO stray FROM pg_temp.outcomes_run_lines WHERE line_no = totals.unnamed LIMIT 1;
        RAISE EXCEPTION 'line % to payer % is not a line and payer contract % names', stray.line_id, stray.payer_id, p_contract
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT d.line_id INTO stray FROM pg_temp.outcomes_run_determinations d
    WHERE NOT (d.line_id = ANY (ARRAY(SELECT jsonb_array_elements_text(p_terms->'line_ids')))) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'a determination of line %, which contract % does not name', stray.line_id, p_contract
            USING ERRCODE = 'check_violation';
    END IF;
    -- Providers: those the cohort lists, or (when it lists none) those with results or lines under
    -- the contract; and any the terms name themselves.
    SELECT p.provider_id INTO stray
    FROM (SELECT DISTINCT provider_id FROM pg_temp.outcomes_run_lines) p
    WHERE NOT (p.provider_id = ANY (ARRAY(SELECT jsonb_array_elements_text(p_terms->'named_providers'))))
      AND CASE WHEN jsonb_typeof(p_terms->'providers') = 'array'
               THEN NOT (p.provider_id = ANY (ARRAY(SELECT jsonb_array_elements_text(p_terms->'providers'))))
               ELSE NOT EXISTS (SELECT 1 FROM metrics.provider_results r WHERE r.contract_id = p_contract AND r.provider_id = p.provider_id)
                    AND NOT EXISTS (SELECT 1 FROM payments.ledger l WHERE l.contract_id = p_contract AND l.provider_id = p.provider_id)
          END
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'provider % is not a provider of contract %', stray.provider_id, p_contract USING ERRCODE = 'check_violation';
    END IF;
END
$$;

-- Checks that a run adds nothing to a sum of ledger lines that its terms cap and that would then
-- be above the cap. The sums are those the engine's caps see when it pays the run's period: the
-- lines of the version's own periods up to and including that one (a version paying other periods
-- never saw the rest). A run that lowers or keeps such a sum is never refused here: a new version
-- with a lower cap corrects the ledger period by period. `p_run` is a posted run whose lines are in
-- the ledger; `p_staged` a staged run whose lines are not.
CREATE FUNCTION payments.check_caps(p_contract text, p_terms jsonb, p_period text, p_run bigint, p_staged bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog SET jit = off AS $$
DECLARE
    cap jsonb;
    over record;
    periods text[] := ARRAY(SELECT jsonb_array_elements_text(p_terms->'periods'));
BEGIN
    -- The version's periods up to and including the one paid.
    IF array_position(periods, p_period) IS NULL THEN
        RAISE EXCEPTION '% is not a period of contract %', p_period, p_contract USING ERRCODE = 'check_violation';
    END IF;
    periods := periods[1:array_position(periods, p_period)];
    FOR cap IN SELECT jsonb_array_elements(p_terms->'caps') LOOP
        SELECT coalesce(g.provider_id, g.period, g.person_id::text, '') AS key, g.after, g.before INTO over
        FROM (
            -- Grouped by the cap's own column (typed, not text), the others NULL.
            SELECT CASE WHEN cap->>'group' = 'provider' THEN l.provider_id END AS provider_id,
                   CASE WHEN cap->>'group' = 'period' THEN l.period END AS period,
                   CASE WHEN cap->>'group' = 'person' THEN l.person_id END AS person_id,
                   sum(l.amount) AS after, sum(l.amount) FILTER (WHERE NOT l.this_run) AS before
            -- The lines of the contract's runs of those periods (through the runs' index, not every line of the contract).
            FROM (SELECT l.provider_id, l.period, l.person_id, l.line_id, l.amount, l.run_id IS NOT DISTINCT FROM p_run AS this_run
                  FROM payments.runs r JOIN payments.ledger l ON l.run_id = r.run_id
                  WHERE r.contract_id = p_contract AND r.period = ANY (periods)
                  UNION ALL
                  SELECT s.provider_id, p_period, s.person_id, s.line_id, s.amount, true
                  FROM payments.staged_lines s WHERE s.staged_id = p_staged) l
            WHERE l.line_id = ANY (ARRAY(SELECT jsonb_array_elements_text(cap->'lines')))
              AND (cap->>'provider' IS NULL OR l.provider_id = cap->>'provider')
              AND NOT (l.provider_id = ANY (ARRAY(SELECT jsonb_array_elements_text(cap->'except_providers'))))
            GROUP BY 1, 2, 3
        ) g
        WHERE g.after > (cap->>'amount')::numeric AND g.after > coalesce(g.before, 0)
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'the % cap of contract % (%) would be exceeded: % in all%', cap->>'scope', p_contract, cap->>'amount',
                over.after, CASE WHEN over.key = '' THEN '' ELSE ' for ' || over.key END USING ERRCODE = 'check_violation';
        END IF;
    END LOOP;
END
$$;

-- Opens a run of a contract posted by one login. The inputs hash is the hash of the inputs given.
DROP FUNCTION payments.open_run(text, integer, text, text, text, integer, numeric);
CREATE FUNCTION payments.open_run(p_contract text, p_version integer, p_period text, p_kind text, p_load integer, p_total numeric,
                                  p_inputs text, p_context text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog SET jit = off AS $$
DECLARE
    terms jsonb := payments.check_run(p_contract, p_version, p_period, p_kind, p_load, p_inputs);
    opened bigint;
BEGIN
    IF terms->>'approval' = 'maker_checker' THEN
        RAISE EXCEPTION 'runs of version % of contract % are staged by one login and approved by another', p_version, p_contract
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO payments.runs (contract_id, version, period, kind, inputs_sha256, load_id, total, run_by, run_at)
    VALUES (p_contract, p_version, p_period, p_kind, payments.text_sha256(p_inputs), p_load, p_total, session_user, now())
    RETURNING run_id INTO opened;
    INSERT INTO payments.run_snapshots VALUES (opened, 1, p_inputs, p_context, payments.computations_of(p_contract, NULL));
    RETURN opened;
END
$$;

-- Closes a run: its staged lines and determinations are checked against the terms and written, the
-- sums under every cap checked, and the run sealed. A run is closed once.
CREATE OR REPLACE FUNCTION payments.close_run(p_run bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog SET jit = off AS $$
DECLARE
    run record;
    terms jsonb;
BEGIN
    SELECT * INTO run FROM payments.runs WHERE run_id = p_run;
    IF NOT FOUND OR EXISTS (SELECT 1 FROM payments.run_seals WHERE run_id = p_run)
       OR EXISTS (SELECT 1 FROM payments.ledger WHERE run_id = p_run)
       OR NOT EXISTS (SELECT 1 FROM payments.run_snapshots WHERE run_id = p_run) THEN
        RAISE EXCEPTION 'run % is not open', p_run USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT t.terms INTO terms FROM payments.contract_terms t WHERE t.contract_id = run.contract_id AND t.version = run.version;
    PERFORM payments.check_lines(run.contract_id, terms, run.total);
    INSERT INTO payments.ledger (run_id, line_no, contract_id, period, provider_id, payer_id, person_id, line_id, entry, amount,
                                 earned, notes, reasons)
    SELECT p_run, s.line_no, run.contract_id, run.period, s.provider_id, s.payer_id, s.person_id, s.line_id, s.entry, s.amount,
           s.earned, s.notes, s.reasons
    FROM pg_temp.outcomes_run_lines s;
    INSERT INTO payments.determinations (run_id, seq, contract_id, period, line_id, mechanism, cohort, provider_id, finding,
                                         improvement, improvement_exact, threshold, earned, payable, detail)
    SELECT p_run, d.seq, run.contract_id, run.period, d.line_id, d.mechanism, d.cohort, d.provider_id, d.finding, d.improvement,
           d.improvement_exact, d.threshold, d.earned, d.payable, d.detail
    FROM pg_temp.outcomes_run_determinations d;
    PERFORM payments.check_caps(run.contract_id, terms, run.period, p_run, NULL);
    RETURN payments.seal_run(p_run);
END
$$;

-- Stages a run of a maker–checker contract: checked as a posted run would be, kept until a
-- different login approves it.
CREATE FUNCTION payments.stage_run(p_contract text, p_version integer, p_period text, p_kind text, p_load integer, p_total numeric,
                                   p_inputs text, p_context text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog SET jit = off AS $$
DECLARE
    terms jsonb := payments.check_run(p_contract, p_version, p_period, p_kind, p_load, p_inputs);
    staged bigint;
BEGIN
    IF terms->>'approval' IS DISTINCT FROM 'maker_checker' THEN
        RAISE EXCEPTION 'runs of version % of contract % are posted by the login that runs them', p_version, p_contract
            USING ERRCODE = 'check_violation';
    END IF;
    PERFORM payments.check_lines(p_contract, terms, p_total);
    INSERT INTO payments.staged_runs (contract_id, version, period, kind, inputs_sha256, load_id, total, after_run, inputs, context,
                                      staged_by, staged_at)
    VALUES (p_contract, p_version, p_period, p_kind, payments.text_sha256(p_inputs), p_load, p_total,
            (SELECT max(run_id) FROM payments.runs WHERE contract_id = p_contract AND period = p_period), p_inputs, p_context,
            session_user, now())
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

-- Posts a staged run: approved by a login other than the one that staged it, while it is the
-- latest staged for its period, the ledger holds what it held when it was staged, and its metrics
-- and data load are still current.
CREATE FUNCTION payments.approve_run(p_staged bigint) RETURNS bigint
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

-- ---------------------------------------------------------------------------------------------
-- Privileges: the door is the payments role's; reading for verification is the analyst's too.
REVOKE ALL ON FUNCTION payments.index_terms(text, integer, jsonb), payments.sealed_time(timestamptz),
    payments.text_sha256(text), payments.lines_digest_v2(bigint), payments.determinations_digest_v2(bigint),
    payments.run_digest_v2(bigint), payments.seal_v2(bigint, bigint, text, text, timestamptz, text, text),
    payments.expected_seal(bigint), payments.copy_text(text),
    payments.check_run(text, integer, text, text, integer, text), payments.check_lines(text, jsonb, numeric),
    payments.check_caps(text, jsonb, text, bigint, bigint),
    payments.open_run(text, integer, text, text, integer, numeric, text, text),
    payments.stage_run(text, integer, text, text, integer, numeric, text, text), payments.approve_run(bigint),
    payments.check_staging(), payments.chain_head(), payments.computations_of(text, text[]),
    payments.recorded_computations(jsonb, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION payments.computations_of(text, text[]), payments.recorded_computations(jsonb, text[])
    TO outcomes_analyst, outcomes_payments;
GRANT EXECUTE ON FUNCTION payments.chain_head() TO outcomes_analyst, outcomes_payments, outcomes_provider;
GRANT EXECUTE ON FUNCTION payments.index_terms(text, integer, jsonb),
    payments.open_run(text, integer, text, text, integer, numeric, text, text),
    payments.stage_run(text, integer, text, text, integer, numeric, text, text), payments.approve_run(bigint)
    TO outcomes_payments;
GRANT EXECUTE ON FUNCTION payments.sealed_time(timestamptz), payments.text_sha256(text), payments.lines_digest_v2(bigint),
    payments.determinations_digest_v2(bigint), payments.run_digest_v2(bigint),
    payments.seal_v2(bigint, bigint, text, text, timestamptz, text, text), payments.expected_seal(bigint)
    TO outcomes_analyst, outcomes_payments;
GRANT SELECT ON payments.contract_terms TO outcomes_analyst, outcomes_payments, outcomes_provider;
GRANT SELECT ON payments.run_snapshots, payments.staged_runs, payments.staged_lines, payments.staged_determinations
    TO outcomes_analyst, outcomes_payments;
