-- Families: who is related to whom, and who lives together.
--
-- ids.relationships holds typed edges between persons (OMOP's FACT_RELATIONSHIP; codes aligned
-- with HL7 v3 role codes, in ids.relationship_codes): "relative_id is person_id's <relation>",
-- from a source, valid from a day to a day (NULL: still), with its evidence. Every stated edge is
-- stored under both persons, the second row reading it the other way (stated = false), so a
-- person's relatives are found on the person's own rows: on Citus the table is distributed by
-- person_id like the events, and a metric over relatives joins the participant's rows alone.
-- Sources that disagree are kept side by side; the quality report counts them.
--
-- ids.household_members holds HUD HMIS household memberships: a household key (the source's),
-- the person, the relationship to the head of household (HMIS 3.15), valid from/to. A load
-- infers from them the edges between members of one household at the same time (relation
-- household_member, evidence inferred; and the head's child or partner where 3.15 says so).
--
-- Relative ids are checked by the loader, not by a foreign key: on Citus a key from a
-- distributed table must be on its distribution column.

-- Children's school years: one enrollment spell per school year, its amount the share of school
-- days attended in percent (a database that already defined the domain keeps its definition).
INSERT INTO ids.event_domains (domain, shape) VALUES ('school', 'spell') ON CONFLICT (domain) DO NOTHING;

CREATE TABLE ids.relationship_codes (
    relation text PRIMARY KEY,
    inverse  text NOT NULL,
    broader  text REFERENCES ids.relationship_codes,
    hl7_code text,
    label    text NOT NULL
);
INSERT INTO ids.relationship_codes (relation, inverse, broader, hl7_code, label) VALUES
    ('parent', 'child', NULL, 'PRN', 'Parent'),
    ('natural_parent', 'natural_child', 'parent', 'NPRN', 'Natural parent'),
    ('adoptive_parent', 'adopted_child', 'parent', 'ADOPTP', 'Adoptive parent'),
    ('foster_parent', 'foster_child', 'parent', 'PRNFOST', 'Foster parent'),
    ('step_parent', 'step_child', 'parent', 'STPPRN', 'Step-parent'),
    ('child', 'parent', NULL, 'CHILD', 'Child'),
    ('natural_child', 'natural_parent', 'child', 'NCHILD', 'Natural child'),
    ('adopted_child', 'adoptive_parent', 'child', 'CHLDADOPT', 'Adopted child'),
    ('foster_child', 'foster_parent', 'child', 'CHLDFOST', 'Foster child'),
    ('step_child', 'step_parent', 'child', 'STPCHLD', 'Step-child'),
    ('guardian', 'ward', NULL, 'GUARD', 'Legal guardian'),
    ('ward', 'guardian', NULL, NULL, 'Ward (the person is their guardian)'),
    ('grandparent', 'grandchild', NULL, 'GRPRN', 'Grandparent'),
    ('grandchild', 'grandparent', NULL, 'GRNDCHILD', 'Grandchild'),
    ('sibling', 'sibling', NULL, 'SIB', 'Sibling'),
    ('half_sibling', 'half_sibling', 'sibling', 'HSIB', 'Half-sibling'),
    ('step_sibling', 'step_sibling', 'sibling', 'STPSIB', 'Step-sibling'),
    ('partner', 'partner', NULL, 'SIGOTHR', 'Spouse or partner'),
    ('spouse', 'spouse', 'partner', 'SPS', 'Spouse'),
    ('domestic_partner', 'domestic_partner', 'partner', 'DOMPART', 'Domestic partner'),
    ('other_relative', 'other_relative', NULL, 'EXT', 'Other relative (extended family)'),
    ('household_member', 'household_member', NULL, NULL, 'Member of the same household (inferred from household memberships)');
ALTER TABLE ids.relationship_codes ADD FOREIGN KEY (inverse) REFERENCES ids.relationship_codes;

CREATE TABLE ids.relationships (
    person_id              bigint NOT NULL REFERENCES ids.persons,
    relative_id            bigint NOT NULL,
    relation               text NOT NULL REFERENCES ids.relationship_codes,
    source_system          text NOT NULL REFERENCES ids.source_systems,
    valid_from             date NOT NULL,
    valid_to               date,
    evidence               text NOT NULL CHECK (evidence IN ('declared', 'derived', 'inferred')),
    -- false: the row reads a stated edge the other way (written by the load).
    stated                 boolean NOT NULL,
    -- For a source-keyed edge, the source records it names (the person's and the relative's), so a
    -- re-link moves the edge with them.
    person_key_system      text REFERENCES ids.source_systems,
    person_key             text,
    relative_key_system    text REFERENCES ids.source_systems,
    relative_key           text,
    -- For an edge the load inferred from household memberships: the household.
    household_key          text,
    load_id                integer NOT NULL DEFAULT current_setting('outcomes.load_id')::integer REFERENCES ids.data_loads,
    PRIMARY KEY (person_id, relative_id, relation, source_system, valid_from, stated),
    CHECK (relative_id <> person_id),
    CHECK (valid_to IS NULL OR valid_to >= valid_from),
    CHECK ((person_key IS NULL) = (person_key_system IS NULL) AND (relative_key IS NULL) = (relative_key_system IS NULL)),
    CHECK (household_key IS NULL OR evidence = 'inferred')
);
-- The other end of an edge, for the loader's checks and a re-link's moves.
CREATE INDEX relationships_relative ON ids.relationships (relative_id);
CREATE INDEX relationships_person_key ON ids.relationships (person_key_system, person_key) WHERE person_key IS NOT NULL;
CREATE INDEX relationships_relative_key ON ids.relationships (relative_key_system, relative_key) WHERE relative_key IS NOT NULL;
CREATE INDEX relationships_household ON ids.relationships (source_system, household_key) WHERE household_key IS NOT NULL;

CREATE TABLE ids.household_members (
    person_id            bigint NOT NULL REFERENCES ids.persons,
    household_key        text NOT NULL,
    source_system        text NOT NULL REFERENCES ids.source_systems,
    relationship_to_head smallint NOT NULL CHECK (relationship_to_head IN (1, 2, 3, 4, 5, 99)),
    valid_from           date NOT NULL,
    valid_to             date,
    source_key           text,
    load_id              integer NOT NULL DEFAULT current_setting('outcomes.load_id')::integer REFERENCES ids.data_loads,
    PRIMARY KEY (person_id, source_system, household_key, valid_from),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX household_members_household ON ids.household_members (source_system, household_key);
CREATE INDEX household_members_source_key ON ids.household_members (source_system, source_key) WHERE source_key IS NOT NULL;

-- A value measured over relatives: how many relatives were measured (0: the participant has none
-- of the kind, and no value), their ids and their values, in the same order. NULL for a metric
-- over the participant's own events.
ALTER TABLE metrics.person_results ADD COLUMN relatives integer;
ALTER TABLE metrics.person_results ADD COLUMN relative_ids bigint[];
ALTER TABLE metrics.person_results ADD COLUMN relative_values numeric[];

GRANT SELECT ON ids.relationship_codes, ids.relationships, ids.household_members TO outcomes_analyst, outcomes_payments;

-- A link run moves household memberships and edges with their source records, as it moves
-- enrollments and events, and keeps a person that any of them still names. (0023's function,
-- with the family tables added; the audit entry counts the family rows moved and any edge whose
-- two ends became one person, which is dropped.)
CREATE OR REPLACE FUNCTION linkage.write_index(link_run integer, record_ids bigint[], person_ids bigint[], link_scores double precision[])
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    run_load integer;
    run_records integer;
    enrollments bigint := 0;
    events bigint := 0;
    family bigint := 0;
    self_edges bigint := 0;
    merged bigint := 0;
    moving bigint;
    moved bigint;
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

        -- Household memberships and edges move with their source records. Two rows of one fact
        -- that meet under one person (a merge) are kept once, and an edge whose two ends are now
        -- one person is dropped: the run's audit entry counts both.
        SELECT count(*) INTO moving FROM ids.household_members t JOIN pg_temp.write_index_assignment m
          ON m.earlier <> m.person_id AND t.person_id = m.earlier AND t.source_system = m.source_system AND t.source_key = m.source_key;
        WITH moves AS (
            SELECT source_system, source_key, earlier, person_id FROM pg_temp.write_index_assignment WHERE earlier <> person_id),
        moved AS (
            DELETE FROM ids.household_members t USING moves m
            WHERE t.person_id = m.earlier AND t.source_system = m.source_system AND t.source_key = m.source_key
            RETURNING m.person_id AS new_person, t.*)
        INSERT INTO ids.household_members (person_id, household_key, source_system, relationship_to_head, valid_from, valid_to,
                                           source_key, load_id)
        SELECT new_person, household_key, source_system, relationship_to_head, valid_from, valid_to, source_key, load_id FROM moved
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS moved = ROW_COUNT;
        family := family + moved;
        merged := merged + moving - moved;
        -- An edge moves when either of its ends' source records does: read with its new ends,
        -- deleted, written back (Citus does not update a distribution column).
        CREATE TEMP TABLE write_index_edges ON COMMIT DROP AS
        SELECT coalesce(pm.person_id, t.person_id) AS new_person, coalesce(rm.person_id, t.relative_id) AS new_relative, t.*
        FROM ids.relationships t
        LEFT JOIN pg_temp.write_index_assignment pm
          ON pm.earlier <> pm.person_id AND t.person_id = pm.earlier AND t.person_key_system = pm.source_system
             AND t.person_key = pm.source_key
        LEFT JOIN pg_temp.write_index_assignment rm
          ON rm.earlier <> rm.person_id AND t.relative_id = rm.earlier AND t.relative_key_system = rm.source_system
             AND t.relative_key = rm.source_key
        WHERE (t.person_id IN (SELECT earlier FROM pg_temp.write_index_assignment WHERE earlier <> person_id)
               OR t.relative_id IN (SELECT earlier FROM pg_temp.write_index_assignment WHERE earlier <> person_id))
          AND (pm.person_id IS NOT NULL OR rm.person_id IS NOT NULL);
        DELETE FROM ids.relationships t USING pg_temp.write_index_edges e
        WHERE t.person_id = e.person_id AND t.relative_id = e.relative_id AND t.relation = e.relation
          AND t.source_system = e.source_system AND t.valid_from = e.valid_from AND t.stated = e.stated;
        INSERT INTO ids.relationships (person_id, relative_id, relation, source_system, valid_from, valid_to, evidence, stated,
                                       person_key_system, person_key, relative_key_system, relative_key, household_key, load_id)
        SELECT new_person, new_relative, relation, source_system, valid_from, valid_to, evidence, stated,
               person_key_system, person_key, relative_key_system, relative_key, household_key, load_id
        FROM pg_temp.write_index_edges WHERE new_person <> new_relative
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS moved = ROW_COUNT;
        family := family + moved;
        -- Each edge has two rows (one stated): edges are counted by their stated rows.
        SELECT count(*) FILTER (WHERE new_person = new_relative AND stated),
               count(*) FILTER (WHERE new_person <> new_relative) - moved
        INTO self_edges, moving FROM pg_temp.write_index_edges;
        merged := merged + moving;
    END IF;

    DELETE FROM ids.persons p
    WHERE p.person_id IN (SELECT earlier FROM pg_temp.write_index_assignment WHERE earlier IS NOT NULL
                          EXCEPT SELECT person_id FROM pg_temp.write_index_assignment)
      AND NOT EXISTS (SELECT 1 FROM ids.source_links l WHERE l.person_id = p.person_id)
      AND NOT EXISTS (SELECT 1 FROM ids.enrollments e WHERE e.person_id = p.person_id)
      AND NOT EXISTS (SELECT 1 FROM ids.events e WHERE e.person_id = p.person_id)
      AND NOT EXISTS (SELECT 1 FROM ids.household_members h WHERE h.person_id = p.person_id)
      -- (Every edge is stored under both its persons: a person named as a relative has a row of its own.)
      AND NOT EXISTS (SELECT 1 FROM ids.relationships r WHERE r.person_id = p.person_id);

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
                                                     'content_rows_moved', enrollments + events, 'links_sha256', links_hash,
                                                     'family_rows_moved', family, 'family_rows_merged', merged,
                                                     'self_edges_dropped', self_edges));
    RETURN enrollments + events;
END
$$;
