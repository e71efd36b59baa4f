# Reference values for analysis/mannwhitney_test.go and
# analysis/hodgeslehmann_test.go, written to ../wilcox_reference.json.
#
# Regenerate from analysis/testdata/gen with:
#   Rscript wilcox_reference.R
# (values recorded with R 4.2.2; the SciPy values come from
# mannwhitney_scipy.py, which reads the cases written here).
#
# For every case (x = canary, y = stable) it records:
#   - wilcox.test(x, y, exact=FALSE, correct=TRUE/FALSE, alternative=...):
#     statistic W and p.value;
#   - wilcox.test(x, y, exact=FALSE, correct=..., conf.int=TRUE,
#     conf.level=0.95/0.98, alternative=...): conf.int and estimate, as R
#     prints them (uniroot at tol 1e-4), or null where R fails;
#   - brute-force ends under the exact definition documented on
#     HodgesLehmannCI (see bf_root below), median(outer(x, y, "-")) and the
#     two middle differences (R's estimate lies anywhere between them);
#   - for samples without ties and n*m <= 2500: wilcox.test(..., exact=TRUE)
#     p.value, conf.int, attr(conf.int, "conf.level") and estimate.

args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
source(file.path(here, "json.R"))

cases <- list()
add <- function(name, x, y) cases[[length(cases) + 1]] <<- list(name = name, x = x, y = y)

# Kayenta's published vector (kayenta-mannwhitney MannWhitneySuite).
add("kayenta-10-40", c(10, 20, 30, 40), c(1, 2, 3, 4))
# Kayenta's classifier vectors (ClassifierSuite).
add("kayenta-high", c(20, 22, 21, 25, 30), c(1, 2.2, 1.1, 2.5, 3))
add("kayenta-low", c(2, 2, 2, 2, 3), c(10, 20.2, 10.1, 20.5, 30))
add("kayenta-pass", c(10, 12.2, 10.1, 12.5, 23), c(20, 22, 21, 25, 30))
add("leading-zero", c(0, 1, 1, 1, 1), c(1, 1, 1, 1, 1))
add("majority-tied", c(1, 1, 1, 1, 10), c(1, 1, 1, 1, 1))
set.seed(1)
add("normal-12-9", rnorm(12, 10.5, 2), rnorm(9, 10, 2))
add("normal-7-11-shift", rnorm(7, 13, 1), rnorm(11, 10, 1))
add("normal-negative", rnorm(15, -3, 1), rnorm(14, -1, 1.5))
add("rounded-ties-30-25", round(rnorm(30, 10, 2)), round(rnorm(25, 11, 2)))
add("poisson-zero-inflated", rpois(60, 0.4), rpois(55, 0.2))
add("n1-vs-7", 4.2, c(1.5, 3.3, 2.8, 5.1, 4.4, 3.9, 2.2))
add("7-vs-n1", c(1.5, 3.3, 2.8, 5.1, 4.4, 3.9, 2.2), 4.2)
add("n1-vs-n1", 3, 1)
add("exact-3-3", c(4.1, 5.2, 6.3), c(1.4, 2.5, 3.6))
add("exact-5-4", c(1.83, 0.50, 1.62, 2.48, 1.68), c(0.878, 0.647, 0.598, 2.05))
add("exact-20-18", rnorm(20, 1, 1), rnorm(18, 0, 1))
add("large-80-60", rexp(80, 1 / 1.3), rexp(60, 1))
add("lognormal-45-50", rlnorm(45, 0.2, 0.5), rlnorm(50, 0, 0.5))
add("x-constant", rep(2, 6), c(1.2, 2.7, 3.1, 0.4, 2.2))
add("both-constant", rep(10, 5), rep(1, 5))
add("all-equal", c(3, 3, 3), c(3, 3))

shift_ci <- function(x, y, level, alt, correct) {
  r <- tryCatch(suppressWarnings(wilcox.test(x, y, exact = FALSE, correct = correct, conf.int = TRUE,
                                             conf.level = level, alternative = alt)),
                error = function(e) NULL)
  if (is.null(r) || any(is.na(r$conf.int))) return(NULL)
  list(lower = r$conf.int[1], upper = r$conf.int[2], estimate = unname(r$estimate))
}

# R's W(d) of wilcox.test's confidence interval code, written out: the
# standardised, continuity-corrected rank-sum statistic of x - d against y.
w_at <- function(x, y, d, alt, correct) {
  nx <- length(x); ny <- length(y)
  dr <- c(x - d, y)
  rk <- rank(dr)
  nt <- table(dr)
  dz <- sum(rk[seq_len(nx)]) - nx * (nx + 1) / 2 - nx * ny / 2
  cc <- if (correct) switch(alt, two.sided = sign(dz) * 0.5, greater = 0.5, less = -0.5) else 0
  sigma <- sqrt((nx * ny / 12) * ((nx + ny + 1) - sum(nt^3 - nt) / ((nx + ny) * (nx + ny - 1))))
  (dz - cc) / sigma
}

# The end of the interval for quantile zq under the exact definition: R's
# end-point checks, then the first distinct difference right of which the
# step function W(d) - zq (evaluated in the gaps) is <= 0; the middle of a
# gap run where it is exactly 0.
bf_root <- function(x, y, zq, alt, correct) {
  d <- sort(outer(x, y, "-"))
  v <- unique(d)
  k <- length(v)
  f_lo <- w_at(x, y, v[1], alt, correct) - zq
  if (!is.na(f_lo) && f_lo <= 0) return(v[1])
  f_hi <- w_at(x, y, v[k], alt, correct) - zq
  if (!is.na(f_hi) && f_hi >= 0) return(v[k])
  # gap values: g[1] left of v[1], g[i+1] right of v[i]
  pts <- c(v[1] - 1, if (k > 1) (v[-k] + v[-1]) / 2, v[k] + 1)
  g <- vapply(pts, function(p) w_at(x, y, p, alt, correct) - zq, 0)
  i <- which(g <= 0)[1]
  if (is.na(i)) return(v[k])
  if (i == 1) return(v[1])
  if (g[i] < 0) return(v[i - 1])
  j <- i
  while (j < length(g) && g[j + 1] == 0) j <- j + 1
  (v[i - 1] + v[min(j, k)]) / 2
}

bf_ci <- function(x, y, level, alt, correct) {
  a <- 1 - level
  lower <- -Inf; upper <- Inf
  if (alt == "two.sided") {
    lower <- bf_root(x, y, qnorm(a / 2, lower.tail = FALSE), alt, correct)
    upper <- bf_root(x, y, qnorm(a / 2), alt, correct)
  } else if (alt == "greater") {
    lower <- bf_root(x, y, qnorm(a, lower.tail = FALSE), alt, correct)
  } else {
    upper <- bf_root(x, y, qnorm(a), alt, correct)
  }
  d <- sort(outer(x, y, "-"))
  h <- (length(d) + 1) / 2
  # R's own estimate is a uniroot root of W(d) = 0 (no correction), which is
  # any point of the gap [median_lo, median_hi] of the middle differences.
  list(lower = lower, upper = upper, estimate = median(d),
       median_lo = d[floor(h)], median_hi = d[ceiling(h)])
}

alts <- c("two.sided", "greater", "less")
out <- lapply(cases, function(cs) {
  x <- cs$x; y <- cs$y
  tests <- list(); cis <- list()
  for (alt in alts) for (correct in c(TRUE, FALSE)) {
    r <- suppressWarnings(wilcox.test(x, y, exact = FALSE, correct = correct, alternative = alt))
    tests[[length(tests) + 1]] <- list(alternative = alt, correct = correct,
                                       W = unname(r$statistic), p = r$p.value)
    for (level in c(0.95, 0.98)) {
      cis[[length(cis) + 1]] <- list(alternative = alt, correct = correct, level = level,
                                     r = shift_ci(x, y, level, alt, correct),
                                     exact = bf_ci(x, y, level, alt, correct))
    }
  }
  res <- list(name = cs$name, x = arr(x), y = arr(y), tests = tests, cis = cis)
  ties <- length(unique(c(x, y))) != length(c(x, y))
  if (!ties && length(x) * length(y) <= 2500) {
    ex <- list()
    for (alt in alts) {
      r <- wilcox.test(x, y, exact = TRUE, conf.int = TRUE, conf.level = 0.95, alternative = alt)
      ex[[length(ex) + 1]] <- list(alternative = alt, W = unname(r$statistic), p = r$p.value,
                                   lower = r$conf.int[1], upper = r$conf.int[2],
                                   level = attr(r$conf.int, "conf.level"),
                                   estimate = unname(r$estimate))
    }
    res$exact <- ex
  }
  res
})

# pwilcox / qwilcox spot values (R's m = first sample size, n = second).
dist <- list()
for (sz in list(c(3, 3), c(4, 6), c(10, 7), c(25, 30), c(49, 49))) {
  m <- sz[1]; n <- sz[2]
  qs <- unique(round(c(0, 1, m * n / 4, m * n / 2 - 1, m * n / 2, 3 * m * n / 4, m * n - 2, m * n)))
  # p = 0.5 is left out: for odd m*n, P(U <= (mn-1)/2) is exactly 1/2 and
  # qwilcox's answer then depends on the rounding of its running sum.
  ps <- c(0.001, 0.01, 0.025, 0.05, 0.3, 0.7, 0.95, 0.975, 0.99)
  dist[[length(dist) + 1]] <- list(n = m, m = n, q = arr(qs),
                                   cdf = arr(pwilcox(qs, m, n)),
                                   sf = arr(pwilcox(qs, m, n, lower.tail = FALSE)),
                                   pmf = arr(dwilcox(qs, m, n)),
                                   p = arr(ps), quantile = arr(qwilcox(ps, m, n)))
}

writeLines(to_json(list(generator = "wilcox_reference.R", r_version = R.version.string,
                        cases = out, distributions = dist)),
           file.path(here, "..", "wilcox_reference.json"))
