"""Response terms of RECIST 1.1 and iRECIST: controlled values, ADRS numeric codes, best and worst
orderings, responder and disease control, each criteria's terms as one Criteria object."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tasks.distinct import per_distinct

CR, PR, SD, NON_CR_NON_PD, PD, NE, MISSING = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE",
                                             "MISSING")

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

# iRECIST (Seymour et al. 2017): iUPD is unconfirmed progression, iCPD confirmed progression.
ICR, IPR, ISD, IUPD, ICPD = "iCR", "iPR", "iSD", "iUPD", "iCPD"
NON_ICR_NON_IUPD = "NON-iCR/NON-iUPD"
IRESPONSES = (ICR, IPR, ISD, NON_ICR_NON_IUPD, IUPD, ICPD, NE)
# The RECIST 1.1 term each iRECIST term is read as where RECIST's confirmation rule applies.
AS_RECIST = {ICR: CR, IPR: PR, ISD: SD, NON_ICR_NON_IUPD: NON_CR_NON_PD, IUPD: PD, ICPD: PD, NE: NE}


@dataclass(frozen=True)
class Criteria:
    """One response criteria's terms: the per-assessment values (as cased in the standard), the
    best-response AVALC best first (AVAL = place), the worst-first order of one date's values,
    the term after which no assessment counts, responders and disease control."""
    name: str
    responses: tuple[str, ...]
    order: tuple[str, ...]
    worst_first: tuple[str, ...]
    progression: str
    responder: tuple[str, ...]
    disease_control: tuple[str, ...]

    def terms(self, values: pd.Series) -> pd.Series:
        """RSSTRESC as this criteria's terms: case and surrounding blanks ignored (anything
        else stays as recorded, upper case, and fails the controlled terms)."""
        canonical = {term.upper(): term for term in self.responses}
        return per_distinct(values, lambda v: v.astype(str).str.strip().str.upper()
                            .map(lambda t: canonical.get(t, t)))

    def aval(self, avalc: pd.Series) -> pd.Series:
        """The numeric code of a best response (its place in `order`; NaN for anything else)."""
        codes = {term: float(place) for place, term in enumerate(self.order, start=1)}
        return avalc.map(codes).astype("float64")

    def worst_rank(self, avalc: pd.Series) -> pd.Series:
        return avalc.map({term: rank for rank, term in enumerate(self.worst_first)})


RECIST = Criteria("RECIST 1.1", RESPONSES, RESPONSE_ORDER, tuple(WORST_FIRST), PD, RESPONDER,
                  CLINICAL_BENEFIT)
IRECIST = Criteria("iRECIST", IRESPONSES, (*IRESPONSES, MISSING),
                   (ICPD, IUPD, NON_ICR_NON_IUPD, ISD, IPR, ICR, NE), ICPD, (ICR, IPR),
                   (ICR, IPR, ISD, NON_ICR_NON_IUPD))


def normalise(values: pd.Series) -> pd.Series:
    """Upper case, surrounding blanks removed (RSSTRESC as recorded may vary in case)."""
    return per_distinct(values, lambda v: v.astype(str).str.strip().str.upper())


def aval(avalc: pd.Series) -> pd.Series:
    """The numeric code of a RECIST 1.1 response (NaN for anything else)."""
    return avalc.map(AVAL_CODE).astype("float64")
