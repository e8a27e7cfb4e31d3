-- metrics.person_results partitions are written once, each by a single CREATE TABLE AS that
-- yields exactly one row per participant and metric (one enrollment per person, one row per
-- metric id, which the contract parser keeps unique; a test checks the stored rows). Readers scan
-- whole contract-periods. A primary key guarded nothing those statements can produce and cost a
-- fifth of every metrics run to build, so the partitions carry none.
ALTER TABLE metrics.person_results DROP CONSTRAINT person_results_pkey;

COMMENT ON TABLE metrics.person_results IS
    'Participant-level outcome values, one row per (person, contract, metric, period); partitioned by contract, then period. No key: each partition is built by one statement that yields one row per participant and metric.';
