"""Reference values for FellegiSunterTests: the textbook Fellegi–Sunter EM (Winkler 1988; Enamorado,
Fifield and Imai 2019, fastLink) over agreement-pattern counts, written directly as products of
probabilities with numpy, on the counts below. Writes fellegi_sunter_em.json.
    python fellegi_sunter_em.py     (numpy)

E step:  w_p = λ Π_k m[k][l_pk] / (λ Π_k m[k][l_pk] + (1−λ) Π_k u[k][l_pk]), over non-null k
M step:  λ = Σ n_p w_p / Σ n_p;  m[k][l] = Σ_{l_pk = l} n_p w_p / Σ_{k non-null} n_p w_p;
         u the same with 1 − w_p (unless u is held fixed).
It stops after a step in which no parameter (λ, m, u) moved by more than the tolerance, or after
max_iterations steps, as ExpectationMaximization.estimate does.
"""
import json

import numpy as np

NULL = -1
# Three comparisons: a name (exact, close, else), a date (exact, same year, else), an id (exact,
# else). The counts are those expected of 100,000 pairs under the "truth" below, with a name null
# in 5% of pairs and an id in 30%, rounded to whole pairs (a small pattern may round to 0 and is left out).
level_counts = [3, 3, 2]
truth = {"lambda": 0.02, "m": [[0.85, 0.1, 0.05], [0.9, 0.07, 0.03], [0.95, 0.05]],
         "u": [[0.005, 0.03, 0.965], [0.003, 0.08, 0.917], [0.001, 0.999]]}
null_rates = [0.05, 0.0, 0.3]
patterns, counts = [], []
for a in [0, 1, 2, NULL]:
    for b in [0, 1, 2]:
        for c in [0, 1, NULL]:
            pattern = [a, b, c]
            mass_m, mass_u = truth["lambda"], 1 - truth["lambda"]
            for k, level in enumerate(pattern):
                if level == NULL:
                    mass_m *= null_rates[k]
                    mass_u *= null_rates[k]
                else:
                    mass_m *= (1 - null_rates[k]) * truth["m"][k][level]
                    mass_u *= (1 - null_rates[k]) * truth["u"][k][level]
            count = round(100_000 * (mass_m + mass_u))
            if count > 0:
                patterns.append(pattern)
                counts.append(float(count))
start = {
    "lambda": 0.05,
    "m": [[0.8, 0.15, 0.05], [0.85, 0.1, 0.05], [0.9, 0.1]],
    "u": [[0.01, 0.04, 0.95], [0.005, 0.1, 0.895], [0.002, 0.998]],
}


def step(lam, m, u, fix_u):
    n = np.array(counts)
    prior_m = np.full(len(patterns), lam)
    prior_u = np.full(len(patterns), 1 - lam)
    for p, pattern in enumerate(patterns):
        for k, level in enumerate(pattern):
            if level != NULL:
                prior_m[p] *= m[k][level]
                prior_u[p] *= u[k][level]
    w = prior_m / (prior_m + prior_u)
    new_lambda = float((n * w).sum() / n.sum())
    new_m, new_u = [], []
    for k, levels in enumerate(level_counts):
        sums_m, sums_u = np.zeros(levels), np.zeros(levels)
        for p, pattern in enumerate(patterns):
            if pattern[k] != NULL:
                sums_m[pattern[k]] += n[p] * w[p]
                sums_u[pattern[k]] += n[p] * (1 - w[p])
        new_m.append(list(sums_m / sums_m.sum()))
        new_u.append(list(sums_u / sums_u.sum()))
    return new_lambda, new_m, (u if fix_u else new_u)


def em(fix_u, max_iterations, tolerance):
    lam, m, u = start["lambda"], start["m"], start["u"]
    iterations, converged = 0, False
    while iterations < max_iterations:
        new = step(lam, m, u, fix_u)
        iterations += 1
        change = max([abs(new[0] - lam)] + [abs(a - b) for x, y in zip(new[1] + new[2], m + u) for a, b in zip(x, y)])
        lam, m, u = new
        if change <= tolerance:
            converged = True
            break
    return {"lambda": lam, "m": m, "u": u, "iterations": iterations, "converged": converged}


runs = {}
for fix_u in (True, False):
    name = "fixed_u" if fix_u else "free_u"
    runs[name + "_3_steps"] = dict(em(fix_u, 3, 0.0), fix_u=fix_u, max_iterations=3, tolerance=0.0)
    runs[name + "_converged"] = dict(em(fix_u, 500, 1e-12), fix_u=fix_u, max_iterations=500, tolerance=1e-12)

out = {"level_counts": level_counts, "patterns": [[None if l == NULL else l for l in p] for p in patterns], "counts": counts,
       "start": start, "runs": runs}
with open("fellegi_sunter_em.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
