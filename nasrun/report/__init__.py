"""Result tables: the per-run contract and aggregates over runs."""

from nasrun.report.aggregate import aggregate, load_summaries
from nasrun.report.results import trials_frame, write_run_results

__all__ = ["aggregate", "load_summaries", "trials_frame", "write_run_results"]
