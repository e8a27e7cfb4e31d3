# Reference matches on MatchIt's LaLonde data from R's MatchIt 4.7.2 (built from source:
# bash ../shared/vendor/r/build.sh LIBDIR), the version evaluators run: nearest-neighbour matching on
# MatchIt's logistic propensity score (m.order = "largest", the default) in the designs evaluators
# use. Writes, for each design, every treated unit's matched controls in MatchIt's order
# (lalonde_matchit47_matches.csv: design, treated, controls separated by ";") and each unit's
# weight (lalonde_matchit47_weights.csv), and the ATT of lm(re78 ~ treat) on the matched data with
# the weights (lalonde_matchit47_estimates.csv), all with 17 significant digits.
#   R_LIBS=LIBDIR Rscript lalonde_matchit47.R
library(MatchIt)
stopifnot(packageVersion("MatchIt") == "4.7.2")
data("lalonde", package = "MatchIt")
f <- treat ~ age + educ + race + married + nodegree + re74 + re75
designs <- list(
  nearest = list(),
  caliper = list(caliper = 0.2),
  ratio2 = list(ratio = 2),
  exact_caliper = list(exact = ~race, caliper = 0.2),
  replace = list(replace = TRUE),
  replace_ratio3 = list(replace = TRUE, ratio = 3)
)
matches <- NULL; weights <- NULL; estimates <- NULL
for (name in names(designs)) {
  m <- do.call(matchit, c(list(f, data = lalonde, method = "nearest"), designs[[name]]))
  mm <- m$match.matrix
  controls <- apply(mm, 1, function(r) paste(r[!is.na(r)], collapse = ";"))
  matches <- rbind(matches, data.frame(design = name, treated = rownames(mm), controls = controls))
  weights <- rbind(weights, data.frame(design = name, id = rownames(lalonde), weight = sprintf("%.17g", m$weights)))
  md <- match.data(m)
  fit <- lm(re78 ~ treat, data = md, weights = weights)
  estimates <- rbind(estimates, data.frame(design = name, matched_treated = sum(m$weights[lalonde$treat == 1] > 0),
                                           matched_controls = sum(m$weights[lalonde$treat == 0] > 0),
                                           att = sprintf("%.17g", coef(fit)[["treat"]])))
}
write.csv(matches, "lalonde_matchit47_matches.csv", row.names = FALSE)
write.csv(weights, "lalonde_matchit47_weights.csv", row.names = FALSE)
write.csv(estimates, "lalonde_matchit47_estimates.csv", row.names = FALSE)
cat("MatchIt", as.character(packageVersion("MatchIt")), "\n")
print(estimates)
# R's order() keeps ties in data order when decreasing too (the treated units' order).
stopifnot(identical(order(c(2, 1, 2, 2), decreasing = TRUE), c(1L, 3L, 4L, 2L)))
