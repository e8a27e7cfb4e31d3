"""Reference values for OutcomesStatisticsTests: a logistic regression fitted by statsmodels.

Run with a Python that has numpy, pandas and statsmodels (PyPI):
    python3 logistic_reference.py
It writes logistic_data.csv (the data, seeded) and logistic_statsmodels.json (the fit).
"""
import json

import numpy as np
import pandas as pd
import statsmodels.api as sm

rng = np.random.default_rng(2026)
n = 800
age = rng.normal(35, 9, n).round(1)
jail_days = rng.poisson(4, n).astype(float)
employed = rng.binomial(1, 0.4, n).astype(float)
county = rng.choice(["alder", "birch", "cedar"], n)
eta = -2.0 + 0.03 * age + 0.12 * jail_days - 0.8 * employed + np.where(county == "birch", 0.5, 0) + np.where(county == "cedar", -0.4, 0)
treated = rng.binomial(1, 1 / (1 + np.exp(-eta))).astype(float)
data = pd.DataFrame({"treated": treated, "age": age, "jail_days": jail_days, "employed": employed, "county": county})
data.to_csv("logistic_data.csv", index=False)

# Dummy coding as R does: the first level (alphabetically) is the reference.
design = pd.get_dummies(data[["age", "jail_days", "employed", "county"]], columns=["county"], drop_first=True, dtype=float)
design = sm.add_constant(design)
fit = sm.Logit(data["treated"], design).fit(disp=0, tol=1e-12, maxiter=100)
json.dump({"columns": list(design.columns), "coefficients": list(fit.params), "standard_errors": list(fit.bse),
           "deviance": -2 * fit.llf}, open("logistic_statsmodels.json", "w"), indent=1)
