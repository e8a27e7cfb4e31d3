# Reference standard errors and pair distances on MatchIt's LaLonde data from R's MatchIt 4.7.2 and
# sandwich (Debian's r-cran-sandwich), for the standard-error conventions evaluators name. Designs:
# nearest-neighbour matching on MatchIt's propensity score for the standard formula, (a) 1:1 and
# (b) 2:1 without replacement, (c) 1:1 and (d) 3:1 with replacement, and (e) subclassification
# (method = "subclass", its 6 subclasses). Writes, all numbers with 17 significant digits:
# - lalonde_se_conventions.csv: design, model (difference: lm(re78 ~ treat); adjusted: + age + educ +
#   race + married + nodegree + re74 + re75), convention, the treat coefficient and its standard
#   error. On match_data() with its weights: HC0–HC3 (vcovHC), CR1 = vcovCL(fit, cluster =
#   ~subclass) (type HC1: G/(G-1) * (n-1)/(n-k)), CR0 = vcovCL(..., type = "HC0", cadjust = FALSE)
#   (no adjustment) and "vcovCL-HC0" = vcovCL(..., type = "HC0") (cadjust = TRUE: G/(G-1) only),
#   these where match_data() has subclasses ((a), (b)). For (c), (d): CR1-two-way = vcovCL(fit,
#   cluster = ~subclass + id) on get_matches() (sandwich's defaults: HC1, cadjust, multi0 = FALSE).
# - lalonde_se_rows.csv: design, source, id, subclass, weight: match_data()'s rows for (a), (b), (e)
#   and get_matches()'s rows, in its order, for (c), (d).
# - lalonde_pair_distances.csv: design, variable, std_pair_dist: the "Std. Pair Dist." column of
#   summary(m)$sum.matched for (a), (b) and of summary(m, pair.dist = TRUE)$sum.across for (e)
#   (summary() of a subclassification leaves it out unless asked).
#   R_LIBS=LIBDIR Rscript lalonde_se_conventions.R
library(MatchIt)
library(sandwich)
stopifnot(packageVersion("MatchIt") == "4.7.2")
data("lalonde", package = "MatchIt")
f <- treat ~ age + educ + race + married + nodegree + re74 + re75
models <- list(difference = re78 ~ treat,
               adjusted = re78 ~ treat + age + educ + race + married + nodegree + re74 + re75)
designs <- list(
  nearest = list(method = "nearest"),
  ratio2 = list(method = "nearest", ratio = 2),
  replace = list(method = "nearest", replace = TRUE),
  replace_ratio3 = list(method = "nearest", replace = TRUE, ratio = 3),
  subclass = list(method = "subclass")
)
g17 <- function(x) sprintf("%.17g", x)
se <- function(v) sqrt(v["treat", "treat"])
conventions <- NULL; rows <- NULL; pairs <- NULL
add <- function(design, model, convention, fit, v) {
  conventions <<- rbind(conventions, data.frame(design = design, model = model, convention = convention,
                                                estimate = g17(coef(fit)[["treat"]]), std_error = g17(se(v))))
}
for (name in names(designs)) {
  m <- do.call(matchit, c(list(f, data = lalonde), designs[[name]]))
  md <- match.data(m)
  withSubclass <- !is.null(md$subclass)
  rows <- rbind(rows, data.frame(design = name, source = "match_data", id = rownames(md),
                                 subclass = if (withSubclass) as.integer(md$subclass) else NA,
                                 weight = g17(md$weights)))
  if (name != "subclass") {
    for (model in names(models)) {
      fit <- lm(models[[model]], data = md, weights = weights)
      for (type in c("HC0", "HC1", "HC2", "HC3")) add(name, model, type, fit, vcovHC(fit, type = type))
      if (withSubclass) {
        add(name, model, "CR0", fit, vcovCL(fit, cluster = ~subclass, type = "HC0", cadjust = FALSE))
        add(name, model, "vcovCL-HC0", fit, vcovCL(fit, cluster = ~subclass, type = "HC0"))
        add(name, model, "CR1", fit, vcovCL(fit, cluster = ~subclass))
      }
    }
  }
  if (isTRUE(designs[[name]]$replace)) {
    gm <- get_matches(m)
    rows <- rbind(rows, data.frame(design = name, source = "get_matches", id = gm$id,
                                   subclass = as.integer(gm$subclass), weight = g17(gm$weights)))
    for (model in names(models)) {
      fit <- lm(models[[model]], data = gm, weights = weights)
      add(name, model, "CR1-two-way", fit, vcovCL(fit, cluster = ~subclass + id))
    }
  }
  if (withSubclass) {
    s <- if (name == "subclass") summary(m, pair.dist = TRUE)$sum.across else summary(m)$sum.matched
    pairs <- rbind(pairs, data.frame(design = name, variable = rownames(s), std_pair_dist = g17(s[, "Std. Pair Dist."])))
  }
}
write.csv(conventions, "lalonde_se_conventions.csv", row.names = FALSE)
write.csv(rows, "lalonde_se_rows.csv", row.names = FALSE)
write.csv(pairs, "lalonde_pair_distances.csv", row.names = FALSE)
cat("MatchIt", as.character(packageVersion("MatchIt")), "sandwich", as.character(packageVersion("sandwich")), "\n")
print(conventions)
