"""Reference doubly robust AIPW estimates on the LaLonde (NSW) data: re78 on treat with the
covariates age, educ, race (hispan, white; black the base), married, nodegree, re74, re75, a logistic
propensity model and a linear outcome model per treatment group, both with an intercept.
Writes lalonde_aipw.json.
    /work/ref-venv/bin/python lalonde_aipw.py     (statsmodels 0.15, pandas, numpy)

ATE: the estimate and both potential-outcome means are statsmodels'
`TreatmentEffect(OLS(re78, X), treat, results_select=Logit(treat, X).fit()).aipw(return_results=False)`.
Its standard error is the stacked M-estimation (GMM) sandwich over the same equations statsmodels
stacks — ATE, POM0, the two OLS fits and the logit score, HC0 meat — with an exact Jacobian,
computed here by hand from the influence function. statsmodels' own `aipw().sd` (also written, as
`statsmodels_gmm`) is not that number: its GMM takes the Jacobian by finite differences with an
absolute step of 1e-4 on every coefficient (on re74's and re75's, in dollars, that moves the logit's
linear predictor by up to 3.5) and clips the propensities to [0.01, 0.99] (one LaLonde unit has
0.0091). The script checks that statsmodels' own moment conditions, with the clip undone and a fine
central-difference Jacobian, give this script's standard error.

ATT: statsmodels' aipw offers the ATE only. The ATT is the doubly robust estimator from Hahn's
(1998) efficient influence function (Mercatanti & Li 2014):
  ATT = sum_i [T_i (Y_i - m0(X_i)) - (1 - T_i) e_i / (1 - e_i) (Y_i - m0(X_i))] / n_treated,
m0 the control group's OLS fit, e the logistic propensity (the treated group's outcome model
cancels). Its standard error is the stacked sandwich (ATT, control OLS, logit score) from the
influence function written out by hand here, checked against a generic numerical sandwich of the
same stacked moment functions.
"""
import json
import types

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm
import statsmodels.treatment.treatment_effects as te_module
from statsmodels.treatment.treatment_effects import TreatmentEffect

assert statsmodels.__version__.startswith("0.15"), statsmodels.__version__
data = pd.read_csv("lalonde.csv")
X = pd.DataFrame({
    "const": 1.0, "age": data.age, "educ": data.educ,
    "race_hispan": (data.race == "hispan") * 1.0, "race_white": (data.race == "white") * 1.0,
    "married": data.married, "nodegree": data.nodegree, "re74": data.re74, "re75": data.re75,
})
T = data.treat.to_numpy(dtype=float)
y = data.re78.to_numpy()
x = X.to_numpy()
n = len(y)

logit = sm.Logit(T, X).fit(disp=0, method="newton", tol=1e-14, maxiter=100)
p = np.asarray(logit.predict())
treatment_effect = TreatmentEffect(sm.OLS(y, X), T, results_select=logit)
ate, pom0, pom1 = (float(v) for v in treatment_effect.aipw(return_results=False))
statsmodels_gmm = treatment_effect.aipw()


def ols(mask):
    return np.linalg.solve(x[mask].T @ x[mask], x[mask].T @ y[mask])


def solve_rows(gram, rows):
    """Each row r of `rows` as gram^-1 r."""
    return np.linalg.solve(gram, rows.T).T


beta0, beta1 = ols(T == 0), ols(T == 1)
r0, r1 = y - x @ beta0, y - x @ beta1
m1 = x @ beta1 + T * r1 / p
m0 = x @ beta0 + (1 - T) * r0 / (1 - p)
assert abs((m1 - m0).mean() - ate) <= 1e-12 * abs(ate)

# Influence of each nuisance fit on the mean estimating equation (sums, then scaled by n).
gram0 = x[T == 0].T @ x[T == 0]
gram1 = x[T == 1].T @ x[T == 1]
fisher = (x * (p * (1 - p))[:, None]).T @ x
d_beta1 = (x * (1 - T / p)[:, None]).sum(0)
d_beta0 = -(x * (1 - (1 - T) / (1 - p))[:, None]).sum(0)
d_gamma = (x * (-T * r1 * (1 - p) / p - (1 - T) * r0 * p / (1 - p))[:, None]).sum(0)
influence_ate = (m1 - m0 - ate
                 + (x * (T * r1)[:, None]) @ np.linalg.solve(gram1, d_beta1)
                 + (x * ((1 - T) * r0)[:, None]) @ np.linalg.solve(gram0, d_beta0)
                 + (x * (T - p)[:, None]) @ np.linalg.solve(fisher, d_gamma))
se_ate = float(np.sqrt((influence_ate ** 2).sum()) / n)

# Cross-check: statsmodels' own stacked AIPW moments without its clip, fine Jacobian.
gmm_model = statsmodels_gmm.results_gmm.model
numpy_without_clip = types.SimpleNamespace(**{k: getattr(np, k) for k in dir(np) if not k.startswith("__")})
numpy_without_clip.clip = lambda a, lower, upper: a


def sandwich_se(moments, params, index=0):
    """HC0 sandwich of a just-identified stack of moment functions, Jacobian by central differences."""
    mom = moments(params)
    jacobian = np.empty((mom.shape[1], len(params)))
    for j in range(len(params)):
        h = 1e-6 * max(abs(params[j]), 1e-4)
        up, down = params.copy(), params.copy()
        up[j] += h
        down[j] -= h
        jacobian[:, j] = (moments(up).mean(0) - moments(down).mean(0)) / (2 * h)
    inverse = np.linalg.inv(jacobian)
    covariance = inverse @ (mom.T @ mom / len(mom)) @ inverse.T / len(mom)
    return float(np.sqrt(covariance[index, index]))


te_module.np = numpy_without_clip
try:
    se_ate_statsmodels_moments = sandwich_se(gmm_model.momcond, np.asarray(statsmodels_gmm.start_params, dtype=float))
finally:
    te_module.np = np
assert abs(se_ate_statsmodels_moments - se_ate) <= 1e-7 * se_ate, (se_ate_statsmodels_moments, se_ate)

# ATT (Hahn's efficient influence function, stacked with the control OLS and the logit).
odds = p / (1 - p)
n_treated = T.sum()
att = float((T * r0 - (1 - T) * odds * r0).sum() / n_treated)
psi = T * r0 - (1 - T) * odds * r0 - T * att
d_beta0_att = (x * (-T + (1 - T) * odds)[:, None]).sum(0)
d_gamma_att = (x * (-(1 - T) * odds * r0)[:, None]).sum(0)
influence_att = (psi
                 + (x * ((1 - T) * r0)[:, None]) @ np.linalg.solve(gram0, d_beta0_att)
                 + (x * (T - p)[:, None]) @ np.linalg.solve(fisher, d_gamma_att)) / (n_treated / n)
se_att = float(np.sqrt((influence_att ** 2).sum()) / n)


def att_moments(params):
    tau, b0, g = params[0], params[1:10], params[10:]
    e = 1 / (1 + np.exp(-(x @ g)))
    res0 = y - x @ b0
    return np.column_stack((T * res0 - (1 - T) * e / (1 - e) * res0 - T * tau,
                            x * ((1 - T) * res0)[:, None], x * (T - e)[:, None]))


se_att_numerical = sandwich_se(att_moments, np.concatenate(([att], beta0, np.asarray(logit.params))))
assert abs(se_att_numerical - se_att) <= 1e-7 * se_att, (se_att_numerical, se_att)
treated_mean = float(y[T == 1].mean())

out = {
    "statsmodels": statsmodels.__version__,
    "ate": {"estimate": ate, "se": se_ate, "treated_mean": pom1, "control_mean": pom0,
            "se_statsmodels_moments_fine_jacobian": se_ate_statsmodels_moments,
            "statsmodels_gmm": {"estimate": float(statsmodels_gmm.effect[0]), "se": float(statsmodels_gmm.sd[0])}},
    "att": {"estimate": att, "se": se_att, "treated_mean": treated_mean, "control_mean": treated_mean - att,
            "se_numerical_sandwich": se_att_numerical},
    "propensity": {"min": float(p.min()), "max": float(p.max())},
}
with open("lalonde_aipw.json", "w") as f:
    json.dump(out, f, indent=2)
    f.write("\n")
print(json.dumps(out, indent=2))
