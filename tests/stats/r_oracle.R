# Oracle for tasks/stats/km.py: Kaplan-Meier quantiles, landmark rates and reverse-KM follow-up
# from R survival (survfit, conf.type = "log-log") on tricky datasets, printed as JSON.
# Record:  Rscript tests/stats/r_oracle.R > tests/stats/r_oracle_results.json
# Needs only base R and the recommended package survival (Debian: r-base-core r-cran-survival).
suppressPackageStartupMessages(library(survival))

num <- function(x) {
  if (length(x) == 0) return("[]")
  parts <- ifelse(is.na(x) | !is.finite(x), "null", sprintf("%.17g", x))
  paste0("[", paste(parts, collapse = ","), "]")
}
str_json <- function(x) paste0("\"", x, "\"")
obj <- function(...) {
  fields <- list(...)
  paste0("{", paste(sprintf("\"%s\":%s", names(fields), unlist(fields)), collapse = ","), "}")
}

landmarks <- function(fit, times) {
  # summary() drops times after the last observation (extend = FALSE): those are null here.
  s <- summary(fit, times = times)
  at <- match(times, s$time)
  obj(times = num(times), n_risk = num(s$n.risk[at]), surv = num(s$surv[at]),
      lower = num(s$lower[at]), upper = num(s$upper[at]))
}

quantiles <- function(fit) {
  q <- quantile(fit, probs = c(0.25, 0.5, 0.75))
  obj(probs = num(c(0.25, 0.5, 0.75)), estimate = num(unname(q$quantile)),
      lower = num(unname(q$lower)), upper = num(unname(q$upper)))
}

oracle <- function(name, time, status, times) {
  fit <- survfit(Surv(time, status) ~ 1, conf.type = "log-log", conf.int = 0.95)
  reverse <- survfit(Surv(time, 1 - status) ~ 1, conf.type = "log-log", conf.int = 0.95)
  obj(name = str_json(name), time = num(time), status = num(status),
      n = num(length(time)), events = num(sum(status)),
      curve = obj(time = num(fit$time), surv = num(fit$surv),
                  lower = num(fit$lower), upper = num(fit$upper)),
      quantiles = quantiles(fit), landmarks = landmarks(fit, times),
      reverse_quantiles = quantiles(reverse))
}

small_times <- c(0.5, 1, 2, 2.5, 3, 5, 6, 9.99, 10, 12, 100)
set.seed(20240611)
n1 <- 1000
event1 <- ceiling(rexp(n1, 1 / 200))
censor1 <- ceiling(runif(n1, 30, 1000))
n2 <- 300
event2 <- round(rweibull(n2, shape = 1.4, scale = 12), 3)
censor2 <- round(runif(n2, 1, 30), 3)
day_landmarks <- c(6, 12, 24) * 30.4375

cases <- c(
  oracle("ten_events_plateau_at_half", 1:10, rep(1, 10), small_times),
  oracle("plateau_at_half_then_event", c(1, 2, 3, 5, 6, 8), c(1, 1, 1, 0, 1, 1), small_times),
  oracle("ends_at_half_then_censored", c(1, 2, 3, 4), c(1, 1, 0, 0), small_times),
  oracle("ties_and_censoring_at_event_times",
         c(2, 2, 2, 3, 3, 5, 5, 5, 8, 8, 9, 12, 12, 15),
         c(1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0), small_times),
  oracle("median_not_reached", c(3, 5, 7, 10, 12, 15, 20, 25, 30, 40),
         c(1, 0, 1, 0, 0, 0, 0, 0, 0, 0), small_times),
  oracle("median_reached_upper_limit_not", c(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
         c(1, 1, 0, 1, 1, 0, 1, 0, 0, 0), small_times),
  oracle("all_censored", c(4, 8, 15), c(0, 0, 0), small_times),
  oracle("single_event", 10, 1, small_times),
  oracle("single_censored", 10, 0, small_times),
  oracle("first_observation_censored", c(1, 3, 4, 6, 9, 10), c(0, 1, 1, 0, 1, 1), small_times),
  oracle("all_events_down_to_zero", c(2, 4, 4, 7, 11), c(1, 1, 1, 1, 1), small_times),
  oracle("large_random_integer_days", pmin(event1, censor1), as.numeric(event1 <= censor1),
         day_landmarks),
  oracle("random_fractional_months", pmin(event2, censor2), as.numeric(event2 <= censor2),
         c(3, 6, 12, 24))
)

cat(paste0("{\"r_version\":", str_json(R.version.string),
           ",\"survival_version\":", str_json(as.character(packageVersion("survival"))),
           ",\"conf_type\":\"log-log\",\"conf_int\":0.95,\"cases\":[",
           paste(cases, collapse = ",\n"), "]}\n"))
