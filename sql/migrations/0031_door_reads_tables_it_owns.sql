-- Nothing a job role defines runs with the rights of the tool's own functions (a hostile review's
-- findings; the door's owner is a superuser on the embedded cluster).
--
-- 1. The door's functions named their search path `pg_catalog` alone. PostgreSQL then searches the
--    caller's temporary schema first for type names, so a payments login's `pg_temp.jsonb`, a
--    domain whose CHECK calls its own function, replaced the door's `jsonb` and ran that function
--    as the door's owner. Every function of the tool that sets its path now lists `pg_temp` last.
-- 2. The door reads metrics.computed_periods and metrics.provider_results with its owner's rights.
--    Owned by the analyst role since 0015, either could be reshaped by an analyst (a view over its
--    own function in its place, row security with a policy calling one, a column of its own type
--    whose implicit cast is one), which the door then ran. They now belong to the door's owner,
--    the analyst keeping the rights to their rows that a metrics run and a stored comparison use.
--    A table already reshaped while the analyst owned it is refused, not adopted: the migration
--    stops, naming it, and an administrator looks at what was done.
-- One block: a migration is one statement.
DO $migration$
DECLARE
    door_owner oid := (SELECT proowner FROM pg_proc WHERE oid = 'payments.check_run(text, integer, text, text, integer, text)'::regprocedure);
    propagation text := current_setting('citus.enable_ddl_propagation', true);
    fn regprocedure;
    reshaped text;
BEGIN
-- As in 0030: the tool's functions and these tables live on the coordinator only.
IF propagation IS NOT NULL THEN
    PERFORM set_config('citus.enable_ddl_propagation', 'off', true);
END IF;

FOR fn IN
    SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname IN ('ids', 'metrics', 'payments', 'linkage', 'evaluation', 'scenario', 'quality', 'public')
      AND p.proowner = door_owner
      AND (p.prosecdef OR EXISTS (SELECT 1 FROM unnest(p.proconfig) AS c(setting) WHERE c.setting LIKE 'search\_path=%'))
    ORDER BY 1
LOOP
    EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp', fn);
END LOOP;

SELECT string_agg(t.relid::regclass::text, ', ' ORDER BY t.relid::regclass::text) INTO reshaped
FROM (VALUES ('metrics.computed_periods'::regclass), ('metrics.provider_results'::regclass)) AS t(relid)
JOIN pg_class c ON c.oid = t.relid
WHERE c.relkind <> 'r' OR c.relrowsecurity OR c.relforcerowsecurity OR c.relhasrules OR c.relhassubclass OR c.relispartition
   OR EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = t.relid)
   OR EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = t.relid AND NOT tgisinternal)
   OR EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = t.relid OR inhparent = t.relid)
   OR EXISTS (SELECT 1 FROM pg_statistic_ext WHERE stxrelid = t.relid)
   OR EXISTS (SELECT 1 FROM pg_index WHERE indrelid = t.relid AND (indexprs IS NOT NULL OR indpred IS NOT NULL))
   OR EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
              WHERE a.attrelid = t.relid AND a.attnum > 0 AND NOT a.attisdropped AND ty.typnamespace <> 'pg_catalog'::regnamespace)
   -- Defaults and constraints calling or comparing with anything but PostgreSQL's own.
   OR EXISTS (SELECT 1 FROM pg_depend d
              WHERE ((d.classid = 'pg_class'::regclass AND d.objid = t.relid)
                     OR (d.classid = 'pg_attrdef'::regclass AND d.objid IN (SELECT oid FROM pg_attrdef WHERE adrelid = t.relid))
                     OR (d.classid = 'pg_constraint'::regclass AND d.objid IN (SELECT oid FROM pg_constraint WHERE conrelid = t.relid)))
                AND ((d.refclassid = 'pg_proc'::regclass
                      AND (SELECT pronamespace FROM pg_proc WHERE oid = d.refobjid) <> 'pg_catalog'::regnamespace)
                  OR (d.refclassid = 'pg_operator'::regclass
                      AND (SELECT oprnamespace FROM pg_operator WHERE oid = d.refobjid) <> 'pg_catalog'::regnamespace)
                  OR (d.refclassid = 'pg_type'::regclass
                      AND (SELECT typnamespace FROM pg_type WHERE oid = d.refobjid) <> 'pg_catalog'::regnamespace)));
IF reshaped IS NOT NULL THEN
    RAISE EXCEPTION '% % reshaped while the analyst role owned it (a view, rule, row security, trigger, child, statistics object, expression index, or a column, default or constraint of a type or function not PostgreSQL''s own): the migration does not adopt it; an administrator inspects and restores it, then migrates again',
        reshaped, CASE WHEN reshaped LIKE '%,%' THEN 'were' ELSE 'was' END
        USING ERRCODE = 'object_not_in_prerequisite_state';
END IF;

EXECUTE format('ALTER TABLE metrics.computed_periods OWNER TO %I', pg_get_userbyid(door_owner));
EXECUTE format('ALTER TABLE metrics.provider_results OWNER TO %I', pg_get_userbyid(door_owner));
GRANT SELECT, INSERT, UPDATE, DELETE ON metrics.computed_periods, metrics.provider_results TO outcomes_analyst;

IF propagation IS NOT NULL THEN
    PERFORM set_config('citus.enable_ddl_propagation', propagation, true);
END IF;
END
$migration$;
