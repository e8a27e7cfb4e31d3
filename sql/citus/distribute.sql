-- Distributing the IDS on a Citus cluster (not applied by `outcomes db migrate`).
-- Run once on the coordinator after the migrations, before loading data.
-- Large tables are hash-distributed by person_id and co-located, so joins on person_id and
-- GROUP BY person_id run on the workers; small tables are replicated to every node.

SELECT create_reference_table('ids.data_loads');
SELECT create_reference_table('ids.source_systems');
SELECT create_reference_table('ids.event_domains');
SELECT create_reference_table('ids.programs');
SELECT create_reference_table('ids.providers');
SELECT create_reference_table('ids.contracts');
SELECT create_reference_table('ids.synthetic_truth');

SELECT create_distributed_table('ids.persons', 'person_id');
SELECT create_distributed_table('ids.source_links', 'person_id', colocate_with => 'ids.persons');
SELECT create_distributed_table('ids.enrollments', 'person_id', colocate_with => 'ids.persons');
SELECT create_distributed_table('ids.events', 'person_id', colocate_with => 'ids.persons');
