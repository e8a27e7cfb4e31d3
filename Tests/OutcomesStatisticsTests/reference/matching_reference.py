"""Reference matches for NearestNeighbourMatchingTests, from an independent implementation of
MatchIt's documented `method = "nearest"` algorithm (MatchIt 4.5.1 on Debian ignores `caliper=`,
MatchIt issue #163, so this is the reference for calipers; the LaLonde comparison with R itself
is a separate test).

Greedy matching in descending propensity order; ratio k in k rounds; ties by data order; caliper
in standard deviations (n - 1) of the distance over all units; exact strata; discard outside the
other group's range. Propensity scores from statsmodels' Logit on logistic_data.csv.

Run: python3 matching_reference.py  (numpy, pandas, statsmodels)
"""
import json

import numpy as np
import pandas as pd
import statsmodels.api as sm

def nearest(distance, treated, ratio=1, replace=False, caliper=None, exact=None, discard="none"):
    n = len(distance)
    keep = np.ones(n, dtype=bool)
    t, c = distance[treated], distance[~treated]
    if discard in ("both", "treated"):
        keep &= ~(treated & ((distance < c.min()) | (distance > c.max())))
    if discard in ("both", "control"):
        keep &= ~(~treated & ((distance < t.min()) | (distance > t.max())))
    width = None if caliper is None else caliper * np.std(distance, ddof=1)
    order = sorted(np.flatnonzero(treated & keep), key=lambda i: (-distance[i], i))
    free = ~treated & keep
    matches = {int(i): [] for i in order}
    for round_ in range(ratio):
        for i in order:
            if len(matches[i]) != round_:
                continue
            candidates = np.flatnonzero((free if not replace else (~treated & keep)))
            candidates = [j for j in candidates if j not in matches[i]]
            if exact is not None:
                candidates = [j for j in candidates if exact[j] == exact[i]]
            gaps = np.array([abs(distance[j] - distance[i]) for j in candidates])
            if width is not None:
                candidates = [j for j, g in zip(candidates, gaps) if g <= width]
                gaps = np.array([g for g in gaps if g <= width])
            if len(candidates) == 0:
                continue
            best = candidates[int(np.argmin(gaps))]  # argmin: the first of equal gaps, in data order
            matches[i].append(int(best))
            if not replace:
                free[best] = False
    weights = np.zeros(n)
    for i, taken in matches.items():
        if taken:
            weights[i] = 1
            for j in taken:
                weights[j] += 1 / len(taken)
    controls = ~treated
    total = weights[controls].sum()
    if total > 0:
        weights[controls] *= (weights[controls] > 0).sum() / total
    return {"matches": {str(k): v for k, v in matches.items()}, "weights": list(weights), "discarded": list(map(bool, ~keep))}


if __name__ == "__main__":
    data = pd.read_csv("logistic_data.csv")
    design = pd.get_dummies(data[["age", "jail_days", "employed", "county"]], columns=["county"], drop_first=True, dtype=float)
    score = sm.Logit(data["treated"], sm.add_constant(design)).fit(disp=0, tol=1e-12, maxiter=100).predict()
    treated = data["treated"].to_numpy() == 1
    county = data["county"].to_numpy()
    cases = {
        "one_to_one": {},
        "ratio_2": {"ratio": 2},
        "with_replacement_ratio_3": {"ratio": 3, "replace": True},
        "caliper_0.05": {"caliper": 0.05},
        "exact_county": {"exact": county},
        "discard_both_caliper_0.2": {"discard": "both", "caliper": 0.2},
    }
    out = {"distance": list(score), "treated": list(map(bool, treated)), "cases": {}}
    for name, options in cases.items():
        result = nearest(np.asarray(score), treated, **options)
        out["cases"][name] = {"options": {k: (v if k != "exact" else "county") for k, v in options.items()}, **result}
    json.dump(out, open("matching_reference.json", "w"))
    print({name: sum(1 for v in c["matches"].values() if v) for name, c in out["cases"].items()})
