# Reference values for internal/bench/oracle_world_test.go (TestBestPossibleWorld, 5xx):
#   /usr/bin/python3 internal/bench/testdata/poisson_mixture_power.py MU F EXTRA SIGMA ALPHA
# prints (k, power) of the randomized level-ALPHA test that rejects for large X, where
# X ~ Poisson(MU*F') under the null and Poisson(MU*F'*F + EXTRA) under the alternative,
# F' = exp(SIGMA*Z), Z ~ N(0, 1): the smallest k with P0(X >= k) <= ALPHA, randomized
# at k-1. Written from BestPossible's doc comment with SciPy's own quad and Poisson
# survival function (not the oracle's grid).
import sys
from math import exp
from scipy.stats import norm, poisson
from scipy import integrate


def tail(k, mu, f, extra, sigma, alt):
    """P(X >= k), the log-normal factor integrated out."""
    if k <= 0:
        return 1.0
    mean = lambda z: mu * exp(sigma * z) * (f if alt else 1) + (extra if alt else 0)
    g = lambda z: norm.pdf(z) * poisson.sf(k - 1, mean(z))
    return integrate.quad(g, -12, 12, epsabs=1e-14, epsrel=1e-12, limit=200)[0]


def power(mu, f, extra, sigma, a):
    k = 0
    while tail(k, mu, f, extra, sigma, False) > a:
        k += 1
    p0k, p0prev = tail(k, mu, f, extra, sigma, False), tail(k - 1, mu, f, extra, sigma, False)
    g = (a - p0k) / (p0prev - p0k) if k > 0 and p0prev > p0k else 0
    p = tail(k, mu, f, extra, sigma, True)
    if k > 0:
        p += g * (tail(k - 1, mu, f, extra, sigma, True) - p)
    return k, p


mu, f, extra, sigma, a = map(float, sys.argv[1:])
print(power(mu, f, extra, sigma, a))
