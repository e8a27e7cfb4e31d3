-- Every cap that cut a ledger line, from its typed reasons only. The view as 0012 made it also
-- read caps out of the notes of lines posted before typed reasons, with a regular expression; no
-- released database holds such lines, so the notes are no longer read. Same columns, grants and
-- row-level security (it runs as the caller, so a provider's users see their own lines only).
CREATE OR REPLACE VIEW payments.ledger_caps WITH (security_invoker = true) AS
    SELECT l.run_id, l.line_no, l.contract_id, l.period, l.provider_id, l.person_id, l.line_id, l.entry,
           r->>'scope' AS scope, r->>'subject' AS subject, (r->>'cap')::numeric AS cap, (r->>'cut')::numeric AS cut
    FROM payments.ledger l CROSS JOIN LATERAL jsonb_array_elements(l.reasons) AS r
    WHERE l.reasons IS NOT NULL AND r->>'kind' = 'cap';

GRANT SELECT ON payments.ledger_caps TO outcomes_analyst, outcomes_payments, outcomes_provider;
