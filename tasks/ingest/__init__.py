"""Read a data cut (local path or fsspec URL; csv, csv.gz, parquet, xpt) and apply its cutoff."""
from tasks.ingest.cutoff import apply_cutoff
from tasks.ingest.read import cut_is_ready, cut_location, list_cut_dates, read_cut

__all__ = ["apply_cutoff", "cut_is_ready", "cut_location", "list_cut_dates", "read_cut"]
