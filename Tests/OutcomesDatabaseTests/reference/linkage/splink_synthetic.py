"""Splink 5 (DuckDB) on the synthetic agency identifier extracts, with settings that mirror
scenarios/linkage-agencies.yaml, scored with linkage_metrics.py against every true pair.

    python splink_synthetic.py DIR OUT.json [--bench]

DIR is what `outcomes synth --persons N --seed S --identifiers DIR --noise L` writes
(DIR/identifiers/identifiers.csv and DIR/truth.csv). OUT.json gets pairwise and clustered
precision, recall and F1 at the spec's match threshold (and at a few others), λ, m and u per level,
link rates by group, and stage timings. --bench (for `outcomes-bench link`): predict keeps only
pairs at or above the match threshold and no other threshold is scored, so memory stays that of
Splink's own work at a million records.

The mirror of agencies.yaml, and where it cannot be exact:
  - values normalised as our LinkageCompiler does: names, city and postcode upper case with letters
    and digits only, empty as null; sex U as null; dates of birth split into a full date (when
    whole), year and month; SSNs read as our loader reads them (nine digits, or the last four;
    numbers the SSA never issues hold no value);
  - the same comparisons and levels in the same order; where Splink has no level, DuckDB SQL:
    day and month swapped, same year and month, same year, an SSN transposition (Levenshtein 2 and
    Damerau–Levenshtein 1, as ours), one digit (Levenshtein 1), the last four; Jaro–Winkler is
    DuckDB's jaro_winkler_similarity (ours is pg_similarity's jarowinkler; both use Winkler's
    prefix scale 0.1 over at most 4 characters);
  - the same blocking rules; Soundex (which DuckDB lacks) is computed here exactly as PostgreSQL's
    fuzzystrmatch computes it; the first initial is the normalised first name's first letter;
  - λ from the same deterministic rules and recall; u by random sampling with the same seed and
    number of pairs (a different sampler, so a different sample); m by EM with u fixed, one session
    per blocking rule in order, on pattern counts without term frequencies, as ours. Splink leaves
    out of a session the comparisons whose columns its rule names; ours leaves out the fields the
    rule's keys come from. For the rules on Soundex and the first initial the session's SQL also
    names last_name and first_name (`IS NOT NULL`, implied by the rule) so that Splink leaves out
    the same comparisons;
  - clustering is Splink's connected components at the threshold (ours adds a contradiction guard).
"""
import argparse
import json
import logging
import os
import platform
import resource
import time
from pathlib import Path

import duckdb
import pandas as pd
import splink
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from linkage_metrics import clustered_scores, pairwise_scores, read_truth

MATCH_THRESHOLD = 0.8           # agencies.yaml thresholds.match
OTHER_THRESHOLDS = [0.2, 0.3, 0.5, 0.9, 0.95, 0.99, 0.999]
RECALL = 0.8                    # training.lambda.recall
U_SAMPLE_PAIRS = 1_000_000      # training.u.sample_pairs
U_SEED = 1                      # training.u.seed
MAX_ITERATIONS, TOLERANCE = 25, 0.0001


# MARK: values as our loader and LinkageCompiler read them

def name(text):
    """Upper case, letters and digits only, empty as null (LinkageCompiler.name)."""
    if text is None:
        return None
    kept = "".join(ch for ch in text if ch.isalnum()).upper()
    return kept or None


SOUNDEX_TABLE = "01230120022455012623010202"


def soundex_code(ch):
    upper = ch.upper()
    return SOUNDEX_TABLE[ord(upper) - 65] if "A" <= upper <= "Z" else upper


def soundex(text):
    """PostgreSQL fuzzystrmatch's soundex(), null where it gives ''."""
    if text is None:
        return None
    start = next((i for i, ch in enumerate(text) if ch.isascii() and ch.isalpha()), None)
    if start is None:
        return None
    out, count, i = text[start].upper(), 1, start + 1
    while i < len(text) and count < 4:
        ch = text[i]
        if ch.isascii() and ch.isalpha() and soundex_code(ch) != soundex_code(text[i - 1]):
            code = soundex_code(ch)
            if code != "0":
                out += code
                count += 1
        i += 1
    return out + "0" * (4 - count)


def birth_parts(text):
    """(full date or None, year, month) from YYYY-MM-DD, YYYY-MM or YYYY."""
    if not text:
        return None, None, None
    parts = text.split("-")
    year = int(parts[0])
    month = int(parts[1]) if len(parts) > 1 else None
    return (text if len(parts) == 3 else None), year, month


def ssn_parts(text):
    """(nine digits or None, last four or None), as SocialSecurityNumber reads the text."""
    if not text:
        return None, None
    if len(text) == 11 and text[3] == "-" and text[6] == "-":
        hidden, shown = text[:3] + text[4:6], text[7:]
        if all(ch in "Xx*" for ch in hidden):
            return None, (None if shown == "0000" else shown)
        text = hidden + shown
    if len(text) == 4:
        return None, (None if text == "0000" else text)
    area, group, serial = int(text[:3]), text[3:5], text[5:]
    if area == 0 or area == 666 or area >= 900 or group == "00" or serial == "0000":
        return None, None
    return text, text[5:]


def prepared(path):
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw = raw.map(lambda v: v or None)
    rows = []
    for record in raw.itertuples(index=False):
        first, last = name(record.first_name), name(record.last_name)
        birth_date, birth_year, birth_month = birth_parts(record.birth_date)
        ssn, ssn_last4 = ssn_parts(record.ssn)
        rows.append({
            "unique_id": f"{record.source_system}|{record.source_key}",
            "source_system": record.source_system, "source_key": record.source_key,
            "first_name": first, "last_name": last, "birth_date": birth_date,
            "birth_year": birth_year, "birth_month": birth_month,
            # The day, for the swapped level (a full date's day, as extract(day FROM birth_date)).
            "birth_day": int(birth_date[8:10]) if birth_date else None,
            "ssn": ssn, "ssn_last4": ssn_last4,
            "sex": None if record.sex in (None, "U") else record.sex,
            "postcode": name(record.postcode),
            "first_initial": first[0] if first else None,
            "last_name_soundex": soundex(last),
            "race_ethnicity": record.race_ethnicity,
        })
    frame = pd.DataFrame(rows)
    for column in ("birth_year", "birth_month", "birth_day"):
        frame[column] = frame[column].astype("Int64")
    return frame


# MARK: the model

def name_comparison(column):
    return cl.CustomComparison(output_column_name=column, comparison_levels=[
        cll.NullLevel(column),
        cll.ExactMatchLevel(column, term_frequency_adjustments=True),
        cll.JaroWinklerLevel(column, 0.92),
        cll.JaroWinklerLevel(column, 0.80),
        cll.ElseLevel(),
    ])


BIRTH_DATE = cl.CustomComparison(output_column_name="birth_date", comparison_levels=[
    cll.CustomLevel("birth_year_l IS NULL OR birth_year_r IS NULL", "birth_date is NULL").configure(is_null_level=True),
    cll.CustomLevel("birth_date_l = birth_date_r", "exact"),
    cll.CustomLevel("birth_date_l IS NOT NULL AND birth_date_r IS NOT NULL AND birth_year_l = birth_year_r"
                    " AND birth_day_l = birth_month_r AND birth_month_l = birth_day_r", "day_month_swapped"),
    cll.CustomLevel("damerau_levenshtein(birth_date_l, birth_date_r) <= 1", "damerau_levenshtein_1"),
    cll.CustomLevel("birth_year_l = birth_year_r AND birth_month_l = birth_month_r", "same_year_month"),
    cll.CustomLevel("birth_year_l = birth_year_r", "same_year"),
    cll.ElseLevel(),
])

SSN = cl.CustomComparison(output_column_name="ssn", comparison_levels=[
    cll.CustomLevel("ssn_last4_l IS NULL OR ssn_last4_r IS NULL", "ssn is NULL").configure(is_null_level=True),
    cll.CustomLevel("ssn_l = ssn_r", "exact"),
    cll.CustomLevel("levenshtein(ssn_l, ssn_r) = 2 AND damerau_levenshtein(ssn_l, ssn_r) = 1", "ssn_transposition"),
    cll.CustomLevel("levenshtein(ssn_l, ssn_r) = 1", "ssn_one_digit"),
    cll.CustomLevel("ssn_last4_l = ssn_last4_r", "ssn_last4"),
    cll.ElseLevel(),
])

SEX = cl.CustomComparison(output_column_name="sex", comparison_levels=[
    cll.NullLevel("sex"), cll.ExactMatchLevel("sex"), cll.ElseLevel()])

POSTCODE = cl.CustomComparison(output_column_name="postcode", comparison_levels=[
    cll.NullLevel("postcode"), cll.ExactMatchLevel("postcode", term_frequency_adjustments=True), cll.ElseLevel()])

BLOCKING = [
    block_on("last_name", "birth_year"),
    block_on("first_name", "birth_date"),
    block_on("ssn"),
    block_on("ssn_last4", "birth_year"),
    block_on("last_name_soundex", "first_initial", "birth_month"),
    block_on("first_name", "last_name"),
    block_on("ssn_last4", "first_initial"),
]

# The EM sessions: the blocking rules, those on derived keys (Soundex, initial) also naming the
# fields the keys come from.
EM_SESSIONS = BLOCKING[:4] + [
    "l.last_name_soundex = r.last_name_soundex AND l.first_initial = r.first_initial"
    " AND l.birth_month = r.birth_month AND l.last_name IS NOT NULL AND r.last_name IS NOT NULL"
    " AND l.first_name IS NOT NULL AND r.first_name IS NOT NULL",
    BLOCKING[5],
    "l.ssn_last4 = r.ssn_last4 AND l.first_initial = r.first_initial"
    " AND l.first_name IS NOT NULL AND r.first_name IS NOT NULL",
]

DETERMINISTIC = [block_on("ssn", "birth_date"), block_on("first_name", "last_name", "birth_date")]


def trained_linker(frame):
    settings = SettingsCreator(
        unique_id_column_name="unique_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=BLOCKING,
        comparisons=[name_comparison("first_name"), name_comparison("last_name"), BIRTH_DATE, SSN, SEX, POSTCODE],
        max_iterations=MAX_ITERATIONS, em_convergence=TOLERANCE,
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(DuckDBAPI().register(frame), settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(DETERMINISTIC, recall=RECALL)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=U_SEED)
    for rule in EM_SESSIONS:
        linker.training.estimate_parameters_using_expectation_maximisation(rule, estimate_without_term_frequencies=True)
    return linker


def model_parameters(linker):
    """λ and, per comparison, each non-null level's m and u (our order: listed levels, then else)."""
    model = linker.misc.save_model_to_json()
    comparisons = []
    for comparison in model["comparisons"]:
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level", False)]
        comparisons.append({
            "name": comparison["output_column_name"],
            "levels": [level.get("label_for_charts") for level in levels],
            "m": [level.get("m_probability") for level in levels],
            "u": [level.get("u_probability") for level in levels],
        })
    return model["probability_two_random_records_match"], comparisons


# MARK: scoring

def link_rates(frame, cluster_of, entity_of):
    """By group: the share of the group's records whose person (Splink's cluster, or the truth's
    entity) holds another record."""
    cluster_sizes = pd.Series(list(cluster_of.values())).value_counts().to_dict()
    entity_sizes = pd.Series(list(entity_of.values())).value_counts().to_dict()
    records = [(row.source_system, row.source_key) for row in frame.itertuples()]
    linked = pd.Series([cluster_sizes.get(cluster_of.get(r), 1) > 1 for r in records])
    truth = pd.Series([entity_sizes[entity_of[r]] > 1 for r in records])
    result = {}
    for group in ("source_system", "race_ethnicity", "sex"):
        keys = frame[group].fillna("(none)").values
        table = pd.DataFrame({"group": keys, "splink": linked.values, "truth": truth.values}).groupby("group")
        result[group] = {key: {"records": int(len(g)), "splink": round(float(g.splink.mean()), 6),
                               "truth": round(float(g.truth.mean()), 6)} for key, g in table}
    return result


def main():
    arguments = argparse.ArgumentParser()
    arguments.add_argument("directory")
    arguments.add_argument("output")
    arguments.add_argument("--bench", action="store_true")
    options = arguments.parse_args()
    folder = Path(options.directory)

    load_before = os.getloadavg()[0]
    stages = {}
    started = clock = time.perf_counter()

    def lap(stage):
        nonlocal clock
        now = time.perf_counter()
        stages[stage] = round(now - clock, 3)
        clock = now

    frame = prepared(folder / "identifiers" / "identifiers.csv")
    lap("read")
    linker = trained_linker(frame)
    lap("train")
    predictions = linker.inference.predict(threshold_match_probability=MATCH_THRESHOLD if options.bench else None)
    lap("predict")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=MATCH_THRESHOLD)
    lap("cluster")
    wall = time.perf_counter() - started

    entity_of = read_truth(folder / "truth.csv")

    def record(unique_id):
        source, key = unique_id.split("|", 1)
        return (source, key)

    scored = predictions.as_pandas_dataframe()
    pairs = [(record(l), record(r), p) for l, r, p in zip(scored.unique_id_l, scored.unique_id_r, scored.match_probability)]
    blocked_true = sum(1 for a, b, _ in pairs if entity_of[a] == entity_of[b])

    def pairwise_at(threshold):
        return pairwise_scores([(a, b) for a, b, p in pairs if p >= threshold], entity_of).as_dict()

    def cluster_map(table):
        frame_ = table.as_pandas_dataframe()
        return {record(u): c for u, c in zip(frame_.unique_id, frame_.cluster_id)}

    cluster_of = cluster_map(clusters)
    pairwise, clustered = pairwise_at(MATCH_THRESHOLD), clustered_scores(cluster_of, entity_of).as_dict()
    by_threshold = {str(MATCH_THRESHOLD): {"pairwise": pairwise, "clustered": clustered}}
    if not options.bench:
        for threshold in OTHER_THRESHOLDS:
            table = linker.clustering.cluster_pairwise_predictions_at_threshold(
                predictions, threshold_match_probability=threshold)
            by_threshold[str(threshold)] = {"pairwise": pairwise_at(threshold),
                                            "clustered": clustered_scores(cluster_map(table), entity_of).as_dict()}
    lambda_, comparisons = model_parameters(linker)
    result = {
        "directory": folder.name, "records": len(frame), "possible_pairs": len(frame) * (len(frame) - 1) // 2,
        "splink": splink.__version__, "duckdb": duckdb.__version__, "pandas": pd.__version__,
        "python": platform.python_version(), "cpus": os.cpu_count(),
        "threshold_match_probability": MATCH_THRESHOLD,
        "scored_pairs": len(pairs), "true_pairs_scored": blocked_true,
        "pairwise": pairwise, "clustered": clustered,
        "best": {kind: max(scores[kind]["f1"] for scores in by_threshold.values()) for kind in ("pairwise", "clustered")},
        "by_threshold": by_threshold,
        "lambda": lambda_, "comparisons": comparisons,
        "link_rates": link_rates(frame, cluster_of, entity_of),
        "wall_seconds": round(wall, 3), "stage_seconds": stages, "load_average_before": load_before,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if not options.bench:
        result["true_pairs_not_blocked"] = pairwise["true_pairs"] - blocked_true
    with open(options.output, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(f"{folder.name}: {len(frame)} records, {len(pairs)} scored pairs; at {MATCH_THRESHOLD}: pairwise "
          f"P {pairwise['precision']:.4f} R {pairwise['recall']:.4f} F1 {pairwise['f1']:.4f}, clustered F1 "
          f"{clustered['f1']:.4f}; λ {lambda_:.6g}; {wall:.1f} s")


if __name__ == "__main__":
    main()
