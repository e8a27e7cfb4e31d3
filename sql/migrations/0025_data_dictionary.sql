-- The data dictionary: a definition on every schema, table, view and column.
--
-- The dictionary that state agency staff, data requesters and open-data publishers read ("what
-- data is available, in a data dictionary or record layouts") is generated from these comments,
-- and a test fails when a table, view or column of the application's schemas has none: a column
-- added by a later migration gets its COMMENT in that migration. Each comment says what a row is
-- (tables) or what a value means (columns): units, codes and where they are listed, keys and what
-- they refer to, what NULL means, and whether a value identifies a person. person_id is always the
-- pseudonymous id of the master person index (ids.persons); names, dates of birth, SSNs and
-- addresses exist only in the linkage schema, which the linker role alone reads.
--
-- Not commented here: the partitions of metrics.person_results (one per contract and period,
-- created by metrics runs, which comment each table) and the work tables commands create and drop
-- inside their own transaction (in metrics, evaluation and linkage_work).

-- =============================================================================================
-- public
-- =============================================================================================

COMMENT ON TABLE public.schema_migrations IS
    'The schema migrations (sql/migrations) this database has applied, one row per migration, each applied once in its own transaction.';
COMMENT ON COLUMN public.schema_migrations.version IS 'The migration''s number (NNNN of its file name NNNN_name.sql).';
COMMENT ON COLUMN public.schema_migrations.name IS 'The migration''s name (the file name after the number).';
COMMENT ON COLUMN public.schema_migrations.checksum IS 'SHA-256 (hex) of the migration file as applied; outcomes refuses to run when an applied file has changed.';
COMMENT ON COLUMN public.schema_migrations.applied_at IS 'When the migration was applied.';
COMMENT ON COLUMN public.schema_migrations.applied_by IS 'Database user that applied the migration.';

-- =============================================================================================
-- ids: the linked Integrated Data System
-- =============================================================================================

COMMENT ON SCHEMA ids IS
    'The linked Integrated Data System: the master person index (pseudonymous person_id), links to agency source records, program enrollments, administrative events, family relationships and households, and reference tables. Holds no names, dates of birth other than ids.persons.birth_date, SSNs or addresses.';

COMMENT ON TABLE ids.data_loads IS
    'One row per bulk load into the IDS: a synthetic data set, an agency extract, or a link run (which changes which person records belong to). Every IDS row carries the load that last wrote it.';
COMMENT ON COLUMN ids.data_loads.load_id IS 'Load number, increasing in the order loads started. Referenced by the load_id column of IDS, metrics, payment and comparison tables.';
COMMENT ON COLUMN ids.data_loads.kind IS 'What was loaded: synthetic (a generated data set), extract (agency CSV files) or linkage (a link run rewriting the person index).';
COMMENT ON COLUMN ids.data_loads.description IS 'Short description of the load, e.g. the synthetic data set''s size and seed, the extract, or the linkage specification.';
COMMENT ON COLUMN ids.data_loads.parameters IS 'What the load was given, as JSON: the generator''s parameters (synthetic); the directory, files read and files ignored (extract); the linkage specification id (linkage).';
COMMENT ON COLUMN ids.data_loads.row_counts IS 'Rows loaded per table as JSON (and rows set aside, for family files); {"abandoned": true} for a link run that never wrote its index.';
COMMENT ON COLUMN ids.data_loads.content_hash IS 'SHA-256 (hex) of the rows as loaded (for a link run, of every source link); NULL until the load finishes.';
COMMENT ON COLUMN ids.data_loads.loaded_by IS 'Database login that ran the load.';
COMMENT ON COLUMN ids.data_loads.started_at IS 'When the load started.';
COMMENT ON COLUMN ids.data_loads.finished_at IS 'When the load finished; NULL while it is in progress (or if it never finished). The current data is the newest finished load.';

COMMENT ON TABLE ids.source_systems IS
    'Reference table of the agency source systems linked into the IDS (e.g. JMS jail management, HMIS homeless services, UI wage records, MMIS Medicaid claims), one row per system.';
COMMENT ON COLUMN ids.source_systems.source_system IS 'Code of the source system (capital letters, digits and underscores, e.g. HMIS); used as source_system throughout.';
COMMENT ON COLUMN ids.source_systems.name IS 'Name of the source system.';
COMMENT ON COLUMN ids.source_systems.agency IS 'Agency that keeps the source system.';
COMMENT ON COLUMN ids.source_systems.domain IS 'The event domain (ids.event_domains) whose records the system supplies; NULL for a system that supplies no events, such as the program enrollment system.';

COMMENT ON TABLE ids.event_domains IS
    'Reference table of the kinds of administrative events (domains) in ids.events, with the shape of their records.';
COMMENT ON COLUMN ids.event_domains.domain IS 'Domain code: jail, shelter, wages, er_visit, child_welfare, benefit, school, or one an extract adds.';
-- Each domain's definition, for the dictionary: an extract's event_domains.csv may give it too.
ALTER TABLE ids.event_domains ADD COLUMN description text;
UPDATE ids.event_domains SET description = d.description
FROM (VALUES
    ('jail', 'A stay in a county jail: booking to release.'),
    ('shelter', 'A stay in an emergency homeless shelter: entry to exit.'),
    ('wages', 'Wages reported to unemployment insurance for a calendar quarter, in dollars.'),
    ('er_visit', 'An emergency department visit paid by Medicaid.'),
    ('child_welfare', 'A child-welfare event: an out-of-home placement (a spell) or an investigation.'),
    ('benefit', 'A spell of public assistance (for example SNAP or TANF).'),
    ('school', 'A school year''s enrollment; amount is the attendance rate, in percent.')
) AS d(domain, description)
WHERE ids.event_domains.domain = d.domain AND ids.event_domains.description IS NULL;
COMMENT ON COLUMN ids.event_domains.description IS 'What one record of the domain is, in a sentence, with the unit of its amount, for the built-in domains; NULL for a domain an extract added (event_domains.csv gives a domain and its shape).';
COMMENT ON COLUMN ids.event_domains.shape IS 'Shape of the domain''s records: spell (a start and an end date, possibly still open), point (one day) or quarterly_amount (an amount for a calendar quarter).';

COMMENT ON TABLE ids.programs IS 'Reference table of the programs whose enrollments the IDS holds, one row per program.';
COMMENT ON COLUMN ids.programs.program_id IS 'Program code.';
COMMENT ON COLUMN ids.programs.name IS 'Name of the program.';
COMMENT ON COLUMN ids.programs.randomized IS 'true when referrals to the program are randomized into a treatment and a control arm (ids.enrollments.study_arm).';

COMMENT ON TABLE ids.providers IS 'Reference table of the service providers, each delivering one program.';
COMMENT ON COLUMN ids.providers.provider_id IS 'Provider code; used as provider_id throughout (metrics, payments, comparisons).';
COMMENT ON COLUMN ids.providers.name IS 'Name of the provider.';
COMMENT ON COLUMN ids.providers.program_id IS 'The program the provider delivers (ids.programs).';

COMMENT ON TABLE ids.contracts IS
    'Reference table of the program-level outcomes contracts that enrollments fall under. The contract files with their terms, by version, are in payments.contracts under the same contract_id.';
COMMENT ON COLUMN ids.contracts.contract_id IS 'Contract code; the same id as the contract file''s (payments.contracts) and as ids.enrollments.contract_id.';
COMMENT ON COLUMN ids.contracts.program_id IS 'The program the contract pays for (ids.programs).';
COMMENT ON COLUMN ids.contracts.name IS 'Name of the contract.';
COMMENT ON COLUMN ids.contracts.payer IS 'Name of the outcome payer (the government agency that pays for outcomes).';
COMMENT ON COLUMN ids.contracts.start_date IS 'First day of the contract.';
COMMENT ON COLUMN ids.contracts.end_date IS 'Last day of the contract; NULL when open-ended.';

COMMENT ON TABLE ids.persons IS
    'The master person index: one row per person, under a pseudonymous person_id, with the demographics used for matching and equity breakdowns. A link run gives each person the values most of its linked records agree on.';
COMMENT ON COLUMN ids.persons.person_id IS 'Pseudonymous person id: the key every person-level table joins on. It identifies no one outside the IDS; the identifiers behind it are only in linkage.identifiers.';
COMMENT ON COLUMN ids.persons.birth_date IS 'Date of birth; NULL when only the year is known (birth_year) or neither is. With county, sex and race/ethnicity a quasi-identifier: not for publication at person level.';
COMMENT ON COLUMN ids.persons.birth_year IS 'Year of birth (1880-2100); NULL when unknown. Equals the year of birth_date when that is known.';
COMMENT ON COLUMN ids.persons.sex IS 'Sex: F female, M male, X another sex, U unknown.';
COMMENT ON COLUMN ids.persons.race_ethnicity IS 'Combined race and ethnicity category as the sources record it (synthetic data: hispanic, black_nh, white_nh, asian_nh, aian_nh, nhpi_nh, multiracial_nh, where nh means non-Hispanic); unknown when not recorded.';
COMMENT ON COLUMN ids.persons.county IS 'County recorded for the person, as the sources write it; NULL when unknown.';
COMMENT ON COLUMN ids.persons.load_id IS 'The data load (ids.data_loads) that last wrote the row.';

COMMENT ON TABLE ids.source_links IS
    'Which agency source record belongs to which person: one row per source record key and person, with how the link was made. A person may hold several keys in one source (duplicates in the source).';
COMMENT ON COLUMN ids.source_links.person_id IS 'Pseudonymous person id (ids.persons) the record is linked to.';
COMMENT ON COLUMN ids.source_links.source_system IS 'Source system of the record (ids.source_systems).';
COMMENT ON COLUMN ids.source_links.source_key IS 'The agency''s own key for the record (its client id in that source system); a pseudonym of the agency''s, not a name.';
COMMENT ON COLUMN ids.source_links.match_method IS 'How the record was linked: deterministic (an exact rule, or a record matched to no other record) or probabilistic (a Fellegi-Sunter match probability).';
COMMENT ON COLUMN ids.source_links.match_score IS 'Confidence of the link from 0 to 1 (four decimals): for a probabilistic link the match probability of the record''s strongest pair; 1 for deterministic links written by a link run.';
COMMENT ON COLUMN ids.source_links.load_id IS 'The data load (ids.data_loads) that last wrote the row.';

COMMENT ON TABLE ids.enrollments IS
    'Program enrollments: one row per enrollment (or, for the control arm of a randomized program, per referral not served), keyed by person.';
COMMENT ON COLUMN ids.enrollments.person_id IS 'Pseudonymous person id (ids.persons) of the enrolled person.';
COMMENT ON COLUMN ids.enrollments.enrollment_id IS 'Enrollment number, unique per person.';
COMMENT ON COLUMN ids.enrollments.program_id IS 'The program (ids.programs).';
COMMENT ON COLUMN ids.enrollments.provider_id IS 'The provider serving the person (ids.providers); for the control arm of a randomized program, the site whose referral was randomized.';
COMMENT ON COLUMN ids.enrollments.contract_id IS 'The outcomes contract the enrollment falls under (ids.contracts); NULL when none.';
COMMENT ON COLUMN ids.enrollments.start_date IS 'First day of the enrollment (for the control arm, of the referral).';
COMMENT ON COLUMN ids.enrollments.end_date IS 'Last day of the enrollment; NULL when still enrolled on the extract date.';
COMMENT ON COLUMN ids.enrollments.exit_reason IS 'Why the enrollment ended, as the program records it (synthetic data: completed, disengaged, incarcerated, moved, other); NULL when open or not recorded.';
COMMENT ON COLUMN ids.enrollments.study_arm IS 'For a randomized program, the study arm: treatment (served) or control (referred, not served); NULL for programs that are not randomized.';
COMMENT ON COLUMN ids.enrollments.load_id IS 'The data load (ids.data_loads) that last wrote the row.';
COMMENT ON COLUMN ids.enrollments.source_system IS 'For an enrollment loaded by source record: the source system of that record (ids.source_systems); NULL when loaded by person_id.';
COMMENT ON COLUMN ids.enrollments.source_key IS 'For an enrollment loaded by source record: the record''s key in source_system, so a re-link moves the enrollment to the person that record then belongs to; NULL when loaded by person_id.';

COMMENT ON TABLE ids.events IS
    'Administrative events of every domain, one row per source record: jail stays, shelter stays, quarterly wages, emergency-room visits, child-welfare cases and placements, benefit receipt, school years. Spells have a start and an end, point events one day, wage records a calendar quarter.';
COMMENT ON COLUMN ids.events.person_id IS 'Pseudonymous person id (ids.persons) the record belongs to.';
COMMENT ON COLUMN ids.events.event_id IS 'Event number, unique per person.';
COMMENT ON COLUMN ids.events.domain IS 'Kind of event (ids.event_domains): jail, shelter, wages, er_visit, child_welfare, benefit, school, or one an extract adds.';
COMMENT ON COLUMN ids.events.event_type IS 'The source''s type of event within its domain (e.g. SNAP, TANF, WIC or CCDF benefits; investigation or placement in child welfare); NULL when the source gives none.';
COMMENT ON COLUMN ids.events.source_system IS 'Source system the record comes from (ids.source_systems).';
COMMENT ON COLUMN ids.events.source_record IS 'The record''s own id in its source system, for tracing it back to the source.';
COMMENT ON COLUMN ids.events.start_date IS 'First day of the spell, day of a point event, or first day of a wage record''s quarter.';
COMMENT ON COLUMN ids.events.end_date IS 'Last day of the spell (equal to start_date for a point event, the quarter''s last day for wages); NULL when the spell was still open on the extract date.';
COMMENT ON COLUMN ids.events.amount IS 'Money amount of the record in the source''s currency, to the cent (wages for the quarter, claim paid, benefit paid over the spell); for school years, the percent of school days attended. NULL where no amount applies; a missing wage record is not zero earnings.';
COMMENT ON COLUMN ids.events.load_id IS 'The data load (ids.data_loads) that last wrote the row.';
COMMENT ON COLUMN ids.events.source_key IS 'For an event loaded by source record: the person''s key in source_system, so a re-link moves the event to the person that record then belongs to; NULL when loaded by person_id.';

COMMENT ON TABLE ids.synthetic_truth IS
    'For synthetic data sets only: each effect the generator planted, per provider and outcome, so that estimates can be checked against what was planted. Empty for real extracts.';
COMMENT ON COLUMN ids.synthetic_truth.load_id IS 'The synthetic data load (ids.data_loads) the effect was planted in.';
COMMENT ON COLUMN ids.synthetic_truth.program_id IS 'The program (ids.programs).';
COMMENT ON COLUMN ids.synthetic_truth.provider_id IS 'The provider whose participants received the effect (ids.providers).';
COMMENT ON COLUMN ids.synthetic_truth.outcome IS 'The outcome affected, e.g. shelter_entry_rate, jail_booking_rate, er_visit_rate, child_placement_rate.';
COMMENT ON COLUMN ids.synthetic_truth.kind IS 'How the effect acts: rate_ratio (multiplies an event rate) or probability_added (added to a quarterly probability).';
COMMENT ON COLUMN ids.synthetic_truth.value IS 'Size of the effect: the factor for rate_ratio (e.g. 0.40), the added probability for probability_added (e.g. 0.12).';
COMMENT ON COLUMN ids.synthetic_truth.note IS 'The effect in words, e.g. shelter entries per year x 0.40.';

COMMENT ON TABLE ids.relationship_codes IS
    'Reference table of family relationship codes (aligned with HL7 v3 role codes): what a relative is to a person in ids.relationships. A narrower code counts as its broader one (a foster child is a child).';
COMMENT ON COLUMN ids.relationship_codes.relation IS 'Relationship code, e.g. parent, natural_child, foster_child, guardian, sibling, spouse, household_member.';
COMMENT ON COLUMN ids.relationship_codes.inverse IS 'The code of the same edge read the other way (the inverse of child is parent).';
COMMENT ON COLUMN ids.relationship_codes.broader IS 'The broader code this one is a kind of (foster_child is a child); NULL for a top-level code.';
COMMENT ON COLUMN ids.relationship_codes.hl7_code IS 'The HL7 v3 RoleCode (e.g. PRN, CHILD, GUARD); NULL where HL7 has none (ward, household_member).';
COMMENT ON COLUMN ids.relationship_codes.label IS 'The code in words.';

COMMENT ON TABLE ids.relationships IS
    'Family relationships as typed edges between persons: relative_id is person_id''s relation, according to one source, valid over a date range. Each stated edge is stored under both persons (stated = false on the row that reads it the other way); sources that disagree are kept side by side.';
COMMENT ON COLUMN ids.relationships.person_id IS 'Pseudonymous person id (ids.persons) whose relative the row names.';
COMMENT ON COLUMN ids.relationships.relative_id IS 'Pseudonymous person id (ids.persons) of the relative.';
COMMENT ON COLUMN ids.relationships.relation IS 'What the relative is to the person (ids.relationship_codes), e.g. child: relative_id is person_id''s child.';
COMMENT ON COLUMN ids.relationships.source_system IS 'Source system that records the relationship (ids.source_systems).';
COMMENT ON COLUMN ids.relationships.valid_from IS 'First day the relationship holds according to the source.';
COMMENT ON COLUMN ids.relationships.valid_to IS 'Last day the relationship holds according to the source; NULL when it still holds.';
COMMENT ON COLUMN ids.relationships.evidence IS 'How the source knows it: declared (the source says so), derived (from a record that establishes it, such as a birth record) or inferred (from living in the same household, ids.household_members).';
COMMENT ON COLUMN ids.relationships.stated IS 'true on the row the source stated; false on the row written to read the same edge from the relative''s side.';
COMMENT ON COLUMN ids.relationships.person_key_system IS 'For an edge loaded by source record: the source system of the record naming person_id; NULL when loaded by person_id.';
COMMENT ON COLUMN ids.relationships.person_key IS 'For an edge loaded by source record: the key of the record naming person_id, so a re-link moves the edge with it; NULL when loaded by person_id.';
COMMENT ON COLUMN ids.relationships.relative_key_system IS 'For an edge loaded by source record: the source system of the record naming relative_id; NULL when loaded by person id.';
COMMENT ON COLUMN ids.relationships.relative_key IS 'For an edge loaded by source record: the key of the record naming relative_id; NULL when loaded by person id.';
COMMENT ON COLUMN ids.relationships.household_key IS 'For an edge inferred from household memberships: the household (ids.household_members.household_key) it was inferred from; NULL otherwise.';
COMMENT ON COLUMN ids.relationships.load_id IS 'The data load (ids.data_loads) that last wrote the row.';

COMMENT ON TABLE ids.household_members IS
    'Household memberships as HUD HMIS records them: one row per person, household and date the membership starts, with the relationship to the head of household.';
COMMENT ON COLUMN ids.household_members.person_id IS 'Pseudonymous person id (ids.persons) of the member.';
COMMENT ON COLUMN ids.household_members.household_key IS 'The source''s own id of the household.';
COMMENT ON COLUMN ids.household_members.source_system IS 'Source system that records the household (ids.source_systems).';
COMMENT ON COLUMN ids.household_members.relationship_to_head IS 'Relationship to the head of household, HMIS data element 3.15: 1 self (head of household), 2 head''s child, 3 head''s spouse or partner, 4 head''s other relative, 5 non-relation member, 99 data not collected.';
COMMENT ON COLUMN ids.household_members.valid_from IS 'First day of the membership.';
COMMENT ON COLUMN ids.household_members.valid_to IS 'Last day of the membership; NULL when it still holds.';
COMMENT ON COLUMN ids.household_members.source_key IS 'For a membership loaded by source record: the member''s record key in source_system, so a re-link moves it; NULL when loaded by person_id.';
COMMENT ON COLUMN ids.household_members.load_id IS 'The data load (ids.data_loads) that last wrote the row.';

-- =============================================================================================
-- metrics: outcome metrics computed from the IDS
-- =============================================================================================

COMMENT ON SCHEMA metrics IS
    'Outcome metrics computed from the IDS for a contract and reporting period: each participant''s values, provider aggregates, and which contract version and data load they were computed from.';

COMMENT ON TABLE metrics.person_results IS
    'Participant-level outcome values: one row per participant, contract, metric and reporting period in which the metric counts the participant (for a stored matched comparison group, per provider the unit serves). Recomputing a period replaces its rows whole.';
COMMENT ON COLUMN metrics.person_results.person_id IS 'Pseudonymous person id (ids.persons) of the participant or comparison unit.';
COMMENT ON COLUMN metrics.person_results.contract_id IS 'The contract the values are for: its id; <id>@control for its randomized control arm; <id>@matched for a stored matched comparison group; <id>@trial for a contract file tried out (never paid on).';
COMMENT ON COLUMN metrics.person_results.metric_id IS 'The metric''s id in the contract file.';
COMMENT ON COLUMN metrics.person_results.period IS 'The reporting period''s label as the contract file names it (e.g. 2023, 2021Q1), or (before) for the time before the first period.';
COMMENT ON COLUMN metrics.person_results.enrollment_id IS 'The enrollment (ids.enrollments, with person_id) whose dates anchor the windows: the participant''s first under the contract; 0 for comparison-pool units, who have none.';
COMMENT ON COLUMN metrics.person_results.provider_id IS 'The provider (ids.providers) the value is reported under: the participant''s; for a control-arm unit the site whose referral was randomized; for a matched comparison unit the provider of the participants it was matched to.';
COMMENT ON COLUMN metrics.person_results.window_start IS 'First day of the metric''s measurement window for this participant.';
COMMENT ON COLUMN metrics.person_results.window_end IS 'Last day of the metric''s measurement window for this participant.';
COMMENT ON COLUMN metrics.person_results.value IS 'The participant''s value, in the unit of the metric''s measure (metrics.provider_results.measure): 0 or 1 (any, sustained), a number of events (count), days (days_covered, days_without, days_to_event), summed event amounts (sum), or after minus before (change). NULL when there is none, e.g. days_to_event without an event.';
COMMENT ON COLUMN metrics.person_results.pre_value IS 'For a change measure: the base measure over the window before; NULL for other measures.';
COMMENT ON COLUMN metrics.person_results.post_value IS 'For a change measure: the base measure over the window after (window_start to window_end); NULL for other measures.';
COMMENT ON COLUMN metrics.person_results.ratio IS 'For a change measure: post_value / pre_value; NULL when pre_value is 0, and for other measures.';
COMMENT ON COLUMN metrics.person_results.load_id IS 'The data load (ids.data_loads) the value was computed from.';
COMMENT ON COLUMN metrics.person_results.computed_at IS 'When the value was computed.';
COMMENT ON COLUMN metrics.person_results.result_set IS 'The contract and period''s result set (metrics.result_sets); the table is partitioned on it.';
COMMENT ON COLUMN metrics.person_results.relatives IS 'For a metric measured on the participant''s relatives: how many relatives of the kind were measured (0: none, and then no value); NULL for a metric on the participant''s own records.';
COMMENT ON COLUMN metrics.person_results.relative_ids IS 'For a metric measured on relatives: the relatives'' pseudonymous person ids (ids.persons), in ascending order; NULL otherwise.';
COMMENT ON COLUMN metrics.person_results.relative_values IS 'For a metric measured on relatives: each relative''s own value, in the order of relative_ids; NULL otherwise.';

COMMENT ON TABLE metrics.provider_results IS
    'Aggregates of metrics.person_results per contract, period, metric and provider, plus an (all) row for all providers together: the figures payments and reports start from.';
COMMENT ON COLUMN metrics.provider_results.contract_id IS 'The contract, as in metrics.person_results (including <id>@control, <id>@matched and <id>@trial).';
COMMENT ON COLUMN metrics.provider_results.metric_id IS 'The metric''s id in the contract file.';
COMMENT ON COLUMN metrics.provider_results.period IS 'The reporting period''s label, or (before) for the time before the first period.';
COMMENT ON COLUMN metrics.provider_results.provider_id IS 'The provider (ids.providers), or (all) for all providers together.';
COMMENT ON COLUMN metrics.provider_results.measure IS 'The metric''s measure: any, count, days_covered, days_without, sum, days_to_event, sustained or change; for a metric on relatives, the aggregate and the measure, e.g. count(sustained).';
COMMENT ON COLUMN metrics.provider_results.participants IS 'Number of participants the metric counts in the period.';
COMMENT ON COLUMN metrics.provider_results.with_value IS 'Number of those participants with a value (value not NULL).';
COMMENT ON COLUMN metrics.provider_results.total IS 'Sum of the participants'' values, in the measure''s unit; NULL when no participant has a value.';
COMMENT ON COLUMN metrics.provider_results.mean IS 'total / with_value: the mean over participants with a value; NULL when none has one.';
COMMENT ON COLUMN metrics.provider_results.rate IS 'For a 0/1 measure (any, sustained): the share of participants with a value who have the outcome, from 0 to 1; NULL for other measures.';
COMMENT ON COLUMN metrics.provider_results.load_id IS 'The data load (ids.data_loads) the figures were computed from.';
COMMENT ON COLUMN metrics.provider_results.computed_at IS 'When the figures were computed.';

COMMENT ON TABLE metrics.computed_periods IS
    'Which contract periods have their metrics computed, and from what: the contract version, its text''s hash and the data load. A row exists even when no participant fell in the period. Payment runs pay only on periods computed from their version and the current data load.';
COMMENT ON COLUMN metrics.computed_periods.contract_id IS 'The contract, as in metrics.person_results (including <id>@control, <id>@matched and <id>@trial).';
COMMENT ON COLUMN metrics.computed_periods.period IS 'The reporting period''s label, or (before) for the time before the first period.';
COMMENT ON COLUMN metrics.computed_periods.load_id IS 'The data load (ids.data_loads) the metrics were computed from.';
COMMENT ON COLUMN metrics.computed_periods.computed_at IS 'When the metrics were last computed.';
COMMENT ON COLUMN metrics.computed_periods.version IS 'The contract version (payments.contracts) whose stored text the metrics were computed from; NULL for a contract file tried out (<id>@trial) and for periods computed before versions were recorded.';
COMMENT ON COLUMN metrics.computed_periods.file_sha256 IS 'SHA-256 (hex) of the contract file text the metrics were computed from; NULL when not recorded.';

COMMENT ON TABLE metrics.result_sets IS
    'The partition key of metrics.person_results: one number per contract id (including its @control, @matched and @trial results) and reporting period.';
COMMENT ON COLUMN metrics.result_sets.result_set IS 'Result set number, assigned on the first computation of the contract and period.';
COMMENT ON COLUMN metrics.result_sets.contract_id IS 'The contract, as in metrics.person_results.';
COMMENT ON COLUMN metrics.result_sets.period IS 'The reporting period''s label, or (before) for the time before the first period.';

-- =============================================================================================
-- payments: contract terms, payment runs and the append-only ledger
-- =============================================================================================

COMMENT ON SCHEMA payments IS
    'Outcomes contracts as loaded, payment runs and the payment ledger. Append-only: nothing is updated or deleted, corrections are posted as adjustment lines, and every run is sealed in a hash chain. Amounts are in the contract''s currency (payments.contracts.currency), in major units with decimals (dollars and cents for USD).';

COMMENT ON TABLE payments.contracts IS
    'Every version of every contract file loaded, with its exact text. A loaded version never changes; new terms are a new version.';
COMMENT ON COLUMN payments.contracts.contract_id IS 'The contract''s id as its file names it; the same id as ids.contracts and ids.enrollments.contract_id.';
COMMENT ON COLUMN payments.contracts.version IS 'The file''s version number (1 or more), raised whenever the terms change.';
COMMENT ON COLUMN payments.contracts.currency IS 'ISO 4217 code of the currency the contract pays in (e.g. USD); NULL for a contract file with no payment terms.';
COMMENT ON COLUMN payments.contracts.file_sha256 IS 'SHA-256 (hex) of the file text.';
COMMENT ON COLUMN payments.contracts.body IS 'The contract file''s full text (YAML) as loaded: cohort, reporting periods, metrics and payment terms.';
COMMENT ON COLUMN payments.contracts.loaded_by IS 'Database login that loaded the version.';
COMMENT ON COLUMN payments.contracts.loaded_at IS 'When the version was loaded.';

COMMENT ON TABLE payments.runs IS
    'One row per posted payment run: a contract version''s payments for one reporting period. Its lines are in payments.ledger, its determinations in payments.determinations, its inputs in payments.run_snapshots.';
COMMENT ON COLUMN payments.runs.run_id IS 'Run number, increasing in posting order.';
COMMENT ON COLUMN payments.runs.contract_id IS 'The contract (payments.contracts).';
COMMENT ON COLUMN payments.runs.version IS 'The contract version the run computed under (payments.contracts).';
COMMENT ON COLUMN payments.runs.period IS 'The reporting period paid (its label in the contract file).';
COMMENT ON COLUMN payments.runs.kind IS 'interim (pays the contract''s interim share of what is owed, reconciled later) or final.';
COMMENT ON COLUMN payments.runs.inputs_sha256 IS 'SHA-256 (hex) of the exact inputs the run computed from (payments.run_snapshots.inputs); for runs posted before inputs were stored, of the terms and every outcome value read.';
COMMENT ON COLUMN payments.runs.load_id IS 'The data load (ids.data_loads) the metrics paid on were computed from.';
COMMENT ON COLUMN payments.runs.total IS 'Sum of the run''s ledger lines, in the contract''s currency; negative when the run takes back more than it adds.';
COMMENT ON COLUMN payments.runs.run_by IS 'Database login that posted the run (for a run posted by maker-checker approval, the login that staged it).';
COMMENT ON COLUMN payments.runs.run_at IS 'When the run was posted.';
COMMENT ON COLUMN payments.runs.staged_id IS 'For a run posted by maker-checker approval: the staged run (payments.staged_runs) it came from; NULL otherwise.';
COMMENT ON COLUMN payments.runs.staged_by IS 'For a maker-checker run: the login that staged it; NULL otherwise.';
COMMENT ON COLUMN payments.runs.staged_at IS 'For a maker-checker run: when it was staged; NULL otherwise.';
COMMENT ON COLUMN payments.runs.approved_by IS 'For a maker-checker run: the login that approved it, always another than staged_by; NULL otherwise.';
COMMENT ON COLUMN payments.runs.approved_at IS 'For a maker-checker run: when it was approved; NULL otherwise.';

COMMENT ON TABLE payments.ledger IS
    'The lines of the payment runs: what a run found owed to a provider by a payer on one payment line in a period (per participant where the line pays per participant). A first amount is a payment line, a later change an adjustment line; the sum of a key''s lines is what was paid.';
COMMENT ON COLUMN payments.ledger.run_id IS 'The run that posted the line (payments.runs).';
COMMENT ON COLUMN payments.ledger.line_no IS 'Line number within the run, from 1.';
COMMENT ON COLUMN payments.ledger.contract_id IS 'The contract (payments.contracts); the run''s.';
COMMENT ON COLUMN payments.ledger.period IS 'The reporting period paid; the run''s.';
COMMENT ON COLUMN payments.ledger.provider_id IS 'The provider paid (ids.providers).';
COMMENT ON COLUMN payments.ledger.payer_id IS 'The outcome payer that owes the amount, as the contract''s payment terms name it (outcome_payer when the contract names none).';
COMMENT ON COLUMN payments.ledger.person_id IS 'For lines owed per participant (rate cards, per-day lines): the participant''s pseudonymous person id (ids.persons). NULL for lines owed per cohort (effect, savings share, milestone, clawback).';
COMMENT ON COLUMN payments.ledger.line_id IS 'The payment line''s id in the contract''s payment terms (an outcome, effect, savings, milestone or clawback line).';
COMMENT ON COLUMN payments.ledger.entry IS 'payment (the first amount posted on the key) or adjustment (the difference a later run found).';
COMMENT ON COLUMN payments.ledger.amount IS 'Amount posted, in the contract''s currency (payments.contracts.currency), major units with decimals; negative for repayments and downward adjustments.';
COMMENT ON COLUMN payments.ledger.earned IS 'What the outcome earned before caps and any interim share, recorded on the first payer''s part of a payment line; NULL on adjustment lines and other payers'' parts.';
COMMENT ON COLUMN payments.ledger.notes IS 'Why the amount is what it is, in words (the reasons as text); empty when there is nothing to explain.';
COMMENT ON COLUMN payments.ledger.reasons IS 'Why the amount is what it is, as a JSON array of typed reasons, each with a kind: cap (scope, cap, cut), tier, per_day, interim, adjustment, determination, attested, relatives and others; [] when none. NULL for lines posted before typed reasons were recorded.';

COMMENT ON TABLE payments.provider_users IS
    'Which database login speaks for which provider: such a login sees only its provider''s ledger lines, determinations and runs.';
COMMENT ON COLUMN payments.provider_users.user_name IS 'Database login name of a provider''s user.';
COMMENT ON COLUMN payments.provider_users.provider_id IS 'The provider the login speaks for (ids.providers).';

COMMENT ON VIEW payments.run_headers IS
    'The headers of payment runs without their totals, as a provider''s users may see them: a provider''s login sees only runs with lines or determinations of its own provider; other roles see every run.';
COMMENT ON COLUMN payments.run_headers.run_id IS 'Run number (payments.runs).';
COMMENT ON COLUMN payments.run_headers.contract_id IS 'The contract (payments.contracts).';
COMMENT ON COLUMN payments.run_headers.version IS 'The contract version the run computed under.';
COMMENT ON COLUMN payments.run_headers.period IS 'The reporting period paid.';
COMMENT ON COLUMN payments.run_headers.kind IS 'interim or final.';
COMMENT ON COLUMN payments.run_headers.inputs_sha256 IS 'SHA-256 (hex) of the exact inputs the run computed from.';
COMMENT ON COLUMN payments.run_headers.run_by IS 'Database login that posted the run.';
COMMENT ON COLUMN payments.run_headers.run_at IS 'When the run was posted.';

COMMENT ON TABLE payments.determinations IS
    'How each effect-based, savings-share and clawback line was determined in each run, per cohort and provider: the figures compared, the improvement, the threshold, the pricing arithmetic and the amounts. Recorded for runs that pay nothing too.';
COMMENT ON COLUMN payments.determinations.run_id IS 'The run (payments.runs).';
COMMENT ON COLUMN payments.determinations.seq IS 'Sequence number within the run, from 1.';
COMMENT ON COLUMN payments.determinations.contract_id IS 'The contract (payments.contracts); the run''s.';
COMMENT ON COLUMN payments.determinations.period IS 'The reporting period the run pays.';
COMMENT ON COLUMN payments.determinations.line_id IS 'The payment line''s id in the contract''s payment terms.';
COMMENT ON COLUMN payments.determinations.mechanism IS 'effect (pays for an improvement over a comparison figure), savings_share (a share of avoided costs) or clawback (a repayment when a target is missed).';
COMMENT ON COLUMN payments.determinations.cohort IS 'The cohort tested: a reporting period''s label, or all periods for all cohorts together.';
COMMENT ON COLUMN payments.determinations.provider_id IS 'The provider the determination is for (ids.providers).';
COMMENT ON COLUMN payments.determinations.finding IS 'met (the line pays what its pricing says), below_threshold, not_measurable (no comparison figure, or a relative change from zero), target_missed (a clawback is due) or no_participants.';
COMMENT ON COLUMN payments.determinations.improvement IS 'The figure tested, rounded to 4 decimals: the improvement for an effect (percent of the comparison figure if relative; percentage points or the metric''s units if absolute), units avoided per participant for a savings share, the figure assessed for a clawback. NULL when nothing could be measured.';
COMMENT ON COLUMN payments.determinations.improvement_exact IS 'The same figure exactly, as a fraction numerator/denominator (or a whole number); NULL when nothing could be measured.';
COMMENT ON COLUMN payments.determinations.threshold IS 'The value the figure was held to, in its units: the smallest improvement that pays, or a clawback''s target; NULL when the line has none (a savings share).';
COMMENT ON COLUMN payments.determinations.earned IS 'What the line earned for the cohort before caps, in the contract''s currency (negative for a clawback repayment).';
COMMENT ON COLUMN payments.determinations.payable IS 'What it pays after caps, in the contract''s currency; for an effect measured on all providers together, this provider''s share.';
COMMENT ON COLUMN payments.determinations.detail IS 'The whole arithmetic as JSON: the participants'' and comparison figures as exact totals and counts, the comparison basis, pricing steps, caps, a pooled split and the comparison runs cited.';

COMMENT ON VIEW payments.ledger_caps IS
    'Every cap that cut a ledger line: one row per line and cap that bound it, read from the line''s typed reasons. A provider''s users see their own provider''s lines only.';
COMMENT ON COLUMN payments.ledger_caps.run_id IS 'The run (payments.runs).';
COMMENT ON COLUMN payments.ledger_caps.line_no IS 'The line''s number within the run (payments.ledger).';
COMMENT ON COLUMN payments.ledger_caps.contract_id IS 'The contract (payments.contracts).';
COMMENT ON COLUMN payments.ledger_caps.period IS 'The reporting period paid.';
COMMENT ON COLUMN payments.ledger_caps.provider_id IS 'The provider paid (ids.providers).';
COMMENT ON COLUMN payments.ledger_caps.person_id IS 'For lines owed per participant: the participant''s pseudonymous person id (ids.persons); NULL otherwise.';
COMMENT ON COLUMN payments.ledger_caps.line_id IS 'The payment line''s id in the contract''s payment terms.';
COMMENT ON COLUMN payments.ledger_caps.entry IS 'payment or adjustment.';
COMMENT ON COLUMN payments.ledger_caps.scope IS 'What the cap limits: participant, line, provider, period, contract, all_mechanisms (the contract''s cap across every mechanism) or provider_all_mechanisms (a provider''s cap across every mechanism).';
COMMENT ON COLUMN payments.ledger_caps.subject IS 'The payment line id (scope line) or provider id (scope provider, provider_all_mechanisms) the cap names; NULL for other scopes.';
COMMENT ON COLUMN payments.ledger_caps.cap IS 'The cap''s amount, in the contract''s currency.';
COMMENT ON COLUMN payments.ledger_caps.cut IS 'How much the cap took off the line: what it would have paid less what it pays, in the contract''s currency.';

COMMENT ON TABLE payments.milestone_attestations IS
    'Attested deliveries of contract milestones: a milestone''s payment line pays once its delivery is attested here. Append-only.';
COMMENT ON COLUMN payments.milestone_attestations.contract_id IS 'The contract (payments.contracts).';
COMMENT ON COLUMN payments.milestone_attestations.milestone_id IS 'The milestone''s id in the contract''s payment terms.';
COMMENT ON COLUMN payments.milestone_attestations.note IS 'What the person attesting said about the delivery; empty when nothing.';
COMMENT ON COLUMN payments.milestone_attestations.attested_by IS 'Database login that attested the delivery.';
COMMENT ON COLUMN payments.milestone_attestations.attested_at IS 'When the delivery was attested.';

COMMENT ON TABLE payments.run_seals IS
    'The hash chain over posted runs, in posting order: each seal covers a run and the seal before it, so any later edit is detected (outcomes payments verify). A run has one seal, or two when it was posted before the current seal format.';
COMMENT ON COLUMN payments.run_seals.position IS 'Position in the chain, from 1.';
COMMENT ON COLUMN payments.run_seals.run_id IS 'The run sealed (payments.runs).';
COMMENT ON COLUMN payments.run_seals.lines_sha256 IS 'SHA-256 (hex) digest of the run''s ledger lines when sealed.';
COMMENT ON COLUMN payments.run_seals.previous IS 'The seal at the previous position; NULL for the first.';
COMMENT ON COLUMN payments.run_seals.seal IS 'SHA-256 (hex) over the previous seal and the run: its header, lines and determinations, and in format 2 also its approval, inputs, seal row and the contract text and terms it was computed under.';
COMMENT ON COLUMN payments.run_seals.sealed_at IS 'When the run was sealed.';
COMMENT ON COLUMN payments.run_seals.format IS 'Seal format: 1 (header, lines and determinations) or 2 (every stored column of the run).';

COMMENT ON TABLE payments.contract_terms IS
    'What each run of a contract version is checked against before it is posted, derived from the version''s payment terms when it is loaded: providers, payers, line ids, reporting periods, caps and the approval rule.';
COMMENT ON COLUMN payments.contract_terms.contract_id IS 'The contract (payments.contracts).';
COMMENT ON COLUMN payments.contract_terms.version IS 'The contract version (payments.contracts).';
COMMENT ON COLUMN payments.contract_terms.terms IS 'The terms as JSON: providers, named_providers, payers, line_ids, periods, caps (scope, lines, grouping, amount) and approval (one_login or maker_checker).';
COMMENT ON COLUMN payments.contract_terms.indexed_by IS 'Database login that recorded the terms.';
COMMENT ON COLUMN payments.contract_terms.indexed_at IS 'When the terms were recorded.';

COMMENT ON TABLE payments.run_snapshots IS
    'The exact inputs each posted run computed from, as canonical text, so that the run can be recomputed and checked (outcomes payments verify --recompute).';
COMMENT ON COLUMN payments.run_snapshots.run_id IS 'The run (payments.runs).';
COMMENT ON COLUMN payments.run_snapshots.format IS 'Format version of the inputs and context text.';
COMMENT ON COLUMN payments.run_snapshots.inputs IS 'Every figure, count, attestation and comparison run the run read, as canonical text; its SHA-256 is payments.runs.inputs_sha256. May include pseudonymous person ids.';
COMMENT ON COLUMN payments.run_snapshots.context IS 'What the ledger held for the period before the run, as canonical text.';
COMMENT ON COLUMN payments.run_snapshots.computed IS 'The metrics computations of the contract (and its @control and @matched results) stored when the run was posted, as a JSON array of contract_id, period, load_id, version, file_sha256 and computed_at.';

COMMENT ON TABLE payments.staged_runs IS
    'Runs of maker-checker contracts staged by one login to be posted when a different login approves them. Kept once approved (payments.runs.staged_id) or superseded by a later staging of the period.';
COMMENT ON COLUMN payments.staged_runs.staged_id IS 'Staged run number.';
COMMENT ON COLUMN payments.staged_runs.contract_id IS 'The contract (payments.contracts).';
COMMENT ON COLUMN payments.staged_runs.version IS 'The contract version the run computed under.';
COMMENT ON COLUMN payments.staged_runs.period IS 'The reporting period to be paid.';
COMMENT ON COLUMN payments.staged_runs.kind IS 'interim or final.';
COMMENT ON COLUMN payments.staged_runs.inputs_sha256 IS 'SHA-256 (hex) of inputs.';
COMMENT ON COLUMN payments.staged_runs.load_id IS 'The data load (ids.data_loads) the metrics were computed from.';
COMMENT ON COLUMN payments.staged_runs.total IS 'Sum of the staged lines, in the contract''s currency.';
COMMENT ON COLUMN payments.staged_runs.after_run IS 'The period''s latest posted run (payments.runs) when this was staged: approval requires the ledger unchanged since. NULL when the period had none.';
COMMENT ON COLUMN payments.staged_runs.inputs IS 'Every figure, count, attestation and comparison run the run read, as canonical text.';
COMMENT ON COLUMN payments.staged_runs.context IS 'What the ledger held for the period when the run was staged, as canonical text.';
COMMENT ON COLUMN payments.staged_runs.staged_by IS 'Database login that staged the run.';
COMMENT ON COLUMN payments.staged_runs.staged_at IS 'When the run was staged.';

COMMENT ON TABLE payments.staged_lines IS
    'The ledger lines of staged runs (payments.staged_runs), as they will be posted once approved; same meaning as payments.ledger.';
COMMENT ON COLUMN payments.staged_lines.line_no IS 'Line number within the staged run, from 1.';
COMMENT ON COLUMN payments.staged_lines.provider_id IS 'The provider to be paid (ids.providers).';
COMMENT ON COLUMN payments.staged_lines.payer_id IS 'The outcome payer that owes the amount, as the contract''s payment terms name it.';
COMMENT ON COLUMN payments.staged_lines.person_id IS 'For lines owed per participant: the participant''s pseudonymous person id (ids.persons); NULL for lines owed per cohort.';
COMMENT ON COLUMN payments.staged_lines.line_id IS 'The payment line''s id in the contract''s payment terms.';
COMMENT ON COLUMN payments.staged_lines.entry IS 'payment or adjustment.';
COMMENT ON COLUMN payments.staged_lines.amount IS 'Amount to be posted, in the contract''s currency; negative for repayments and downward adjustments.';
COMMENT ON COLUMN payments.staged_lines.earned IS 'What the outcome earned before caps and any interim share; NULL on adjustment lines and other payers'' parts.';
COMMENT ON COLUMN payments.staged_lines.notes IS 'Why the amount is what it is, in words.';
COMMENT ON COLUMN payments.staged_lines.reasons IS 'Why the amount is what it is, as a JSON array of typed reasons (as payments.ledger.reasons).';
COMMENT ON COLUMN payments.staged_lines.staged_id IS 'The staged run (payments.staged_runs).';

COMMENT ON TABLE payments.staged_determinations IS
    'The determinations of staged runs (payments.staged_runs), as they will be posted once approved; same meaning as payments.determinations.';
COMMENT ON COLUMN payments.staged_determinations.seq IS 'Sequence number within the staged run, from 1.';
COMMENT ON COLUMN payments.staged_determinations.line_id IS 'The payment line''s id in the contract''s payment terms.';
COMMENT ON COLUMN payments.staged_determinations.mechanism IS 'effect, savings_share or clawback.';
COMMENT ON COLUMN payments.staged_determinations.cohort IS 'The cohort tested: a reporting period''s label, or all periods.';
COMMENT ON COLUMN payments.staged_determinations.provider_id IS 'The provider the determination is for (ids.providers).';
COMMENT ON COLUMN payments.staged_determinations.finding IS 'met, below_threshold, not_measurable, target_missed or no_participants.';
COMMENT ON COLUMN payments.staged_determinations.improvement IS 'The figure tested, rounded to 4 decimals (as payments.determinations.improvement); NULL when nothing could be measured.';
COMMENT ON COLUMN payments.staged_determinations.improvement_exact IS 'The same figure exactly, as a fraction; NULL when nothing could be measured.';
COMMENT ON COLUMN payments.staged_determinations.threshold IS 'The smallest improvement that pays, or a clawback''s target; NULL when none.';
COMMENT ON COLUMN payments.staged_determinations.earned IS 'What the line earned for the cohort before caps, in the contract''s currency.';
COMMENT ON COLUMN payments.staged_determinations.payable IS 'What it pays after caps, in the contract''s currency.';
COMMENT ON COLUMN payments.staged_determinations.detail IS 'The whole arithmetic as JSON (as payments.determinations.detail).';
COMMENT ON COLUMN payments.staged_determinations.staged_id IS 'The staged run (payments.staged_runs).';

-- =============================================================================================
-- evaluation: cohort comparisons
-- =============================================================================================

COMMENT ON SCHEMA evaluation IS
    'Cohort comparisons (outcomes compare): each run with the evaluation file, contract version and data it used, its estimates and balance, and the participants and comparison units it weighted. Append-only.';

COMMENT ON TABLE evaluation.runs IS
    'One comparison run: participants of a contract compared with a comparison pool or the randomized control arm, with what the run used and what it found.';
COMMENT ON COLUMN evaluation.runs.run_id IS 'Comparison run number.';
COMMENT ON COLUMN evaluation.runs.evaluation_id IS 'The evaluation file''s id.';
COMMENT ON COLUMN evaluation.runs.contract_id IS 'The contract whose participants and outcome metrics were compared (payments.contracts).';
COMMENT ON COLUMN evaluation.runs.version IS 'The contract version used (payments.contracts).';
COMMENT ON COLUMN evaluation.runs.contract_sha256 IS 'SHA-256 (hex) of that contract version''s text (payments.contracts.file_sha256).';
COMMENT ON COLUMN evaluation.runs.period IS 'The reporting period whose outcomes the units were taken from; NULL when all complete windows were used.';
COMMENT ON COLUMN evaluation.runs.comparison IS 'What participants were compared with: pool (eligible people never enrolled, each with an index date) or control_arm (the randomized control arm).';
COMMENT ON COLUMN evaluation.runs.load_id IS 'The data load (ids.data_loads) the units'' covariates and outcomes came from.';
COMMENT ON COLUMN evaluation.runs.spec_text IS 'The evaluation file''s full text (YAML).';
COMMENT ON COLUMN evaluation.runs.spec_sha256 IS 'SHA-256 (hex) of spec_text.';
COMMENT ON COLUMN evaluation.runs.design IS 'The design used, as JSON: method, estimand, covariates, outcomes, matching, weighting and standard-error options.';
COMMENT ON COLUMN evaluation.runs.inputs_sha256 IS 'SHA-256 (hex) of the unit table the estimators read (units, index dates, covariates and outcomes).';
COMMENT ON COLUMN evaluation.runs.sample_sizes IS 'Numbers of participants and comparison units as JSON, for the samples all, matched, matched_ess (effective sample size), unmatched and discarded.';
COMMENT ON COLUMN evaluation.runs.estimates IS 'The estimates as a JSON array, per outcome and analysis, overall and per provider: estimate, standard error and its type, confidence interval, p-value, minimum detectable effect, counts and group means; null where a figure cannot be computed.';
COMMENT ON COLUMN evaluation.runs.balance IS 'Covariate balance before and after matching or weighting, as JSON: group means, standardized mean difference, variance ratio and eCDF statistics per covariate.';
COMMENT ON COLUMN evaluation.runs.propensity_model IS 'The propensity model''s terms as a JSON array (term, coefficient, standard error); empty when the design fits none.';
COMMENT ON COLUMN evaluation.runs.warnings IS 'What the estimators could not do or had to change, as a JSON array (e.g. unmatched or discarded units, imbalanced covariates, groups not estimated).';
COMMENT ON COLUMN evaluation.runs.stored_comparison IS 'true when the run stored its comparison group (outcomes compare --store-comparison) for payment lines that compare with a matched group.';
COMMENT ON COLUMN evaluation.runs.run_by IS 'Database login that ran the comparison.';
COMMENT ON COLUMN evaluation.runs.run_at IS 'When the comparison ran.';

COMMENT ON TABLE evaluation.run_units IS
    'The units of a comparison run that carry weight: the participants and their matched or weighted comparison units, one row per person and run.';
COMMENT ON COLUMN evaluation.run_units.person_id IS 'Pseudonymous person id (ids.persons) of the unit.';
COMMENT ON COLUMN evaluation.run_units.run_id IS 'The comparison run (evaluation.runs).';
COMMENT ON COLUMN evaluation.run_units.treated IS 'true for a participant, false for a comparison unit.';
COMMENT ON COLUMN evaluation.run_units.provider_id IS 'The participant''s provider (ids.providers); for a control-arm unit the site whose referral was randomized; NULL for a comparison-pool unit.';
COMMENT ON COLUMN evaluation.run_units.index_date IS 'The unit''s index date (a participant''s enrollment start, a control-arm unit''s referral, a pool unit''s assigned index date): covariates are measured before it, outcomes after it.';
COMMENT ON COLUMN evaluation.run_units.propensity IS 'Estimated propensity score: the modelled probability of participation, from 0 to 1; NULL when the design fits no propensity model.';
COMMENT ON COLUMN evaluation.run_units.weight IS 'The unit''s weight in the estimate (its matching or weighting weight), above 0.';
COMMENT ON COLUMN evaluation.run_units.subclass IS 'The matched set, propensity subclass or coarsened-exact-matching stratum the unit belongs to, numbered from 1; NULL for designs without them.';

COMMENT ON TABLE evaluation.matched_weights IS
    'The comparison units of a stored comparison group (evaluation.runs.stored_comparison), each under each provider whose participants it serves, with its exact weight weight / weight_denominator. Payment lines that compare with a matched group count each unit by this weight.';
COMMENT ON COLUMN evaluation.matched_weights.person_id IS 'Pseudonymous person id (ids.persons) of the comparison unit.';
COMMENT ON COLUMN evaluation.matched_weights.run_id IS 'The comparison run that stored the group (evaluation.runs).';
COMMENT ON COLUMN evaluation.matched_weights.provider_id IS 'The provider whose participants the unit serves as a comparison (ids.providers).';
COMMENT ON COLUMN evaluation.matched_weights.weight IS 'The unit''s weight under the provider, as a whole number of 1/weight_denominator, so that sums stay exact.';
COMMENT ON COLUMN evaluation.matched_weights.weight_denominator IS 'The run''s common denominator of the weights: the least common multiple of the match counts for nearest-neighbour matching, 1000000000 (weights to 1e-9) for the weighting designs.';

-- =============================================================================================
-- scenario: benefit-cost scenarios
-- =============================================================================================

COMMENT ON SCHEMA scenario IS
    'Benefit-cost scenario runs (outcomes scenario run), each with the scenario file, contract version and comparison runs it used and the figures it printed. Append-only.';

COMMENT ON TABLE scenario.runs IS
    'One benefit-cost scenario run of a contract: benefits by perspective, costs, outcome payments and investor returns over seeded Monte Carlo draws, with what it used.';
COMMENT ON COLUMN scenario.runs.run_id IS 'Scenario run number.';
COMMENT ON COLUMN scenario.runs.scenario_id IS 'The scenario file''s id.';
COMMENT ON COLUMN scenario.runs.contract_id IS 'The contract the scenario values (payments.contracts).';
COMMENT ON COLUMN scenario.runs.version IS 'The contract version used (payments.contracts).';
COMMENT ON COLUMN scenario.runs.contract_sha256 IS 'SHA-256 (hex) of that contract version''s text (payments.contracts.file_sha256).';
COMMENT ON COLUMN scenario.runs.spec_text IS 'The scenario file''s full text (YAML).';
COMMENT ON COLUMN scenario.runs.spec_sha256 IS 'SHA-256 (hex) of spec_text.';
COMMENT ON COLUMN scenario.runs.comparison_runs IS 'The comparison runs (evaluation.runs) the scenario''s effects were taken from, ascending; empty when every effect is stated in the file.';
COMMENT ON COLUMN scenario.runs.seed IS 'Seed of the Monte Carlo draws (the same seed gives the same figures).';
COMMENT ON COLUMN scenario.runs.draws IS 'Number of Monte Carlo draws.';
COMMENT ON COLUMN scenario.runs.results IS 'The figures the run printed, as JSON: per participant in base-year dollars to the cent, overall and per provider, benefits by perspective, cost, benefits minus costs, benefit-cost ratio and the chance benefits exceed costs; variants; outcome payments; investor returns. Money as exact decimal strings.';
COMMENT ON COLUMN scenario.runs.results_sha256 IS 'SHA-256 (hex) of the results'' canonical JSON text.';
COMMENT ON COLUMN scenario.runs.run_by IS 'Database login that ran the scenario.';
COMMENT ON COLUMN scenario.runs.run_at IS 'When the scenario ran.';

-- =============================================================================================
-- linkage: identifiers and record linkage (readable by the linker role only)
-- =============================================================================================

COMMENT ON SCHEMA linkage IS
    'Agencies'' identifier records (names, dates of birth, SSNs, addresses) and the record linkage that builds the person index from them. Tables with identifiers are readable by the outcomes_linker role only; analysts see link run headers and person id changes, which hold none.';
COMMENT ON SCHEMA linkage_work IS
    'Work tables of a link run in progress, created and dropped within the run; empty between runs.';

COMMENT ON TABLE linkage.identifiers IS
    'One agency record''s identifiers as the source wrote them, for record linkage: one row per source system and key. Direct identifiers: readable by the linker role only, and deleted by outcomes link purge.';
COMMENT ON COLUMN linkage.identifiers.record_id IS 'Record number, kept when the same source record is loaded again (referenced by linkage.pairs).';
COMMENT ON COLUMN linkage.identifiers.source_system IS 'Source system of the record (ids.source_systems).';
COMMENT ON COLUMN linkage.identifiers.source_key IS 'The agency''s own key for the record; with source_system, what ids.source_links links to a person.';
COMMENT ON COLUMN linkage.identifiers.first_name IS 'Direct identifier: first (given) name, as the source wrote it; NULL when not given.';
COMMENT ON COLUMN linkage.identifiers.middle_name IS 'Direct identifier: middle name, as the source wrote it; NULL when not given.';
COMMENT ON COLUMN linkage.identifiers.last_name IS 'Direct identifier: last (family) name, as the source wrote it; NULL when not given.';
COMMENT ON COLUMN linkage.identifiers.birth_date IS 'Direct identifier: full date of birth; NULL when only the year (or year and month) is known.';
COMMENT ON COLUMN linkage.identifiers.birth_year IS 'Year of birth (1880-2100); NULL when unknown.';
COMMENT ON COLUMN linkage.identifiers.birth_month IS 'Month of birth (1-12); NULL when unknown.';
COMMENT ON COLUMN linkage.identifiers.ssn IS 'Direct identifier: Social Security number, nine digits; NULL when only the last four are known, or the source gave none or a placeholder the SSA never issues.';
COMMENT ON COLUMN linkage.identifiers.ssn_last4 IS 'Direct identifier: the SSN''s last four digits; NULL when unknown.';
COMMENT ON COLUMN linkage.identifiers.sex IS 'Sex: F female, M male, X another sex, U unknown; NULL when not given.';
COMMENT ON COLUMN linkage.identifiers.race_ethnicity IS 'Race and ethnicity as the source wrote it; NULL when not given.';
COMMENT ON COLUMN linkage.identifiers.county IS 'County as the source wrote it; NULL when not given.';
COMMENT ON COLUMN linkage.identifiers.address IS 'Direct identifier: street address, as the source wrote it; NULL when not given.';
COMMENT ON COLUMN linkage.identifiers.city IS 'City of the address, as the source wrote it; NULL when not given.';
COMMENT ON COLUMN linkage.identifiers.postcode IS 'Postal code of the address, as the source wrote it; NULL when not given.';
COMMENT ON COLUMN linkage.identifiers.load_id IS 'The data load (ids.data_loads) that last wrote the record.';

COMMENT ON TABLE linkage.runs IS
    'One row per link run: the linkage specification it used, the model it trained and what it did to the person index. Holds no identifiers.';
COMMENT ON COLUMN linkage.runs.run_id IS 'Link run number.';
COMMENT ON COLUMN linkage.runs.load_id IS 'The run''s data load (ids.data_loads, kind linkage).';
COMMENT ON COLUMN linkage.runs.spec_id IS 'The linkage specification''s id.';
COMMENT ON COLUMN linkage.runs.spec IS 'The linkage specification as canonical JSON, every default written out: blocking rules, comparisons and their levels, thresholds.';
COMMENT ON COLUMN linkage.runs.spec_sha256 IS 'SHA-256 (hex) of the canonical specification text.';
COMMENT ON COLUMN linkage.runs.records IS 'Number of identifier records the run linked.';
COMMENT ON COLUMN linkage.runs.candidate_pairs IS 'Number of candidate record pairs the blocking rules proposed.';
COMMENT ON COLUMN linkage.runs.model IS 'The trained Fellegi-Sunter model as JSON: the prior match probability lambda, m and u per comparison level, and the EM iterations and convergence of each training session.';
COMMENT ON COLUMN linkage.runs.summary IS 'What the run did, as JSON counts: candidate pairs per rule, clusters, persons kept, new, merged and split, content rows moved, and warnings; {} until the run finishes.';
COMMENT ON COLUMN linkage.runs.run_by IS 'Database login that ran the link run.';
COMMENT ON COLUMN linkage.runs.started_at IS 'When the run started.';
COMMENT ON COLUMN linkage.runs.finished_at IS 'When the run finished; NULL while it is in progress.';

COMMENT ON TABLE linkage.pattern_counts IS
    'For each link run, how many candidate pairs had each agreement pattern, with the pattern''s match weight (before term-frequency adjustments): the distribution of weights and the error estimates without labels come from it. Holds no identifiers.';
COMMENT ON COLUMN linkage.pattern_counts.run_id IS 'The link run (linkage.runs).';
COMMENT ON COLUMN linkage.pattern_counts.pattern IS 'The agreement pattern, packed 4 bits per comparison of the run''s specification in order: 0 when either record lacks the value, else the level''s position in the comparison (1 = its first level).';
COMMENT ON COLUMN linkage.pattern_counts.pairs IS 'Number of candidate pairs with the pattern.';
COMMENT ON COLUMN linkage.pattern_counts.match_weight IS 'log2 of the odds that a pair with the pattern is a match (prior odds times each comparison''s m/u), before term-frequency adjustments.';

COMMENT ON TABLE linkage.pairs IS
    'The scored record pairs of the latest link run at or above its review threshold: what clustering and clerical review read. Pairs of identifier records: deleted by outcomes link purge.';
COMMENT ON COLUMN linkage.pairs.run_id IS 'The link run (linkage.runs); only the latest run''s pairs are kept.';
COMMENT ON COLUMN linkage.pairs.record_l IS 'The pair''s record with the lower id (linkage.identifiers.record_id).';
COMMENT ON COLUMN linkage.pairs.record_r IS 'The pair''s record with the higher id (linkage.identifiers.record_id).';
COMMENT ON COLUMN linkage.pairs.pattern IS 'The pair''s agreement pattern (as linkage.pattern_counts.pattern).';
COMMENT ON COLUMN linkage.pairs.match_weight IS 'log2 of the odds that the two records are the same person, including term-frequency adjustments.';
COMMENT ON COLUMN linkage.pairs.match_probability IS 'Probability that the two records are the same person, from 0 to 1.';

COMMENT ON TABLE linkage.labels IS
    'Clerical reviewers'' decisions on pairs of source records, match or non-match; every later link run obeys them over the model. Keyed by source records, so they outlive record ids, re-runs and purges.';
COMMENT ON COLUMN linkage.labels.source_system_l IS 'Source system of the pair''s first record (the pair is ordered by source system, then key).';
COMMENT ON COLUMN linkage.labels.source_key_l IS 'The agency''s key of the pair''s first record.';
COMMENT ON COLUMN linkage.labels.source_system_r IS 'Source system of the pair''s second record.';
COMMENT ON COLUMN linkage.labels.source_key_r IS 'The agency''s key of the pair''s second record.';
COMMENT ON COLUMN linkage.labels.decision IS 'match (the records are one person) or non_match (they are not).';
COMMENT ON COLUMN linkage.labels.decided_by IS 'Database login that imported the decision.';
COMMENT ON COLUMN linkage.labels.decided_at IS 'When the decision was imported.';
COMMENT ON COLUMN linkage.labels.note IS 'The reviewer''s note; NULL when none, and cleared by outcomes link purge since it may quote identifiers.';

COMMENT ON TABLE linkage.id_changes IS
    'Which pseudonymous person ids each link run created, merged or split, and how many records each change moved: analysts use it to find results computed on ids that changed. Holds no identifiers.';
COMMENT ON COLUMN linkage.id_changes.run_id IS 'The link run (linkage.runs).';
COMMENT ON COLUMN linkage.id_changes.person_id IS 'The pseudonymous person id that changed (ids.persons, unless merged away).';
COMMENT ON COLUMN linkage.id_changes.change IS 'new (a new person id), merged_into (this person''s records went to other_person_id and the id is no longer used) or split_from (this person took records from other_person_id, which remains).';
COMMENT ON COLUMN linkage.id_changes.other_person_id IS 'For merged_into, the person that took the records; for split_from, the person they came from; NULL for new.';
COMMENT ON COLUMN linkage.id_changes.records IS 'Number of identifier records the change concerns.';

COMMENT ON TABLE linkage.audit_log IS
    'What was done to the person index and by whom: link runs, imports of clerical decisions and purges of identifiers. Append-only; holds counts, not identifiers.';
COMMENT ON COLUMN linkage.audit_log.entry_id IS 'Entry number, increasing.';
COMMENT ON COLUMN linkage.audit_log.action IS 'link_run (a link run wrote the index), labels (clerical decisions imported) or purge (identifiers deleted).';
COMMENT ON COLUMN linkage.audit_log.run_id IS 'For link_run, the run (linkage.runs); for purge, the latest run at the time; NULL for labels.';
COMMENT ON COLUMN linkage.audit_log.details IS 'Counts as JSON: for link_run, records, persons, id changes, content and family rows moved and the links'' SHA-256; for labels, matches, non-matches, labels inserted and updated, undecided rows; for purge, identifier records, scored pairs and notes removed.';
COMMENT ON COLUMN linkage.audit_log.done_by IS 'Database login that did it.';
COMMENT ON COLUMN linkage.audit_log.done_at IS 'When it was done.';
