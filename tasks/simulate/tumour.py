"""Tumour burden over time: lesions at baseline, measurements at each assessment, progression.

Assessments run every cfg.response.assessment_interval_days from the first dose until the first
assessment on or after the subject's latent progression time (designed as PD: target growth, a
new lesion or unequivocal non-target progression), death or the end of the study. Before it,
target sums are kept below +12% of the nadir, so the response read from the rounded millimetres
(tasks.simulate.recist) is the one designed; that computed response is what RS reports.

Every assessment is read by iRECIST too (a PD-1 combination; visits["irecist"]): the RECIST 1.1
response with its i-prefix, iUPD for PD. A share of the progressing subjects is treated beyond the
first PD (clinically stable subjects continue): they have one more assessment, at the next
scheduled one, showing further growth (iCPD), and treatment stops there (their `pd_day` is that
day). The others stop at the first PD: their iUPD stays unconfirmed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tasks.config import TrialConfig
from tasks.simulate import catalogue as cat
from tasks.simulate.arrays import NEVER, choose, cumsum_within, ragged, stream
from tasks.simulate.recist import PD_ABSOLUTE_MM, boundary_visits, overall_response

BEYOND_PROGRESSION = 0.3           # share of subjects on treatment at a first PD treated beyond it
FURTHER_GROWTH = 1.1               # confirming assessment: target sum x this over the PD's ...
CONFIRMED_OVER_NADIR = 1.25        # ... and at least this over the nadir, + PD_ABSOLUTE_MM
AS_IRECIST = {"CR": "iCR", "PR": "iPR", "SD": "iSD", "NON-CR/NON-PD": "NON-iCR/NON-iUPD",
              "NE": "NE", "PD": "iUPD"}  # before a confirmation iRECIST reads as RECIST 1.1
VISIT_COLUMNS = ["subject", "k", "day", "designed_pd", "ne"]


@dataclass
class Tumours:
    lesions: pd.DataFrame       # subject, lnkid, kind TARGET/NON-TARGET, site, nodal, base, share
    visits: pd.DataFrame        # subject, k (0 = baseline), day, overall (and target detail)
    target: pd.DataFrame        # vid, lesion, nodal, ldiam, viab (NaN = not measured)
    non_target: pd.DataFrame    # vid, lesion, state ("" = not assessed)
    new: pd.DataFrame           # vid, site
    pd_day: np.ndarray          # per subject: day of the first PD (NEVER)


def _lesions(subjects: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Target lesions (the first in the liver; others outside it only with extrahepatic spread)
    and non-target lesions (a portal vein thrombus with macrovascular invasion)."""
    idx = np.flatnonzero(subjects["enrolled"].to_numpy())
    flag, yes = cat.EXTRAHEPATIC_FLAG
    spread = subjects[flag].to_numpy()[idx] == yes
    vflag, vyes = cat.VASCULAR_FLAG
    vascular = subjects[vflag].to_numpy()[idx] == vyes
    owner, pos = ragged(rng.choice([1, 2, 3], len(idx), p=cat.TARGET_COUNT_P))
    outside = (pos > 0) & spread[owner] & (rng.random(len(owner)) < cat.EXTRAHEPATIC_TARGET_SHARE)
    site = np.where(outside, choose(rng, cat.EXTRAHEPATIC_TARGET_SITES, len(owner)),
                    cat.LIVER_SITE)
    size = np.array([cat.LESION_SIZE_MM[s] for s in site.tolist()]).reshape(-1, 4)
    base = np.clip(np.round(size[:, 0] * np.exp(size[:, 1] * rng.standard_normal(len(owner)))),
                   size[:, 2], size[:, 3])
    share = np.where(site == cat.LIVER_SITE, rng.uniform(*cat.VIABLE_SHARE, len(owner)), 1.0)
    target = pd.DataFrame({"subject": idx[owner], "lnkid": [f"T{p + 1:02d}" for p in pos],
                           "kind": "TARGET", "site": site, "base": base, "share": share})
    n_other = rng.choice([0, 1, 2], len(idx), p=cat.NON_TARGET_COUNT_P)
    owner, pos = ragged(n_other + vascular)
    elsewhere = spread[owner] & (rng.random(len(owner)) < cat.NON_TARGET_OUTSIDE_SHARE)
    site = np.where(elsewhere, choose(rng, cat.EXTRAHEPATIC_NON_TARGET_SITES, len(owner)),
                    cat.LIVER_SITE)
    site = np.where(pos == n_other[owner], cat.VASCULAR_SITE, site)
    other = pd.DataFrame({"subject": idx[owner], "lnkid": [f"NT{p + 1:02d}" for p in pos],
                          "kind": "NON-TARGET", "site": site, "base": np.nan, "share": np.nan})
    lesions = pd.concat([target, other], ignore_index=True)
    lesions = lesions.sort_values("subject", kind="stable").reset_index(drop=True)
    lesions["nodal"] = lesions["site"].isin(cat.NODAL_SITES)
    return lesions


def _schedule(subjects: pd.DataFrame, cfg: TrialConfig, end: np.int64,
              rng: np.random.Generator) -> pd.DataFrame:
    """Baseline (screening) for the enrolled; for the treated, assessments up to the first one on
    or after the latent progression time, before death and up to the study end."""
    interval = cfg.response.assessment_interval_days
    idx = np.flatnonzero(subjects["treated"].to_numpy())
    d0 = subjects["d0"].to_numpy()[idx]
    horizon = np.minimum(subjects["death_latent"].to_numpy()[idx], end + 1) - d0
    latent = subjects["progression"].to_numpy()[idx]
    count = np.minimum((horizon + 3) // interval + 1, np.floor(latent / interval) + 2)
    owner, pos = ragged(np.maximum(count, 0).astype(np.int64))
    k = pos + 1
    low, high = cat.ASSESSMENT_JITTER_DAYS
    day = k * interval + rng.integers(low, high + 1, len(k))
    after = day >= latent[owner]
    first_after = after & ((pos == 0) | ~np.r_[False, after[:-1]])
    keep = (day < horizon[owner]) & (~after | first_after)
    u = rng.random(len(k))
    keep &= first_after | (u >= cat.MISSED_ASSESSMENT)
    unevaluable = ~first_after & (u >= cat.MISSED_ASSESSMENT) & (
        u < cat.MISSED_ASSESSMENT + cat.UNEVALUABLE_ASSESSMENT)
    post = pd.DataFrame({"subject": idx[owner], "k": k, "day": d0[owner] + day,
                         "designed_pd": first_after, "ne": unevaluable})[keep]
    enrolled = np.flatnonzero(subjects["enrolled"].to_numpy())
    baseline = pd.DataFrame({"subject": enrolled, "k": 0,
                             "day": subjects["screening"].to_numpy()[enrolled],
                             "designed_pd": False, "ne": False})
    visits = pd.concat([baseline, post]).sort_values(["subject", "k"], kind="stable")
    return visits.reset_index(drop=True)


def _percent_change(visits: pd.DataFrame, subjects: pd.DataFrame,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Designed % change of each target lesion per visit, and the visits of complete response."""
    n = len(subjects)
    s = visits["subject"].to_numpy()
    k = visits["k"].to_numpy()
    change = rng.uniform(*cat.NON_RESPONDER_CHANGE, n)[s]
    depth = rng.uniform(*cat.RESPONDER_DEPTH, n)[s]
    onset = subjects["onset"].to_numpy()[s]
    noise = rng.normal(0, cat.CHANGE_NOISE, len(k))
    other = np.clip(change * np.minimum(1, k / 2) + noise, *cat.NON_RESPONDER_LIMITS)
    responding = np.where(k >= onset, np.minimum(-depth + noise / 2, cat.RESPONSE_AT_LEAST),
                          -depth * k / onset + noise / 2)
    responder = subjects["responder"].to_numpy()[s]
    pct = np.where(k == 0, 0.0, np.where(responder, responding, other))
    return pct, subjects["cr"].to_numpy()[s] & (k > onset)


def _measure(visits: pd.DataFrame, lesions: pd.DataFrame, pct: np.ndarray, complete: np.ndarray,
             rng: np.random.Generator) -> pd.DataFrame:
    """Target diameters (mm) per visit: designed change with lesion noise, kept under +12% of the
    nadir before the designed progression, rounded; one lesion unmeasured at NE visits."""
    targets = lesions[lesions["kind"] == "TARGET"]
    first = targets.groupby("subject").cumcount().eq(0)
    start = pd.Series(targets.index[first.to_numpy()], index=targets["subject"][first.to_numpy()])
    count = targets.groupby("subject").size()
    s = visits["subject"].to_numpy()
    vid, pos = ragged(count.reindex(s).to_numpy())
    lesion = start.reindex(s).to_numpy()[vid] + pos
    base = lesions["base"].to_numpy()[lesion]
    nodal = lesions["nodal"].to_numpy()[lesion]
    value = base * (1 + pct[vid]) * np.exp(rng.normal(0, cat.LESION_NOISE, len(vid)))
    value[visits["k"].to_numpy()[vid] == 0] = base[visits["k"].to_numpy()[vid] == 0]
    sums = pd.Series(np.bincount(vid, weights=value, minlength=len(visits)))
    nadir = sums.groupby(s).cummin().groupby(s).shift(1).to_numpy()
    ceiling = cat.STABLE_CEILING * nadir / sums.to_numpy()
    factor = np.where(np.isnan(nadir), 1.0, np.minimum(1.0, ceiling))
    value = value * factor[vid]
    floor = np.where(nodal, 4, cat.SMALLEST_MEASURABLE_MM)
    value = np.maximum(np.round(value), floor)
    gone = complete[vid]
    value = np.where(gone, np.where(nodal, rng.integers(4, 10, len(vid)), 0), value)
    measured = pd.DataFrame({"vid": vid, "lesion": lesion, "nodal": nodal, "ldiam": value})
    measured.loc[visits["ne"].to_numpy()[vid] & (pos == 0), "ldiam"] = np.nan
    return measured


def _progress(visits: pd.DataFrame, target: pd.DataFrame, lesions: pd.DataFrame,
              subjects: pd.DataFrame, rng: np.random.Generator
              ) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """The designed PD visits: target growth to >= 25% and >= 8 mm over the nadir, a new lesion
    (always after a complete response), or unequivocal progression of a non-target lesion."""
    n = len(subjects)
    has_nt = np.bincount(lesions.loc[lesions["kind"] == "NON-TARGET", "subject"], minlength=n) > 0
    mode = choose(rng, cat.PD_MODE_P, n)
    mode = np.where(subjects["cr"].to_numpy(), "new", mode)
    mode = np.where((mode == "non-target") & ~has_nt, "target", mode)
    s = visits["subject"].to_numpy()
    pd_visit = visits["designed_pd"].to_numpy()
    vmode = np.where(pd_visit, mode[s], "")
    vid = target["vid"].to_numpy()
    sums = pd.Series(np.bincount(vid, weights=target["ldiam"].fillna(0), minlength=len(visits)))
    evaluable = sums.where(~visits["ne"].to_numpy() & ~pd_visit)
    nadir = evaluable.groupby(s).transform("min").to_numpy()
    growth = rng.uniform(*cat.PD_GROWTH, len(visits))
    wanted = np.maximum(growth * nadir, nadir + cat.PD_GROWTH_MM)
    base = lesions["base"].to_numpy()[target["lesion"].to_numpy()]
    base_sum = np.bincount(vid, weights=base, minlength=len(visits))
    grows = (vmode == "target")[vid]
    target.loc[grows, "ldiam"] = np.ceil(base[grows] * (wanted / base_sum)[vid][grows])
    new_vid = np.flatnonzero(vmode == "new")
    new = pd.DataFrame({"vid": new_vid, "site": choose(rng, cat.NEW_LESION_SITES, len(new_vid))})
    return target, new, vmode


def _non_target(visits: pd.DataFrame, lesions: pd.DataFrame, complete: np.ndarray,
                vmode: np.ndarray) -> pd.DataFrame:
    nt = lesions[lesions["kind"] == "NON-TARGET"]
    counts = nt.groupby("subject").size()
    s = visits["subject"].to_numpy()
    vid, pos = ragged(counts.reindex(s, fill_value=0).to_numpy())
    start = nt.reset_index().groupby("subject")["index"].min()
    lesion = start.reindex(s).to_numpy()[vid].astype(np.int64) + pos
    state = np.where(complete[vid], "ABSENT", "PRESENT").astype(object)
    state[(vmode[vid] == "non-target") & (pos == 0)] = "UNEQUIVOCAL PROGRESSION"
    return pd.DataFrame({"vid": vid, "lesion": lesion, "state": state})


def _viable(visits: pd.DataFrame, target: pd.DataFrame, lesions: pd.DataFrame,
            subjects: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """mRECIST viable diameter of liver lesions: a viable share shrinking at every visit of a
    responder (never growing before progression); other lesions as measured."""
    s = visits["subject"].to_numpy()
    responder = subjects["responder"].to_numpy()[s]
    step = np.where(responder, rng.uniform(*cat.VIABLE_STEP["responder"], len(s)),
                    rng.uniform(*cat.VIABLE_STEP["other"], len(s)))
    step[(visits["k"].to_numpy() == 0) | visits["designed_pd"].to_numpy()] = 1.0
    share = np.exp(cumsum_within(np.log(step), s))
    vid = target["vid"].to_numpy()
    liver = lesions["site"].to_numpy()[target["lesion"]] == cat.LIVER_SITE
    viable_share = lesions["share"].to_numpy()[target["lesion"]] * share[vid]
    return np.where(liver, np.round(target["ldiam"].to_numpy() * viable_share), target["ldiam"])


def plan_tumours(subjects: pd.DataFrame, cfg: TrialConfig, seed: int, end: np.int64) -> Tumours:
    """Lesions, assessments and the response read at each; the day of the first PD."""
    rng = stream(seed, "tumour")
    lesions = _lesions(subjects, rng)
    visits = _schedule(subjects, cfg, end, rng)
    pct, complete = _percent_change(visits, subjects, rng)
    target = _measure(visits, lesions, pct, complete, rng)
    target, new, mode = _progress(visits, target, lesions, subjects, rng)
    target = _settle_boundaries(visits, target)
    target["viab"] = _viable(visits, target, lesions, subjects, rng)
    non_target = _non_target(visits, lesions, complete, mode)
    tumours = _read_responses(Tumours(lesions, visits, target, non_target, new, np.array([])),
                              len(subjects))
    return _beyond_progression(tumours, subjects, cfg, seed, end)


def _settle_boundaries(visits: pd.DataFrame, target: pd.DataFrame) -> pd.DataFrame:
    """A visit exactly at -30% or +20% moves one millimetre past it (the largest lesion)."""
    deeper, bigger = boundary_visits(visits, target)
    measured = target.dropna(subset=["ldiam"]).sort_values("ldiam", kind="stable")
    largest = measured.groupby("vid").tail(1).set_index("vid")
    pairs = pd.MultiIndex.from_frame(target[["vid", "lesion"]])
    for rows, step in ((deeper, -1.0), (bigger, 1.0)):
        chosen = largest["lesion"].reindex(rows).dropna().astype(np.int64)
        hit = pairs.isin(pd.MultiIndex.from_arrays([chosen.index, chosen.to_numpy()]))
        target.loc[hit, "ldiam"] = target.loc[hit, "ldiam"] + step
    return target


def _read_responses(tumours: Tumours, n: int) -> Tumours:
    """The investigator's overall response at every visit, and each subject's first PD day."""
    visits, new_mask = tumours.visits, np.zeros(len(tumours.visits), dtype=bool)
    new_mask[tumours.new["vid"].to_numpy()] = True
    response = overall_response(visits, tumours.target, tumours.non_target, new_mask)
    tumours.visits = pd.concat([visits.reset_index(drop=True), response], axis=1)
    is_pd = tumours.visits["overall"].eq("PD")
    first = tumours.visits[is_pd].groupby("subject")["day"].min()
    pd_day = np.full(n, NEVER)
    pd_day[first.index.to_numpy()] = first.to_numpy()
    tumours.pd_day = pd_day
    return tumours


def _beyond_progression(tumours: Tumours, subjects: pd.DataFrame, cfg: TrialConfig, seed: int,
                        end: np.int64) -> Tumours:
    """A BEYOND_PROGRESSION share of the subjects alive at the assessment after their first PD
    gets it: target lesions grown further, non-target lesions as at the PD; `pd_day` becomes its
    day (treatment continues to it). visits["irecist"]: the iRECIST response of every visit
    ("" at baseline). A child of the tumour stream: no other draw changes."""
    rng = stream(seed, "tumour").spawn(1)[0]     # a stream of its own, apart from the lesions
    v = tumours.visits
    first = v[v["overall"].eq("PD")].drop_duplicates("subject")
    s = first["subject"].to_numpy()
    low, high = cat.ASSESSMENT_JITTER_DAYS
    k = first["k"].to_numpy() + 1
    day = (subjects["d0"].to_numpy()[s] + k * cfg.response.assessment_interval_days
           + rng.integers(low, high + 1, len(s)))
    pd_day = first["day"].to_numpy()
    on_treatment = ((subjects["ae_stop"].to_numpy()[s] > pd_day)
                    & (subjects["withdraw"].to_numpy()[s] > pd_day))
    # a subject whose schedule already goes on after the first PD (a PD read, not designed, at
    # an earlier visit) has its next assessment: no second one is added at that visit
    scheduled = pd.MultiIndex.from_arrays([v["subject"].to_numpy(), v["k"].to_numpy()])
    has_next = pd.MultiIndex.from_arrays([s, k]).isin(scheduled)
    chosen = ((rng.random(len(s)) < BEYOND_PROGRESSION) & on_treatment & ~has_next
              & (day < subjects["death_latent"].to_numpy()[s]) & (day <= end))
    pd_vid = first.index.to_numpy()[chosen]
    added = pd.DataFrame({"subject": s[chosen], "k": k[chosen], "day": day[chosen],
                          "designed_pd": False, "ne": False})
    visits = pd.concat([v[VISIT_COLUMNS], added], ignore_index=True)
    order = np.lexsort((visits["k"].to_numpy(), visits["subject"].to_numpy()))
    position = np.empty(len(visits), dtype=np.int64)
    position[order] = np.arange(len(visits))
    confirm_vid = position[len(v) + np.arange(len(added))]
    # The growth shared by the target lesions in proportion to their size (equally after a CR).
    pd_sum = first["sum"].to_numpy()[chosen]
    wanted = np.maximum(FURTHER_GROWTH * pd_sum,
                        CONFIRMED_OVER_NADIR * first["nadir"].to_numpy()[chosen]) + PD_ABSOLUTE_MM
    grown = tumours.target[tumours.target["vid"].isin(pd_vid)].copy()
    total = grown["vid"].map(pd.Series(pd_sum, index=pd_vid))
    weight = np.where(total > 0, grown["ldiam"] / total.where(total > 0, 1),
                      1 / grown.groupby("vid")["ldiam"].transform("size"))
    extra = np.ceil(grown["vid"].map(pd.Series(wanted - pd_sum, index=pd_vid)) * weight)
    grown["ldiam"] = grown["ldiam"] + extra
    grown["viab"] = grown["viab"] + extra
    same = tumours.non_target[tumours.non_target["vid"].isin(pd_vid)].copy()
    to_confirm = pd.Series(confirm_vid, index=pd_vid)

    def moved(frame: pd.DataFrame, copies: pd.DataFrame) -> pd.DataFrame:
        # astype: mapping no copies at all (nobody goes on beyond PD) gives float64
        copies = copies.assign(vid=copies["vid"].map(to_confirm).astype(np.int64))
        frame = frame.assign(vid=position[frame["vid"].to_numpy()])
        return pd.concat([frame, copies], ignore_index=True).sort_values(
            ["vid", "lesion"], kind="stable").reset_index(drop=True)

    beyond = _read_responses(Tumours(
        tumours.lesions, visits.iloc[order].reset_index(drop=True), moved(tumours.target, grown),
        moved(tumours.non_target, same), tumours.new.assign(vid=position[tumours.new["vid"]]),
        np.array([])), len(subjects))
    visits = beyond.visits
    confirming = np.isin(np.arange(len(visits)), confirm_vid)
    visits["irecist"] = np.where(confirming, "iCPD", visits["overall"].map(AS_IRECIST).fillna(""))
    beyond.pd_day[s[chosen]] = day[chosen]
    return beyond


def truncate(tumours: Tumours, subjects: pd.DataFrame) -> Tumours:
    """Assessments the subject lived to have: up to the first PD, before a new anticancer
    therapy and death, up to the end of study."""
    v = tumours.visits
    s = v["subject"].to_numpy()
    stop = np.minimum.reduce([tumours.pd_day[s] + 1, subjects["new_tx"].to_numpy()[s],
                              subjects["eos_day"].to_numpy()[s] + 1,
                              subjects["death_day"].to_numpy()[s]])
    keep = (v["k"].to_numpy() == 0) | (v["day"].to_numpy() < stop)
    old = np.flatnonzero(keep)
    remap = np.full(len(v), -1)
    remap[old] = np.arange(len(old))

    def follow(frame: pd.DataFrame) -> pd.DataFrame:
        kept = frame[keep[frame["vid"].to_numpy()]].copy()
        kept["vid"] = remap[kept["vid"].to_numpy()]
        return kept.reset_index(drop=True)

    return Tumours(tumours.lesions, v[keep].reset_index(drop=True), follow(tumours.target),
                   follow(tumours.non_target), follow(tumours.new), tumours.pd_day)
