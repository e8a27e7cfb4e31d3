-- The linked Integrated Data System (IDS): a person index, links to source systems,
-- program enrollments and administrative events.
--
-- Citus readiness: the large tables (persons, source_links, enrollments, events) are keyed by
-- person_id — every primary and unique key includes it and they join on it — so each can be
-- hash-distributed by person_id and co-located (see sql/citus/distribute.sql). Program,
-- provider, contract and source-system tables are small reference tables.

CREATE SCHEMA ids;
COMMENT ON SCHEMA ids IS 'Linked administrative records keyed by pseudonymous person_id';

-- Every bulk load (synthetic or extract) is recorded; IDS rows carry the load that wrote them.
-- Loaders set `outcomes.load_id` for their transaction and leave load_id to its default, so
-- the rows they stream (and the content hash taken over them) hold only the data itself.
CREATE TABLE ids.data_loads (
    load_id       integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('synthetic', 'extract')),
    description   text NOT NULL,
    parameters    jsonb NOT NULL DEFAULT '{}'::jsonb,
    row_counts    jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- SHA-256 of the rows as loaded (without load_id); set when the load finishes.
    content_hash  text CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    loaded_by     text NOT NULL DEFAULT current_user,
    started_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at   timestamptz,
    CHECK ((content_hash IS NULL) = (finished_at IS NULL))
);

-- Reference tables (small; replicated to every node under Citus).
CREATE TABLE ids.source_systems (
    source_system text PRIMARY KEY CHECK (source_system ~ '^[A-Z][A-Z0-9_]*$'),
    name          text NOT NULL,
    agency        text NOT NULL,
    domain        text
);

CREATE TABLE ids.event_domains (
    domain text PRIMARY KEY,
    shape  text NOT NULL CHECK (shape IN ('spell', 'point', 'quarterly_amount'))
);

CREATE TABLE ids.programs (
    program_id text PRIMARY KEY,
    name       text NOT NULL,
    randomized boolean NOT NULL DEFAULT false
);

CREATE TABLE ids.providers (
    provider_id text PRIMARY KEY,
    name        text NOT NULL,
    program_id  text NOT NULL REFERENCES ids.programs
);

-- The program-level contract an enrollment falls under; the contract files, versions and
-- payment ledger of later migrations refer to this id.
CREATE TABLE ids.contracts (
    contract_id text PRIMARY KEY,
    program_id  text NOT NULL REFERENCES ids.programs,
    name        text NOT NULL,
    payer       text NOT NULL,
    start_date  date NOT NULL,
    end_date    date,
    CHECK (end_date IS NULL OR end_date >= start_date)
);

-- The master person index: pseudonymous ids and the demographics used for matching and equity.
CREATE TABLE ids.persons (
    person_id      bigint PRIMARY KEY,
    birth_date     date,
    birth_year     smallint CHECK (birth_year BETWEEN 1880 AND 2100),
    sex            text NOT NULL DEFAULT 'U' CHECK (sex IN ('F', 'M', 'X', 'U')),
    race_ethnicity text NOT NULL DEFAULT 'unknown',
    county         text,
    load_id        integer NOT NULL DEFAULT current_setting('outcomes.load_id')::integer REFERENCES ids.data_loads,
    CHECK (birth_date IS NULL OR extract(year FROM birth_date) = birth_year)
);

-- Which source record belongs to which person, and how it was matched. A person may hold
-- several keys in one source (duplicates in the source); (source_system, source_key) is not
-- declared unique because under Citus a unique key must include person_id — duplicate links
-- are a data-quality check instead.
CREATE TABLE ids.source_links (
    person_id     bigint NOT NULL REFERENCES ids.persons,
    source_system text NOT NULL REFERENCES ids.source_systems,
    source_key    text NOT NULL,
    match_method  text NOT NULL CHECK (match_method IN ('deterministic', 'probabilistic')),
    match_score   numeric(5, 4) NOT NULL CHECK (match_score BETWEEN 0 AND 1),
    load_id       integer NOT NULL DEFAULT current_setting('outcomes.load_id')::integer REFERENCES ids.data_loads,
    PRIMARY KEY (person_id, source_system, source_key)
);
CREATE INDEX source_links_source_key ON ids.source_links (source_system, source_key);

-- Program enrollments. For a randomized program the study arm is recorded; the control arm is
-- referred but not served, and provider_id then names the site whose referral was randomized.
CREATE TABLE ids.enrollments (
    person_id     bigint NOT NULL REFERENCES ids.persons,
    enrollment_id bigint NOT NULL,
    program_id    text NOT NULL REFERENCES ids.programs,
    provider_id   text NOT NULL REFERENCES ids.providers,
    contract_id   text REFERENCES ids.contracts,
    start_date    date NOT NULL,
    end_date      date,
    exit_reason   text,
    study_arm     text CHECK (study_arm IN ('treatment', 'control')),
    load_id       integer NOT NULL DEFAULT current_setting('outcomes.load_id')::integer REFERENCES ids.data_loads,
    PRIMARY KEY (person_id, enrollment_id),
    CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX enrollments_contract ON ids.enrollments (contract_id, provider_id, start_date);

-- Administrative events of every domain in one table, so window queries read one index.
-- Spells have start and end (NULL end = still open on the extract date); point events have
-- end_date = start_date; quarterly wage records span their calendar quarter. amount is money
-- (wages, claim paid, benefit paid over the spell) in the source's currency, where it applies.
CREATE TABLE ids.events (
    person_id     bigint NOT NULL REFERENCES ids.persons,
    event_id      bigint NOT NULL,
    domain        text NOT NULL REFERENCES ids.event_domains,
    event_type    text,
    source_system text NOT NULL REFERENCES ids.source_systems,
    source_record text NOT NULL,
    start_date    date NOT NULL,
    end_date      date,
    amount        numeric(14, 2),
    load_id       integer NOT NULL DEFAULT current_setting('outcomes.load_id')::integer REFERENCES ids.data_loads,
    PRIMARY KEY (person_id, event_id)
);
-- Outcome windows look up one person's events of one domain by date.
CREATE INDEX events_person_domain_start ON ids.events (person_id, domain, start_date);

INSERT INTO ids.event_domains (domain, shape) VALUES
    ('jail', 'spell'), ('shelter', 'spell'), ('wages', 'quarterly_amount'),
    ('er_visit', 'point'), ('child_welfare', 'spell'), ('benefit', 'spell');

-- Ground truth of synthetic loads: the effects planted per provider and outcome, so estimators
-- can be checked against what the generator did.
CREATE TABLE ids.synthetic_truth (
    load_id     integer NOT NULL REFERENCES ids.data_loads ON DELETE CASCADE,
    program_id  text NOT NULL,
    provider_id text NOT NULL,
    outcome     text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('rate_ratio', 'probability_added')),
    value       numeric NOT NULL,
    note        text NOT NULL,
    PRIMARY KEY (load_id, provider_id, outcome)
);
