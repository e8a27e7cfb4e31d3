-- The ledger's door (SECURITY DEFINER functions) reads metrics.computed_periods and
-- metrics.provider_results with its owner's rights — a superuser's on the embedded cluster. Since
-- 0015 the analyst role owned them, and an owner may reshape a table: make it a view over its own
-- function (empty it, drop its key, VACUUM, add a `_RETURN` rule), enable row security with a
-- policy calling its function, or change a column to a type whose implicit cast is its function.
-- The door reading the table then ran the analyst's code as the door's owner. They now belong to
-- the door's owner; the analyst keeps what a metrics run and a stored comparison do to their rows.
-- (The results of person_results stay the analyst's: a run swaps their partitions, and the door
-- does not read them.)
DO $migration$
DECLARE
    door_owner name := (SELECT pg_get_userbyid(proowner) FROM pg_proc
                        WHERE oid = 'payments.check_run(text, integer, text, text, integer, text)'::regprocedure);
BEGIN
    EXECUTE format('ALTER TABLE metrics.computed_periods OWNER TO %I', door_owner);
    EXECUTE format('ALTER TABLE metrics.provider_results OWNER TO %I', door_owner);
    GRANT SELECT, INSERT, UPDATE, DELETE ON metrics.computed_periods, metrics.provider_results TO outcomes_analyst;
END
$migration$;
