-- Why each ledger amount is what it is, as data: typed reasons (caps with their scope, amount and
-- cut; tiers; interim shares; adjustments) in a jsonb array that statements read directly. Lines
-- posted before this migration keep their notes and carry no reasons (NULL).
ALTER TABLE payments.ledger ADD COLUMN reasons jsonb;

-- How each effect-based, savings-share and clawback line was determined in each run — the runs that
-- pay nothing too: the figures compared (exact totals and counts), the improvement exactly and as
-- printed, the threshold, the pricing arithmetic, the amounts.
CREATE TABLE payments.determinations (
    run_id            bigint NOT NULL REFERENCES payments.runs,
    seq               integer NOT NULL,
    contract_id       text NOT NULL,
    period            text NOT NULL,
    line_id           text NOT NULL,
    mechanism         text NOT NULL CHECK (mechanism IN ('effect', 'savings_share', 'clawback')),
    -- The reporting period, or 'all periods' for all cohorts together.
    cohort            text NOT NULL,
    provider_id       text NOT NULL,
    finding           text NOT NULL CHECK (finding IN ('met', 'below_threshold', 'not_measurable', 'target_missed')),
    -- The improvement as printed (rounded to 4 decimals) and exactly, as a fraction.
    improvement       numeric,
    improvement_exact text,
    threshold         numeric,
    earned            numeric NOT NULL,
    payable           numeric NOT NULL,
    -- Figures, comparison basis, pricing steps, caps: the whole arithmetic.
    detail            jsonb NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX determinations_contract_provider ON payments.determinations (contract_id, provider_id, period);

CREATE TRIGGER determinations_append_only BEFORE UPDATE OR DELETE ON payments.determinations
    FOR EACH ROW EXECUTE FUNCTION payments.refuse_change();
CREATE TRIGGER determinations_no_truncate BEFORE TRUNCATE ON payments.determinations
    FOR EACH STATEMENT EXECUTE FUNCTION payments.refuse_change();

GRANT SELECT ON payments.determinations TO outcomes_analyst, outcomes_provider;
GRANT SELECT, INSERT ON payments.determinations TO outcomes_payments;
ALTER TABLE payments.determinations ENABLE ROW LEVEL SECURITY;
CREATE POLICY determinations_own_provider ON payments.determinations FOR SELECT TO outcomes_provider
    USING (provider_id IN (SELECT provider_id FROM payments.provider_users WHERE user_name = current_user));
CREATE POLICY determinations_everyone_else_reads ON payments.determinations FOR SELECT TO outcomes_analyst, outcomes_payments
    USING (true);
CREATE POLICY determinations_payments_posts ON payments.determinations FOR INSERT TO outcomes_payments
    WITH CHECK (true);

-- Every cap that cut a ledger line: from the typed reasons, and — for lines posted before them —
-- read once, here, from the notes they were posted with ("<cap> <amount> reached: pays <p> of <q>").
-- Runs as the caller, so a provider's users see their own lines only.
CREATE VIEW payments.ledger_caps WITH (security_invoker = true) AS
    SELECT l.run_id, l.line_no, l.contract_id, l.period, l.provider_id, l.person_id, l.line_id, l.entry,
           r->>'scope' AS scope, r->>'subject' AS subject, (r->>'cap')::numeric AS cap, (r->>'cut')::numeric AS cut
    FROM payments.ledger l CROSS JOIN LATERAL jsonb_array_elements(l.reasons) AS r
    WHERE l.reasons IS NOT NULL AND r->>'kind' = 'cap'
    UNION ALL
    SELECT l.run_id, l.line_no, l.contract_id, l.period, l.provider_id, l.person_id, l.line_id, l.entry,
           CASE
               WHEN m[1] = 'participant cap' THEN 'participant'
               WHEN m[1] = 'provider cap' THEN 'provider'
               WHEN m[1] = 'period cap' THEN 'period'
               WHEN m[1] = 'contract cap' THEN 'contract'
               ELSE 'line'
           END,
           CASE
               WHEN m[1] = 'provider cap' THEN l.provider_id
               WHEN m[1] LIKE 'cap of line %' THEN substring(m[1] FROM 13)
               WHEN m[1] = 'cap' THEN l.line_id
           END,
           m[2]::numeric, m[4]::numeric - m[3]::numeric
    FROM payments.ledger l
    CROSS JOIN LATERAL unnest(string_to_array(l.notes, '; ')) AS note
    CROSS JOIN LATERAL regexp_match(note, '^(.*) (-?[0-9.]+) reached: pays (-?[0-9.]+) of (-?[0-9.]+)$') AS m
    WHERE l.reasons IS NULL AND m IS NOT NULL;

GRANT SELECT ON payments.ledger_caps TO outcomes_analyst, outcomes_payments, outcomes_provider;
