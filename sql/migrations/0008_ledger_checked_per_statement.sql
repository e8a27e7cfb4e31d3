-- A payment run posts hundreds of thousands of ledger lines with one COPY. The foreign key from
-- the lines to their run was checked row by row (a query per line: most of a run's time); this
-- statement-level trigger checks the same, once per statement, over the lines just inserted — and
-- more: that each line's contract and period are its run's.
ALTER TABLE payments.ledger DROP CONSTRAINT ledger_run_id_fkey;

CREATE FUNCTION payments.check_lines_belong_to_runs() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    stray record;
BEGIN
    SELECT l.run_id, l.line_no INTO stray
    FROM new_lines l LEFT JOIN payments.runs r ON r.run_id = l.run_id
    WHERE r.run_id IS NULL OR r.contract_id <> l.contract_id OR r.period <> l.period
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger line % of run % does not belong to a run of its contract and period', stray.line_no, stray.run_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER ledger_lines_belong_to_runs AFTER INSERT ON payments.ledger
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION payments.check_lines_belong_to_runs();
