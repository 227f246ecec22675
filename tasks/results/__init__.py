"""Typed results of one analysis run: frozen dataclasses made once per run, from which the
tables, the decision page, the Prefect artifact and results.json (their canonical JSON) render."""
