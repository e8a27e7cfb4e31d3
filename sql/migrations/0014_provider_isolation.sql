-- A provider's users see nothing of other providers: the run headers of runs with none of their
-- lines are hidden, and of the provider-user mapping they see their own row only.
CREATE OR REPLACE VIEW payments.run_headers WITH (security_barrier = true) AS
    SELECT r.run_id, r.contract_id, r.version, r.period, r.kind, r.inputs_sha256, r.run_by, r.run_at
    FROM payments.runs r
    WHERE NOT EXISTS (SELECT 1 FROM payments.provider_users u WHERE u.user_name = current_user)
       OR EXISTS (SELECT 1 FROM payments.ledger l JOIN payments.provider_users u USING (provider_id)
                  WHERE u.user_name = current_user AND l.run_id = r.run_id)
       OR EXISTS (SELECT 1 FROM payments.determinations d JOIN payments.provider_users u USING (provider_id)
                  WHERE u.user_name = current_user AND d.run_id = r.run_id);

ALTER TABLE payments.provider_users ENABLE ROW LEVEL SECURITY;
CREATE POLICY provider_users_own_row ON payments.provider_users FOR SELECT TO outcomes_provider
    USING (user_name = current_user);
CREATE POLICY provider_users_payments_reads ON payments.provider_users FOR SELECT TO outcomes_payments, outcomes_analyst
    USING (true);
GRANT SELECT ON payments.provider_users TO outcomes_analyst;
