-- Outcome windows read each participant's events by person, domain and start date, and need
-- only the end date and the amount besides. Carrying both in the index lets PostgreSQL answer
-- those reads from the index alone (an index-only scan) once the table is vacuumed, which
-- `outcomes synth` and `outcomes load` do after loading.
CREATE INDEX events_person_domain_start_covering ON ids.events (person_id, domain, start_date)
    INCLUDE (end_date, amount);
DROP INDEX ids.events_person_domain_start;
ALTER INDEX ids.events_person_domain_start_covering RENAME TO events_person_domain_start;
