-- What a payment run reads of the analyst's stays free of the analyst's code where the database can
-- see it made (the third hostile review's finding 3). metrics.person_results and its partitions belong
-- to the analyst role, which swaps a contract-period's results in. An owner can attach code that runs
-- in its readers' sessions: a row-security policy, a column of its own type (its casts), an index,
-- statistics object or constraint over its function (the planner folds them), a partition with a key
-- of its own. A payment run refuses the table while it carries any (`ResultsReadGuard`, checking
-- before it reads and after), but a statistics object created and dropped between the two checks ran
-- unseen: neither statement conflicts with a reader's lock.
--
-- Now `payments.results_reshaped(strict)` says whether the table or a partition carries such code
-- (the guard asks it, strictly), and an event trigger refuses any DDL statement, anyone's, that
-- leaves it so, inside the statement's own transaction. The trigger also refuses DDL in a transaction
-- that is not READ COMMITTED: an older snapshot does not see a partition attached or a statistics
-- object created since, and so passed what it had not seen (a review's finding on this migration).
-- It passes DROP statements and overlooks indexes left invalid (an interrupted CREATE INDEX
-- CONCURRENTLY), which the guard refuses, so that they block no one else's DDL. Not closed: REINDEX
-- makes such an index valid unseen by any event trigger (PostgreSQL 15), so a reader may still run
-- it once before its end check (docs/payments.md). The functions live in the payments schema, where
-- no job role creates anything. Event triggers are a superuser's: where the migrating role is not one
-- (a shared server), the trigger is left for a superuser to create (docs/database.md). A table already
-- reshaped is refused, not adopted: the migration stops until an administrator has restored it. One
-- block: a migration is one statement.
DO $migration$
DECLARE
    propagation text := current_setting('citus.enable_ddl_propagation', true);
BEGIN
-- As in 0030: the tool's functions live on the coordinator only (and Citus propagates no event trigger).
IF propagation IS NOT NULL THEN
    PERFORM set_config('citus.enable_ddl_propagation', 'off', true);
END IF;

CREATE FUNCTION payments.results_reshaped(p_strict boolean) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH RECURSIVE tree AS (
        SELECT c.oid AS relid FROM pg_class c WHERE c.oid = to_regclass('metrics.person_results')
        UNION ALL
        SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.relid)
    -- Strict: an index counts even while invalid (the event trigger overlooks one, which may be what an interrupted
    -- CREATE INDEX CONCURRENTLY left; a payment run refuses it, since a REINDEX makes it valid unseen).
    -- A partitioned table whose partitions are plain tables, one level, as a metrics run makes them.
    SELECT NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = to_regclass('metrics.person_results') AND c.relkind = 'p')
        OR EXISTS (SELECT 1 FROM pg_class c JOIN tree t ON c.oid = t.relid
                   WHERE c.relrowsecurity OR c.relforcerowsecurity OR c.relhasrules
                      OR (c.relkind <> 'r' AND c.oid <> to_regclass('metrics.person_results')))
        OR EXISTS (SELECT 1 FROM pg_policy p JOIN tree t ON p.polrelid = t.relid)
        OR EXISTS (SELECT 1 FROM pg_partitioned_table k JOIN tree t ON k.partrelid = t.relid
                   WHERE k.partexprs IS NOT NULL OR k.partrelid <> to_regclass('metrics.person_results'))
        OR EXISTS (SELECT 1 FROM pg_attribute a JOIN tree t ON a.attrelid = t.relid JOIN pg_type ty ON ty.oid = a.atttypid
                   WHERE a.attnum > 0 AND NOT a.attisdropped AND ty.typnamespace <> 'pg_catalog'::regnamespace)
        OR EXISTS (SELECT 1 FROM pg_index x JOIN tree t ON x.indrelid = t.relid
                   WHERE (x.indexprs IS NOT NULL OR x.indpred IS NOT NULL) AND (x.indisvalid OR p_strict))
        -- Triggers other than PostgreSQL's own (keys, Citus's truncate trigger): they run in a writer's session.
        OR EXISTS (SELECT 1 FROM pg_trigger g JOIN tree t ON g.tgrelid = t.relid JOIN pg_proc f ON f.oid = g.tgfoid
                   WHERE f.pronamespace <> 'pg_catalog'::regnamespace)
        -- A collation of the caller's changes what equality means to readers.
        OR EXISTS (SELECT 1 FROM pg_attribute a JOIN tree t ON a.attrelid = t.relid JOIN pg_collation l ON l.oid = a.attcollation
                   WHERE a.attnum > 0 AND NOT a.attisdropped AND l.collnamespace <> 'pg_catalog'::regnamespace)
        OR EXISTS (SELECT 1 FROM pg_statistic_ext s JOIN tree t ON s.stxrelid = t.relid)
        -- Constraints and defaults over anything but PostgreSQL's own functions, operators and types.
        OR EXISTS (SELECT 1 FROM pg_depend d
                   WHERE ((d.classid = 'pg_constraint'::regclass
                           AND d.objid IN (SELECT k.oid FROM pg_constraint k JOIN tree t ON k.conrelid = t.relid))
                          OR (d.classid = 'pg_attrdef'::regclass
                              AND d.objid IN (SELECT f.oid FROM pg_attrdef f JOIN tree t ON f.adrelid = t.relid)))
                     AND ((d.refclassid = 'pg_proc'::regclass
                           AND (SELECT pronamespace FROM pg_proc WHERE oid = d.refobjid) <> 'pg_catalog'::regnamespace)
                       OR (d.refclassid = 'pg_operator'::regclass
                           AND (SELECT oprnamespace FROM pg_operator WHERE oid = d.refobjid) <> 'pg_catalog'::regnamespace)
                       OR (d.refclassid = 'pg_type'::regclass
                           AND (SELECT typnamespace FROM pg_type WHERE oid = d.refobjid) <> 'pg_catalog'::regnamespace)))
$$;
COMMENT ON FUNCTION payments.results_reshaped(boolean) IS
    'whether metrics.person_results or a partition carries code that would run in a reader''s (or writer''s) session: row security, rules, triggers, a column of a type or collation not PostgreSQL''s own, an index (strict: even an invalid one), statistics object, constraint or default over a function, operator or type not PostgreSQL''s own, a partition that is not a plain table';

-- Asked by a payment run (as the payments role, or the analyst's projection); no one else needs it.
REVOKE ALL ON FUNCTION payments.results_reshaped(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION payments.results_reshaped(boolean) TO outcomes_payments, outcomes_analyst;

-- Run by every DDL statement's end, as the definer: a role without the payments schema's usage still runs DDL.
CREATE FUNCTION payments.refuse_reshaped_results() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF tg_tag LIKE 'DROP %' THEN
        RETURN;
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'DDL runs in a READ COMMITTED transaction, not %: an older snapshot does not show what the participants'' results carry (% refused)',
            current_setting('transaction_isolation'), tg_tag USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF payments.results_reshaped(false) THEN
        RAISE EXCEPTION 'metrics.person_results and its partitions carry no row security, rule, trigger, index, statistics object, constraint, default, column type or collation over code that is not PostgreSQL''s own: payment runs read them (% refused)', tg_tag
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION payments.refuse_reshaped_results() FROM PUBLIC;

IF payments.results_reshaped(true) THEN
    RAISE EXCEPTION 'metrics.person_results or one of its partitions was reshaped while the analyst role owned it (row security, a rule, a column of a type not PostgreSQL''s own, an index, statistics object, constraint or default over a function, operator or type not PostgreSQL''s own, or a partition that is not a plain table): the migration does not adopt it; an administrator inspects and restores it, then migrates again'
        USING ERRCODE = 'object_not_in_prerequisite_state';
END IF;

IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    CREATE EVENT TRIGGER outcomes_results_carry_no_code ON ddl_command_end EXECUTE FUNCTION payments.refuse_reshaped_results();
END IF;

IF propagation IS NOT NULL THEN
    PERFORM set_config('citus.enable_ddl_propagation', propagation, true);
END IF;
END
$migration$;
