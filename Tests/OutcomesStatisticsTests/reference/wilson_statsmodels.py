"""Wilson score intervals for the rates in the metrics reports' charts (ProportionTests).

Run: python wilson_statsmodels.py  (statsmodels 0.14 or later); prints the values the test holds.
"""
from statsmodels.stats.proportion import proportion_confint

for successes, trials in [(8, 10), (0, 25), (137, 400), (25, 25)]:
    low, high = proportion_confint(successes, trials, alpha=0.05, method="wilson")
    print(f"({successes}, {trials}, {low!r}, {high!r}),")
