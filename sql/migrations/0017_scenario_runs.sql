-- Benefit-cost scenarios (`outcomes scenario run`): each run is stored with what it used — the
-- scenario file's text and hash, the contract version, the comparison runs its effects came from,
-- the seed and draws — and the figures it printed, so every figure can be traced to its inputs.
CREATE SCHEMA scenario AUTHORIZATION outcomes_analyst;

CREATE TABLE scenario.runs (
    run_id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scenario_id       text NOT NULL,
    contract_id       text NOT NULL,
    version           integer NOT NULL,
    contract_sha256   text NOT NULL,
    spec_text         text NOT NULL,
    spec_sha256       text NOT NULL,
    comparison_runs   bigint[] NOT NULL DEFAULT '{}',
    seed              bigint NOT NULL,
    draws             integer NOT NULL,
    results           jsonb NOT NULL,
    results_sha256    text NOT NULL,
    run_by            text NOT NULL DEFAULT session_user,
    run_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX runs_scenario ON scenario.runs (scenario_id, run_at);
ALTER TABLE scenario.runs OWNER TO outcomes_analyst;
GRANT USAGE ON SCHEMA scenario TO outcomes_payments;
GRANT SELECT ON scenario.runs TO outcomes_payments;
