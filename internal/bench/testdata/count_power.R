# Reference values for internal/bench/oracle_counts_test.go (TestCountModelMatchesR):
#   Rscript internal/bench/testdata/count_power.R
# written from the definition in countModel's comment, with R's own pbinom and dpois.
# Power of the randomized conditional (binomial given the total) test of a
# canary's event count against the stable pods' counts, with the canary's
# log-normal factor on the grid of internal/bench's logNormalNodes.
nodes <- function(sigma) {
  if (sigma <= 0) return(list(f = 1, w = 1))
  z <- -6 + 12 * (0:120) / 120
  w <- exp(-z^2 / 2)
  list(f = exp(sigma * z), w = w / sum(w))
}
cpower <- function(nc, ns, r, f, extra, sigma, level) {
  g <- nodes(sigma)
  muX <- max(nc * (r * g$f * f + extra)); muY <- ns * r
  xs <- ceiling(muX + 12 * sqrt(muX) + 20); ys <- ceiling(muY + 12 * sqrt(muY) + 20)
  px <- rowSums(sapply(seq_along(g$f), function(i) g$w[i] * dpois(0:xs, nc * (r * g$f[i] * f + extra))))
  py <- dpois(0:ys, muY)
  q <- nc * g$f / (nc * g$f + ns)
  power <- 0
  for (tot in 0:(xs + ys)) {
    tail <- function(x) if (x <= 0) 1 else if (x > tot) 0 else
      sum(g$w * pbinom(x - 1, tot, q, lower.tail = FALSE))
    k <- 0
    while (tail(k) > level) k <- k + 1
    gamma <- 0
    if (k > 0 && tail(k - 1) > tail(k)) gamma <- (level - tail(k)) / (tail(k - 1) - tail(k))
    for (x in max(k - 1, 0, tot - ys):min(tot, xs)) {
      w <- px[x + 1] * py[tot - x + 1]
      if (x >= k) power <- power + w else if (x == k - 1) power <- power + gamma * w
    }
  }
  power
}
print(cpower(400, 6000, 0, 1, 0.005, 0.15, 0.0016), digits = 17)
print(cpower(800, 7000, 0.003, 5, 0, 0.15, 0.0016), digits = 17)
print(cpower(500, 5000, 0.003, 5, 0, 0, 0.001), digits = 17)
print(cpower(500, 5000, 0.003, 1, 0, 0, 0.001), digits = 17)
