"""Reference values for FinanceTests: numpy-financial (npv with the first flow at t = 0, irr,
mirr) and pyxirr (npv as a spreadsheet's NPV, discounting the first flow; xnpv and xirr on
actual dates, actual/365). Writes finance_reference.json.
    python finance_reference.py     (numpy-financial, pyxirr)
"""
import json
from datetime import date

import numpy_financial as npf
import pyxirr

periodic = {
    "program": [-1_500_000, 200_000, 350_000, 420_000, 480_000, 500_000, 300_000],
    "bond": [-10_000_000, 0, 0, 1_200_000, 2_500_000, 4_000_000, 5_200_000],
    "loss": [-500, 100, 100, 100],
    "two_sign_changes": [-100, 230, -132],
}
rates = [0.0, 0.035, 0.05, -0.02]
out = {"periodic": {}, "dated": {}}
for name, flows in periodic.items():
    irr = npf.irr(flows)
    out["periodic"][name] = {
        "flows": flows,
        "npv_first_at_zero": {str(r): float(npf.npv(r, flows)) for r in rates},
        "npv_spreadsheet": {str(r): float(pyxirr.npv(r, flows, start_from_zero=False)) for r in rates},
        "irr": None if irr != irr else float(irr),
        "mirr": float(npf.mirr(flows, 0.06, 0.04)),
    }

dated = {
    "investor": [(date(2021, 1, 15), -5_000_000), (date(2022, 3, 31), 250_000), (date(2023, 6, 30), 1_800_000),
                 (date(2024, 12, 31), 2_400_000), (date(2025, 7, 1), 1_600_000)],
    "short": [(date(2020, 1, 1), -1000), (date(2020, 7, 1), 1050)],
}
for name, flows in dated.items():
    days = [(d - flows[0][0]).days for d, _ in flows]
    amounts = [a for _, a in flows]
    out["dated"][name] = {
        "days": days, "amounts": amounts,
        "xnpv": {str(r): float(pyxirr.xnpv(r, [d for d, _ in flows], amounts)) for r in [0.035, 0.08]},
        "xirr": float(pyxirr.xirr([d for d, _ in flows], amounts)),
    }
json.dump(out, open("finance_reference.json", "w"), indent=2)
print(json.dumps(out, indent=2))
