# Reference values for analysis/describe_test.go, written to
# ../describe_reference.json. Regenerate from analysis/testdata/gen with:
#   Rscript describe_reference.R
# For each sample: mean(x), median(x), quantile(x, p, type = 7) and
# Kayenta's reduced-sensitivity IQR fences with factor 3, computed from R-7
# quantiles: lower = min(q01, q25 - 3 * IQR), upper = max(q99, q75 + 3 * IQR).

args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
source(file.path(here, "json.R"))

set.seed(7)
samples <- list(
  one = 4.2,
  two = c(3, 1),
  small = c(10, 11, 10.5, 9.8, 10.2, 10.1, 9.9, 10.4, 10.3, 500),
  ties = c(1, 1, 1, 2, 2, 3, 3, 3, 3, 10),
  normal = rnorm(37, 5, 2),
  skewed = rlnorm(101, 0, 1),
  zeros = c(rep(0, 40), rexp(9, 2))
)
probs <- c(0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1)
out <- lapply(names(samples), function(name) {
  x <- samples[[name]]
  q <- quantile(x, probs, type = 7, names = FALSE)
  q4 <- quantile(x, c(0.01, 0.25, 0.75, 0.99), type = 7, names = FALSE)
  iqr <- q4[3] - q4[2]
  list(name = name, x = arr(x), mean = mean(x), median = median(x),
       p = arr(probs), quantile = arr(q),
       fence_lo = min(q4[1], q4[2] - 3 * iqr), fence_hi = max(q4[4], q4[3] + 3 * iqr),
       tukey_lo = q4[2] - 1.5 * iqr, tukey_hi = q4[3] + 1.5 * iqr)
})
writeLines(to_json(list(generator = "describe_reference.R", r_version = R.version.string, samples = out)),
           file.path(here, "..", "describe_reference.json"))
