-- Contract terms as loaded, payment runs, and the append-only payment ledger.
--
-- Nothing here is ever updated or deleted: triggers refuse UPDATE, DELETE and TRUNCATE for every
-- role (an owner or superuser would have to drop the trigger first, which the catalog records).
-- A run that changes what is owed posts adjustment lines; the ledger's sum per key is what was paid.

CREATE SCHEMA payments;

-- Every version of every contract file loaded, with its text: a run names the version it used.
CREATE TABLE payments.contracts (
    contract_id text NOT NULL,
    version     integer NOT NULL CHECK (version > 0),
    currency    text NOT NULL,
    file_sha256 text NOT NULL,
    body        text NOT NULL,
    loaded_by   text NOT NULL DEFAULT current_user,
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (contract_id, version)
);

-- One row per posted run. `inputs_sha256` hashes the terms and every outcome value the run read.
CREATE TABLE payments.runs (
    run_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract_id   text NOT NULL,
    version       integer NOT NULL,
    period        text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('interim', 'final')),
    inputs_sha256 text NOT NULL,
    load_id       integer NOT NULL,
    total         numeric NOT NULL,
    run_by        text NOT NULL DEFAULT current_user,
    run_at        timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (contract_id, version) REFERENCES payments.contracts
);
CREATE INDEX runs_contract_period ON payments.runs (contract_id, period, run_id);

-- The lines of the runs. A payment line is what a run found owed on a key (provider, payer,
-- participant, outcome line) in a period; an adjustment line is the difference a later run found.
CREATE TABLE payments.ledger (
    run_id      bigint NOT NULL REFERENCES payments.runs,
    line_no     integer NOT NULL,
    contract_id text NOT NULL,
    period      text NOT NULL,
    provider_id text NOT NULL,
    payer_id    text NOT NULL,
    -- The pseudonymous participant, for lines owed per participant (rate cards, per-day lines).
    person_id   bigint,
    line_id     text NOT NULL,
    entry       text NOT NULL CHECK (entry IN ('payment', 'adjustment')),
    amount      numeric NOT NULL,
    -- What the outcome earned before caps, and why the amount is what it is.
    earned      numeric,
    notes       text NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, line_no)
);
CREATE INDEX ledger_contract_provider ON payments.ledger (contract_id, provider_id, period);

CREATE FUNCTION payments.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'payments.% is append-only: % is refused; post an adjustment instead', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER contracts_append_only BEFORE UPDATE OR DELETE ON payments.contracts
    FOR EACH ROW EXECUTE FUNCTION payments.refuse_change();
CREATE TRIGGER contracts_no_truncate BEFORE TRUNCATE ON payments.contracts
    FOR EACH STATEMENT EXECUTE FUNCTION payments.refuse_change();
CREATE TRIGGER runs_append_only BEFORE UPDATE OR DELETE ON payments.runs
    FOR EACH ROW EXECUTE FUNCTION payments.refuse_change();
CREATE TRIGGER runs_no_truncate BEFORE TRUNCATE ON payments.runs
    FOR EACH STATEMENT EXECUTE FUNCTION payments.refuse_change();
CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON payments.ledger
    FOR EACH ROW EXECUTE FUNCTION payments.refuse_change();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON payments.ledger
    FOR EACH STATEMENT EXECUTE FUNCTION payments.refuse_change();

-- Which database users speak for which provider (a provider's staff log in as their own users,
-- granted outcomes_provider, and are mapped here).
CREATE TABLE payments.provider_users (
    user_name   text PRIMARY KEY,
    provider_id text NOT NULL
);

-- Roles, created once per cluster (roles are cluster-wide). Users are granted one of them:
--   outcomes_analyst  reads the IDS and metrics; cannot write the ledger;
--   outcomes_payments writes payment runs and the ledger (only by INSERT);
--   outcomes_provider reads its own provider's ledger lines and nothing else.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'outcomes_analyst') THEN CREATE ROLE outcomes_analyst NOLOGIN; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'outcomes_payments') THEN CREATE ROLE outcomes_payments NOLOGIN; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'outcomes_provider') THEN CREATE ROLE outcomes_provider NOLOGIN; END IF;
END
$$;

GRANT USAGE ON SCHEMA ids, metrics TO outcomes_analyst, outcomes_payments;
GRANT SELECT ON ALL TABLES IN SCHEMA ids, metrics TO outcomes_analyst, outcomes_payments;
GRANT USAGE ON SCHEMA payments TO outcomes_analyst, outcomes_payments, outcomes_provider;
GRANT SELECT ON payments.contracts, payments.runs, payments.ledger TO outcomes_analyst;
GRANT SELECT, INSERT ON payments.contracts, payments.runs, payments.ledger TO outcomes_payments;
GRANT SELECT ON payments.provider_users TO outcomes_payments, outcomes_provider;
GRANT SELECT ON payments.ledger TO outcomes_provider;

-- Row-level security: a provider's users see their provider's lines only. Other roles see all.
ALTER TABLE payments.ledger ENABLE ROW LEVEL SECURITY;
CREATE POLICY ledger_own_provider ON payments.ledger FOR SELECT TO outcomes_provider
    USING (provider_id IN (SELECT provider_id FROM payments.provider_users WHERE user_name = current_user));
CREATE POLICY ledger_everyone_else_reads ON payments.ledger FOR SELECT TO outcomes_analyst, outcomes_payments
    USING (true);
CREATE POLICY ledger_payments_posts ON payments.ledger FOR INSERT TO outcomes_payments
    WITH CHECK (true);
