-- Milestones pay once someone attests the delivery: who, when, and what they said. Append-only,
-- like the ledger: a mistaken attestation is answered by the terms (a new contract version), not
-- by editing history.
CREATE TABLE payments.milestone_attestations (
    contract_id  text NOT NULL,
    milestone_id text NOT NULL,
    note         text NOT NULL DEFAULT '',
    attested_by  text NOT NULL DEFAULT current_user,
    attested_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (contract_id, milestone_id)
);

CREATE TRIGGER milestone_attestations_append_only BEFORE UPDATE OR DELETE ON payments.milestone_attestations
    FOR EACH ROW EXECUTE FUNCTION payments.refuse_change();
CREATE TRIGGER milestone_attestations_no_truncate BEFORE TRUNCATE ON payments.milestone_attestations
    FOR EACH STATEMENT EXECUTE FUNCTION payments.refuse_change();

GRANT SELECT ON payments.milestone_attestations TO outcomes_analyst;
GRANT SELECT, INSERT ON payments.milestone_attestations TO outcomes_payments;
