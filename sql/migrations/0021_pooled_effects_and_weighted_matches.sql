-- Pooled effects, periods without participants and weighted matched groups.
--
-- A cohort with no participants is a determination (`no_participants`, paying nothing) rather than
-- a refusal: the determinations' findings gain that value. Determinations recorded before keep
-- theirs.
ALTER TABLE payments.determinations DROP CONSTRAINT determinations_finding_check;
ALTER TABLE payments.determinations ADD CONSTRAINT determinations_finding_check
    CHECK (finding IN ('met', 'below_threshold', 'not_measurable', 'target_missed', 'no_participants'));

-- A stored matched comparison group (`outcomes compare --store-comparison`) may now be k:1 or
-- matched with replacement. Payments count each control by its matching weight, exactly: a
-- treated unit with k controls gives each of them 1/k, a control's weight under a provider is the
-- sum over that provider's participants it was matched to (MatchIt's weights before they are
-- scaled to the number of controls; the scale cancels in every weighted mean). Weights are kept
-- as whole numbers of 1/weight_denominator (the run's least common multiple of the k's), so that
-- sums of them in SQL stay exact. A control matched to participants of two providers has a row
-- under each.
CREATE TABLE evaluation.matched_weights (
    person_id          bigint NOT NULL,
    run_id             bigint NOT NULL REFERENCES evaluation.runs,
    provider_id        text NOT NULL,
    weight             bigint NOT NULL CHECK (weight > 0),
    weight_denominator bigint NOT NULL CHECK (weight_denominator > 0),
    PRIMARY KEY (person_id, run_id, provider_id)
);
CREATE INDEX matched_weights_run ON evaluation.matched_weights (run_id);
COMMENT ON TABLE evaluation.matched_weights IS
    'Each stored matched control under each provider it serves, with its matching weight as weight / weight_denominator.';

-- Append-only for every role, like the runs it belongs to (migration 0020): written once with its
-- run by the analyst, never changed.
CREATE TRIGGER matched_weights_append_only BEFORE UPDATE OR DELETE ON evaluation.matched_weights
    FOR EACH ROW EXECUTE FUNCTION evaluation.refuse_change();
CREATE TRIGGER matched_weights_no_truncate BEFORE TRUNCATE ON evaluation.matched_weights
    FOR EACH STATEMENT EXECUTE FUNCTION evaluation.refuse_change();
REVOKE ALL ON evaluation.matched_weights FROM PUBLIC;
GRANT SELECT, INSERT ON evaluation.matched_weights TO outcomes_analyst;
GRANT SELECT ON evaluation.matched_weights TO outcomes_payments;

-- Groups stored before this migration were 1:1 without replacement: each control weighs 1 under
-- the provider of the participant of its matched set.
INSERT INTO evaluation.matched_weights (person_id, run_id, provider_id, weight, weight_denominator)
SELECT c.person_id, c.run_id, coalesce(t.provider_id, ''), 1, 1
FROM evaluation.runs r
JOIN evaluation.run_units c ON c.run_id = r.run_id AND NOT c.treated
JOIN evaluation.run_units t ON t.run_id = c.run_id AND t.subclass = c.subclass AND t.treated
WHERE r.stored_comparison;
