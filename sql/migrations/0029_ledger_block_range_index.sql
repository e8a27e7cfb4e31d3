-- The ledger's index on (contract_id, provider_id, period) was a B-tree: every line a run posts
-- paid a descent into it, a third of the cost of writing the line (at 1M people, 0.7 s of a
-- 342,536-line run's 1.8 s of inserts). The ledger only grows, one run at a time, so a
-- contract's lines lie together on disk: a block-range (BRIN) index over the same columns finds
-- them by their ranges of pages, at next to no cost per line written. The statements, exports and
-- the door's checks that read a contract's lines keep their queries, and read all of the
-- contract's lines where the B-tree read one provider's. Ranges not yet summarized (the newest
-- pages) are always read, so nothing is missed before a summary exists; a full range is summarized
-- at autovacuum's next visit (autosummarize), or by the next VACUUM of the ledger.
-- (One block: a migration is one statement, as Citus needs; docs/citus.md, "Upgrades".)
DO $$
BEGIN
    DROP INDEX payments.ledger_contract_provider;
    CREATE INDEX ledger_contract_provider ON payments.ledger USING brin (contract_id, provider_id, period) WITH (autosummarize = on);
END
$$;
