# Reference entropy-balancing weights on MatchIt's LaLonde data from R's WeightIt 1.4.0:
# weightit(treat ~ age + educ + race + married + nodegree + re74 + re75, method = "ebal") with its
# defaults (moments = 1, no interactions; rootSolve is not installed, so optim's BFGS from zero with
# reltol = 1e-10) for the ATT and the ATE, and once more with reltol = 1e-300 (BFGS then runs until
# it can make no further progress) to show how far the default stops from the exact solution.
# Writes, with 17 significant digits:
#   lalonde_ebal_weights.csv  id, att, ate, att_tight, ate_tight: each unit's weight
#   lalonde_ebal_balance.csv  fit, column, target, treated, control: each covariate column's
#                             weighted mean per group (race as all three levels) and the target
#                             (treated means for the ATT, whole-sample means for the ATE)
#   lalonde_ebal_fit.csv      fit, group, iterations (optim's gradient count), convergence,
#                             largest |gradient| (imbalance in WeightIt's standardised units)
#   R_LIBS=/work/r-lib Rscript lalonde_ebal.R
library(WeightIt)
stopifnot(packageVersion("WeightIt") == "1.4.0", !requireNamespace("rootSolve", quietly = TRUE))
data("lalonde", package = "MatchIt")
f <- treat ~ age + educ + race + married + nodegree + re74 + re75
fits <- list(att = list(estimand = "ATT"), ate = list(estimand = "ATE"),
             att_tight = list(estimand = "ATT", reltol = 1e-300), ate_tight = list(estimand = "ATE", reltol = 1e-300))
columns <- with(lalonde, data.frame(age, educ, race_black = as.numeric(race == "black"),
                                    race_hispan = as.numeric(race == "hispan"), race_white = as.numeric(race == "white"),
                                    married, nodegree, re74, re75))
g17 <- function(x) sprintf("%.17g", x)
weights <- data.frame(id = rownames(lalonde)); balance <- NULL; fit <- NULL
for (name in names(fits)) {
  invisible(capture.output(w <- do.call(weightit, c(list(f, data = lalonde, method = "ebal", include.obj = TRUE), fits[[name]]))))
  weights[[name]] <- g17(w$weights)
  target <- if (fits[[name]]$estimand == "ATT") colMeans(columns[lalonde$treat == 1, ]) else colMeans(columns)
  mean_in <- function(group) colSums(columns[lalonde$treat == group, ] * w$weights[lalonde$treat == group]) /
    sum(w$weights[lalonde$treat == group])
  balance <- rbind(balance, data.frame(fit = name, column = names(columns), target = g17(target),
                                       treated = g17(mean_in(1)), control = g17(mean_in(0))))
  for (group in names(w$obj)) {
    o <- w$obj[[group]]
    fit <- rbind(fit, data.frame(fit = name, group = group, iterations = o$counts[["gradient"]],
                                 convergence = o$convergence, largest_gradient = g17(max(abs(o$gradient)))))
  }
}
write.csv(weights, "lalonde_ebal_weights.csv", row.names = FALSE)
write.csv(balance, "lalonde_ebal_balance.csv", row.names = FALSE)
write.csv(fit, "lalonde_ebal_fit.csv", row.names = FALSE)
cat("WeightIt", as.character(packageVersion("WeightIt")), "\n")
print(fit)
