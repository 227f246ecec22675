"""Treatment columns of a table: each arm, plus Total when there is more than one arm."""
from __future__ import annotations

import pandas as pd

TOTAL = "Total"


def arm_columns(adsl: pd.DataFrame, population_flag: str | None = None,
                by_arm: bool = True) -> list[tuple[str, pd.Index]]:
    """(label, USUBJIDs) per column, in TRT01AN order; Total last, only when > 1 arm.
    `by_arm=False` gives the pooled column only (open report)."""
    subjects = adsl if population_flag is None else adsl[adsl[population_flag] == "Y"]
    everyone = (TOTAL, pd.Index(subjects["USUBJID"]))
    if not by_arm:
        return [everyone]
    arms = (subjects[["TRT01A", "TRT01AN"]].drop_duplicates()
            .sort_values(["TRT01AN", "TRT01A"])["TRT01A"].tolist())
    columns = [(arm, pd.Index(subjects.loc[subjects["TRT01A"] == arm, "USUBJID"])) for arm in arms]
    return columns + [everyone] if len(columns) > 1 else columns


def column_header(label: str, n: int) -> str:
    return f"{label}\n(N={n})"
