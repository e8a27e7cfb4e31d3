"""Reference CR1 standard errors clustered by household on the LaLonde (NSW) data, for the
"CR1-household" convention: units are put in households of up to three by their row (rows 0-2 one
household, 3-5 the next, ...; a household may mix treated and control units, as a family's members
may be a participant and a comparison unit). re78 on treat, and on treat with the covariates age,
educ, race (hispan, white; black the base), married, nodegree, re74, re75, with and without weights
(the weights: 1 for treated units, 1 + (row mod 4) / 2 for controls, as a weighting design gives).
statsmodels' `cov_type="cluster"` (use_correction: G/(G-1) * (n-1)/(n-k)), which is sandwich's
vcovCL(fit, cluster = ~household) with its defaults (type HC1, cadjust). Writes
lalonde_household_clusters.json, numbers with 17 significant digits.
    /work/ref-venv/bin/python lalonde_household_clusters.py     (statsmodels 0.15, pandas, numpy)
"""
import json

import numpy as np
import pandas as pd
import statsmodels.api as sm

data = pd.read_csv("lalonde.csv")
household = np.arange(len(data)) // 3
weights = np.where(data["treat"] == 1, 1.0, 1.0 + (np.arange(len(data)) % 4) / 2.0)
race = pd.get_dummies(data["race"])[["hispan", "white"]].astype(float)
covariates = pd.concat([data[["age", "educ"]], race, data[["married", "nodegree", "re74", "re75"]]], axis=1)
designs = {
    "difference": sm.add_constant(data[["treat"]].astype(float)),
    "adjusted": sm.add_constant(pd.concat([data[["treat"]].astype(float), covariates.astype(float)], axis=1)),
}
out = {}
for name, X in designs.items():
    for weighted in (False, True):
        fit = sm.WLS(data["re78"], X, weights=weights if weighted else np.ones(len(data))).fit(
            cov_type="cluster", cov_kwds={"groups": household})
        key = f"{name}{'_weighted' if weighted else ''}"
        out[key] = {"estimate": float(f"{fit.params['treat']:.17g}"), "std_error": float(f"{fit.bse['treat']:.17g}")}
with open("lalonde_household_clusters.json", "w") as f:
    json.dump(out, f, indent=2, sort_keys=True)
    f.write("\n")
