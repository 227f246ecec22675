"""The response and time-to-event rules in words, with the configured values filled in: the same
rule objects the derivations run (BOR_RULES, CBOR_RULES, tte_sources), printed in the Methods."""
from __future__ import annotations

import pandas as pd

from tasks.adam.best_response import BOR_RULES, CBOR_RULES
from tasks.adam.irecist import IBOR_RULES, ICBOR_RULES
from tasks.adam.tte_sources import RESPONSE_START, reference_start, tte_sources
from tasks.config import Response, TrialConfig

COLUMNS = ["parameter", "order", "rule", "description"]


def rule_values(rc: Response) -> dict[str, object]:
    """What a rule's description may name: every cfg.response setting (switches as on / off),
    missed_gap_days (2 x assessment_interval_days + assessment_window_days), new_therapy and
    the iRECIST confirmation window icpd_min_days / icpd_max_days."""
    values: dict[str, object] = {
        key: ("on" if value else "off") if isinstance(value, bool) else value
        for key, value in rc.model_dump().items()}
    values["missed_gap_days"] = 2 * rc.assessment_interval_days + rc.assessment_window_days
    values["icpd_min_days"] = rc.irecist.confirm_min_days
    values["icpd_max_days"] = rc.irecist.confirm_max_days or "any number of"
    nact = rc.new_anticancer_therapy
    values["new_therapy"] = (
        f"{nact.domain.upper()} records with {nact.category_variable} "
        f"{' or '.join(nact.category_values)}, from {nact.date_variable}" if nact
        else "none is configured: response.new_anticancer_therapy is null")
    return values


def rule_descriptions(cfg: TrialConfig) -> pd.DataFrame:
    """One row per rule, in the order the evaluators apply them: parameter (PARAMCD), order
    (1, 2, ... within it), rule (the AVALC or CNSR it sets) and description (in words, with
    this configuration's values)."""
    rc = cfg.response
    values = rule_values(rc)
    rows = []
    for paramcd, rules in (("BOR", BOR_RULES), ("CBOR", CBOR_RULES), ("IBOR", IBOR_RULES),
                           ("ICBOR", ICBOR_RULES)):
        rows += [(paramcd, order, f"AVALC {rule.avalc}", rule.description.format_map(values))
                 for order, rule in enumerate(rules, start=1)]
    starts = {"OS": reference_start(rc.reference_date), "PFS": reference_start(rc.reference_date),
              "DOR": RESPONSE_START, "TTR": reference_start(rc.reference_date)}
    for paramcd, sources in tte_sources(rc).items():
        words = values | {"start": starts[paramcd].words}
        rows += [(paramcd, order, f"CNSR {source.cnsr}: {source.evntdesc}",
                  source.description.format_map(words))
                 for order, source in enumerate(sources, start=1)]
    return pd.DataFrame(rows, columns=COLUMNS)
