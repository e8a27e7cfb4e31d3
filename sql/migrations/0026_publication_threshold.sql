-- The one small-cell threshold a database's open-data packages are published under. The first
-- `outcomes publish` sets it from its profile; every later package must use it, since the same
-- table published under two thresholds, each with its own complements, could give back a cell
-- either hides. The analyst role publishes: it may read the row and set it once, never change it
-- (an administrator, the table's owner, may).
CREATE TABLE ids.publication_policy (
    only_row             boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    small_cell_threshold integer NOT NULL CHECK (small_cell_threshold >= 11),
    set_by               text NOT NULL DEFAULT session_user,
    set_at               timestamptz NOT NULL DEFAULT now()
);
-- An administrator's change names the administrator and the time of the change.
CREATE FUNCTION ids.publication_policy_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.set_by := session_user;
    NEW.set_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER publication_policy_changed BEFORE UPDATE ON ids.publication_policy
    FOR EACH ROW EXECUTE FUNCTION ids.publication_policy_changed();
REVOKE ALL ON ids.publication_policy FROM PUBLIC;
GRANT SELECT, INSERT ON ids.publication_policy TO outcomes_analyst;

COMMENT ON TABLE ids.publication_policy IS 'The small-cell threshold every open-data package of this database is published under: one row, set by the first outcomes publish from its profile, changed only by an administrator.';
COMMENT ON COLUMN ids.publication_policy.only_row IS 'Always true: the table holds one row at most.';
COMMENT ON COLUMN ids.publication_policy.small_cell_threshold IS 'Published counts from 1 to this minus 1 are suppressed (at least 11).';
COMMENT ON COLUMN ids.publication_policy.set_by IS 'The database user who published the first package, or the administrator who changed the threshold.';
COMMENT ON COLUMN ids.publication_policy.set_at IS 'When the threshold was set or last changed.';
COMMENT ON FUNCTION ids.publication_policy_changed() IS 'Names who changed the publication threshold, and when.';
