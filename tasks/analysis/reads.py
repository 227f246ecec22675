"""What the analysis reads of a run's data beyond the ADaM datasets it is given: the SDTM
domains of the cut it reads itself, and the variables of ADLB. Apart from tasks.analysis.assemble
so that the flow knows them before the analysis modules are imported: those bring matplotlib
and the figure code (31 MB) that need not sit beside the derivation, a large run's peak."""
from __future__ import annotations

from tasks.model import CutoffResult

CUT_DOMAINS = ("dv",)          # the SDTM domains analyse() reads itself: the others via ADaM
# The ADLB variables the analysis reads (a table that reads another adds it here: without it the
# analysis stops with a KeyError); the others (SDTM copies, categories) stay in the published
# adam/adlb.parquet. Read back with only these, ADLB takes 250 MB less memory at 5,000 subjects.
ADLB_VARIABLES = ["USUBJID", "PARAMCD", "PARAM", "TRT01A", "ADT", "ADY", "AVAL", "AVALU", "R2ULN",
                  "NOGRDRS", "ABLFL", "BASE", "BNRHI", "BTOXGRN", "ONTRTFL", "ATOXGRN"]


def analysed_part(cutoff: CutoffResult) -> CutoffResult:
    """The cut as analyse() reads it: files, dates, findings, the cutoff's log and only the
    frames of CUT_DOMAINS. Once ADaM is derived the others can be let go: most of a large cut's
    memory. They are dropped from `cutoff` itself, which is returned: Prefect keeps the ingest
    subflow's return value (this CutoffResult) until the flow run ends, so a copy without them
    would let nothing go."""
    cutoff.cut.let_go([domain for domain in cutoff.cut.domains if domain not in CUT_DOMAINS])
    return cutoff
