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
