"""The one F1 definition the linkage references and our Swift tests share.

A record is any hashable id (here (source_system, source_key)). A pair is an unordered pair of two
distinct records. The true pairs are every pair whose records have the same entity in the truth,
whether or not a blocking rule ever proposed it (so pairs blocking missed count as misses).
  pairwise:  predicted pairs = the scored pairs at or above the threshold.
  clustered: predicted pairs = every pair of records in the same cluster (clusters made at the
             threshold; a record in no cluster is alone and adds no pair).
TP = predicted pairs that are true; precision = TP / |predicted|; recall = TP / |true|;
F1 = 2 TP / (|predicted| + |true|) (the harmonic mean of the two). A zero denominator gives 0.
"""
from collections import Counter
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class PairScores:
    true_positives: int
    predicted_pairs: int
    true_pairs: int
    precision: float
    recall: float
    f1: float

    def as_dict(self):
        return asdict(self)


def _pairs(n):
    return n * (n - 1) // 2


def _ratio(numerator, denominator):
    return numerator / denominator if denominator else 0.0


def scores(true_positives, predicted_pairs, true_pairs):
    return PairScores(true_positives, predicted_pairs, true_pairs,
                      precision=_ratio(true_positives, predicted_pairs),
                      recall=_ratio(true_positives, true_pairs),
                      f1=_ratio(2 * true_positives, predicted_pairs + true_pairs))


def true_pair_count(entity_of):
    """entity_of: {record: entity} over every record of the data, linked or not."""
    return sum(_pairs(n) for n in Counter(entity_of.values()).values())


def pairwise_scores(predicted, entity_of):
    """predicted: iterable of (record, record); order and repeats do not matter."""
    unique = set()
    for left, right in predicted:
        if left == right:
            raise ValueError(f"a pair of a record with itself: {left!r}")
        unique.add(frozenset((left, right)))
    true_positives = sum(1 for pair in unique if len({entity_of[record] for record in pair}) == 1)
    return scores(true_positives, len(unique), true_pair_count(entity_of))


def clustered_scores(cluster_of, entity_of):
    """cluster_of: {record: cluster}; records absent from it are singletons."""
    members = Counter(cluster_of[record] for record in entity_of if record in cluster_of)
    agreeing = Counter((cluster_of[record], entity) for record, entity in entity_of.items()
                       if record in cluster_of)
    return scores(sum(_pairs(n) for n in agreeing.values()), sum(_pairs(n) for n in members.values()),
                  true_pair_count(entity_of))


def read_truth(path):
    """truth.csv (source_system,source_key,entity) -> {(source_system, source_key): entity}."""
    import csv
    with open(path, newline="", encoding="utf-8") as f:
        return {(row["source_system"], row["source_key"]): row["entity"] for row in csv.DictReader(f)}
