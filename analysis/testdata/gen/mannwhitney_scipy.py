"""SciPy reference values for analysis/mannwhitney_test.go.

Reads the cases of ../wilcox_reference.json (written by wilcox_reference.R)
and writes ../mannwhitney_scipy.json with, for each case, alternative and
continuity setting:

    scipy.stats.mannwhitneyu(x, y, alternative=alt, method="asymptotic",
                             use_continuity=correct)

and, for cases without ties that R also tested exactly,

    scipy.stats.mannwhitneyu(x, y, alternative=alt, method="exact").

Run from analysis/testdata/gen with /usr/bin/python3 (it has SciPy):
    /usr/bin/python3 mannwhitney_scipy.py
"""
import json
import math
import os

import scipy
from scipy.stats import mannwhitneyu

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "..", "wilcox_reference.json")) as f:
    ref = json.load(f)

def num(v):
    """Encodes NaN as the string "NaN", as json.R does."""
    v = float(v)
    return "NaN" if math.isnan(v) else v


ALTS = {"two.sided": "two-sided", "greater": "greater", "less": "less"}
out = []
for case in ref["cases"]:
    x, y = case["x"], case["y"]
    rows = []
    for alt_r, alt_py in ALTS.items():
        for correct in (True, False):
            r = mannwhitneyu(x, y, alternative=alt_py, method="asymptotic", use_continuity=correct)
            rows.append({"alternative": alt_r, "correct": correct, "method": "asymptotic",
                         "U": num(r.statistic), "p": num(r.pvalue)})
        if "exact" in case:
            r = mannwhitneyu(x, y, alternative=alt_py, method="exact")
            rows.append({"alternative": alt_r, "correct": False, "method": "exact",
                         "U": num(r.statistic), "p": num(r.pvalue)})
    out.append({"name": case["name"], "results": rows})

with open(os.path.join(here, "..", "mannwhitney_scipy.json"), "w") as f:
    json.dump({"generator": "mannwhitney_scipy.py", "scipy_version": scipy.__version__,
               "cases": out}, f, indent=None)
    f.write("\n")
