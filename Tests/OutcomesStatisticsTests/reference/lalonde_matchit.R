# Reference matches on the LaLonde (NSW) data from R's MatchIt (Debian r-cran-matchit 4.5.1):
# 1:1 nearest-neighbour matching without replacement on a logistic propensity score, MatchIt's
# defaults (m.order = "largest"). Writes the data MatchIt ships (lalonde.csv), the propensity
# scores and the matched pairs (lalonde_matchit_nearest.csv).
#   Rscript lalonde_matchit.R
library(MatchIt)
data("lalonde", package = "MatchIt")
write.csv(data.frame(id = rownames(lalonde), lalonde), "lalonde.csv", row.names = FALSE)
m <- matchit(treat ~ age + educ + race + married + nodegree + re74 + re75, data = lalonde, method = "nearest")
pairs <- data.frame(treated = rownames(m$match.matrix), control = m$match.matrix[, 1], distance = m$distance[rownames(m$match.matrix)])
write.csv(pairs, "lalonde_matchit_nearest.csv", row.names = FALSE)
write.csv(data.frame(id = rownames(lalonde), distance = m$distance, weights = m$weights), "lalonde_matchit_weights.csv", row.names = FALSE)
cat("MatchIt", as.character(packageVersion("MatchIt")), "\n")
print(summary(m)$nn)
