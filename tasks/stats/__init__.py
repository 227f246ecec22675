"""Statistics used by the analyses: exact binomial intervals and Kaplan-Meier summaries."""
