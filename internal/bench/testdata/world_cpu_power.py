# Reference values for internal/bench/oracle_world_test.go (TestBestPossibleWorld, CPU):
#   /usr/bin/python3 internal/bench/testdata/world_cpu_power.py B KAPPA RATE F SR SN ALPHA
# prints the power and the size of the level-ALPHA test that rejects for a high
# C = S*(B*e^{SR*Z1} + F*KAPPA*e^{SR*Z2}*RATE), S = e^{SN*Z0}, Z0, Z1, Z2 iid N(0, 1)
# (F = 1 under the null). P(C > q) = E_{Z1,Z2}[Phi_bar((ln q - ln A)/SN)], A the
# bracket: the expectation by a 120 x 120 Gauss-Hermite product rule, q from the null
# by brentq. A numerical integral, not the oracle's Monte Carlo.
import sys
import numpy as np
from scipy.stats import norm
from scipy.optimize import brentq

b, k, rate, f, sr, sn, a = map(float, sys.argv[1:])
x, w = np.polynomial.hermite_e.hermegauss(120)
w = w / w.sum()
Z1, Z2 = np.meshgrid(x, x)
W = np.outer(w, w)


def sf(lq, f):
    A = b * np.exp(sr * Z1) + f * k * np.exp(sr * Z2) * rate
    return (W * norm.sf((lq - np.log(A)) / sn)).sum()


mid = np.log(b + k * rate)
lq = brentq(lambda lq: sf(lq, 1) - a, mid - 3, mid + 3, xtol=1e-14)
print(repr(sf(lq, f)), repr(sf(lq, 1)))
