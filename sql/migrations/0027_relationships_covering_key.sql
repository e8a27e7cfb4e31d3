-- Metrics over relatives find each unit's relatives by probing ids.relationships on person_id. The
-- primary key now carries the two columns those probes also read (valid_to, evidence), so they are
-- answered from the index alone (an index-only scan, once a load's VACUUM has marked the pages
-- all-visible) instead of a heap page per edge; a parent with several children had one random
-- heap read per child. The key itself, and so what is unique, is unchanged.
--
-- On a database distributed with Citus, Citus forwards a DDL statement's text to every shard and
-- refuses a text of several statements, and an ADD CONSTRAINT beside another subcommand: hence one
-- block, whose statements PL/pgSQL hands over one at a time (docs/citus.md, "Upgrades").
DO $$
BEGIN
    ALTER TABLE ids.relationships DROP CONSTRAINT relationships_pkey;
    ALTER TABLE ids.relationships ADD CONSTRAINT relationships_pkey
        PRIMARY KEY (person_id, relative_id, relation, source_system, valid_from, stated) INCLUDE (valid_to, evidence);
END
$$;
