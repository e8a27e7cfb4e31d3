-- Person-level results partitioned once, by result set — one contract and period — instead of by
-- contract and then by period: Citus distributes partitioned tables of one level only, and a run
-- already replaces one contract-period at a time. A result set is a small integer registered in
-- metrics.result_sets; each partition also keeps its CHECK (contract_id = … AND period = …), so
-- readers that name a contract and period scan that partition alone (constraint exclusion).
--
-- The results computed so far are kept: every contract-period table is detached from its
-- contract's table, given its result set (a column with a constant default: no rewrite) and
-- attached to the new parent. Tables without rows are dropped: they held no results, and a run
-- creates its table again.

CREATE TABLE metrics.result_sets (
    result_set  integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract_id text NOT NULL,
    period      text NOT NULL,
    UNIQUE (contract_id, period)
);
ALTER TABLE metrics.result_sets OWNER TO outcomes_analyst;
COMMENT ON TABLE metrics.result_sets IS
    'The partition key of metrics.person_results: one number per contract (or <id>@trial, @control, @matched) and period.';

ALTER TABLE metrics.person_results RENAME TO person_results_by_contract;

CREATE TABLE metrics.person_results (
    person_id     bigint NOT NULL,
    contract_id   text NOT NULL,
    metric_id     text NOT NULL,
    period        text NOT NULL,
    enrollment_id bigint NOT NULL,
    provider_id   text NOT NULL,
    window_start  date NOT NULL,
    window_end    date NOT NULL,
    value         numeric,
    pre_value     numeric,
    post_value    numeric,
    ratio         numeric,
    load_id       integer NOT NULL,
    computed_at   timestamptz NOT NULL DEFAULT now(),
    result_set    integer NOT NULL
) PARTITION BY LIST (result_set);
ALTER TABLE metrics.person_results OWNER TO outcomes_analyst;
-- As the table it replaces (0006): payment runs read the results.
GRANT SELECT ON metrics.person_results TO outcomes_payments;
COMMENT ON TABLE metrics.person_results IS
    'Participant-level outcome values, one row per (person, contract, metric, period); one partition per contract and period (metrics.result_sets). No key: each partition is built by one statement that yields one row per participant and metric.';

DO $$
DECLARE
    leaf regclass;
    parent regclass;
    found_contract text;
    found_period text;
    found_set integer;
BEGIN
    FOR leaf, parent IN
        SELECT i.inhrelid::regclass, i.inhparent::regclass
        FROM pg_inherits i JOIN pg_inherits top ON top.inhrelid = i.inhparent
        WHERE top.inhparent = 'metrics.person_results_by_contract'::regclass
        ORDER BY i.inhparent::regclass::text, i.inhrelid::regclass::text
    LOOP
        EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', parent, leaf);
        found_contract := NULL;
        EXECUTE format('SELECT contract_id, period FROM %s LIMIT 1', leaf) INTO found_contract, found_period;
        IF found_contract IS NULL THEN
            EXECUTE format('DROP TABLE %s', leaf);
        ELSE
            INSERT INTO metrics.result_sets (contract_id, period) VALUES (found_contract, found_period)
                RETURNING result_set INTO found_set;
            EXECUTE format('ALTER TABLE %s ADD COLUMN result_set integer NOT NULL DEFAULT %s', leaf, found_set);
            EXECUTE format('ALTER TABLE %s ALTER COLUMN result_set DROP DEFAULT', leaf);
            EXECUTE format('ALTER TABLE %s ADD CONSTRAINT result_set_bounds CHECK (result_set = %s)', leaf, found_set);
            EXECUTE format('ALTER TABLE metrics.person_results ATTACH PARTITION %s FOR VALUES IN (%s)', leaf, found_set);
        END IF;
    END LOOP;
END
$$;

DROP TABLE metrics.person_results_by_contract CASCADE;
