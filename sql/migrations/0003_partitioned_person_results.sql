-- Person-level results partitioned by contract, then by reporting period.
--
-- A metrics run builds one contract-period's results in a new table — with CREATE TABLE AS, which
-- PostgreSQL may run in parallel workers (an INSERT may not), without per-row index upkeep, and
-- without WAL on a wal_level = minimal server — then swaps it in for the old partition in the
-- same transaction. Re-computing a period therefore drops a table instead of deleting its rows.
-- Partitions are created by the runner (see MetricsRunner / ResultPartitions), named by a hash
-- of the contract id and period and commented with both.
--
-- Results computed before this migration are dropped: `outcomes metrics` recomputes them from
-- the IDS, and no payment has been posted from them (payments arrive in a later migration).

DROP TABLE metrics.person_results;

CREATE TABLE metrics.person_results (
    person_id     bigint NOT NULL,
    contract_id   text NOT NULL,
    metric_id     text NOT NULL,
    period        text NOT NULL,
    enrollment_id bigint NOT NULL,
    provider_id   text NOT NULL,
    window_start  date NOT NULL,
    window_end    date NOT NULL,
    -- The participant's value; NULL when the measure has none (days_to_event without an event).
    value         numeric,
    -- For change measures: the base measure before and after, and after / before (NULL when before is 0).
    pre_value     numeric,
    post_value    numeric,
    ratio         numeric,
    -- The data load (ids.data_loads) the values were computed from.
    load_id       integer NOT NULL,
    computed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, contract_id, metric_id, period)
) PARTITION BY LIST (contract_id);
