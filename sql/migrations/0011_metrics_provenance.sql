-- What each contract-period's metrics were computed from: the loaded contract version and the
-- SHA-256 of its stored text (both NULL for results of a file tried out with `metrics --file`,
-- which are stored apart as `<id>@trial`). A payment run pays only on metrics computed from the
-- text of the version it runs under and from the current data load; rows from before this
-- migration carry no version, so runs refuse them until the metrics are recomputed.
ALTER TABLE metrics.computed_periods ADD COLUMN version integer, ADD COLUMN file_sha256 text;

-- Contracts without payment terms are loaded too (their metrics are computed from the stored
-- text like any other's); they have no currency.
ALTER TABLE payments.contracts ALTER COLUMN currency DROP NOT NULL;
