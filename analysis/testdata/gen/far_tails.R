# Far-tail reference values for analysis/stats/tails_test.go: the normal
# approximation of the Mann-Whitney test and the normal tails of TTails
# (infinite degrees of freedom) at large |z|, on both sides. It prints the
# Go table rows that the test holds (values recorded with R 4.2.2).
#
# Run from analysis/testdata/gen with:
#   Rscript far_tails.R
#
# Mann-Whitney rows: {name, alternative, correct, W, p} of
#   wilcox.test(x, y, exact = FALSE, correct = correct, alternative = alternative)
# (x = canary, y = stable). Samples that do not overlap at all put |z| at
# 6.6 (30 vs 30), 7.4 (37 vs 37), 8.0 (43 vs 43), 8.6 (50 vs 50) and 12.2
# (100 vs 100); "-swapped" exchanges x and y (z < 0).
# Normal rows: {z, upper, lower} of pnorm(z, lower.tail = FALSE) and pnorm(z).

cases <- list(
  list(name = "separated-30-30", x = 101:130, y = 1:30),
  list(name = "separated-30-30-swapped", x = 1:30, y = 101:130),
  list(name = "separated-37-37", x = 101:137, y = 1:37),
  list(name = "separated-43-43", x = 101:143, y = 1:43),
  list(name = "separated-43-43-swapped", x = 1:43, y = 101:143),
  list(name = "separated-50-50", x = 101:150, y = 1:50),
  list(name = "separated-50-50-swapped", x = 1:50, y = 101:150),
  list(name = "separated-100-100", x = 201:300, y = 1:100),
  list(name = "separated-100-100-swapped", x = 1:100, y = 201:300),
  list(name = "tied-separated-40-40", x = rep(c(50, 60), each = 20), y = rep(c(1, 2), each = 20)),
  list(name = "overlap-ties-60-40", x = c(rep(5, 10), 6:55), y = c(1:35, rep(5, 5)))
)
for (cs in cases) for (alt in c("two.sided", "greater", "less")) for (corr in c(TRUE, FALSE)) {
  r <- wilcox.test(cs$x, cs$y, exact = FALSE, correct = corr, alternative = alt)
  cat(sprintf("{\"%s\", \"%s\", %s, %.17g, %.17g},\n", cs$name, alt, tolower(corr), r$statistic, r$p.value))
}
cat("\n")
for (z in c(-37, -20, -12, -8.5, -8, -6.6, -3, 0, 3, 6.6, 8, 8.5, 12, 20, 37)) {
  cat(sprintf("{%g, %.17g, %.17g},\n", z, pnorm(z, lower.tail = FALSE), pnorm(z)))
}
