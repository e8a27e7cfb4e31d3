# Reference subclassification and coarsened exact matching on MatchIt's LaLonde data from R's
# MatchIt 4.7.2. Subclassification runs on MatchIt's propensity scores as written in
# lalonde_matchit_weights.csv (passed as `distance`, so only the subclassification is under test);
# CEM on treat ~ age + educ + race + married + nodegree + re74 + re75. Writes, for each design:
#   lalonde_subclass_cem_units.csv      design, id, subclass (empty when none), weight
#   lalonde_subclass_cem_counts.csv     design, count, value (see `counts` below)
#   lalonde_subclass_cem_estimates.csv  design, matched_treated, matched_controls, estimate: the
#                                       coefficient on treat of lm(re78 ~ treat, weights = weights)
#                                       on match.data (the ATT or ATE of the design's estimand)
# all numbers with 17 significant digits. Run from this directory:
#   R_LIBS=/work/r-lib Rscript lalonde_subclass_cem.R
library(MatchIt)
stopifnot(packageVersion("MatchIt") == "4.7.2")
data("lalonde", package = "MatchIt")
ps <- read.csv("lalonde_matchit_weights.csv")$distance
stopifnot(identical(read.csv("lalonde_matchit_weights.csv")$id, rownames(lalonde)))
f <- treat ~ age + educ + race + married + nodegree + re74 + re75

subclass_designs <- list(
  sub_att = list(),
  sub_ate = list(estimand = "ATE"),
  sub_att10 = list(subclass = 10),
  sub_att_discard_both = list(discard = "both"),
  sub_ate10 = list(subclass = 10, estimand = "ATE"),               # one unit scooted
  sub_ate20_min3 = list(subclass = 20, estimand = "ATE", min.n = 3), # many scooted
  sub_ate20_min0 = list(subclass = 20, estimand = "ATE", min.n = 0)  # subclasses dropped
)
cem_designs <- list(
  cem_att = list(),                                   # defaults: Sturges bins; drops treated units
  cem_ate = list(estimand = "ATE"),
  cem_att_age4_re74_3 = list(cutpoints = list(age = 4, re74 = 3)),  # a single number is a bin count
  cem_att_cuts = list(cutpoints = list(age = c(20, 25, 30, 40), educ = c(9, 12)))  # units on the cuts
)

units <- NULL; counts <- NULL; estimates <- NULL
record <- function(name, m, extra) {
  units <<- rbind(units, data.frame(design = name, id = rownames(lalonde),
                                    subclass = ifelse(is.na(m$subclass), "", as.character(as.integer(m$subclass))),
                                    weight = sprintf("%.17g", m$weights)))
  counts <<- rbind(counts, data.frame(design = name, count = names(extra), value = unlist(extra)))
  md <- match.data(m)
  fit <- lm(re78 ~ treat, data = md, weights = weights)
  estimates <<- rbind(estimates, data.frame(design = name, matched_treated = sum(m$weights[lalonde$treat == 1] > 0),
                                            matched_controls = sum(m$weights[lalonde$treat == 0] > 0),
                                            estimate = sprintf("%.17g", coef(fit)[["treat"]])))
}

for (name in names(subclass_designs)) {
  m <- do.call(matchit, c(list(f, data = lalonde, method = "subclass", distance = ps), subclass_designs[[name]]))
  # The quantile interval of each unit kept, before scooting; for min.n >= 1 the final subclass
  # numbers are the occupied intervals renumbered in order.
  interval <- findInterval(ps, m$q.cut, all.inside = TRUE)
  interval[m$discarded] <- NA
  occupied <- sort(unique(na.omit(interval)))
  final <- occupied[as.integer(m$subclass)]
  min0 <- identical(subclass_designs[[name]]$min.n, 0)
  record(name, m, list(
    discarded = sum(m$discarded),
    subclasses_formed = nlevels(m$subclass),
    units_reassigned = if (min0) 0 else sum(final != interval, na.rm = TRUE),
    subclasses_dropped = length(occupied) - nlevels(m$subclass),
    units_dropped = sum(!m$discarded & is.na(m$subclass))))
}

# Strata before any is dropped, re-derived as MatchIt documents the coarsening (Sturges bins of
# equal width over the range, a value on a break in the bin above, categories exact); the
# stopifnot below checks that the strata it keeps, and their numbers, are MatchIt's.
strata <- function(cutpoints) {
  x <- lalonde[c("age", "educ", "race", "married", "nodegree", "re74", "re75")]
  for (v in setdiff(names(x), "race")) {
    cp <- cutpoints[[v]]
    if (is.null(cp)) cp <- nclass.Sturges(x[[v]])
    breaks <- if (length(cp) == 1) {
      b <- seq(min(x[[v]]), max(x[[v]]), length = cp + 1); b[c(1, cp + 1)] <- c(-Inf, Inf); b
    } else c(-Inf, sort(unique(cp)), Inf)
    x[[v]] <- findInterval(x[[v]], breaks)
  }
  do.call(paste, c(x, sep = "|"))
}
for (name in names(cem_designs)) {
  m <- do.call(matchit, c(list(f, data = lalonde, method = "cem"), cem_designs[[name]]))
  key <- strata(if (is.null(cem_designs[[name]]$cutpoints)) list() else cem_designs[[name]]$cutpoints)
  t <- lalonde$treat
  kept <- intersect(key[t == t[1]], key[t != t[1]])
  stopifnot(identical(match(key, kept), as.integer(m$subclass)))
  with_t <- unique(key[t == 1]); with_c <- unique(key[t == 0])
  record(name, m, list(
    strata_formed = length(unique(key)),
    strata_kept = nlevels(m$subclass),
    treated_dropped = sum(t == 1 & is.na(m$subclass)),
    strata_without_controls = length(setdiff(with_t, with_c)),
    controls_dropped = sum(t == 0 & is.na(m$subclass)),
    strata_without_treated = length(setdiff(with_c, with_t))))
}

write.csv(units, "lalonde_subclass_cem_units.csv", row.names = FALSE)
write.csv(counts, "lalonde_subclass_cem_counts.csv", row.names = FALSE)
write.csv(estimates, "lalonde_subclass_cem_estimates.csv", row.names = FALSE)
cat("MatchIt", as.character(packageVersion("MatchIt")), "\n")
print(estimates)
print(reshape(counts, idvar = "design", timevar = "count", direction = "wide"))
