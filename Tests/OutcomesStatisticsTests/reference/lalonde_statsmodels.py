"""Reference standard errors on the LaLonde (NSW) data from statsmodels: HC2 for a difference in
means and ANCOVA, WLS with ATT odds weights (HC2), and CR1 clustered by the matched pairs R's
MatchIt made (lalonde_matchit_nearest.csv). Writes lalonde_statsmodels.json.
    python lalonde_statsmodels.py     (statsmodels, pandas, numpy)
"""
import json

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf

data = pd.read_csv("lalonde.csv")
covariates = "age + educ + C(race) + married + nodegree + re74 + re75"
out = {"statsmodels": sm.__version__}


def effect(fit):
    return {"estimate": float(fit.params["treat"]), "se": float(fit.bse["treat"])}


out["unmatched"] = effect(smf.ols("re78 ~ treat", data).fit(cov_type="HC2"))
out["adjusted"] = effect(smf.ols(f"re78 ~ treat + {covariates}", data).fit(cov_type="HC2"))

ps = smf.logit(f"treat ~ {covariates}", data).fit(disp=0, tol=1e-12).predict(data)
weights = np.where(data.treat == 1, 1.0, ps / (1 - ps))
out["ipwATT"] = effect(smf.wls("re78 ~ treat", data, weights=weights).fit(cov_type="HC2"))

pairs = pd.read_csv("lalonde_matchit_nearest.csv")
subclass = {}
for number, row in enumerate(pairs.itertuples(), start=1):
    subclass[row.treated] = number
    subclass[row.control] = number
matched = data[data.id.isin(subclass)].copy()
matched["subclass"] = matched.id.map(subclass)
fit = smf.ols("re78 ~ treat", matched).fit(cov_type="cluster", cov_kwds={"groups": matched.subclass})
out["nearestCluster"] = effect(fit)

with open("lalonde_statsmodels.json", "w") as f:
    json.dump(out, f, indent=2)
print(json.dumps(out, indent=2))
