# Reference values for TestPoissonRateTestMatchesR (analysis/signature_poisson_test.go).
# Run: Rscript analysis/testdata/gen/signature_poisson.R
# Produced with R 4.2.2 Patched (2022-11-10 r83330); the test carries the output.
cases <- list(
  list(x = c(18, 0), T = c(808, 2140), r = 1, alt = "greater", lev = 0.99),
  list(x = c(9, 17), T = c(808, 2140), r = 1, alt = "greater", lev = 0.99),
  list(x = c(21, 2), T = c(628, 1620), r = 1.5, alt = "greater", lev = 0.95),
  list(x = c(3, 0), T = c(100, 900), r = 1, alt = "greater", lev = 0.95),
  list(x = c(0, 5), T = c(100, 900), r = 1, alt = "greater", lev = 0.95),
  list(x = c(10, 20), T = c(1, 1), r = 1, alt = "two.sided", lev = 0.95),
  list(x = c(5, 40), T = c(10, 20), r = 1, alt = "less", lev = 0.9),
  list(x = c(250, 2000), T = c(1e4, 9e4), r = 1.1, alt = "greater", lev = 0.99),
  list(x = c(250, 2000), T = c(1e4, 9e4), r = 1.1, alt = "two.sided", lev = 0.99),
  list(x = c(7, 3), T = c(2.5, 1), r = 1, alt = "two.sided", lev = 0.95),
  list(x = c(1, 1), T = c(0.274, 0.726), r = 1, alt = "greater", lev = 0.99)
)
for (c in cases) {
  t <- poisson.test(c$x, c$T, r = c$r, alternative = c$alt, conf.level = c$lev)
  cat(sprintf("{x1: %g, x2: %g, t1: %g, t2: %g, r: %g, alt: %s, level: %g, p: %.17g, est: %.17g, lo: %.17g, hi: %.17g},\n",
    c$x[1], c$x[2], c$T[1], c$T[2], c$r, c$alt, c$lev, t$p.value, t$estimate, t$conf.int[1], t$conf.int[2]))
}
