# An independent implementation, in R, of CanaryJudge's two methods
# (docs/judge.md), run on small fixtures with gaps, a warm-up and several
# pods. The Go test judge_method_test.go feeds the same fixtures to
# CanaryJudge.JudgeSet and compares every statistic, p-value, level and
# classification. Run from the repository root:
#
#   Rscript analysis/testdata/ref/method.R > analysis/testdata/ref/method.json
#
# Building blocks: lm (the stable pods' two-way fit), pt and qt (Student's
# t), pbeta (binomial tails), pgamma (Poisson tails), quantile(type = 7)
# (Tukey's fences).

source("analysis/testdata/ref/json.R")

step_ms <- 60000
arR <- function(pos, rho) rho^abs(outer(pos, pos, "-"))
quadform <- function(w, pos, rho) drop(t(w) %*% arR(pos, rho) %*% w)
centring <- function(n) diag(n) - matrix(1 / n, n, n)
differencemap <- function(pos) {
  n <- length(pos)
  rows <- which(diff(pos) == 1)
  if (length(rows) < 2) return(NULL)
  D <- matrix(0, length(rows), n)
  for (a in seq_along(rows)) { D[a, rows[a]] <- -1; D[a, rows[a] + 1] <- 1 }
  centring(length(rows)) %*% D
}
moments <- function(L, pos, rho) {
  S <- L %*% arR(pos, rho) %*% t(L)
  tr <- sum(diag(S))
  c(tr = tr, df = tr^2 / sum(diag(S %*% S)))
}
lag1 <- function(res) {
  num <- 0; den <- 0; pairs <- 0
  for (i in seq_len(nrow(res))) {
    r <- res[i, ]
    if (all(is.na(r))) next
    m <- mean(r, na.rm = TRUE)
    den <- den + sum((r - m)^2, na.rm = TRUE)
    for (t in seq_len(length(r) - 1)) if (!is.na(r[t]) && !is.na(r[t + 1])) { num <- num + (r[t] - m) * (r[t + 1] - m); pairs <- pairs + 1 }
  }
  if (pairs == 0 || den == 0) NA_real_ else num / den
}
clamp <- function(rho) if (is.na(rho) || rho < 0) 0 else min(rho, 0.95)
twoway <- function(y) {
  k <- nrow(y); n <- ncol(y)
  d <- data.frame(y = as.vector(y), pod = rep(seq_len(k), times = n), t = rep(seq_len(n), each = k))
  d <- d[!is.na(d$y), ]
  d$pod <- factor(d$pod); d$t <- factor(d$t)
  fit <- lm(y ~ t + pod, data = d, contrasts = list(pod = "contr.sum"))
  cf <- coef(fit)
  mu <- rep(NA_real_, n)
  for (lv in levels(d$t)) {
    name <- paste0("t", lv)
    mu[as.integer(lv)] <- cf[["(Intercept)"]] + (if (name %in% names(cf)) cf[[name]] else 0)
  }
  pods <- as.integer(levels(d$pod))
  eff <- cf[paste0("pod", seq_len(length(pods) - 1))]
  b <- rep(NA_real_, k); b[pods] <- c(eff, -sum(eff))
  res <- y - outer(b, rep(1, n)) - outer(rep(1, k), mu)
  list(mu = mu, sigma2 = summary(fit)$sigma^2, df = fit$df.residual, res = res)
}
satt <- function(comps, dfs) {
  keep <- comps != 0
  sum(comps[keep])^2 / sum(comps[keep]^2 / dfs[keep])
}
podtest <- function(canary, stable, vs, wc, wcdf, prior, nu0, C) {
  k <- length(stable)
  datadf <- if (k >= 2) k - 1 else 0
  between2 <- if (datadf > 0) max(0, var(stable) - vs) else 0
  sb2 <- (nu0 * prior^2 + datadf * between2) / (nu0 + datadf)
  a <- sb2 * (1 / C + 1 / k)
  v <- a + wc
  df <- satt(c(a, wc), c(nu0 + datadf, wcdf))
  t <- canary / sqrt(v)
  list(pooled = sqrt(sb2), se = sqrt(v), df = df, t = t, upper = pt(t, df, lower.tail = FALSE), lower = pt(t, df))
}
directional <- function(dir, up, lo, est) {
  if (dir == "decrease") return(list(p = lo, side = "Low"))
  if (dir == "either") return(list(p = min(1, 2 * min(up, lo)), side = if (est < 0) "Low" else "High"))
  list(p = up, side = "High")
}
# Warm-up: clears each canary row's samples in the first warm_ms after its
# own first sample, unless the canary started before the window.
cutwarmup <- function(present, C, warm_ms) {
  firsts <- sapply(seq_len(C), function(r) { w <- which(present[r, ]); if (length(w)) w[1] else NA })
  stable0 <- any(present[-(1:C), 1])
  older <- min(firsts, na.rm = TRUE) == 1 && stable0
  if (!older) for (r in seq_len(C)) {
    f <- firsts[r]
    if (is.na(f)) next
    for (i in f:ncol(present)) if (present[r, i] && (i - f) * step_ms < warm_ms) present[r, i] <- FALSE
  }
  present
}
fences <- function(v, f) { q <- quantile(v, c(0.25, 0.75), type = 7); c(q[[1]] - f * (q[[2]] - q[[1]]), q[[2]] + f * (q[[2]] - q[[1]])) }

value_method <- function(Y, C, cfg) {
  K <- nrow(Y) - C
  present <- cutwarmup(!is.na(Y), C, cfg$warm_ms)
  Yc <- Y; Yc[!present] <- NA
  logscale <- all(Yc[!is.na(Yc)] > 0)
  Z <- if (logscale) log(Yc) else Yc
  fit <- twoway(Z[(C + 1):(C + K), , drop = FALSE])
  rho <- clamp(lag1(fit$res))
  mu <- fit$mu
  idx <- c(); d <- c()
  for (i in seq_len(ncol(Z))) {
    if (is.na(mu[i])) next
    v <- Z[1:C, i]
    if (any(!is.na(v))) { idx <- c(idx, i); d <- c(d, mean(v[!is.na(v)] - mu[i])) }
  }
  if (cfg$outliers) {
    fe <- fences(d, 3); keep <- d >= fe[1] & d <= fe[2]; idx <- idx[keep]; d <- d[keep]
  }
  n <- length(idx); pos <- idx - 1
  rel <- function(x, level) if (logscale) expm1(x) else x / abs(level)
  level <- mean(if (logscale) exp(mu[idx]) else mu[idx])
  dc <- mean(d)
  dk <- c(); vs <- 0
  for (r in (C + 1):(C + K)) {
    ok <- !is.na(Z[r, idx])
    vals <- Z[r, idx][ok] - mu[idx][ok]; p <- pos[ok]
    if (cfg$outliers && length(vals) >= 4) { fe <- fences(vals, 3); keep <- vals >= fe[1] & vals <= fe[2]; vals <- vals[keep]; p <- p[keep] }
    if (length(vals) == 0) next
    dk <- c(dk, mean(vals)); vs <- vs + fit$sigma2 * quadform(rep(1 / length(p), length(p)), p, rho)
  }
  vs <- vs / length(dk)
  floor <- fit$sigma2 * (1 / C + 1 / K)
  m <- moments(centring(n), pos, rho)
  own <- sum((d - mean(d))^2) / m[["tr"]]
  pool <- function(own, df) {
    # The canary's own noise pooled with the stable pods' as a prior worth
    # noise_df degrees of freedom, never below the latter.
    if (own >= floor) { df <- max(df, 1); c((df * own + cfg$noise_df * floor) / (df + cfg$noise_df), df + cfg$noise_df) }
    else c(floor, fit$df)
  }
  pl <- pool(own, m[["df"]]); noise <- pl[1]; noisedf <- pl[2]
  qc <- quadform(rep(1 / n, n), pos, rho)
  prior <- if (logscale) cfg$prior else cfg$prior * abs(level)
  lv <- podtest(dc, dk, vs, noise * qc, noisedf, prior, cfg$nu0, C)
  dl <- directional(cfg$dir, lv$upper, lv$lower, dc)
  # Effects at the judged timestamps.
  raw <- Yc
  cs <- 0; ss <- 0; wins <- 0; pairs <- 0
  for (i in idx) {
    cv <- raw[1:C, i]; sv <- raw[(C + 1):(C + K), i]
    cv <- cv[!is.na(cv)]; sv <- sv[!is.na(sv)]
    if (length(cv) && length(sv)) { cs <- cs + mean(cv); ss <- ss + mean(sv) }
    for (s in sv) for (c in cv) { pairs <- pairs + 1; wins <- wins + (c > s) + 0.5 * (c == s) }
  }
  out <- list(scale = if (logscale) "log" else "linear", rho = rho, n = n, dc = dc, estimate = rel(dc, level),
    meanRatio = cs / ss, cles = wins / pairs, effectivePoints = 1 / qc, pooled = lv$pooled,
    level = list(t = lv$t, df = lv$df, p = dl$p, side = dl$side, se = lv$se))
  tests <- list(level = dl$p)
  if (cfg$trend) {
    x <- pos * step_ms / 3600000
    fitx <- x - mean(x); w <- fitx / sum(fitx^2)
    beta <- sum(w * d)
    L <- differencemap(pos)
    mm <- moments(L, pos, rho)
    u <- drop(L %*% d)
    town <- sum(u^2) / mm[["tr"]]
    pl <- pool(town, mm[["df"]]); tn <- pl[1]; tdf <- pl[2]
    qs <- quadform(w, pos, rho)
    slopes <- c(); vss <- 0
    for (r in (C + 1):(C + K)) {
      ok <- !is.na(Z[r, idx])
      if (sum(ok) < 3) next
      px <- x[ok]; py <- Z[r, idx][ok] - mu[idx][ok]; pp <- pos[ok]
      slopes <- c(slopes, coef(lm(py ~ px))[[2]])
      wk <- (px - mean(px)) / sum((px - mean(px))^2)
      vss <- vss + fit$sigma2 * quadform(wk, pp, rho)
    }
    vss <- vss / length(slopes)
    tr <- podtest(beta, slopes, vss, tn * qs, tdf, 0, cfg$nu0, C)
    td <- directional(cfg$dir, tr$upper, tr$lower, beta)
    out$trend <- list(beta = beta, growth = if (logscale) beta else beta / abs(level), t = tr$t, df = tr$df, p = td$p, side = td$side)
    tests$trend <- td$p
  }
  if (!is.na(cfg$max)) {
    lvz <- sapply(idx, function(i) { v <- Z[1:C, i]; mean(v[!is.na(v)]) })
    se <- sqrt(noise * qc)
    tb <- if (logscale) log(cfg$max) else cfg$max
    tt <- (mean(lvz) - tb) / se
    out$max <- list(value = if (logscale) exp(mean(lvz)) else mean(lvz), t = tt, df = noisedf, p = pt(tt, noisedf, lower.tail = FALSE))
    tests$max <- out$max$p
  }
  out$tests <- tests
  out$mde <- function(a1) {
    tail <- if (cfg$dir == "either") 2 else 1
    rel(qt(1 - a1 / tail, lv$df) * lv$se, level)
  }
  out
}

count_method <- function(EV, TR, C, cfg) {
  K <- nrow(EV) - C
  present <- !is.na(EV) & !is.na(TR) & TR >= 0 & EV >= 0
  present <- cutwarmup(present, C, cfg$warm_ms)
  EV[!present] <- NA; TR[!present] <- NA
  idx <- c()
  for (i in seq_len(ncol(EV))) {
    if (any(present[1:C, i]) && sum(TR[(C + 1):(C + K), i], na.rm = TRUE) > 0) idx <- c(idx, i)
  }
  ce <- colSums(EV[1:C, idx, drop = FALSE], na.rm = TRUE); ct <- colSums(TR[1:C, idx, drop = FALSE], na.rm = TRUE)
  se <- colSums(EV[(C + 1):(C + K), idx, drop = FALSE], na.rm = TRUE); st <- colSums(TR[(C + 1):(C + K), idx, drop = FALSE], na.rm = TRUE)
  xc <- sum(ce); ec <- sum(ct); xs <- sum(se); es <- sum(st)
  # Over-dispersion from every step of the stable pods.
  # Pearson X^2 of the Poisson fit with a step and a pod effect (each pod
  # at its own rate), over the steps with events where at least two pods
  # with events have exposure.
  okm <- present[(C + 1):(C + K), , drop = FALSE] & TR[(C + 1):(C + K), , drop = FALSE] > 0
  okm[is.na(okm)] <- FALSE
  cells <- which(okm, arr.ind = TRUE)
  d <- data.frame(pod = cells[, 1], t = cells[, 2], s = EV[(C + 1):(C + K), , drop = FALSE][cells],
                  e = TR[(C + 1):(C + K), , drop = FALSE][cells])
  keep <- function(d) {
    st <- tapply(d$s, d$t, sum); kt <- table(d$t)
    d[d$t %in% as.integer(names(st))[st > 0 & kt >= 2], ]
  }
  d <- keep(d)
  tot <- tapply(d$s, d$pod, sum)
  d <- keep(d[d$pod %in% as.integer(names(tot))[tot > 0], ])
  x2 <- 0; df <- 0
  if (nrow(d) > 0 && length(unique(d$pod)) >= 2) {
    fit <- glm(s ~ factor(t) + factor(pod) + offset(log(e)), family = poisson, data = d,
               control = glm.control(epsilon = 1e-15, maxit = 200))
    x2 <- sum(residuals(fit, type = "pearson")^2); df <- fit$df.residual
  }
  phi <- max(1, (cfg$dprior + x2) / (cfg$dprior + df))
  # Persistent spread between the stable pods from all their steps.
  px <- c(); pe <- c()
  for (r in (C + 1):(C + K)) {
    ok <- present[r, ]
    e <- sum(TR[r, ][ok]); if (e <= 0) next
    px <- c(px, sum(EV[r, ][ok])); pe <- c(pe, e)
  }
  het <- NA_real_
  if (length(px) >= 2 && sum(px) > 0) {
    ek <- sum(px) * pe / sum(pe)
    het <- max(0, sum((px - ek)^2 / ek) - (length(px) - 1) * phi) / sum(px)
  }
  datadf <- length(px) - 1
  if (is.na(het) || datadf < 1) { het <- 0; datadf <- 0 }
  sb2 <- (cfg$nu0 * cfg$prior^2 + datadf * het) / (cfg$nu0 + datadf)
  luck <- sb2 * (1 / C + 1 / max(length(px), 1))
  tot <- ct + st; nt <- ce + se
  N <- sum(nt); X <- xc
  theta <- if (N > 0) sum(nt * ct / tot) / N else sum(ct) / sum(tot)
  # Stable pods without any event in the whole window: the canary's share
  # of the exposure of the canary's judged steps and every stable step.
  xsall <- sum(EV[(C + 1):(C + K), ], na.rm = TRUE); esall <- sum(TR[(C + 1):(C + K), ], na.rm = TRUE)
  if (xs == 0 && xsall == 0 && esall > es) theta <- ec / (ec + esall)
  phitot <- phi + N * theta * (1 - theta) * luck
  up <- if (N == 0 || X <= 0) 1 else pbeta(theta, X / phitot, (N - X) / phitot + 1)
  lo <- if (N == 0 || X >= N) 1 else pbeta(1 - theta, (N - X) / phitot, X / phitot + 1)
  num <- sum(ce * st / tot); den <- sum(se * ct / tot)
  rr <- if (num == 0 && den == 0) NA_real_ else if (den == 0) Inf else num / den
  dl <- directional(cfg$dir, up, lo, rr - 1)
  out <- list(xc = xc, ec = ec, xs = xs, es = es, phi = phi, het = het, sb2 = sb2, phitot = phitot,
              n = N, theta = theta, rr = rr, level = list(p = dl$p, side = dl$side))
  tests <- list(level = dl$p)
  # A bound of zero (increases bad) replaces the relative test.
  if (!is.na(cfg$max) && cfg$max == 0 && cfg$dir == "increase") { tests <- list(); out$level <- list(p = NA_real_, side = "none") }
  if (!is.na(cfg$max)) {
    p <- if (cfg$kind == "rate") {
      if (cfg$max <= 0) (if (xc > 0) 0 else 1) else if (xc <= 0) 1 else pgamma(cfg$max * ec / phi, xc / phi)
    } else {
      if (xc <= 0) 1 else pbeta(cfg$max, xc / phi, (ec - xc) / phi + 1)
    }
    out$max <- list(value = xc / ec, p = p)
    tests$max <- p
  }
  out$tests <- tests
  out
}

# The weighted Holm procedure's levels at family level alpha, as the judge
# reports them: the hypothesis with the smallest p/w is compared with
# alpha * w / (sum of the weights not yet rejected).
holm_levels <- function(p, w, alpha) {
  o <- order(p / w); lv <- numeric(length(p)); stopped <- FALSE; total <- sum(w)
  for (j in o) {
    level <- alpha * w[j] / total
    if (!stopped && p[j] > level) stopped <- TRUE
    lv[j] <- level
    if (!stopped) total <- total - w[j]
  }
  lv
}

set.seed(2026)
n <- 30
shared <- cumsum(rnorm(n, sd = 0.03))
mk <- function(offset, sd, start = 1) { v <- exp(log(0.12) + shared + offset + as.numeric(arima.sim(list(ar = 0.4), n, sd = sd))); v[seq_len(start - 1)] <- NA; v }
# Value fixture 1: one canary (30% slower, warm-up from index 19), 3 stable pods with gaps.
V1 <- rbind(mk(log(1.3), 0.06, 19), mk(0.04, 0.05), mk(-0.03, 0.05), mk(0.06, 0.05))
V1[1, 19:20] <- V1[1, 19:20] * 2       # warm-up: slow first minutes
V1[1, 25] <- NA; V1[3, c(6, 27)] <- NA
# Value fixture 2: two canary pods on a linear scale (values cross zero), 5 stable pods.
lin <- function(offset, start = 1) { v <- 0.2 * shared / 0.03 + offset + rnorm(n, sd = 0.4); v[seq_len(start - 1)] <- NA; v }
V2 <- rbind(lin(-0.3, 17), lin(-0.5, 18), lin(0.1), lin(-0.1), lin(0.2), lin(0), lin(-0.2))
# Value fixture 3: outliers removed, a level at the bound, no trend.
V3 <- rbind(mk(0, 0.05, 12), mk(0.02, 0.05), mk(-0.05, 0.05), mk(0.01, 0.05), mk(0.03, 0.05))
V3[1, 22] <- V3[1, 22] * 4; V3[2, 8] <- V3[2, 8] * 5

values <- list(
  list(name = "latency", C = 1, weight = 2, Y = V1, cfg = list(warm_ms = 120000, prior = 0.07, nu0 = 30, noise_df = 4, dir = "increase", trend = TRUE,
       max = 0.15, outliers = FALSE, tolerance = 0.1, trendTolerance = 0.5)),
  list(name = "queue", C = 2, weight = 1, Y = V2, cfg = list(warm_ms = 60000, prior = 0.08, nu0 = 30, noise_df = 4, dir = "either", trend = TRUE,
       max = NA_real_, outliers = FALSE, tolerance = 0, trendTolerance = 0)),
  list(name = "cpu", C = 1, weight = 1, Y = V3, cfg = list(warm_ms = 120000, prior = 0.08, nu0 = 30, noise_df = 4, dir = "increase", trend = FALSE,
       max = 0.12, outliers = TRUE, tolerance = 0, trendTolerance = 0)))

# Count fixtures: errors out of requests with a canary at 3x, errors only
# in the canary, and restarts (a rate) against a bound of zero.
T <- 24
req <- function(rate, start = 1) { v <- rpois(T, rate); v[seq_len(start - 1)] <- NA; v }
errs <- function(r, ratio) ifelse(is.na(r), NA, rpois(T, r * ratio))
R1 <- rbind(req(300, 13), req(900), req(950), req(880), req(1000))
E1 <- rbind(errs(R1[1, ], 0.009), errs(R1[2, ], 0.003), errs(R1[3, ], 0.004), errs(R1[4, ], 0.003), errs(R1[5, ], 0.002))
R1[4, 9] <- NA; E1[4, 9] <- NA
R2 <- rbind(req(200, 15), req(700), req(650), req(720))
E2 <- rbind(errs(R2[1, ], 0.006), 0 * R2[2, ], 0 * R2[3, ], 0 * R2[4, ])
R3 <- rbind(ifelse(seq_len(T) >= 11, 60, NA), rep(60, T), rep(60, T), rep(60, T))
E3 <- rbind(ifelse(seq_len(T) >= 11, c(rep(0, 12), 1, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1)[seq_len(T)], NA), rep(0, T), rep(0, T), rep(0, T))
counts <- list(
  list(name = "errors", kind = "ratio", C = 1, weight = 3, E = E1, R = R1, cfg = list(warm_ms = 120000, prior = 0.15, nu0 = 30, dprior = 10,
       dir = "increase", max = 0.02, kind = "ratio", tolerance = 0.2)),
  list(name = "errors-new", kind = "ratio", C = 1, weight = 1, E = E2, R = R2, cfg = list(warm_ms = 120000, prior = 0.15, nu0 = 30, dprior = 10,
       dir = "either", max = NA_real_, kind = "ratio", tolerance = 0)),
  list(name = "restarts", kind = "rate", C = 1, weight = 1, E = E3, R = R3, cfg = list(warm_ms = 0, prior = 0.15, nu0 = 30, dprior = 10,
       dir = "increase", max = 0, kind = "rate", tolerance = 0)))

alpha <- 0.02; looks <- 4
# Each metric's weight is split equally between its tests.
results <- list(); allp <- c(); allw <- c(); owner <- c(); hw <- list()
for (v in values) {
  r <- value_method(v$Y, v$C, v$cfg)
  results[[v$name]] <- r
  hw[[v$name]] <- v$weight / length(r$tests)
  allp <- c(allp, unlist(r$tests)); allw <- c(allw, rep(hw[[v$name]], length(r$tests))); owner <- c(owner, rep(v$name, length(r$tests)))
}
for (cc in counts) {
  r <- count_method(cc$E, cc$R, cc$C, cc$cfg)
  results[[cc$name]] <- r
  hw[[cc$name]] <- cc$weight / length(r$tests)
  allp <- c(allp, unlist(r$tests)); allw <- c(allw, rep(hw[[cc$name]], length(r$tests))); owner <- c(owner, rep(cc$name, length(r$tests)))
}
levels_all <- holm_levels(allp, allw, alpha / looks)
# The first step's level of a metric's tests: its share of the look's budget.
first <- function(name) alpha / looks * hw[[name]] / sum(allw)

fixtures <- list()
for (v in values) {
  r <- results[[v$name]]
  lv <- levels_all[owner == v$name]
  fixtures[[length(fixtures) + 1]] <- list(name = v$name, kind = "value", canaryPods = v$C, values = v$Y,
    warmupMs = v$cfg$warm_ms, prior = v$cfg$prior, direction = v$cfg$dir, trend = v$cfg$trend, max = v$cfg$max,
    outliers = v$cfg$outliers, tolerance = v$cfg$tolerance, trendTolerance = v$cfg$trendTolerance,
    scale = r$scale, rho = r$rho, n = r$n, estimate = r$estimate, meanRatio = r$meanRatio, cles = r$cles,
    effectivePoints = r$effectivePoints, pooled = r$pooled,
    levelT = r$level$t, levelDF = r$level$df, levelP = r$level$p, levelSide = r$level$side,
    trendT = if (is.null(r$trend)) NA_real_ else r$trend$t, trendDF = if (is.null(r$trend)) NA_real_ else r$trend$df,
    trendP = if (is.null(r$trend)) NA_real_ else r$trend$p, trendGrowth = if (is.null(r$trend)) NA_real_ else r$trend$growth,
    maxP = if (is.null(r$max)) NA_real_ else r$max$p, maxValue = if (is.null(r$max)) NA_real_ else r$max$value,
    weight = v$weight, levels = ref_arr(lv), detectable = r$mde(first(v$name)))
}
for (cc in counts) {
  r <- results[[cc$name]]
  lv <- levels_all[owner == cc$name]
  fixtures[[length(fixtures) + 1]] <- list(name = cc$name, kind = cc$kind, canaryPods = cc$C, events = cc$E, trials = cc$R,
    warmupMs = cc$cfg$warm_ms, prior = cc$cfg$prior, direction = cc$cfg$dir, max = cc$cfg$max, tolerance = cc$cfg$tolerance,
    phi = r$phi, dispersion = r$phitot, rr = r$rr, n = r$n, theta = r$theta,
    levelP = r$level$p, levelSide = r$level$side, maxP = if (is.null(r$max)) NA_real_ else r$max$p,
    weight = cc$weight, levels = ref_arr(lv))
}
cat(ref_json(list(alpha = alpha, looks = looks, stepMs = step_ms, fixtures = fixtures)), "\n")
