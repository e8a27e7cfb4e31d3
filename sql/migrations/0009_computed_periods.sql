-- Which contract-periods have their metrics computed, from which data load, and when — also when
-- no participant fell in the period (then no results row says so). Payment runs check it.
CREATE TABLE metrics.computed_periods (
    contract_id text NOT NULL,
    period      text NOT NULL,
    load_id     integer NOT NULL,
    computed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (contract_id, period)
);

INSERT INTO metrics.computed_periods (contract_id, period, load_id, computed_at)
SELECT contract_id, period, max(load_id), max(computed_at) FROM metrics.provider_results GROUP BY 1, 2;

GRANT SELECT ON metrics.computed_periods TO outcomes_analyst, outcomes_payments;
