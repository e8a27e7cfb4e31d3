-- Outcome metrics computed from the IDS for a contract and a reporting period.
-- Person-level values are keyed by person_id first (distributable and co-located with the IDS
-- under Citus); provider aggregates are small.

CREATE SCHEMA metrics;

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
    -- Written by the metrics runner from ids.data_loads in the same transaction; not a foreign
    -- key, whose per-row check would cost more than computing the row.
    load_id       integer NOT NULL,
    computed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, contract_id, metric_id, period)
);
CREATE INDEX person_results_contract_period ON metrics.person_results (contract_id, period, metric_id, provider_id);

-- Per provider (and '(all)' for the whole contract): the inputs of payments and comparisons.
CREATE TABLE metrics.provider_results (
    contract_id  text NOT NULL,
    metric_id    text NOT NULL,
    period       text NOT NULL,
    provider_id  text NOT NULL,
    measure      text NOT NULL,
    participants integer NOT NULL,
    with_value   integer NOT NULL,
    total        numeric,
    mean         numeric,
    -- The mean of a 0/1 measure, i.e. the share of participants with the outcome.
    rate         numeric,
    load_id      integer NOT NULL REFERENCES ids.data_loads,
    computed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (contract_id, period, metric_id, provider_id)
);
