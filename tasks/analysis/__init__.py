"""Analysis: tables, figures and report sections computed from ADaM (no I/O, no Prefect)."""
