"""interim's functional core: plain, typed functions on DataFrames (no Prefect here)."""
