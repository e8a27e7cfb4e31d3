# What `outcomes compare --data lalonde.csv` must print for the designs beyond nearest-neighbour
# matching, from R's MatchIt 4.7.2 and sandwich: for subclassification and coarsened exact matching
# (ATT and ATE) and 2:1 nearest-neighbour matching with replacement, the matched counts, the effect on re78 of lm(re78 ~ treat, weights) on match.data
# with its default standard error, HC3 (MatchIt's vignette's choice for these designs) and the CR1 one
# clustered by subclass, and summary()'s balance after (Std. Mean Diff. and, where MatchIt prints
# it, Std. Pair Dist.); and for WeightIt 1.4.0's entropy balancing (ATT and ATE, run to reltol =
# 1e-300 so its weights settle to 1e-7 — its default stops at 1e-4, see lalonde_ebal.R) the effect
# with its HC2 standard error (the tool's default for weighting). Writes
# lalonde_designs_estimates.csv and lalonde_designs_balance.csv with 17 significant digits.
#   R_LIBS=LIBDIR Rscript lalonde_designs.R      (LIBDIR from bash shared/vendor/r/build.sh LIBDIR)
suppressPackageStartupMessages({ library(MatchIt); library(sandwich); library(WeightIt) })
stopifnot(packageVersion("MatchIt") == "4.7.2", packageVersion("WeightIt") == "1.4.0")
data("lalonde", package = "MatchIt")
f <- treat ~ age + educ + race + married + nodegree + re74 + re75
designs <- list(
  subclass_att = list(method = "subclass", estimand = "ATT"),
  subclass_ate = list(method = "subclass", estimand = "ATE"),
  subclass_att10 = list(method = "subclass", estimand = "ATT", subclass = 10),
  cem_att = list(method = "cem", estimand = "ATT"),
  cem_ate = list(method = "cem", estimand = "ATE"),
  cem_att_bins = list(method = "cem", estimand = "ATT", cutpoints = list(age = 4, re74 = 3, re75 = 3)),
  replace_ratio2 = list(method = "nearest", replace = TRUE, ratio = 2)
)
g <- function(x) sprintf("%.17g", x)
estimates <- NULL; balance <- NULL
for (name in names(designs)) {
  m <- do.call(matchit, c(list(f, data = lalonde), designs[[name]]))
  md <- match.data(m)
  fit <- lm(re78 ~ treat, data = md, weights = weights)
  hc3 <- sqrt(vcovHC(fit, type = "HC3")["treat", "treat"])
  cr1 <- if ("subclass" %in% names(md)) sqrt(vcovCL(fit, cluster = ~subclass)["treat", "treat"]) else NA
  estimates <- rbind(estimates, data.frame(design = name, matched_treated = sum(m$weights[lalonde$treat == 1] > 0),
                                           matched_controls = sum(m$weights[lalonde$treat == 0] > 0),
                                           estimate = g(coef(fit)["treat"]), se_default = g(hc3), se_cr1 = g(cr1)))
  s <- summary(m, un = FALSE)
  b <- if (!is.null(s$sum.matched)) s$sum.matched else s$sum.across
  pair <- if ("Std. Pair Dist." %in% colnames(b)) b[, "Std. Pair Dist."] else NA
  balance <- rbind(balance, data.frame(design = name, covariate = rownames(b), smd = g(b[, "Std. Mean Diff."]), pair = g(pair)))
}
for (estimand in c("ATT", "ATE")) {
  w <- weightit(f, data = lalonde, method = "ebal", estimand = estimand, reltol = 1e-300)
  d <- transform(lalonde, w = w$weights)
  fit <- lm(re78 ~ treat, data = d, weights = w)
  estimates <- rbind(estimates, data.frame(design = paste0("ebal_", tolower(estimand)), matched_treated = sum(lalonde$treat == 1),
                                           matched_controls = sum(lalonde$treat == 0), estimate = g(coef(fit)["treat"]),
                                           se_default = g(sqrt(vcovHC(fit, type = "HC2")["treat", "treat"])), se_cr1 = NA))
}
write.csv(estimates, "lalonde_designs_estimates.csv", row.names = FALSE)
write.csv(balance, "lalonde_designs_balance.csv", row.names = FALSE)
