# Reference values for CanaryJudge's statistical building blocks, from R's
# stats package (R 4.2). Run from the repository root:
#
#   Rscript analysis/testdata/ref/primitives.R > analysis/testdata/ref/primitives.json
#
# Every case names the R call that produced its values in "r".

source("analysis/testdata/ref/json.R")

out <- list()

# Student's t tails and quantiles: pt, qt.
tt <- list()
for (df in c(1, 2.5, 7.3, 30, 1e6, Inf)) {
  for (t in c(0, 0.7, 1.5, -2.3, 4.2, 10, -25)) {
    tt[[length(tt) + 1]] <- list(r = sprintf("pt(%g, %g, lower.tail = FALSE); pt(%g, %g)", t, df, t, df),
      t = t, df = df, upper = pt(t, df, lower.tail = FALSE), lower = pt(t, df))
  }
}
out$t <- tt
qq <- list()
for (df in c(1, 2.5, 7.3, 30, 1e6, Inf)) {
  for (p in c(1e-6, 0.001, 0.025, 0.5, 0.9, 0.99975)) {
    qq[[length(qq) + 1]] <- list(r = sprintf("qt(%g, %g)", p, df), p = p, df = df, q = qt(p, df))
  }
}
out$qt <- qq

# Binomial tails: binom.test for whole numbers, pbeta for real counts.
bb <- list()
for (cs in list(c(0, 10, 0.1), c(1, 10, 0.1), c(7, 7, 0.1), c(3, 20, 0.15), c(12, 1000, 0.004),
                c(10, 10, 0.5), c(0, 0, 0.3), c(5, 40, 0.02))) {
  x <- cs[1]; n <- cs[2]; p <- cs[3]
  up <- if (n == 0) 1 else binom.test(x, n, p, alternative = "greater")$p.value
  lo <- if (n == 0) 1 else binom.test(x, n, p, alternative = "less")$p.value
  bb[[length(bb) + 1]] <- list(
    r = sprintf("binom.test(%g, %g, %g, alternative = \"greater\" / \"less\")$p.value", x, n, p),
    x = x, n = n, p = p, upper = up, lower = lo)
}
for (cs in list(c(2.5, 10.2, 0.1), c(7.3, 7.3, 0.12), c(0.4, 30.8, 0.05), c(14.6, 2000.5, 0.004))) {
  x <- cs[1]; n <- cs[2]; p <- cs[3]
  up <- if (x <= 0) 1 else pbeta(p, x, n - x + 1)
  lo <- if (x >= n) 1 else pbeta(1 - p, n - x, x + 1)
  bb[[length(bb) + 1]] <- list(
    r = sprintf("pbeta(%g, %g, %g - %g + 1); pbeta(1 - %g, %g - %g, %g + 1)", p, x, n, x, p, n, x, x),
    x = x, n = n, p = p, upper = up, lower = lo)
}
out$binom <- bb

# Poisson tails: poisson.test for whole numbers, pgamma for real counts.
pp <- list()
for (cs in list(c(0, 0.5), c(1, 0.5), c(5, 1.3), c(20, 12), c(3, 0.001))) {
  x <- cs[1]; lam <- cs[2]
  pp[[length(pp) + 1]] <- list(
    r = sprintf("poisson.test(%g, %g, alternative = \"greater\" / \"less\")$p.value", x, lam),
    x = x, lambda = lam,
    upper = poisson.test(x, lam, alternative = "greater")$p.value,
    lower = poisson.test(x, lam, alternative = "less")$p.value)
}
for (cs in list(c(2.5, 1.1), c(0.3, 0.2), c(17.8, 9.4))) {
  x <- cs[1]; lam <- cs[2]
  pp[[length(pp) + 1]] <- list(
    r = sprintf("pgamma(%g, %g); pgamma(%g, %g + 1, lower.tail = FALSE)", lam, x, lam, x),
    x = x, lambda = lam, upper = pgamma(lam, x), lower = pgamma(lam, x + 1, lower.tail = FALSE))
}
out$poisson <- pp

# Clopper-Pearson intervals: binom.test(...)$conf.int, and qbeta for real counts.
ci <- list()
for (cs in list(c(0, 20, 0.95), c(3, 20, 0.95), c(20, 20, 0.99), c(7, 1500, 0.995), c(1, 1, 0.9))) {
  x <- cs[1]; n <- cs[2]; lev <- cs[3]
  ic <- binom.test(x, n, conf.level = lev)$conf.int
  ci[[length(ci) + 1]] <- list(r = sprintf("binom.test(%g, %g, conf.level = %g)$conf.int", x, n, lev),
    x = x, n = n, level = lev, lower = ic[1], upper = ic[2])
}
for (cs in list(c(2.5, 30.2, 0.95), c(0.7, 4.1, 0.99))) {
  x <- cs[1]; n <- cs[2]; lev <- cs[3]; a <- (1 - lev) / 2
  ci[[length(ci) + 1]] <- list(r = sprintf("qbeta(%g, %g, %g - %g + 1); qbeta(1 - %g, %g + 1, %g - %g)", a, x, n, x, a, x, n, x),
    x = x, n = n, level = lev, lower = qbeta(a, x, n - x + 1), upper = qbeta(1 - a, x + 1, n - x))
}
out$ci <- ci

# Holm's adjustment: p.adjust(p, "holm"), with ties and NA.
hh <- list()
for (p in list(c(0.01, 0.04, 0.03, 0.005), c(0.2, 0.2, 0.01, NA, 0.5), c(1e-8), c(0.5, 0.6, 0.7),
               c(0.001, 0.001, 0.001, 0.02, 0.04))) {
  hh[[length(hh) + 1]] <- list(r = "p.adjust(p, \"holm\")", p = ref_arr(p), adjusted = ref_arr(p.adjust(p, "holm")))
}
out$holm <- hh

# The additive two-way fit: lm(y ~ t + pod) with sum-to-zero pod contrasts.
twoway <- function(y) {
  k <- nrow(y); n <- ncol(y)
  d <- data.frame(y = as.vector(y), pod = rep(seq_len(k), times = n), t = rep(seq_len(n), each = k))
  d <- d[!is.na(d$y), ]
  d$pod <- factor(d$pod); d$t <- factor(d$t)
  fit <- if (nlevels(d$pod) > 1) lm(y ~ t + pod, data = d, contrasts = list(pod = "contr.sum")) else lm(y ~ t, data = d)
  cf <- coef(fit)
  mu <- rep(NA_real_, n)
  for (lv in levels(d$t)) {
    name <- paste0("t", lv)
    mu[as.integer(lv)] <- cf[["(Intercept)"]] + (if (name %in% names(cf)) cf[[name]] else 0)
  }
  b <- rep(NA_real_, k)
  pods <- as.integer(levels(d$pod))
  if (length(pods) > 1) {
    eff <- cf[paste0("pod", seq_len(length(pods) - 1))]
    b[pods] <- c(eff, -sum(eff))
  } else {
    b[pods] <- 0
  }
  s2 <- if (fit$df.residual > 0) summary(fit)$sigma^2 else NA_real_
  list(mu = mu, b = b, sigma2 = s2, df = fit$df.residual, fitted = fit)
}
set.seed(11)
y1 <- matrix(log(100) + rnorm(4 * 9, sd = 0.1) + rep(c(0.05, -0.02, 0.1, -0.13), 9), nrow = 4)
y2 <- y1; y2[2, 3] <- NA; y2[4, 7] <- NA; y2[1, 9] <- NA; y2[3, 1] <- NA; y2[, 5] <- NA
y3 <- matrix(c(1, 2, 3, 4, 5, 6), nrow = 1)
y4 <- matrix(rep(2.5, 12), nrow = 3)
tw <- list()
for (y in list(y1, y2, y3, y4)) {
  f <- twoway(y)
  tw[[length(tw) + 1]] <- list(r = "lm(y ~ factor(t) + factor(pod), contrasts = list(pod = \"contr.sum\"))",
    y = y, mu = ref_arr(f$mu), b = ref_arr(f$b), sigma2 = f$sigma2, df = f$df)
}
out$twoway <- tw

# AR(1) variance of linear statistics: t(w) %*% R %*% w.
arR <- function(pos, rho) rho^abs(outer(pos, pos, "-"))
ar <- list()
for (cs in list(list(w = rep(1 / 5, 5), pos = 0:4, rho = 0.6),
                list(w = rep(1 / 4, 4), pos = c(0, 1, 3, 4), rho = 0.9),
                list(w = c(-0.3, -0.1, 0.1, 0.3), pos = c(2, 3, 4, 5), rho = 0),
                list(w = c(1), pos = c(7), rho = 0.5))) {
  R <- arR(cs$pos, cs$rho)
  ar[[length(ar) + 1]] <- list(r = "drop(t(w) %*% (rho^abs(outer(pos, pos, \"-\"))) %*% w)",
    w = ref_arr(cs$w), pos = ref_arr(cs$pos), rho = cs$rho, v = drop(t(cs$w) %*% R %*% cs$w))
}
out$ar1 <- ar

# Moments of quadratic forms of AR(1) noise: S = L R t(L), tr(S), tr(S)^2/tr(S %*% S).
centring <- function(n) diag(n) - matrix(1 / n, n, n)
difference <- function(pos) {
  n <- length(pos)
  rows <- which(diff(pos) == 1)
  D <- matrix(0, length(rows), n)
  for (a in seq_along(rows)) { D[a, rows[a]] <- -1; D[a, rows[a] + 1] <- 1 }
  centring(length(rows)) %*% D
}
# The residuals of a least-squares line in the positions: I - H, H the hat
# matrix of lm(y ~ pos).
line <- function(pos) { X <- cbind(1, pos); diag(length(pos)) - X %*% solve(crossprod(X)) %*% t(X) }
qm <- list()
for (cs in list(list(kind = "centre", pos = 0:5, rho = 0), list(kind = "centre", pos = c(0, 1, 2, 4, 5), rho = 0.7),
                list(kind = "diff", pos = 0:6, rho = 0.9), list(kind = "diff", pos = c(0, 1, 2, 4, 5, 6), rho = 0.3),
                list(kind = "line", pos = 0:5, rho = 0), list(kind = "line", pos = c(3, 4, 5, 7, 8, 9, 10), rho = 0.6))) {
  L <- switch(cs$kind, centre = centring(length(cs$pos)), diff = difference(cs$pos), line = line(cs$pos))
  S <- L %*% arR(cs$pos, cs$rho) %*% t(L)
  tr <- sum(diag(S))
  qm[[length(qm) + 1]] <- list(r = "S <- L %*% R %*% t(L); sum(diag(S)); sum(diag(S))^2 / sum(diag(S %*% S))",
    kind = cs$kind, pos = ref_arr(cs$pos), rho = cs$rho, tr = tr, df = tr^2 / sum(diag(S %*% S)))
}
out$quad <- qm

# Pooled lag-one autocorrelation of residual rows (NA = missing).
lag1 <- function(res) {
  num <- 0; den <- 0; pairs <- 0
  for (i in seq_len(nrow(res))) {
    r <- res[i, ]
    if (all(is.na(r))) next
    m <- mean(r, na.rm = TRUE)
    den <- den + sum((r - m)^2, na.rm = TRUE)
    for (t in seq_len(length(r) - 1)) {
      if (!is.na(r[t]) && !is.na(r[t + 1])) { num <- num + (r[t] - m) * (r[t + 1] - m); pairs <- pairs + 1 }
    }
  }
  list(rho = if (pairs == 0 || den == 0) NA_real_ else num / den, pairs = pairs)
}
set.seed(5)
rl <- matrix(as.numeric(arima.sim(list(ar = 0.6), 3 * 12)), nrow = 3)
rl2 <- rl; rl2[1, 4] <- NA; rl2[2, 1] <- NA; rl2[3, 12] <- NA
lg <- list()
for (res in list(rl, rl2)) {
  l <- lag1(res)
  lg[[length(lg) + 1]] <- list(r = "sum over rows of (r[t]-mean)(r[t+1]-mean) / sum of (r-mean)^2", res = res, rho = l$rho, pairs = l$pairs)
}
out$lag1 <- lg

# The one-against-many test.
podtest <- function(canary, stable, vs, wc, wcdf, prior, nu0, C, ex = 0, exdf = Inf) {
  k <- length(stable)
  s2 <- if (k >= 2) var(stable) else NA_real_
  datadf <- if (k >= 2) k - 1 else 0
  between2 <- if (datadf > 0) max(0, s2 - vs) else 0
  sb2 <- (nu0 * prior^2 + datadf * between2) / (nu0 + datadf)
  a <- sb2 * (1 / C + (if (k > 0) 1 / k else 0))
  v <- a + wc + ex
  comps <- c(a, wc, ex); dfs <- c(nu0 + datadf, wcdf, exdf)
  keep <- comps != 0
  df <- sum(comps[keep])^2 / sum(comps[keep]^2 / dfs[keep])
  t <- canary / sqrt(v)
  list(observed = if (k >= 2) sqrt(s2) else NA_real_, between = if (k >= 2) sqrt(max(0, s2 - vs)) else NA_real_,
       pooled = sqrt(sb2), se = sqrt(v), df = df, t = t,
       upper = pt(t, df, lower.tail = FALSE), lower = pt(t, df))
}
pt_cases <- list(
  list(canary = 0.31, stable = c(0.02, -0.05, 0.03), vs = 0.0004, wc = 0.002, wcdf = 6.2, prior = 0.07, nu0 = 10, C = 1),
  list(canary = -0.04, stable = c(0.1, -0.12, 0.05, 0.01, -0.04), vs = 0.001, wc = 0.0005, wcdf = 30, prior = 0.08, nu0 = 4, C = 1),
  list(canary = 0.2, stable = c(0.05), vs = 0, wc = 0.01, wcdf = 3, prior = 0.1, nu0 = 10, C = 2),
  list(canary = 0.9, stable = c(0.3, -0.2, 0.1, -0.2), vs = 0.02, wc = 0.04, wcdf = 2.5, prior = 0, nu0 = 10, C = 1),
  list(canary = 0.3, stable = c(0.02, -0.05, 0.03, 0.01), vs = 0.0004, wc = 0.002, wcdf = 6.2, prior = 0.08, nu0 = 30, C = 1,
       ex = 0.003, exdf = 140))
pr <- list()
for (cs in pt_cases) {
  ex <- if (is.null(cs$ex)) 0 else cs$ex
  exdf <- if (is.null(cs$exdf)) Inf else cs$exdf
  res <- podtest(cs$canary, cs$stable, cs$vs, cs$wc, cs$wcdf, cs$prior, cs$nu0, cs$C, ex, exdf)
  pr[[length(pr) + 1]] <- c(list(r = "pooled spread (nu0*prior^2 + (K-1)*max(0, var(stable) - vs))/(nu0 + K - 1); Var = spread*(1/C+1/K) + wc + ex; Welch-Satterthwaite df; pt"),
    cs[c("canary", "vs", "wc", "wcdf", "prior", "nu0", "C")], list(ex = ex, exdf = if (is.infinite(exdf)) 0 else exdf, stable = ref_arr(cs$stable)), res)
}
out$podtest <- pr

# Time-stratified counts: Mantel-Haenszel rate ratio and the conditional share.
mhcase <- function(ce, c, se, s) {
  e <- c + s
  ok <- e > 0
  num <- sum(ce[ok] * s[ok] / e[ok]); den <- sum(se[ok] * c[ok] / e[ok])
  rr <- if (num == 0 && den == 0) NA_real_ else if (den == 0) Inf else num / den
  n <- sum((ce + se)[ok]); x <- sum(ce[ok])
  theta <- if (n > 0) sum(((ce + se) * c / e)[ok]) / n else sum(c[ok]) / sum(e[ok])
  list(r = "sum(x*es/e)/sum(s*ec/e); theta = sum(n_t*ec/e)/sum(n_t)",
       canaryEvents = ref_arr(ce), canary = ref_arr(c), stableEvents = ref_arr(se), stable = ref_arr(s),
       rr = rr, n = n, x = x, theta = theta)
}
out$strata <- list(
  mhcase(c(1, 0, 2, 1), c(100, 120, 90, 110), c(3, 5, 4, 6), c(900, 1000, 950, 1020)),
  mhcase(c(2, 3, 2), c(50, 60, 55), c(0, 0, 0), c(500, 520, 480)),
  mhcase(c(0, 0), c(50, 60), c(0, 0), c(500, 520)),
  mhcase(c(0, 0, 1), c(40, 0, 45), c(2, 1, 0), c(400, 380, 410)))

# Over-dispersion of the stable pods' counts: Pearson X^2 of the Poisson
# model with a step and a pod effect (each pod at its own persistent rate),
# over the steps with events where at least two pods (with events in those
# steps) have exposure; and their persistent heterogeneity.
dispersion <- function(ev, ex, prior) {
  cells <- which(!is.na(ev) & !is.na(ex) & ex > 0, arr.ind = TRUE)
  d <- data.frame(pod = cells[, 1], t = cells[, 2], s = ev[cells], e = ex[cells])
  keep <- function(d) {
    st <- tapply(d$s, d$t, sum); kt <- table(d$t)
    d[d$t %in% as.integer(names(st))[st > 0 & kt >= 2], ]
  }
  d <- keep(d)
  tot <- tapply(d$s, d$pod, sum)
  d <- keep(d[d$pod %in% as.integer(names(tot))[tot > 0], ])
  fit <- glm(s ~ factor(t) + factor(pod) + offset(log(e)), family = poisson, data = d,
             control = glm.control(epsilon = 1e-15, maxit = 200))
  x2 <- sum(residuals(fit, type = "pearson")^2); df <- fit$df.residual
  list(phi = max(1, (prior + x2) / (prior + df)), x2 = x2, df = df)
}
heterogeneity <- function(x, e, phi) {
  ok <- e > 0
  s <- sum(x[ok]); et <- sum(e[ok])
  if (sum(ok) < 2 || s <= 0) return(NA_real_)
  ek <- s * e[ok] / et
  max(0, sum((x[ok] - ek)^2 / ek) - (sum(ok) - 1) * phi) / s
}
set.seed(3)
ev <- matrix(rpois(4 * 10, 3), nrow = 4); ev[1, ] <- ev[1, ] + rpois(10, 4)
ex <- matrix(rpois(4 * 10, 1000), nrow = 4); ex[2, 5] <- NA; ev[2, 5] <- NA; ex[3, 7] <- 0
ev2 <- matrix(rpois(3 * 12, 2), nrow = 3); ex2 <- matrix(rpois(3 * 12, 500), nrow = 3); ev2[3, ] <- 0; ev2[1, 4] <- NA
rdisp <- "glm(s ~ factor(t) + factor(pod) + offset(log(e)), family = poisson): sum(residuals(fit, 'pearson')^2), df.residual"
out$dispersion <- list(c(list(r = rdisp), list(events = ev, exposure = ex, prior = 10), dispersion(ev, ex, 10)),
  c(list(r = rdisp), list(events = ev2, exposure = ex2, prior = 10), dispersion(ev2, ex2, 10)))
hx <- c(30, 12, 9, 15); he <- c(9000, 8800, 9100, 8700)
out$heterogeneity <- list(
  list(r = "max(0, X2_pods - (K-1)*phi) / sum(events)", events = ref_arr(hx), exposure = ref_arr(he), phi = 1.2,
       sigma2 = heterogeneity(hx, he, 1.2)),
  list(r = "max(0, X2_pods - (K-1)*phi) / sum(events)", events = ref_arr(c(3, 2, 4)), exposure = ref_arr(c(900, 950, 1000)),
       phi = 1, sigma2 = heterogeneity(c(3, 2, 4), c(900, 950, 1000), 1)))

# Least-squares slope: coef(lm(y ~ x))[2].
sx <- c(0, 1, 2, 4, 5, 7) / 60; sy <- c(0.1, 0.13, 0.11, 0.2, 0.22, 0.27)
out$slope <- list(list(r = "coef(lm(y ~ x))[[2]]", x = ref_arr(sx), y = ref_arr(sy), slope = coef(lm(sy ~ sx))[[2]]))

# The load model: the within-pod slope of lm(y ~ x + factor(pod)), its
# residual variance and degrees of freedom, the pooled lag-one
# autocorrelation of its residuals, the AR(1) variance of the slope
# sum_k t(w_k) %*% R_k %*% w_k with w = (x - mean_k(x)) / Sxx, and the
# spread term (tau * slope)^2 * sum_k (Sxx_k / Sxx - 1/K)^2, and the
# slope's cluster-robust variance with the pods as clusters (the sandwich
# B M B with B = solve(crossprod(X)), M = sum_g (X_g' e_g)(X_g' e_g)' and
# the factor G/(G - 1): sandwich::vcovCL(fit, cluster = ~pod, type = "HC0"),
# written out since the package is not installed here) on G - 1 degrees of
# freedom.
loadfit <- function(y, x, tau) {
  k <- nrow(y); n <- ncol(y)
  d <- data.frame(y = as.vector(y), x = as.vector(x), pod = rep(seq_len(k), times = n), t = rep(seq_len(n) - 1, each = k))
  d <- d[!is.na(d$y) & !is.na(d$x), ]
  d$pod <- factor(d$pod)
  fit <- lm(y ~ x + pod, data = d)
  slope <- coef(fit)[["x"]]
  res <- matrix(NA_real_, k, n)
  for (i in seq_len(nrow(d))) res[as.integer(as.character(d$pod[i])), d$t[i] + 1] <- residuals(fit)[i]
  rho <- lag1(res[rowSums(!is.na(res)) > 0, , drop = FALSE])$rho
  rho <- if (is.na(rho) || rho < 0) 0 else min(rho, 0.95)
  sxx <- 0; sxxk <- c()
  for (p in levels(d$pod)) { xp <- d$x[d$pod == p]; v <- sum((xp - mean(xp))^2); sxxk <- c(sxxk, v); sxx <- sxx + v }
  q <- 0
  for (p in levels(d$pod)) {
    xp <- d$x[d$pod == p]; w <- (xp - mean(xp)) / sxx
    q <- q + drop(t(w) %*% arR(d$t[d$pod == p], rho) %*% w)
  }
  s2 <- summary(fit)$sigma^2
  kk <- nlevels(d$pod)
  X <- model.matrix(fit); e <- residuals(fit)
  B <- solve(crossprod(X))
  M <- Reduce(`+`, lapply(split(seq_along(e), d$pod), function(i) tcrossprod(crossprod(X[i, , drop = FALSE], e[i]))))
  cr <- (kk / (kk - 1)) * (B %*% M %*% B)["x", "x"]
  list(slope = slope, idle = mean(d$y) - slope * mean(d$x), meanLoad = mean(d$x), meanValue = mean(d$y),
       sigma2 = s2, df = fit$df.residual, rho = rho, noiseVar = s2 * q,
       spreadVar = (tau * slope)^2 * sum((sxxk / sxx - 1 / kk)^2),
       podSlopeVar = cr, podDF = kk - 1)
}
set.seed(17)
lx <- matrix(rpois(3 * 12, 9) / 1 + rep(c(0, 1.5, -1), 12), nrow = 3)
ly <- 0.02 * c(1, 1.05, 0.93) + 0.004 * c(1.02, 0.97, 1.01) * lx + rnorm(3 * 12, sd = 0.002)
ly <- matrix(ly, nrow = 3)
lx2 <- lx; ly2 <- ly; ly2[1, 3] <- NA; lx2[2, 7] <- NA; ly2[3, 1:2] <- NA; lx2[3, 12] <- NA
out$loadfit <- list()
for (cs in list(list(y = ly, x = lx, tau = 0.08), list(y = ly2, x = lx2, tau = 0.1))) {
  f <- loadfit(cs$y, cs$x, cs$tau)
  out$loadfit[[length(out$loadfit) + 1]] <- c(list(r = "coef(lm(y ~ x + factor(pod)))[['x']]; summary(fit)$sigma^2; fit$df.residual; sum_k t(w) %*% (rho^abs(outer(t, t, '-'))) %*% w; G/(G-1) * (B %*% M %*% B)['x', 'x']"),
    list(y = cs$y, x = cs$x, tau = cs$tau), f)
}

# The load model without its outliers (fitLoadRobust): the least-squares
# fit's residuals, the robust scale mad(e, center = 0), and loadfit again
# without the samples whose |e| exceeds 2.5 times it (reweighted least
# squares with hard rejection, Rousseeuw and Leroy 1987, ch. 1.2).
loadfit_robust <- function(y, x, tau) {
  k <- nrow(y); n <- ncol(y)
  d <- data.frame(y = as.vector(y), x = as.vector(x), pod = rep(seq_len(k), times = n), t = rep(seq_len(n) - 1, each = k))
  ok <- !is.na(d$y) & !is.na(d$x)
  e <- rep(NA_real_, nrow(d))
  e[ok] <- residuals(lm(y ~ x + factor(pod), data = d[ok, ]))
  out <- ok & abs(e) > 2.5 * mad(e[ok], center = 0)
  yc <- y; yc[matrix(out, nrow = k)] <- NA
  c(loadfit(yc, x, tau), list(outliers = sum(out)))
}
# Two glitches (a half and a double step) in the first case's data, and a
# third, with gaps, in the second's.
ly3 <- ly; ly3[1, 5] <- ly3[1, 5] * 0.45; ly3[2, 9] <- ly3[2, 9] * 2
ly4 <- ly2; ly4[3, 6] <- ly4[3, 6] * 0.5
out$loadfitRobust <- list()
for (cs in list(list(y = ly3, x = lx, tau = 0.08), list(y = ly4, x = lx2, tau = 0.1))) {
  f <- loadfit_robust(cs$y, cs$x, cs$tau)
  out$loadfitRobust[[length(out$loadfitRobust) + 1]] <- c(list(r = "e <- residuals(lm(y ~ x + factor(pod))); loadfit without abs(e) > 2.5 * mad(e, center = 0)"),
    list(y = cs$y, x = cs$x, tau = cs$tau), f)
}

cat(ref_json(out), "\n")
