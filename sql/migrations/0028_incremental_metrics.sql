-- Incremental recomputation: after a load that changes some persons, `outcomes metrics` computes
-- again only the results of the persons it changed (and of those whose relatives it changed),
-- keeping everyone else's from the load the period was computed from.
--
-- What a load changed, in the load's own transaction:
--   ids.load_changes  the persons an extract load inserted or changed a row of (persons, links,
--                     enrollments, events, edges at either end, household memberships, and every
--                     member of a household whose inferred edges it replaced);
--   ids.logged_loads  the extract loads whose changes are complete in ids.load_changes (not one
--                     that changed a reference table, which may change anyone's results);
--   a link run's changes are its linkage.id_changes, and the persons whose attributes it changed
--                     (ids.persons.load_id, found by the index below).
-- A synthetic load, a load before this migration, and an extract load that changed reference
-- data are not logged: a period computed before one is computed again in full.
--   ids.replacements  each time the IDS was emptied outside a load (the demo's reset): a period
--                     computed before it is computed again in full.
--
-- The tables stay plain tables on the coordinator of a Citus cluster (no key to a reference
-- table, which would make them Citus tables). One statement (docs/citus.md, "Upgrades").
DO $$
BEGIN
    CREATE TABLE ids.load_changes (
        load_id   integer NOT NULL,
        person_id bigint NOT NULL,
        PRIMARY KEY (load_id, person_id)
    );
    CREATE TABLE ids.logged_loads (
        load_id integer PRIMARY KEY,
        persons integer NOT NULL CHECK (persons >= 0)
    );
    CREATE TABLE ids.replacements (
        after_load  integer NOT NULL,
        replaced_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX persons_load ON ids.persons (load_id);

    ALTER TABLE metrics.computed_periods ADD COLUMN base_load_id integer, ADD COLUMN recomputed_persons integer,
        ADD COLUMN pending_loads integer[], ADD COLUMN engine text;

    GRANT SELECT ON ids.load_changes, ids.logged_loads, ids.replacements TO outcomes_analyst, outcomes_payments;

    COMMENT ON TABLE ids.load_changes IS 'The persons each extract load inserted or changed a row of: what an incremental metrics run computes again.';
    COMMENT ON COLUMN ids.load_changes.load_id IS 'The data load (ids.data_loads).';
    COMMENT ON COLUMN ids.load_changes.person_id IS 'A person the load changed: their attributes, links, enrollments, events, memberships or edges (at either end).';
    COMMENT ON TABLE ids.logged_loads IS 'The extract loads whose changed persons are all in ids.load_changes. A period computed before a load not listed here (synthetic, older, or one that changed reference data) is computed again in full.';
    COMMENT ON COLUMN ids.logged_loads.load_id IS 'The data load (ids.data_loads).';
    COMMENT ON COLUMN ids.logged_loads.persons IS 'How many persons the load changed.';
    COMMENT ON TABLE ids.replacements IS 'Each time the IDS was emptied outside a load (the demo''s reset): metrics computed before it are computed again in full.';
    COMMENT ON COLUMN ids.replacements.after_load IS 'The newest data load when the IDS was emptied (0 when there was none).';
    COMMENT ON COLUMN ids.replacements.replaced_at IS 'When the IDS was emptied.';
    COMMENT ON COLUMN metrics.computed_periods.base_load_id IS 'For an incremental run, the data load whose results were kept for the persons nothing had changed since; NULL when computed in full.';
    COMMENT ON COLUMN metrics.computed_periods.pending_loads IS 'Loads numbered up to load_id that had not finished when the metrics were computed (a load commits after it takes its number): the next run takes them in. NULL when not recorded.';
    COMMENT ON COLUMN metrics.computed_periods.engine IS 'The version of the metric compiler that computed the results; a run by another version computes them again in full. NULL when not recorded.';
    COMMENT ON COLUMN metrics.computed_periods.recomputed_persons IS 'For an incremental run, how many persons'' results were computed again; NULL when computed in full.';
END
$$;
