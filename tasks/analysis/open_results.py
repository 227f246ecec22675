"""open-results.json: the numbers the open session may see (docs/delivery.md), taken from the open
report's own tables: populations, accrual, disposition, pooled baseline, data currency and
quality, and the pooled TEAE overview when `safety.open_report_pooled_safety` allows it. Nothing
of efficacy, monitoring, changes since the previous cut or safety by arm."""
from __future__ import annotations

from typing import Any, cast

import pandas as pd

from tasks.analysis.quality import data_currency
from tasks.config import TrialConfig
from tasks.model import Adam, CutoffResult, Figure, Finding, Section, Table
from tasks.results.run import (
    Accrual,
    DataCurrency,
    OpenDataQuality,
    OpenPopulations,
    OpenResults,
    Populations,
)

# Table ids of the open report whose data open-results.json carries, by key.
OPEN_TABLES = {"accrual_by_site": "t_14_1_1_accrual_by_site",
               "accrual_by_month": "f_14_1_1_accrual",
               "disposition": "t_14_1_2_disposition", "baseline": "t_14_1_3_demographics",
               "safety_overview": "t_14_3_1_teae_overview"}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    # the columns of a table's data are named by strings
    return cast(list[dict[str, Any]], frame.to_dict(orient="records"))


def open_results(adam: Adam, cutoff: CutoffResult, findings: list[Finding], cfg: TrialConfig,
                 populations: Populations, open_sections: list[Section]) -> OpenResults:
    blocks = {b.id: b for s in open_sections for b in s.blocks if isinstance(b, (Table, Figure))}
    currency = data_currency(adam.adsl, adam.adrs, cutoff.cut.cutoff, cfg.report.data_currency_days)
    safety = (blocks[OPEN_TABLES["safety_overview"]] if cfg.safety.open_report_pooled_safety
              else None)
    return OpenResults(
        cutoff=cutoff.cut.cutoff.isoformat(), study=cfg.study.id,
        populations=OpenPopulations(populations.screened, populations.enrolled, populations.safety,
                                    populations.full_analysis),
        accrual=Accrual(planned=cfg.study.planned_enrollment, enrolled=populations.enrolled,
                        by_site=_records(blocks[OPEN_TABLES["accrual_by_site"]].data),
                        by_month=_records(blocks[OPEN_TABLES["accrual_by_month"]].data)),
        disposition=_records(blocks[OPEN_TABLES["disposition"]].data),
        baseline=_records(blocks[OPEN_TABLES["baseline"]].data),
        data_currency=DataCurrency(followed=len(currency),
                                   behind=int(currency["BEHINDFL"].eq("Y").sum()),
                                   behind_days=cfg.report.data_currency_days),
        data_quality=OpenDataQuality(
            validation_warnings=sum(f.severity == "warning" for f in findings),
            records_set_aside=int(cutoff.log["records"].sum()) if len(cutoff.log) else 0,
            set_aside_by_domain_and_reason=_records(cutoff.log)),
        safety_overview=None if safety is None else _records(safety.data))
