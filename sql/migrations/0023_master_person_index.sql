-- The master person index. Agencies' identifier extracts (names, dates of birth, SSNs,
-- addresses) live in the `linkage` schema, which only the linker role reads: the hub model, where
-- the linker sees identifiers and no content and analysts see content and no identifiers. A link
-- run compares records, clusters them into persons and writes what everyone else sees:
-- ids.persons and ids.source_links, pseudonymous. Content loaded by (source_system, source_key)
-- keeps its key, so a re-link can move it to the person its record now belongs to.
--
-- Citus: the linkage tables stay on the coordinator as local tables (blocking joins records to
-- records by name or date, never by person; the tables are a few million rows beside the events).

CREATE SCHEMA linkage;
COMMENT ON SCHEMA linkage IS 'Identifiers and the linker''s work; readable by outcomes_linker only';

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'outcomes_linker') THEN CREATE ROLE outcomes_linker NOLOGIN; END IF;
END
$$;

REVOKE ALL ON SCHEMA linkage FROM PUBLIC;
GRANT USAGE ON SCHEMA linkage TO outcomes_linker;
-- A link run's work tables (unlogged, dropped at its end) live apart, in a schema the linker may
-- create in and that no query's search path holds: nothing the linker defines there (a function,
-- an operator, a view) can be picked up by a name another user's statement resolves, and the
-- linkage schema, on every run's search path for the similarity functions, stays the owner's alone.
CREATE SCHEMA linkage_work;
REVOKE ALL ON SCHEMA linkage_work FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA linkage_work TO outcomes_linker;

-- A link run is a data load: it changes which person a record (and its content) belongs to, so
-- results computed before it are stale, as after an extract.
ALTER TABLE ids.data_loads DROP CONSTRAINT data_loads_kind_check;
ALTER TABLE ids.data_loads ADD CONSTRAINT data_loads_kind_check CHECK (kind IN ('synthetic', 'extract', 'linkage'));

-- One agency record's identifiers, as read from `identifiers.csv` (see README, "Linking records").
-- A partial date of birth keeps what is known: year, or year and month; a full one has all three.
-- An SSN is nine digits, or only its last four.
CREATE TABLE linkage.identifiers (
    record_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_system  text NOT NULL REFERENCES ids.source_systems,
    source_key     text NOT NULL,
    first_name     text,
    middle_name    text,
    last_name      text,
    birth_date     date,
    birth_year     smallint CHECK (birth_year BETWEEN 1880 AND 2100),
    birth_month    smallint CHECK (birth_month BETWEEN 1 AND 12),
    ssn            text CHECK (ssn ~ '^[0-9]{9}$'),
    ssn_last4      text CHECK (ssn_last4 ~ '^[0-9]{4}$'),
    sex            text CHECK (sex IN ('F', 'M', 'X', 'U')),
    race_ethnicity text,
    county         text,
    address        text,
    city           text,
    postcode       text,
    load_id        integer NOT NULL DEFAULT current_setting('outcomes.load_id')::integer REFERENCES ids.data_loads,
    UNIQUE (source_system, source_key),
    CHECK (birth_month IS NULL OR birth_year IS NOT NULL),
    CHECK (birth_date IS NULL OR (birth_year = extract(year FROM birth_date) AND birth_month = extract(month FROM birth_date))),
    CHECK (ssn IS NULL OR ssn_last4 = right(ssn, 4))
);

-- Every link run: the specification it used (and its hash), the model it trained, what it did.
-- run_id and entry_id (below) are drawn from their sequences by the insert's trigger
-- (linkage.stamp_writer), never given by the writer.
CREATE TABLE linkage.runs (
    run_id          integer PRIMARY KEY,
    load_id         integer NOT NULL REFERENCES ids.data_loads,
    spec_id         text NOT NULL,
    spec            jsonb NOT NULL,
    spec_sha256     text NOT NULL CHECK (spec_sha256 ~ '^[0-9a-f]{64}$'),
    records         integer NOT NULL,
    candidate_pairs bigint NOT NULL,
    -- λ, m and u per comparison level, EM iterations and convergence, warnings.
    model           jsonb NOT NULL,
    -- Counts: clusters, persons kept, new, merged and split, content rows moved.
    summary         jsonb NOT NULL DEFAULT '{}'::jsonb,
    run_by          text NOT NULL DEFAULT session_user,
    started_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at     timestamptz
);

-- How many candidate pairs had each agreement pattern, and the pattern's match weight (before
-- term-frequency adjustments): the distribution of weights and the unlabelled error estimates.
CREATE TABLE linkage.pattern_counts (
    run_id       integer NOT NULL REFERENCES linkage.runs,
    pattern      bigint NOT NULL,
    pairs        bigint NOT NULL CHECK (pairs > 0),
    match_weight double precision NOT NULL,
    PRIMARY KEY (run_id, pattern)
);

-- Scored pairs at or above the run's review threshold: what clustering and clerical review read.
-- record_l < record_r.
CREATE TABLE linkage.pairs (
    -- No foreign key to linkage.runs: only the latest run's pairs are kept, written by that run
    -- (a row-by-row check of hundreds of thousands of pairs against one run cost seconds a run).
    run_id            integer NOT NULL,
    record_l          bigint NOT NULL,
    record_r          bigint NOT NULL,
    pattern           bigint NOT NULL,
    match_weight      double precision NOT NULL,
    match_probability double precision NOT NULL CHECK (match_probability BETWEEN 0 AND 1),
    PRIMARY KEY (run_id, record_l, record_r),
    CHECK (record_l < record_r)
);

-- Clerical decisions, keyed by source records so they outlive record ids and re-runs; they
-- override the model (a match links the pair, a non-match keeps it apart).
CREATE TABLE linkage.labels (
    source_system_l text NOT NULL,
    source_key_l    text NOT NULL,
    source_system_r text NOT NULL,
    source_key_r    text NOT NULL,
    decision        text NOT NULL CHECK (decision IN ('match', 'non_match')),
    decided_by      text NOT NULL DEFAULT session_user,
    decided_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    note            text,
    PRIMARY KEY (source_system_l, source_key_l, source_system_r, source_key_r),
    CHECK ((source_system_l, source_key_l) < (source_system_r, source_key_r))
);

-- Which person ids a run created, merged or split, with how many records each change moved.
-- Pseudonymous: analysts read it to find results computed on ids that changed.
CREATE TABLE linkage.id_changes (
    run_id          integer NOT NULL REFERENCES linkage.runs,
    person_id       bigint NOT NULL,
    change          text NOT NULL CHECK (change IN ('new', 'merged_into', 'split_from')),
    -- merged_into: the person that took this one's records; split_from: the person this one's
    -- records came from.
    other_person_id bigint,
    records         integer NOT NULL CHECK (records > 0),
    UNIQUE NULLS NOT DISTINCT (run_id, person_id, change, other_person_id),
    CHECK ((change = 'new') = (other_person_id IS NULL))
);

-- What was done to the index and by whom: link runs, label imports, purges. Append-only.
CREATE TABLE linkage.audit_log (
    entry_id  bigint PRIMARY KEY,
    action    text NOT NULL CHECK (action IN ('link_run', 'labels', 'purge')),
    run_id    integer REFERENCES linkage.runs,
    details   jsonb NOT NULL DEFAULT '{}'::jsonb,
    done_by   text NOT NULL DEFAULT session_user,
    done_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE SEQUENCE linkage.runs_run_id_seq AS integer OWNED BY linkage.runs.run_id;
CREATE SEQUENCE linkage.audit_log_entry_id_seq OWNED BY linkage.audit_log.entry_id;

-- Every trigger function runs with a fixed search path: it fires in the writer's session, whose
-- temporary objects (a view named pg_proc, an operator) would otherwise be found first.
CREATE FUNCTION linkage.refuse_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION '%.% is append-only: % is refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON linkage.audit_log
    FOR EACH ROW EXECUTE FUNCTION linkage.refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON linkage.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION linkage.refuse_change();
CREATE TRIGGER id_changes_append_only BEFORE UPDATE OR DELETE ON linkage.id_changes
    FOR EACH ROW EXECUTE FUNCTION linkage.refuse_change();

-- The next id of a run or an audit entry, drawn for the row by its trigger whatever the insert gave
-- (OVERRIDING SYSTEM VALUE, or a value drawn earlier and kept for later, is never stored).
CREATE FUNCTION linkage.next_trail_id(trail text) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE trail WHEN 'runs' THEN nextval('linkage.runs_run_id_seq')
                      WHEN 'audit_log' THEN nextval('linkage.audit_log_entry_id_seq') END
$$;

-- Who and when are the server's, never the writer's: an audit entry or a run names the login that
-- really made it, at the time it did, under the next id of its sequence. A link run's audit entry
-- is written only by linkage.write_index (running as its owner), with what the run changed.
CREATE FUNCTION linkage.stamp_writer() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_TABLE_NAME = 'audit_log' THEN
        IF NEW.action OPERATOR(pg_catalog.=) 'link_run' AND current_user IS DISTINCT FROM
               (SELECT pg_catalog.pg_get_userbyid(p.proowner) FROM pg_catalog.pg_proc p
                WHERE p.oid OPERATOR(pg_catalog.=) 'linkage.write_index(integer, bigint[], bigint[], double precision[])'::pg_catalog.regprocedure) THEN
            RAISE EXCEPTION 'linkage.audit_log: a link run''s entry is linkage.write_index''s'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        NEW.entry_id := linkage.next_trail_id('audit_log');
        NEW.done_by := session_user;
        NEW.done_at := clock_timestamp();
    ELSE
        NEW.run_id := linkage.next_trail_id('runs');
        NEW.run_by := session_user;
        NEW.started_at := clock_timestamp();
        NEW.finished_at := NULL;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_log_stamped BEFORE INSERT ON linkage.audit_log
    FOR EACH ROW EXECUTE FUNCTION linkage.stamp_writer();
CREATE TRIGGER runs_stamped BEFORE INSERT ON linkage.runs
    FOR EACH ROW EXECUTE FUNCTION linkage.stamp_writer();

-- A run's record is written by the run: its summary and finish are set once, before it finishes
-- (the linker may update only those columns; the finish is the server's time), and it is never
-- deleted.
CREATE FUNCTION linkage.finish_once() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.finished_at IS NOT NULL OR NEW.finished_at IS NULL THEN
        RAISE EXCEPTION 'linkage.runs: run % is finished or being removed: % is refused', OLD.run_id, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.finished_at := clock_timestamp();
    RETURN NEW;
END
$$;
CREATE TRIGGER runs_finish_once BEFORE UPDATE OR DELETE ON linkage.runs
    FOR EACH ROW EXECUTE FUNCTION linkage.finish_once();
CREATE TRIGGER runs_no_truncate BEFORE TRUNCATE ON linkage.runs
    FOR EACH STATEMENT EXECUTE FUNCTION linkage.refuse_change();

-- Id changes are recorded by the run that made them, while it runs.
CREATE FUNCTION linkage.changes_of_a_running_run() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM added a LEFT JOIN linkage.runs r USING (run_id) WHERE r.run_id IS NULL OR r.finished_at IS NOT NULL) THEN
        RAISE EXCEPTION 'linkage.id_changes: changes are recorded only by a run in progress'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER id_changes_by_their_run AFTER INSERT ON linkage.id_changes
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION linkage.changes_of_a_running_run();
CREATE TRIGGER id_changes_no_truncate BEFORE TRUNCATE ON linkage.id_changes
    FOR EACH STATEMENT EXECUTE FUNCTION linkage.refuse_change();

-- Damerau–Levenshtein distance in its optimal-string-alignment form (an adjacent transposition
-- costs one edit; no substring is edited twice). fuzzystrmatch has plain Levenshtein only, so the
-- compiled comparisons call this only for the few pairs whose Levenshtein distance leaves the
-- answer open (k < levenshtein ≤ 2k).
CREATE FUNCTION linkage.osa_distance(a text, b text) RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    s text[] := regexp_split_to_array(a, '');
    t text[] := regexp_split_to_array(b, '');
    m integer := coalesce(array_length(s, 1), 0);
    n integer := coalesce(array_length(t, 1), 0);
    previous2 integer[];
    previous integer[];
    current integer[];
    cost integer;
BEGIN
    IF m = 0 THEN RETURN n; END IF;
    IF n = 0 THEN RETURN m; END IF;
    previous := array_fill(0, ARRAY[n + 1], ARRAY[0]);
    FOR j IN 1..n LOOP previous[j] := j; END LOOP;
    FOR i IN 1..m LOOP
        current := array_fill(0, ARRAY[n + 1], ARRAY[0]);
        current[0] := i;
        FOR j IN 1..n LOOP
            cost := CASE WHEN s[i] = t[j] THEN 0 ELSE 1 END;
            current[j] := least(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
            IF i > 1 AND j > 1 AND s[i] = t[j - 1] AND s[i - 1] = t[j] THEN
                current[j] := least(current[j], previous2[j - 2] + 1);
            END IF;
        END LOOP;
        previous2 := previous;
        previous := current;
    END LOOP;
    RETURN previous[n];
END
$$;

-- One adjacent transposition, for strings already known to be of equal length and to differ in
-- exactly two places (Hamming distance 2): then the first difference and its neighbour are swapped,
-- or the strings are not one transposition apart. Optimal string alignment at distance one is
-- Levenshtein ≤ 1 or this; it costs a few microseconds where osa_distance costs tens.
CREATE FUNCTION linkage.adjacent_swap(a text, b text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    FOR i IN 1 .. length(a) - 1 LOOP
        IF substr(a, i, 1) <> substr(b, i, 1) THEN
            RETURN substr(a, i, 1) = substr(b, i + 1, 1) AND substr(a, i + 1, 1) = substr(b, i, 1);
        END IF;
    END LOOP;
    RETURN false;
END
$$;

-- Content loaded by source record keeps the record's key (NULL for content loaded pre-linked by
-- person_id), so a re-link moves it to the record's person. Enrollments name their source too.
ALTER TABLE ids.enrollments ADD COLUMN source_system text REFERENCES ids.source_systems;
ALTER TABLE ids.enrollments ADD COLUMN source_key text;
ALTER TABLE ids.enrollments ADD CONSTRAINT enrollments_source_key_whole CHECK ((source_key IS NULL) OR (source_system IS NOT NULL));
ALTER TABLE ids.events ADD COLUMN source_key text;
CREATE INDEX enrollments_source_key ON ids.enrollments (source_system, source_key) WHERE source_key IS NOT NULL;
CREATE INDEX events_source_key ON ids.events (source_system, source_key) WHERE source_key IS NOT NULL;

-- The linker reads and writes its schema and reads the person index (ids.persons and
-- ids.source_links, pseudonymous); it reads no content, not even its keys. What a link run writes
-- outside its schema — its data load, the index, content moved to its record's new person — it
-- writes only through the two functions below, which run as the schema's owner.
GRANT SELECT, INSERT, UPDATE, DELETE ON linkage.identifiers, linkage.runs, linkage.pattern_counts, linkage.pairs, linkage.labels
    TO outcomes_linker;
GRANT SELECT ON linkage.id_changes TO outcomes_linker;
GRANT SELECT, INSERT ON linkage.audit_log TO outcomes_linker;
GRANT USAGE ON SCHEMA ids TO outcomes_linker;
GRANT SELECT ON ids.source_systems, ids.data_loads, ids.persons, ids.source_links TO outcomes_linker;

-- Why through the owner, and why every write: the linker moves content it may not read, and on
-- Citus a transaction may not query placements that another user modified in it (a SECURITY
-- DEFINER function is that other user; even a foreign key check on a worker would not see the
-- data load another user's connection inserted). So every write a run makes to the distributed
-- and reference tables is the owner's, and the linker reads those tables (the index as it was)
-- only before the first such write.

-- The SHA-256 of the person index: every source key's line "system,key,person" in key order.
CREATE FUNCTION linkage.links_sha256() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT encode(sha256(convert_to(coalesce(string_agg(l.source_system || ',' || l.source_key || ',' || l.person_id, E'\n'
                                                        ORDER BY l.source_system, l.source_key), ''), 'UTF8')), 'hex')
    FROM ids.source_links l
$$;
REVOKE ALL ON FUNCTION linkage.links_sha256() FROM PUBLIC;

-- Opens a link run's data load (kind 'linkage', recorded as the login's, with the transaction that
-- opened it: only that transaction can write the index under it), makes it this transaction's
-- outcomes.load_id, and returns its id. A link load still open is one whose transaction committed
-- without writing its index (a run in progress elsewhere is not visible here): it is closed as
-- abandoned, with the hash of the links as they are (it changed none), so that nothing waiting for
-- loads to finish (`db distribute`) waits for it.
CREATE FUNCTION linkage.open_link_load(spec_id text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    opened integer;
    closed timestamptz := clock_timestamp();
    links_hash text;
BEGIN
    IF spec_id IS NULL OR spec_id !~ '^[a-z0-9][a-z0-9_-]*$' THEN
        RAISE EXCEPTION 'linkage.open_link_load: % is not a linkage specification id', coalesce(quote_literal(spec_id), 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- One link run at a time (the key `link run` takes too): two would hand out the same new ids.
    PERFORM pg_advisory_xact_lock(7811896436411690496);
    IF EXISTS (SELECT 1 FROM ids.data_loads WHERE kind = 'linkage' AND finished_at IS NULL) THEN
        links_hash := linkage.links_sha256();
        UPDATE ids.data_loads SET finished_at = closed, content_hash = links_hash, row_counts = '{"abandoned": true}'::jsonb
        WHERE kind = 'linkage' AND finished_at IS NULL;
    END IF;
    INSERT INTO ids.data_loads (kind, description, parameters, loaded_by)
    VALUES ('linkage', 'link ' || spec_id, jsonb_build_object('spec_id', spec_id, 'transaction', pg_current_xact_id()::text), session_user)
    RETURNING load_id INTO opened;
    PERFORM set_config('outcomes.load_id', opened::text, true);
    RETURN opened;
END
$$;

-- Writes the person index as a link run assigned it, and finishes the run's data load; returns the
-- content rows moved. The assignment comes as values, one element per identifier record: its id,
-- its person now, and its strongest link's match probability (NULL for a record linked to none).
-- The function reads nothing the linker owns or could define (a table, view or type of the linker's
-- read here would run as the owner): each record's key is read from linkage.identifiers and its
-- person before the run (`earlier`) from ids.source_links. `link_run` must be the run in progress in
-- this transaction (the one whose data load is outcomes.load_id, opened by this transaction, neither
-- finished), and the values must assign each of its identifier records once. A person id is either
-- kept (the earlier person of one of its own records) or new, and new ids are the next ones in line
-- above every id ever used, without gaps.
--
-- The function records what it changes, whoever calls it: the id changes (new, merged, split; as
-- PersonAssignment describes them) and the run's audit entry; the linker can write neither.
--
-- Persons get the demographics most of their records agree on; only new or changed rows of
-- ids.persons and ids.source_links are written. The content of every key that changed person is
-- deleted and inserted under the new person (Citus does not update a distribution column), joined
-- on the earlier person's id. Earlier persons nothing refers to any more are removed. The data
-- load records the SHA-256 of every link and the counts.
CREATE FUNCTION linkage.write_index(link_run integer, record_ids bigint[], person_ids bigint[], link_scores double precision[])
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    run_load integer;
    run_records integer;
    enrollments bigint := 0;
    events bigint := 0;
    links_hash text;
    persons bigint;
    finished timestamptz;
    collisions bigint;
    highest bigint;
    changes bigint;
    content text;
BEGIN
    SELECT r.load_id, r.records INTO run_load, run_records FROM linkage.runs r
    WHERE r.run_id = link_run AND r.finished_at IS NULL
      AND r.load_id::text = current_setting('outcomes.load_id', true)
      AND EXISTS (SELECT 1 FROM ids.data_loads d WHERE d.load_id = r.load_id AND d.kind = 'linkage' AND d.finished_at IS NULL
                                                  AND d.parameters->>'transaction' = pg_current_xact_id()::text);
    IF run_load IS NULL THEN
        RAISE EXCEPTION 'linkage.write_index: % is not the link run in progress in this transaction', coalesce(link_run::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF cardinality(record_ids) IS DISTINCT FROM cardinality(person_ids) OR cardinality(record_ids) IS DISTINCT FROM cardinality(link_scores) THEN
        RAISE EXCEPTION 'linkage.write_index: the assignment''s arrays differ in length' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The owner's own copy (a name the linker took first is an error, never read).
    CREATE TEMP TABLE write_index_assignment ON COMMIT DROP AS
    SELECT a.record_id, i.source_system, i.source_key, a.person_id, a.link_score, o.earlier, o.linked
    FROM unnest(record_ids, person_ids, link_scores) AS a(record_id, person_id, link_score)
    LEFT JOIN linkage.identifiers i ON i.record_id = a.record_id
    LEFT JOIN (SELECT l.source_system, l.source_key, min(l.person_id) AS earlier, count(*) AS linked
               FROM ids.source_links l GROUP BY 1, 2) o
      ON o.source_system = i.source_system AND o.source_key = i.source_key;
    ANALYZE pg_temp.write_index_assignment;
    IF (SELECT count(*) <> run_records OR count(DISTINCT a.record_id) <> count(*)
               OR count(*) FILTER (WHERE a.source_key IS NULL OR a.person_id IS NULL OR a.person_id < 1
                                          OR a.link_score NOT BETWEEN 0 AND 1) > 0
        FROM pg_temp.write_index_assignment a) THEN
        RAISE EXCEPTION 'linkage.write_index: the values do not assign each of run %''s % records once', link_run, run_records
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- A record the index links to two persons (a pre-linked extract may) would lose a link, and the
    -- content under it, unrecorded: refused whole (SQLSTATE 23505, "source_links <count>").
    SELECT count(*) INTO collisions FROM pg_temp.write_index_assignment WHERE linked > 1;
    IF collisions > 0 THEN
        RAISE EXCEPTION 'linkage.write_index: source_links %', collisions USING ERRCODE = 'unique_violation';
    END IF;
    highest := greatest((SELECT coalesce(max(p.person_id), 0) FROM ids.persons p),
                        (SELECT coalesce(max(greatest(c.person_id, coalesce(c.other_person_id, 0))), 0) FROM linkage.id_changes c));
    IF EXISTS (SELECT 1 FROM pg_temp.write_index_assignment a GROUP BY a.person_id
               HAVING a.person_id <= highest AND NOT bool_or(a.earlier IS NOT DISTINCT FROM a.person_id))
       OR (SELECT count(DISTINCT a.person_id) IS DISTINCT FROM coalesce(max(a.person_id) - highest, 0)
           FROM pg_temp.write_index_assignment a WHERE a.person_id > highest) THEN
        RAISE EXCEPTION 'linkage.write_index: run % gives records person ids that are neither kept nor the next new ones', link_run
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    INSERT INTO linkage.id_changes (run_id, person_id, change, other_person_id, records)
    SELECT link_run, a.person_id, 'new', NULL, count(*) FROM pg_temp.write_index_assignment a
    WHERE a.person_id > highest GROUP BY a.person_id HAVING count(a.earlier) = 0
    UNION ALL
    -- An earlier person whose records mostly went to a person that kept another id.
    SELECT link_run, a.earlier, 'merged_into', a.person_id, count(*) FROM pg_temp.write_index_assignment a
    WHERE a.earlier <> a.person_id AND NOT EXISTS (SELECT 1 FROM pg_temp.write_index_assignment k WHERE k.person_id = a.earlier)
    GROUP BY a.earlier, a.person_id
    UNION ALL
    -- Records now under another person while their earlier person lives on.
    SELECT link_run, a.person_id, 'split_from', a.earlier, count(*) FROM pg_temp.write_index_assignment a
    WHERE a.earlier <> a.person_id AND EXISTS (SELECT 1 FROM pg_temp.write_index_assignment k WHERE k.person_id = a.earlier)
    GROUP BY a.person_id, a.earlier;
    GET DIAGNOSTICS changes = ROW_COUNT;

    WITH members AS (
        SELECT a.person_id, i.birth_date, i.birth_year, nullif(i.sex, 'U') AS sex,
               nullif(i.race_ethnicity, '') AS race_ethnicity, nullif(i.county, '') AS county
        FROM pg_temp.write_index_assignment a JOIN linkage.identifiers i USING (record_id)),
    consensus AS (
        SELECT person_id,
               mode() WITHIN GROUP (ORDER BY birth_date) AS birth_date,
               mode() WITHIN GROUP (ORDER BY birth_year) AS birth_year,
               coalesce(mode() WITHIN GROUP (ORDER BY sex), 'U') AS sex,
               coalesce(mode() WITHIN GROUP (ORDER BY race_ethnicity), 'unknown') AS race_ethnicity,
               mode() WITHIN GROUP (ORDER BY county) AS county
        FROM members GROUP BY person_id)
    INSERT INTO ids.persons (person_id, birth_date, birth_year, sex, race_ethnicity, county, load_id)
    SELECT person_id, birth_date, coalesce(extract(year FROM birth_date)::smallint, birth_year), sex, race_ethnicity, county, run_load
    FROM consensus
    ON CONFLICT (person_id) DO UPDATE SET
        birth_date = excluded.birth_date, birth_year = excluded.birth_year, sex = excluded.sex,
        race_ethnicity = excluded.race_ethnicity, county = excluded.county, load_id = excluded.load_id
    WHERE (ids.persons.birth_date, ids.persons.birth_year, ids.persons.sex, ids.persons.race_ethnicity, ids.persons.county)
          IS DISTINCT FROM (excluded.birth_date, excluded.birth_year, excluded.sex, excluded.race_ethnicity, excluded.county);

    DELETE FROM ids.source_links l USING pg_temp.write_index_assignment a
    WHERE l.source_system = a.source_system AND l.source_key = a.source_key AND l.person_id <> a.person_id;
    INSERT INTO ids.source_links (person_id, source_system, source_key, match_method, match_score, load_id)
    SELECT a.person_id, a.source_system, a.source_key,
           CASE WHEN a.link_score IS NULL THEN 'deterministic' ELSE 'probabilistic' END,
           round(coalesce(a.link_score, 1)::numeric, 4), run_load
    FROM pg_temp.write_index_assignment a
    ON CONFLICT (person_id, source_system, source_key) DO UPDATE SET
        match_method = excluded.match_method, match_score = excluded.match_score, load_id = excluded.load_id
    WHERE (ids.source_links.match_method, ids.source_links.match_score) IS DISTINCT FROM (excluded.match_method, excluded.match_score);

    -- Content is keyed by person and its own id: a move that would give a person two events (or
    -- enrollments) with one id is refused before anything moves, naming the table and how many
    -- (SQLSTATE 23505; the ids themselves are content, which the linker does not see).
    IF EXISTS (SELECT 1 FROM pg_temp.write_index_assignment WHERE earlier <> person_id) THEN
        FOREACH content IN ARRAY ARRAY['events', 'enrollments'] LOOP  -- each keyed by person and <kind>_id
            EXECUTE format($check$
                SELECT count(*) FROM (
                    SELECT coalesce(m.person_id, t.person_id), t.%I
                    FROM ids.%I t
                    LEFT JOIN pg_temp.write_index_assignment m
                      ON m.earlier <> m.person_id AND t.person_id = m.earlier AND t.source_system = m.source_system
                         AND t.source_key = m.source_key
                    WHERE t.person_id IN (SELECT earlier FROM pg_temp.write_index_assignment WHERE earlier <> person_id
                                          UNION SELECT person_id FROM pg_temp.write_index_assignment WHERE earlier <> person_id)
                    GROUP BY 1, 2 HAVING count(*) > 1) c
                $check$, left(content, -1) || '_id', content)
            INTO collisions;
            IF collisions > 0 THEN
                RAISE EXCEPTION 'linkage.write_index: % %', content, collisions USING ERRCODE = 'unique_violation';
            END IF;
        END LOOP;

        WITH moves AS (
            SELECT source_system, source_key, earlier, person_id FROM pg_temp.write_index_assignment WHERE earlier <> person_id),
        moved AS (
            DELETE FROM ids.enrollments t USING moves m
            WHERE t.person_id = m.earlier AND t.source_system = m.source_system AND t.source_key = m.source_key
            RETURNING m.person_id AS new_person, t.*)
        INSERT INTO ids.enrollments (person_id, enrollment_id, program_id, provider_id, contract_id, start_date, end_date,
                                     exit_reason, study_arm, load_id, source_system, source_key)
        SELECT new_person, enrollment_id, program_id, provider_id, contract_id, start_date, end_date, exit_reason, study_arm,
               load_id, source_system, source_key
        FROM moved;
        GET DIAGNOSTICS enrollments = ROW_COUNT;
        WITH moves AS (
            SELECT source_system, source_key, earlier, person_id FROM pg_temp.write_index_assignment WHERE earlier <> person_id),
        moved AS (
            DELETE FROM ids.events t USING moves m
            WHERE t.person_id = m.earlier AND t.source_system = m.source_system AND t.source_key = m.source_key
            RETURNING m.person_id AS new_person, t.*)
        INSERT INTO ids.events (person_id, event_id, domain, event_type, source_system, source_record, start_date, end_date,
                                amount, load_id, source_key)
        SELECT new_person, event_id, domain, event_type, source_system, source_record, start_date, end_date, amount, load_id, source_key
        FROM moved;
        GET DIAGNOSTICS events = ROW_COUNT;
    END IF;

    DELETE FROM ids.persons p
    WHERE p.person_id IN (SELECT earlier FROM pg_temp.write_index_assignment WHERE earlier IS NOT NULL
                          EXCEPT SELECT person_id FROM pg_temp.write_index_assignment)
      AND NOT EXISTS (SELECT 1 FROM ids.source_links l WHERE l.person_id = p.person_id)
      AND NOT EXISTS (SELECT 1 FROM ids.enrollments e WHERE e.person_id = p.person_id)
      AND NOT EXISTS (SELECT 1 FROM ids.events e WHERE e.person_id = p.person_id);

    links_hash := linkage.links_sha256();
    SELECT count(DISTINCT person_id) INTO persons FROM pg_temp.write_index_assignment;
    -- (Values read first: Citus runs no volatile function, nor a query of a local table, in an
    -- UPDATE of a reference table.)
    finished := clock_timestamp();
    UPDATE ids.data_loads
    SET content_hash = links_hash, row_counts = jsonb_build_object('persons', persons, 'source_links', run_records), finished_at = finished
    WHERE load_id = run_load;
    INSERT INTO linkage.audit_log (action, run_id, details)
    VALUES ('link_run', link_run, jsonb_build_object('records', run_records, 'persons', persons, 'id_changes', changes,
                                                     'content_rows_moved', enrollments + events, 'links_sha256', links_hash));
    RETURN enrollments + events;
END
$$;
REVOKE ALL ON FUNCTION linkage.open_link_load(text), linkage.write_index(integer, bigint[], bigint[], double precision[]),
    linkage.next_trail_id(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION linkage.next_trail_id(text) TO outcomes_linker;
GRANT EXECUTE ON FUNCTION linkage.open_link_load(text), linkage.write_index(integer, bigint[], bigint[], double precision[])
    TO outcomes_linker;

-- Analysts and the payments role see which ids changed, and the runs' headers (no identifiers).
GRANT USAGE ON SCHEMA linkage TO outcomes_analyst, outcomes_payments;
GRANT SELECT ON linkage.id_changes TO outcomes_analyst, outcomes_payments;
GRANT SELECT (run_id, load_id, spec_id, spec_sha256, records, candidate_pairs, summary, run_by, started_at, finished_at)
    ON linkage.runs TO outcomes_analyst, outcomes_payments;

-- Every command checks the schema's version as the role it takes.
GRANT SELECT ON public.schema_migrations TO outcomes_linker;

-- The linker writes a run's summary and finish, nothing else of it (see linkage.finish_once).
REVOKE UPDATE, DELETE, TRUNCATE ON linkage.runs FROM outcomes_linker;
GRANT UPDATE (summary, finished_at) ON linkage.runs TO outcomes_linker;
