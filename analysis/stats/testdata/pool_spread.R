# Reference values for TestPoolSpread (analysis/stats/spread_test.go):
# Rscript analysis/stats/testdata/pool_spread.R
v  <- c(0.012, 0.020, 0.008)   # variance of each group's stable pods' levels
nz <- c(0.002, 0.003, 0.001)   # the part the windows' noise explains
k  <- c(6, 4, 8)               # pods per group
df <- sum(k - 1)
S <- sum((k - 1) * v) / df
V <- sum((k - 1) * nz) / df
est <- sqrt(max(0, S - V))
lo  <- sqrt(max(0, df * S / qchisq(0.95, df) - V))
hi  <- sqrt(max(0, df * S / qchisq(0.05, df) - V))
cat(sprintf("df %d estimate %.17g lower %.17g upper %.17g\n", df, est, lo, hi))
