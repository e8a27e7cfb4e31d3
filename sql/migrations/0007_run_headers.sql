-- What a provider's users may know of the runs behind their statement lines: when, which terms,
-- which inputs — not the run totals, which sum every provider's lines.
CREATE VIEW payments.run_headers AS
    SELECT run_id, contract_id, version, period, kind, inputs_sha256, run_by, run_at FROM payments.runs;

GRANT SELECT ON payments.run_headers TO outcomes_analyst, outcomes_payments, outcomes_provider;
