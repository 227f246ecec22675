"""The whole simulated trial, from first consent to the end of study, as SDTM text frames."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from tasks.config import Simulation, TrialConfig
from tasks.simulate import catalogue as cat
from tasks.simulate.adverse import ae_frames, describe_events, draw_events
from tasks.simulate.course import draw_outcome, end_treatment, enrol, follow_up, study_end
from tasks.simulate.domains import cm_frame, dm_frame, ds_frame, suppdm_frame, vs_frame
from tasks.simulate.exposure import administer, ex_frame
from tasks.simulate.immune import immune_treatments
from tasks.simulate.lab_events import lab_events
from tasks.simulate.labs import lab_values, lb_frame
from tasks.simulate.tumour import plan_tumours, truncate
from tasks.simulate.tumour_frames import rs_frame, tr_frame, tu_frame
from tasks.simulate.visits import sv_frame, visit_table

DOMAINS = ("dm", "suppdm", "ds", "ex", "ae", "suppae", "rs", "tu", "tr", "lb", "cm", "sv", "vs")


def simulate_trial(cfg: TrialConfig, sim: Simulation, subjects: int, seed: int,
                   numbered: Mapping[str, int] | None = None) -> dict[str, pd.DataFrame]:
    """The trial's full history for `subjects` consented subjects (screen failures included):
    every domain as text frames with SDTM variable names, independent of any cutoff.
    `numbered`: as enrol's (the subjects of the parts simulated before)."""
    end = study_end(sim)
    people = enrol(cfg, sim, subjects, seed, numbered).pipe(draw_outcome, cfg=cfg, sim=sim,
                                                            seed=seed)
    tumours = plan_tumours(people, cfg, seed, end)
    people = end_treatment(people, tumours.pd_day, end)
    exposure = administer(people, cfg, seed)
    people = people.assign(last_dose=exposure.last_dose).pipe(
        follow_up, pd_day=tumours.pd_day, end=end, seed=seed)
    tumours = truncate(tumours, people)
    visits = visit_table(people, exposure, tumours, cfg, seed)
    # drawn AEs -> LB (immune hepatitis shows in ALT/AST) -> lab-type AEs from LB -> the
    # actions of all AEs change EX; steroids and hormones follow immune-related AEs (CM)
    drawn = draw_events(people, exposure, cfg, seed)
    hepatitis = drawn[drawn["decod"].eq(cat.IMMUNE_HEPATITIS_TERM)]
    labs = lab_values(visits, people, cfg, seed, hepatitis)
    events = pd.concat([drawn, lab_events(labs, hepatitis, seed)], ignore_index=True)
    ae, related, action, exposure = describe_events(events, people, exposure, cfg, seed)
    ae_frame, suppae = ae_frames(ae, related, action, people, cfg)
    study = cfg.study.id
    frames = {
        "dm": dm_frame(people, cfg, seed), "suppdm": suppdm_frame(people, cfg),
        "ds": ds_frame(people, cfg, seed), "ex": ex_frame(exposure, people, study),
        "ae": ae_frame, "suppae": suppae, "rs": rs_frame(tumours, people, cfg),
        "tu": tu_frame(tumours, people, cfg), "tr": tr_frame(tumours, people, cfg),
        "lb": lb_frame(labs, people, cfg),
        "cm": cm_frame(people, cfg, seed, immune_treatments(ae, people, seed)),
        "sv": sv_frame(visits, people, study), "vs": vs_frame(people, cfg)}
    return {name: frames[name] for name in DOMAINS}
