"""RECIST 1.1 / mRECIST from the lesion measurements: ADTR and where it disagrees with RS.

ADTR, per subject and visit (lesions: tasks.adam.lesions):
    SUMDIAM   sum of the target lesions' diameters (mm): AVAL, BASE, CHG, PCHG, NADIR (smallest
              complete sum before the visit, baseline included), CHGNAD, PCHGNAD, NADPCTFL /
              NADMMFL (the PD % / mm minimums above the nadir reached); ANL01FL = "Y" when every
              target lesion was measured
    TRGRESP   target response       CR / PR / SD / PD / NE
    NTRGRESP  non-target response   CR / NON-CR/NON-PD / PD / NE
    NEWLPROG  new lesion            Y (unequivocal) / EQUIVOCAL / N
    OVRLRESP  overall response by the RECIST table of docs/efficacy.md; RESPRULE names the row
Thresholds: cfg.response (pr_min_decrease_pct, pd_min_increase_pct, pd_min_increase_mm,
node_normal_mm, lesion_criteria). Responses only for visits after the baseline; a subject
without target lesions at baseline has no target response, and NON-CR/NON-PD instead of SD.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.adam.flags import y_or_none
from tasks.adam.lesions import (
    NEW,
    NON_TARGET,
    TARGET,
    baseline_lesions,
    lesion_table,
    tumour_identification,
    visit_table,
)
from tasks.adam.response_terms import (
    CR,
    NE,
    NON_CR_NON_PD,
    PD,
    PR,
    RESPONSES,
    SD,
    WORST_FIRST,
    aval,
    normalise,
)
from tasks.config import Response, TrialConfig
from tasks.model import Cut

EPS = 1e-9                   # mm: thresholds hold at equality despite binary fractions
VISIT_KEYS = ["USUBJID", "VISITKEY"]
RESPONSE_PARAMS = {"TRGRESP": "Target Response", "NTRGRESP": "Non-target Response",
                   "NEWLPROG": "New Lesion Progression",
                   "OVRLRESP": "Overall Response (from lesions)"}
ADTR_COLUMNS = ["STUDYID", "USUBJID", "PARAMCD", "PARAM", "VISITKEY", "VISIT", "ADT", "ADTF",
                "PHASE", "ABLFL", "AVAL", "AVALC", "BASE", "CHG", "PCHG", "NADIR", "CHGNAD",
                "PCHGNAD", "NADPCTFL", "NADMMFL", "NLESION", "NMEAS", "ALLNORMAL", "COMPLETE",
                "ANL01FL", "RESPRULE"]


def build_adtr(adsl: pd.DataFrame, cut: Cut, cfg: TrialConfig) -> pd.DataFrame:
    """ADTR of the cut: target sums and the lesion-derived responses, per subject and visit."""
    tu = tumour_identification(cut, cfg)
    lesions = lesion_table(cut, cfg, tu)
    if lesions.empty:
        return pd.DataFrame(columns=ADTR_COLUMNS)
    rc = cfg.response
    reference = adsl.set_index("USUBJID")[rc.reference_date]
    visits = visit_table(lesions, reference, pd.Timestamp(cut.cutoff))
    sums = target_sums(lesions, visits, baseline_lesions(lesions, TARGET, tu), rc)
    post = visits[visits["PHASE"].eq("post-baseline")][[*VISIT_KEYS, "VISIT", "ADT", "ADTF"]]
    responses = (post
                 .pipe(derive_target_response, sums=sums, rc=rc)
                 .pipe(derive_non_target_response, lesions=lesions,
                       expected=baseline_lesions(lesions, NON_TARGET, tu))
                 .pipe(derive_new_lesions, lesions=lesions)
                 .pipe(derive_overall_response))
    studyid = adsl.set_index("USUBJID")["STUDYID"]
    adtr = (pd.concat([sums, _long_responses(responses)], ignore_index=True)
            .assign(STUDYID=lambda f: f["USUBJID"].map(studyid))
            .reindex(columns=ADTR_COLUMNS)
            .sort_values(["USUBJID", "ADT", "PARAMCD"], kind="stable").reset_index(drop=True))
    for flag in ("ABLFL", "ANL01FL"):
        # None: a missing flag (pandas-stubs types where's `other` without None)
        adtr[flag] = adtr[flag].where(adtr[flag].eq("Y"), None)  # type: ignore[call-overload]
    return adtr


def target_sums(lesions: pd.DataFrame, visits: pd.DataFrame, targets: pd.DataFrame,
                rc: Response) -> pd.DataFrame:
    """PARAMCD SUMDIAM per visit of each subject with target lesions at baseline; NADPCTFL /
    NADMMFL = "Y" when the sum is the configured % / mm above the nadir."""
    grid = visits.merge(targets, on="USUBJID")
    measured = lesions[[*VISIT_KEYS, "LNKID", "SIZE"]]
    grid = grid.merge(measured, on=[*VISIT_KEYS, "LNKID"], how="left")
    normal = np.where(grid["NODE"], grid["SIZE"] < rc.node_normal_mm, grid["SIZE"].eq(0))
    grid["NORMAL"] = normal & grid["SIZE"].notna()
    keys = [*VISIT_KEYS, "VISIT", "ADT", "ADTF", "PHASE", "ABLFL"]
    s = grid.groupby(keys, sort=False, dropna=False).agg(
        AVAL=("SIZE", "sum"), NMEAS=("SIZE", "count"), NLESION=("LNKID", "size"),
        ALLNORMAL=("NORMAL", "all")).reset_index()
    s = s.sort_values(["USUBJID", "ADT"], na_position="last", kind="stable").reset_index(drop=True)
    s["COMPLETE"] = s["NMEAS"].eq(s["NLESION"])
    in_study = s["PHASE"].ne("pre-baseline")
    base = s[s["PHASE"].eq("baseline") & s["COMPLETE"]].set_index("USUBJID")["AVAL"]
    s["BASE"] = s["USUBJID"].map(base).where(in_study)
    s["CHG"] = s["AVAL"] - s["BASE"]
    s["PCHG"] = (100 * s["CHG"] / s["BASE"]).where(s["BASE"] > 0)
    running = s["AVAL"].where(s["COMPLETE"] & in_study).groupby(s["USUBJID"]).cummin()
    running = running.groupby(s["USUBJID"]).ffill()
    s["NADIR"] = running.groupby(s["USUBJID"]).shift(1).where(s["PHASE"].eq("post-baseline"))
    s["CHGNAD"] = s["AVAL"] - s["NADIR"]
    s["PCHGNAD"] = (100 * s["CHGNAD"] / s["NADIR"]).where(s["NADIR"] > 0)
    grown_pct = s["CHGNAD"] * 100 >= rc.pd_min_increase_pct * s["NADIR"] - EPS
    grown_mm = s["CHGNAD"] >= rc.pd_min_increase_mm - EPS
    s["NADPCTFL"] = y_or_none(s["NADIR"].notna() & grown_pct)
    s["NADMMFL"] = y_or_none(s["NADIR"].notna() & grown_mm)
    s["ANL01FL"] = y_or_none(s["COMPLETE"] & in_study)
    s["PARAMCD"], s["PARAM"] = "SUMDIAM", "Sum of Diameters of Target Lesions (mm)"
    return s


def derive_target_response(post: pd.DataFrame, sums: pd.DataFrame, rc: Response) -> pd.DataFrame:
    """CR: every target lesion gone (nodes below node_normal_mm); PD: sum pd_min_increase_pct
    and pd_min_increase_mm above the nadir, also when some lesions were not measured but the
    measured ones already show it; NE: a target lesion not measured; PR: pr_min_decrease_pct
    below baseline; else SD."""
    s = sums[sums["PHASE"].eq("post-baseline")].copy()
    progressed = s["NADPCTFL"].eq("Y") & s["NADMMFL"].eq("Y")
    shrunk = s["BASE"].gt(0) & (-s["CHG"] * 100 >= rc.pr_min_decrease_pct * s["BASE"] - EPS)
    pd_rule = (f"target PD: >= {rc.pd_min_increase_pct:g}% and >= {rc.pd_min_increase_mm:g} mm "
               "above nadir")
    rules = [(s["COMPLETE"] & s["ALLNORMAL"], CR, "target CR"),
             (progressed, PD, pd_rule),
             (~s["COMPLETE"], NE, "target lesion not measured"),
             (shrunk, PR, f"target PR: >= {rc.pr_min_decrease_pct:g}% below baseline")]
    s["TRGRESP"] = np.select([c for c, _, _ in rules], [r for _, r, _ in rules], SD)
    s["TRGRULE"] = np.select([c for c, _, _ in rules], [t for _, _, t in rules], "target SD")
    return post.merge(s[[*VISIT_KEYS, "TRGRESP", "TRGRULE"]], on=VISIT_KEYS, how="left")


def derive_non_target_response(post: pd.DataFrame, lesions: pd.DataFrame,
                               expected: pd.DataFrame) -> pd.DataFrame:
    """PD: unequivocal progression of any; NE: any not assessed; CR: all absent; else
    NON-CR/NON-PD (present or equivocal)."""
    grid = post[VISIT_KEYS].merge(expected, on="USUBJID")
    grid = grid.merge(lesions[[*VISIT_KEYS, "LNKID", "STATE"]], on=[*VISIT_KEYS, "LNKID"],
                      how="left")
    state = grid["STATE"].fillna("")
    grid["PROG"] = state.str.startswith("UNEQUIVOCAL")
    grid["MISS"] = state.isin(["", "NOT DONE", "NOT EVALUABLE", "NE"])
    grid["GONE"] = state.eq("ABSENT")
    per_visit = grid.groupby(VISIT_KEYS).agg(PROG=("PROG", "any"), MISS=("MISS", "any"),
                                             GONE=("GONE", "all"))
    ntrg = pd.Series(np.select([per_visit["PROG"], per_visit["MISS"], per_visit["GONE"]],
                               [PD, NE, CR], NON_CR_NON_PD), index=per_visit.index, name="NTRGRESP")
    return post.merge(ntrg.reset_index(), on=VISIT_KEYS, how="left")


def derive_new_lesions(post: pd.DataFrame, lesions: pd.DataFrame) -> pd.DataFrame:
    """NEWLPROG: Y when a new lesion appears that is not recorded as equivocal."""
    new = lesions[lesions["ROLE"].eq(NEW)]
    equivocal = new["STATE"].eq("EQUIVOCAL").groupby([new[k] for k in (*VISIT_KEYS, "LNKID")]).any()
    unequivocal = (~equivocal).groupby(level=[0, 1]).any()
    flag = pd.Series(np.where(unequivocal, "Y", "EQUIVOCAL"), index=unequivocal.index,
                     name="NEWLPROG")
    out = post.merge(flag.reset_index(), on=VISIT_KEYS, how="left")
    out["NEWLPROG"] = out["NEWLPROG"].fillna("N")
    return out


def derive_overall_response(r: pd.DataFrame) -> pd.DataFrame:
    """The RECIST 1.1 overall response table (docs/efficacy.md)."""
    t, n = r["TRGRESP"], r["NTRGRESP"]
    no_target, no_non_target = t.isna(), n.isna()
    rules = [
        (r["NEWLPROG"].eq("Y"), PD, "new lesion"),
        (n.eq(PD), PD, "non-target unequivocal progression"),
        (t.eq(PD), PD, r["TRGRULE"]),
        (no_target & no_non_target, NE, "no baseline disease recorded"),
        (t.eq(CR) & (n.eq(CR) | no_non_target), CR, "target CR, non-target CR or none"),
        (t.eq(CR), PR, "target CR, non-target not CR"),
        (t.eq(PR), PR, "target PR"),
        (t.eq(SD), SD, "target SD"),
        (t.eq(NE), NE, "target lesion not measured"),
        (n.eq(CR), CR, "non-target disease only: CR"),
        (n.eq(NON_CR_NON_PD), NON_CR_NON_PD, "non-target disease only: NON-CR/NON-PD"),
    ]
    conditions = [np.asarray(c, dtype=bool) for c, _, _ in rules]
    r["OVRLRESP"] = np.select(conditions, [v for _, v, _ in rules], NE)
    r["RESPRULE"] = np.select(conditions, [np.asarray(w, dtype=object) for _, _, w in rules],
                              "non-target lesion not assessed")
    return r


def _long_responses(r: pd.DataFrame) -> pd.DataFrame:
    frames = []
    for paramcd, label in RESPONSE_PARAMS.items():
        f = r[[*VISIT_KEYS, "VISIT", "ADT", "ADTF"]].assign(
            PARAMCD=paramcd, PARAM=label, AVALC=r[paramcd], PHASE="post-baseline")
        if paramcd == "OVRLRESP":
            f["RESPRULE"] = r["RESPRULE"]
        frames.append(f[f["AVALC"].notna()])
    out = pd.concat(frames, ignore_index=True)
    out["AVAL"] = aval(out["AVALC"])
    out["ANL01FL"] = "Y"
    return out


def best_percent_change(adtr: pd.DataFrame) -> pd.DataFrame:
    """USUBJID, BESTPCHG: per subject the smallest % change from baseline of the complete
    post-baseline target sums (the waterfall's bar); subjects without one are left out."""
    s = adtr[adtr["PARAMCD"].eq("SUMDIAM") & adtr["ANL01FL"].eq("Y") & adtr["ABLFL"].ne("Y")]
    best = s.dropna(subset=["PCHG"]).groupby("USUBJID")["PCHG"].min()
    return best.rename("BESTPCHG").reset_index()


# Why a recomputed response differs from the reported one: checked in this order, first wins.
def _reasons(d: pd.DataFrame) -> list[tuple[pd.Series, str]]:
    rep, rec = d["REPORTED"], d["RECOMPUTED"]
    return [
        (rep.eq(""), "no overall response reported for the visit"),
        (rec.eq(""), "no lesion data at the visit"),
        (~rep.isin(RESPONSES), "reported response not in controlled terms"),
        (rec.eq(PD) & d["NEWLPROG"].eq("Y"), "new lesion, PD not reported"),
        (rec.eq(PD) & d["NTRGRESP"].eq(PD), "non-target progression, PD not reported"),
        (rec.eq(PD), "target PD (sum above nadir by the % and mm rule) not reported"),
        (rep.eq(PD) & d["NEWLPROG"].eq("EQUIVOCAL"), "PD reported on an equivocal new lesion"),
        (rep.eq(PD) & d["TRGRESP"].eq(CR) & d["NADPCTFL"].eq("Y") & d["NADMMFL"].eq("Y"),
         "PD reported on growth of normal-sized nodes (CR criteria met)"),
        (rep.eq(PD) & d["NADPCTFL"].eq("Y") & d["NADMMFL"].ne("Y"),
         "PD reported on a % increase below the mm minimum"),
        (rep.eq(PD), "PD reported without lesion evidence"),
        (d["TRGRESP"].eq(NE), "target lesion not measured"),
        (rec.eq(NE), "non-target lesion not assessed"),
        (rep.eq(NE), "NE reported although every lesion was assessed"),
        (rec.eq(CR), "CR criteria met, CR not reported"),
        (rep.eq(CR), "CR reported but disease remains"),
        (rec.eq(PR), "target PR (decrease from baseline) not reported"),
        (rep.eq(PR), "PR reported without the required decrease"),
        (rep.isin([SD, NON_CR_NON_PD]) & rec.isin([SD, NON_CR_NON_PD]),
         "SD / NON-CR/NON-PD confused (target vs non-target-only disease)"),
    ]


def _recomputed_visits(adtr: pd.DataFrame) -> pd.DataFrame:
    """Per visit of ADTR: VISIT, ADT, PHASE and the lesion-derived responses and changes."""
    visits = (adtr.dropna(subset=["PHASE"]).drop_duplicates(VISIT_KEYS)
              [[*VISIT_KEYS, "VISIT", "ADT", "PHASE"]])
    responses = adtr[adtr["PARAMCD"].isin(list(RESPONSE_PARAMS))].pivot_table(
        index=VISIT_KEYS, columns="PARAMCD", values="AVALC", aggfunc="first")
    responses = responses.reindex(columns=list(RESPONSE_PARAMS))
    sums = adtr[adtr["PARAMCD"].eq("SUMDIAM")].set_index(VISIT_KEYS)[
        ["PCHG", "PCHGNAD", "NADPCTFL", "NADMMFL"]]
    out = visits.join(responses, on=VISIT_KEYS).join(sums, on=VISIT_KEYS)
    return out.assign(VISITU=normalise(out["VISIT"]))


def _reported_visits(adrs: pd.DataFrame) -> pd.DataFrame:
    """Every reported overall response (ADRS OVR), the worst one where a date has several."""
    ovr = adrs[adrs["PARAMCD"].eq("OVR")]
    ovr = ovr.assign(VISITU=normalise(ovr["VISIT"]),
                     WORST=ovr["AVALC"].map(WORST_FIRST).fillna(len(WORST_FIRST)))
    ovr = ovr.sort_values(["USUBJID", "VISITU", "ADT", "WORST"]).drop_duplicates(
        ["USUBJID", "VISITU", "ADT"])
    return (ovr[["USUBJID", "VISITU", "VISIT", "AVALC", "ADT"]].reset_index(drop=True)
            .rename(columns={"AVALC": "REPORTED", "ADT": "RSADT", "VISIT": "RSVISIT"})
            .rename_axis("RSID").reset_index())


def _pair_visits(recomputed: pd.DataFrame, reported: pd.DataFrame) -> pd.DataFrame:
    """One-to-one: a reported response goes with the recomputed visit of the same name and
    the nearest date; what pairs with nothing stays, alone."""
    candidates = recomputed.merge(reported, on=["USUBJID", "VISITU"])
    gap = (candidates["ADT"] - candidates["RSADT"]).abs().fillna(pd.Timedelta(days=10**5))
    pairs = (candidates.assign(GAP=gap).sort_values("GAP", kind="stable")
             .drop_duplicates(VISIT_KEYS).drop_duplicates("RSID"))
    paired = pd.MultiIndex.from_frame(pairs[VISIT_KEYS])
    alone = recomputed[~pd.MultiIndex.from_frame(recomputed[VISIT_KEYS]).isin(paired)]
    unreported = reported[~reported["RSID"].isin(pairs["RSID"])]
    return pd.concat([pairs, alone, unreported], ignore_index=True)


def response_disagreements(adtr: pd.DataFrame, adrs: pd.DataFrame) -> pd.DataFrame:
    """Every assessment where the overall response recomputed from the lesions differs from
    the reported one (ADRS OVR, every record of the evaluator; paired by visit name and
    nearest date): USUBJID, ADT, VISIT, REPORTED, RECOMPUTED, CATEGORY and the components
    (TRGRESP, NTRGRESP, NEWLPROG, PCHG, PCHGNAD). A response reported at the baseline scan
    is not compared."""
    d = _pair_visits(_recomputed_visits(adtr), _reported_visits(adrs))
    d = d[~d["PHASE"].isin(["baseline", "pre-baseline"])].copy()
    d["RECOMPUTED"] = d["OVRLRESP"].fillna("")
    d["REPORTED"] = d["REPORTED"].fillna("")
    d = d[d["RECOMPUTED"] != d["REPORTED"]].copy()
    d["VISIT"] = d["VISIT"].fillna(d["RSVISIT"])
    d["ADT"] = d["ADT"].fillna(d["RSADT"])
    reasons = _reasons(d)
    d["CATEGORY"] = np.select([np.asarray(c, dtype=bool) for c, _ in reasons],
                              [r for _, r in reasons], "other")
    d["CATEGORY"] = d["CATEGORY"].where(
        d["CATEGORY"].ne("other"),
        d["REPORTED"] + " reported, " + d["RECOMPUTED"] + " from lesions")
    columns = ["USUBJID", "ADT", "VISIT", "REPORTED", "RECOMPUTED", "CATEGORY", "TRGRESP",
               "NTRGRESP", "NEWLPROG", "PCHG", "PCHGNAD"]
    return d.reindex(columns=columns).sort_values(["USUBJID", "ADT"]).reset_index(drop=True)
