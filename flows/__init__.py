"""Prefect flows and the interim command line: the orchestration shell over tasks/."""
