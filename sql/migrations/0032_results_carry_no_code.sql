-- What a payment run reads of the analyst's stays free of the analyst's code where the database can
-- see it made (the third hostile review's finding 3). metrics.person_results and its partitions belong
-- to the analyst role, which swaps a contract-period's results in. An owner can attach code that runs
-- in its readers' sessions: a row-security policy, a column of its own type (its casts), an index,
-- statistics object or constraint over its function (the planner folds them), a partition with a key
-- of its own. A payment run refuses the table while it carries any (`ResultsReadGuard`, checking
-- before it reads and after), but a statistics object created and dropped between the two checks ran
-- unseen: neither statement conflicts with a reader's lock.
--
-- Now `payments.results_code(strict)` says what the table or a partition carries (NULL: nothing;
-- `results_reshaped` whether it is not NULL; the guard asks it, strictly), and an event trigger refuses
-- any DDL statement, anyone's, that leaves something there, inside the statement's own transaction,
-- naming it. The trigger also refuses DDL in a transaction that is not READ COMMITTED: an older
-- snapshot does not see a partition attached or a statistics object created since, and so passed
-- what it had not seen (a review's finding on this migration; the tool's connections now run READ
-- COMMITTED whatever the default). It passes DROP statements, and overlooks indexes left invalid (an
-- interrupted CREATE INDEX CONCURRENTLY) and a missing parent, which the guard refuses, so that they
-- block no one else's DDL. Not closed: REINDEX, TRUNCATE, VACUUM FULL and CLUSTER make such an index
-- valid unseen by any event trigger, so a reader may still run it once before its end check
-- (docs/payments.md). The functions live in the payments schema, where no job role creates anything.
-- Event triggers are a superuser's: where the migrating role is not one (a shared server), the
-- trigger is left for a superuser to create (docs/database.md). A table already reshaped is refused,
-- not adopted: the migration stops until an administrator has restored it. One block: a migration is
-- one statement.
DO $migration$
DECLARE
    propagation text := current_setting('citus.enable_ddl_propagation', true);
BEGIN
-- As in 0030: the tool's functions live on the coordinator only (and Citus propagates no event trigger).
IF propagation IS NOT NULL THEN
    PERFORM set_config('citus.enable_ddl_propagation', 'off', true);
END IF;

-- What the results carry that would run in another role's session, first of each kind, described
-- (NULL: nothing). Strict: an index counts even while invalid, and a missing parent is refused; the
-- event trigger is lenient on both (an invalid index may be what an interrupted CREATE INDEX
-- CONCURRENTLY left, and with no parent there is nothing to read), so neither blocks other DDL;
-- payment runs and the migration are strict.
CREATE FUNCTION payments.results_code(p_strict boolean) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH RECURSIVE tree AS (
        SELECT c.oid AS relid FROM pg_class c WHERE c.oid = to_regclass('metrics.person_results')
        UNION ALL
        SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.relid),
    found (what) AS (
        -- A partitioned table whose partitions are plain tables, one level, as a metrics run makes them.
        SELECT 'no partitioned table metrics.person_results' WHERE p_strict AND to_regclass('metrics.person_results') IS NULL
        UNION ALL
        SELECT format('%s, which is not a partitioned table', c.oid::regclass) FROM pg_class c
        WHERE c.oid = to_regclass('metrics.person_results') AND c.relkind <> 'p'
        UNION ALL
        SELECT format('%s (%s)', c.oid::regclass, CASE WHEN c.relrowsecurity OR c.relforcerowsecurity THEN 'row-level security'
                                                      WHEN c.relhasrules THEN 'a rule' ELSE 'not a plain table' END)
        FROM pg_class c JOIN tree t ON c.oid = t.relid
        WHERE c.relrowsecurity OR c.relforcerowsecurity OR c.relhasrules
           OR (c.relkind <> 'r' AND c.oid <> to_regclass('metrics.person_results'))
        UNION ALL
        SELECT format('policy %I on %s', p.polname, p.polrelid::regclass) FROM pg_policy p JOIN tree t ON p.polrelid = t.relid
        UNION ALL
        SELECT format('the partition key of %s', k.partrelid::regclass) FROM pg_partitioned_table k JOIN tree t ON k.partrelid = t.relid
        WHERE k.partexprs IS NOT NULL OR k.partrelid <> to_regclass('metrics.person_results')
        UNION ALL
        SELECT format('column %I of %s (type %s, collation %s)', a.attname, a.attrelid::regclass, format_type(a.atttypid, a.atttypmod),
                      a.attcollation::regcollation)
        FROM pg_attribute a JOIN tree t ON a.attrelid = t.relid JOIN pg_type ty ON ty.oid = a.atttypid
        LEFT JOIN pg_collation l ON l.oid = a.attcollation
        WHERE a.attnum > 0 AND NOT a.attisdropped
          AND (ty.typnamespace <> 'pg_catalog'::regnamespace OR l.collnamespace <> 'pg_catalog'::regnamespace)
        UNION ALL
        SELECT format('index %s', x.indexrelid::regclass) FROM pg_index x JOIN tree t ON x.indrelid = t.relid
        WHERE (x.indexprs IS NOT NULL OR x.indpred IS NOT NULL) AND (x.indisvalid OR p_strict)
        UNION ALL
        -- Triggers other than PostgreSQL's (keys) and Citus's own: they, and their WHEN clauses, run in a writer's session.
        SELECT format('trigger %I on %s', g.tgname, g.tgrelid::regclass) FROM pg_trigger g JOIN tree t ON g.tgrelid = t.relid
        WHERE NOT g.tgisinternal
        UNION ALL
        SELECT format('statistics object %I.%I on %s', n.nspname, s.stxname, s.stxrelid::regclass)
        FROM pg_statistic_ext s JOIN tree t ON s.stxrelid = t.relid JOIN pg_namespace n ON n.oid = s.stxnamespace
        UNION ALL
        -- Constraints and defaults over anything but PostgreSQL's own functions, operators and types.
        SELECT format('a constraint or default of %s', coalesce(k.conrelid, f.adrelid)::regclass)
        FROM pg_depend d
        LEFT JOIN pg_constraint k ON d.classid = 'pg_constraint'::regclass AND k.oid = d.objid
        LEFT JOIN pg_attrdef f ON d.classid = 'pg_attrdef'::regclass AND f.oid = d.objid
        WHERE coalesce(k.conrelid, f.adrelid) IN (SELECT relid FROM tree)
          AND ((d.refclassid = 'pg_proc'::regclass
                AND (SELECT pronamespace FROM pg_proc WHERE oid = d.refobjid) <> 'pg_catalog'::regnamespace)
            OR (d.refclassid = 'pg_operator'::regclass
                AND (SELECT oprnamespace FROM pg_operator WHERE oid = d.refobjid) <> 'pg_catalog'::regnamespace)
            OR (d.refclassid = 'pg_type'::regclass
                AND (SELECT typnamespace FROM pg_type WHERE oid = d.refobjid) <> 'pg_catalog'::regnamespace)))
    SELECT what FROM found LIMIT 1
$$;
COMMENT ON FUNCTION payments.results_code(boolean) IS
    'what metrics.person_results or a partition carries that would run in a reader''s (or writer''s) session, or NULL: row security, rules, triggers, a column of a type or collation not PostgreSQL''s own, an index (strict: even an invalid one), statistics object, constraint or default over a function, operator or type not PostgreSQL''s own, a partition that is not a plain table (strict: no parent at all)';

CREATE FUNCTION payments.results_reshaped(p_strict boolean) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT payments.results_code(p_strict) IS NOT NULL
$$;
COMMENT ON FUNCTION payments.results_reshaped(boolean) IS
    'whether metrics.person_results or a partition carries code that would run in another role''s session (payments.results_code says what)';

-- Asked by a payment run (as the payments role, or the analyst's projection); no one else needs it.
REVOKE ALL ON FUNCTION payments.results_code(boolean), payments.results_reshaped(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION payments.results_code(boolean), payments.results_reshaped(boolean) TO outcomes_payments, outcomes_analyst;

-- Run by every DDL statement's end, as the definer: a role without the payments schema's usage still runs DDL.
CREATE FUNCTION payments.refuse_reshaped_results() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    found text;
BEGIN
    IF tg_tag LIKE 'DROP %' THEN
        RETURN;
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'DDL runs in a READ COMMITTED transaction in this database, not %: an older snapshot does not show what the participants'' results carry (% refused)',
            current_setting('transaction_isolation'), tg_tag USING ERRCODE = 'insufficient_privilege';
    END IF;
    found := payments.results_code(false);
    IF found IS NOT NULL THEN
        RAISE EXCEPTION 'metrics.person_results and its partitions carry no code that is not PostgreSQL''s own, since payment runs read them: % (% refused; drop it)', found, tg_tag
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION payments.refuse_reshaped_results() FROM PUBLIC;

IF payments.results_reshaped(true) THEN
    RAISE EXCEPTION 'metrics.person_results or one of its partitions was reshaped while the analyst role owned it: % (code that would run in a reader''s session); the migration does not adopt it: an administrator inspects and restores it, then migrates again',
        payments.results_code(true) USING ERRCODE = 'object_not_in_prerequisite_state';
END IF;

IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    CREATE EVENT TRIGGER outcomes_results_carry_no_code ON ddl_command_end EXECUTE FUNCTION payments.refuse_reshaped_results();
END IF;

IF propagation IS NOT NULL THEN
    PERFORM set_config('citus.enable_ddl_propagation', propagation, true);
END IF;
END
$migration$;
