"""Interim monitoring rules: Simon two-stage, Bayesian predictive probability, Bayesian safety
stopping."""
