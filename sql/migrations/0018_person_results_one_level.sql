-- Person-level results partitioned once, by (contract, period), instead of by contract and then
-- by period: Citus distributes partitioned tables of one level only, and a run already replaces
-- one contract-period at a time. Each partition keeps its CHECK (contract_id = … AND period = …),
-- so readers that name a contract and period scan that partition alone (constraint exclusion).
--
-- The results computed so far are kept: every contract-period table is detached from its
-- contract's table and attached to the new parent (one scan each, to prove its bounds). Tables
-- without rows are dropped: they held no results, and a run creates its table again.

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
    computed_at   timestamptz NOT NULL DEFAULT now()
) PARTITION BY LIST ((ARRAY[contract_id, period]));
ALTER TABLE metrics.person_results OWNER TO outcomes_analyst;
-- As the table it replaces (0006): payment runs read the results.
GRANT SELECT ON metrics.person_results TO outcomes_payments;
COMMENT ON TABLE metrics.person_results IS
    'Participant-level outcome values, one row per (person, contract, metric, period); one partition per contract and period. No key: each partition is built by one statement that yields one row per participant and metric.';

DO $$
DECLARE
    leaf regclass;
    parent regclass;
    bounds text[];
BEGIN
    FOR leaf, parent IN
        SELECT i.inhrelid::regclass, i.inhparent::regclass
        FROM pg_inherits i JOIN pg_inherits top ON top.inhrelid = i.inhparent
        WHERE top.inhparent = 'metrics.person_results_by_contract'::regclass
    LOOP
        EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', parent, leaf);
        EXECUTE format('SELECT ARRAY[contract_id, period] FROM %s LIMIT 1', leaf) INTO bounds;
        IF bounds IS NULL THEN
            EXECUTE format('DROP TABLE %s', leaf);
        ELSE
            EXECUTE format('ALTER TABLE metrics.person_results ATTACH PARTITION %s FOR VALUES IN (%L)', leaf, bounds::text);
        END IF;
    END LOOP;
END
$$;

DROP TABLE metrics.person_results_by_contract CASCADE;
