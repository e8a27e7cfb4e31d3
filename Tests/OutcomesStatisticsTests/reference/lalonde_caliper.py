"""Reference for a caliper on the LaLonde (NSW) data. Debian's MatchIt 4.5.1 ignores `caliper=`
(MatchIt issue #163), so the matches come from the independent implementation of MatchIt's
documented nearest-neighbour algorithm in matching_reference.py, on the propensity scores R's
MatchIt computed (lalonde_matchit_weights.csv); the balance after matching follows MatchIt's
summary() definitions (SMD on the treated group's SD, fixed; eCDF; variance ratio), the ATT and
its standard error clustered by matched pair come from statsmodels. Writes lalonde_caliper.json.
    python lalonde_caliper.py     (numpy, pandas, statsmodels)
"""
import json

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from matching_reference import nearest

data = pd.read_csv("lalonde.csv")
distance = pd.read_csv("lalonde_matchit_weights.csv")["distance"].to_numpy()
treated = data["treat"].to_numpy() == 1
out = {}
for caliper in (0.1, 0.25):
    result = nearest(distance, treated, caliper=caliper)
    weights = np.array(result["weights"])
    subclass = np.zeros(len(data), dtype=int)
    number = 0
    for unit in sorted(int(k) for k in result["matches"]):  # matched sets numbered in data order
        taken = result["matches"][str(unit)]
        if taken:
            number += 1
            subclass[unit] = number
            subclass[taken] = number
    matched = data[weights > 0].assign(subclass=subclass[weights > 0], w=weights[weights > 0])
    fit = smf.wls("re78 ~ treat", matched, weights=matched.w).fit(cov_type="cluster", cov_kwds={"groups": matched.subclass})

    def smd(column):
        x = data[column].to_numpy(dtype=float)
        sd = x[treated].std(ddof=1) if not set(np.unique(x)) <= {0, 1} else np.sqrt(x[treated].mean() * (1 - x[treated].mean()))
        mt = np.average(x[treated & (weights > 0)], weights=weights[treated & (weights > 0)])
        mc = np.average(x[~treated & (weights > 0)], weights=weights[~treated & (weights > 0)])
        return (mt - mc) / sd

    out[str(caliper)] = {
        "matched_treated": int((weights[treated] > 0).sum()),
        "matched_control": int((weights[~treated] > 0).sum()),
        "effect": {"estimate": float(fit.params["treat"]), "se": float(fit.bse["treat"])},
        "smd": {c: float(smd(c)) for c in ["age", "educ", "married", "nodegree", "re74", "re75"]},
    }
json.dump(out, open("lalonde_caliper.json", "w"), indent=2)
print(json.dumps(out, indent=2))
