# Reference estimates and balance tables on the LaLonde (NSW) data from R: MatchIt 4.5.1 (Debian
# r-cran-matchit) for matching and its summary(), sandwich for the standard errors. Writes
# lalonde_estimates.json, read by LalondeEstimateTests.swift.
#   Rscript lalonde_estimates.R
suppressPackageStartupMessages({ library(MatchIt); library(sandwich); library(jsonlite) })
data("lalonde", package = "MatchIt")
f <- treat ~ age + educ + race + married + nodegree + re74 + re75
adjusted <- re78 ~ treat + age + educ + race + married + nodegree + re74 + re75

balance <- function(s) {
  # summary()'s rows and the columns compared (Std. Pair Dist. is not reported by outcomes).
  lapply(split(as.data.frame(s[, 1:6]), seq_len(nrow(s))), as.list) |> setNames(rownames(s))
}
effect <- function(fit, vcov) {
  list(estimate = unname(coef(fit)["treat"]), se = unname(sqrt(diag(vcov))["treat"]))
}
nn <- function(s) { x <- s$nn; lapply(split(as.data.frame(x), seq_len(nrow(x))), as.list) |> setNames(rownames(x)) }

out <- list(MatchIt = as.character(packageVersion("MatchIt")), sandwich = as.character(packageVersion("sandwich")))

# 1. 1:1 nearest neighbour without replacement (MatchIt's defaults); SEs clustered by matched pair.
m1 <- matchit(f, data = lalonde, method = "nearest")
s1 <- summary(m1)
d1 <- match.data(m1)
fit <- lm(re78 ~ treat, data = d1, weights = weights)
fitA <- lm(adjusted, data = d1, weights = weights)
d1$did <- d1$re78 - d1$re75
fitD <- lm(did ~ treat, data = d1, weights = weights)
out$nearest <- list(all = balance(s1$sum.all), matched = balance(s1$sum.matched), nn = nn(s1),
  effect = effect(fit, vcovCL(fit, cluster = ~subclass)),
  adjusted = effect(fitA, vcovCL(fitA, cluster = ~subclass)),
  did = effect(fitD, vcovCL(fitD, cluster = ~subclass)))

# 2. 2:1 nearest neighbour with replacement; HC2 standard errors on the matching weights.
m2 <- matchit(f, data = lalonde, method = "nearest", ratio = 2, replace = TRUE)
s2 <- summary(m2)
d2 <- match.data(m2)
fit <- lm(re78 ~ treat, data = d2, weights = weights)
out$replace2 <- list(matched = balance(s2$sum.matched), nn = nn(s2),
  weights = unname(m2$weights), effect = effect(fit, vcovHC(fit, type = "HC2")))

# 3. Inverse-probability weights from the same logistic model, ATT (odds) and ATE; HC2 SEs.
ps <- glm(f, data = lalonde, family = binomial)$fitted.values
X <- MatchIt:::get.covs.matrix(f, data = lalonde)
weighted <- function(w, estimand) {
  denom <- if (estimand == "ATT") "treated" else "pooled"
  rows <- lapply(colnames(X), function(v) as.list(MatchIt:::bal1var(X[, v], lalonde$treat, ww = w,
    s.weights = rep(1, nrow(lalonde)), s.d.denom = denom, standardize = TRUE)[1:6]))
  fit <- lm(re78 ~ treat, data = lalonde, weights = w)
  list(balance = setNames(rows, colnames(X)), effect = effect(fit, vcovHC(fit, type = "HC2")),
    ess = list(treated = sum(w[lalonde$treat == 1])^2 / sum(w[lalonde$treat == 1]^2),
               control = sum(w[lalonde$treat == 0])^2 / sum(w[lalonde$treat == 0]^2)))
}
out$ipwATT <- weighted(ifelse(lalonde$treat == 1, 1, ps / (1 - ps)), "ATT")
out$ipwATE <- weighted(ifelse(lalonde$treat == 1, 1 / ps, 1 / (1 - ps)), "ATE")

# 4. No model (as for a randomized trial): difference in means with HC2 (= Welch) and ANCOVA.
fit <- lm(re78 ~ treat, data = lalonde)
fitA <- lm(adjusted, data = lalonde)
welch <- t.test(re78 ~ factor(treat, levels = c(1, 0)), data = lalonde, var.equal = FALSE)
out$unmatched <- list(effect = effect(fit, vcovHC(fit, type = "HC2")), welchSE = unname(welch$stderr),
  adjusted = effect(fitA, vcovHC(fitA, type = "HC2")))

writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "lalonde_estimates.json")
cat("MatchIt", out$MatchIt, "sandwich", out$sandwich, "\n")
