-- Cohort comparisons (`outcomes compare`): every run is stored with what it used — the
-- evaluation file's text and hash, the contract version its participants and outcomes came from,
-- the data load, a hash of the unit table the estimators read — and what it found: estimates,
-- balance, sample sizes, warnings, and the matched or weighted units. Analysts run comparisons, so
-- the analyst role owns the schema (a run builds its unit tables there, in its transaction).
CREATE SCHEMA evaluation AUTHORIZATION outcomes_analyst;
GRANT USAGE ON SCHEMA evaluation TO outcomes_payments;

CREATE TABLE evaluation.runs (
    run_id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    evaluation_id     text NOT NULL,
    contract_id       text NOT NULL,
    version           integer NOT NULL,
    contract_sha256   text NOT NULL,
    period            text,
    comparison        text NOT NULL CHECK (comparison IN ('pool', 'control_arm')),
    load_id           integer NOT NULL REFERENCES ids.data_loads,
    spec_text         text NOT NULL,
    spec_sha256       text NOT NULL,
    design            jsonb NOT NULL,
    inputs_sha256     text NOT NULL,
    sample_sizes      jsonb NOT NULL,
    estimates         jsonb NOT NULL,
    balance           jsonb NOT NULL,
    propensity_model  jsonb NOT NULL,
    warnings          jsonb NOT NULL,
    stored_comparison boolean NOT NULL DEFAULT false,
    run_by            text NOT NULL DEFAULT session_user,
    run_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX runs_contract ON evaluation.runs (contract_id, period, run_at);

-- The units with weight: participants and their matched or weighted comparisons. Keyed by
-- person first, as the IDS tables are.
CREATE TABLE evaluation.run_units (
    person_id   bigint NOT NULL,
    run_id      bigint NOT NULL REFERENCES evaluation.runs ON DELETE CASCADE,
    treated     boolean NOT NULL,
    provider_id text,
    index_date  date NOT NULL,
    propensity  double precision,
    weight      double precision NOT NULL CHECK (weight > 0),
    subclass    integer,
    PRIMARY KEY (person_id, run_id)
);
CREATE INDEX run_units_run ON evaluation.run_units (run_id);

ALTER TABLE evaluation.runs OWNER TO outcomes_analyst;
ALTER TABLE evaluation.run_units OWNER TO outcomes_analyst;
GRANT SELECT ON evaluation.runs, evaluation.run_units TO outcomes_payments;

