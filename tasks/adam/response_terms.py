"""RECIST response terms: controlled values, ADRS numeric codes, best and worst orderings."""
from __future__ import annotations

import pandas as pd

from tasks.distinct import per_distinct

CR, PR, SD, NON_CR_NON_PD, PD, NE, MISSING = "CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING"

# Values an overall response (RS, RSTESTCD = validation.response_test) may take: validation
# and every derivation read them here.
RESPONSES = (CR, PR, SD, NON_CR_NON_PD, PD, NE)

# AVALC of a best response (BOR, CBOR), best first; AVAL is its place (as admiralonco's aval_resp).
RESPONSE_ORDER = (*RESPONSES, MISSING)
AVAL_CODE = {term: float(place) for place, term in enumerate(RESPONSE_ORDER, start=1)}

# Two assessments on one date: the worst one stands (PD > NON-CR/NON-PD > SD > PR > CR > NE).
WORST_FIRST = {PD: 0, NON_CR_NON_PD: 1, SD: 2, PR: 3, CR: 4, NE: 5}

RESPONDER = (CR, PR)                              # an objective response
CLINICAL_BENEFIT = (CR, PR, SD, NON_CR_NON_PD)    # disease control


def normalise(values: pd.Series) -> pd.Series:
    """Upper case, surrounding blanks removed (RSSTRESC as recorded may vary in case)."""
    return per_distinct(values, lambda v: v.astype(str).str.strip().str.upper())


def aval(avalc: pd.Series) -> pd.Series:
    """The numeric code of a response (NaN for anything else)."""
    return avalc.map(AVAL_CODE).astype("float64")
