"""What the synthetic trial draws from: distributions, MedDRA-like terms, lab ranges, schedules.

The regimen's realism (2L advanced HCC, HAIC + anti-PD-1/TGF-beta + anti-VEGFR2) lives here as
data; component codes refer to cfg.study.components, QNAMs to cfg.baseline.characteristics and
test codes to cfg.labs / cfg.baseline.labs. The trial's sizes, medians and dates are in the config.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# --- enrolment and screening ---------------------------------------------------------------
ENROLMENT_RAMP_SHARE = 0.2          # accrual rises linearly over this share of the period
SITE_CONCENTRATION = 4.0            # Dirichlet concentration of the site shares (unequal sites)
SCREENING_DAYS = (7, 28)            # consent -> first dose
SCREEN_FAILURE_DAYS = (3, 28)       # consent -> screen failure
NOT_TREATED_RATE = 0.01             # enrolled, withdrew before the first dose
SCREEN_FAILURE_TERMS = ("INCLUSION CRITERION NOT MET: CHILD-PUGH SCORE > 7",
                        "INCLUSION CRITERION NOT MET: NO MEASURABLE DISEASE",
                        "EXCLUSION CRITERION MET: INADEQUATE ORGAN FUNCTION",
                        "EXCLUSION CRITERION MET: MAIN PORTAL VEIN OCCLUSION",
                        "WITHDREW CONSENT DURING SCREENING")

# --- demography (a Chinese multicentre HCC trial) ------------------------------------------
AGE = (57.0, 10.0, 18, 85)          # mean, sd, min, max
MALE_SHARE = 0.85
RACE = {"ASIAN": 0.97, "WHITE": 0.02, "OTHER": 0.01}
ETHNIC = "NOT HISPANIC OR LATINO"
COUNTRY = "CHN"
HEIGHT_CM = {"M": (169.0, 6.0), "F": (158.0, 5.0)}
WEIGHT_KG = {"M": (66.0, 10.0), "F": (56.0, 8.0)}

# --- baseline disease (SUPPDM QNAM -> value shares) -----------------------------------------
CHARACTERISTICS: dict[str, dict[str, float]] = {
    "ECOG": {"0": 0.55, "1": 0.45},
    "CHILDPUG": {"A": 0.9, "B": 0.1},
    "ETIOLOGY": {"HBV": 0.75, "HCV": 0.08, "OTHER": 0.17},
    "MVI": {"Y": 0.4, "N": 0.6},
    "EHS": {"Y": 0.55, "N": 0.45},
    "PRIORREG": {"ATEZOLIZUMAB+BEVACIZUMAB": 0.45, "LENVATINIB": 0.25, "SORAFENIB": 0.08,
                 "DURVALUMAB+TREMELIMUMAB": 0.12, "OTHER": 0.10},
    "BCLC": {"B": 0.2, "C": 0.8},
}
# A characteristic implied by others: (value if any condition holds, value otherwise, conditions).
# BCLC stage C = macrovascular invasion, extrahepatic spread or ECOG >= 1.
IMPLIED: dict[str, tuple[str, str, dict[str, str]]] = {
    "BCLC": ("C", "B", {"MVI": "Y", "EHS": "Y", "ECOG": "1"}),
}
CHARACTERISTIC_LABELS = {"ECOG": "ECOG Performance Status", "BCLC": "BCLC Stage",
                         "CHILDPUG": "Child-Pugh Class", "ETIOLOGY": "Etiology of HCC",
                         "MVI": "Macrovascular Invasion", "EHS": "Extrahepatic Spread",
                         "PRIORREG": "Prior First-line Regimen"}

# --- prior and subsequent anticancer therapy (CM) -------------------------------------------
PRIOR_THERAPY_CATEGORY = "PRIOR ANTI-CANCER THERAPY"
SUBSEQUENT_THERAPY_CATEGORY = "SUBSEQUENT ANTICANCER THERAPY"
PRIOR_DRUGS = {"ATEZOLIZUMAB+BEVACIZUMAB": ("ATEZOLIZUMAB", "BEVACIZUMAB"),
               "LENVATINIB": ("LENVATINIB",), "SORAFENIB": ("SORAFENIB",),
               "DURVALUMAB+TREMELIMUMAB": ("DURVALUMAB", "TREMELIMUMAB"),
               "OTHER": ("DONAFENIB",)}
PRIOR_START_DAYS = (120, 540)       # before consent
PRIOR_END_DAYS = (14, 60)           # before consent
SUBSEQUENT_DRUGS = {"REGORAFENIB": 0.35, "CABOZANTINIB": 0.2, "LENVATINIB": 0.2,
                    "APATINIB": 0.15, "DONAFENIB": 0.1}
SUBSEQUENT_AFTER_PD = 0.45          # share starting a new therapy after progression
SUBSEQUENT_AFTER_OTHER_STOP = 0.30  # ... after stopping treatment for another reason
SUBSEQUENT_DELAY_DAYS = (14, 70)

# --- outcome -----------------------------------------------------------------------------
RESPONDER_PFS_RATIO = 4.0           # responders' progression-free time (after response) / others'
RESPONSE_ONSET_P = (0.6, 0.3, 0.1)  # first response at assessment 1, 2 or 3
RESPONDER_PD_AFTER_DAYS = 8         # progression no sooner than this after the first response
CR_SHARE = 0.15                     # responders whose tumour disappears
DEATH_BEFORE_PROGRESSION = 0.08     # deaths not preceded by radiological progression
AE_STOP_MEDIAN_MONTHS = 40.0        # time to stopping treatment for toxicity
WITHDRAWAL_MEDIAN_MONTHS = 90.0     # time to stopping treatment by choice
PHYSICIAN_DECISION_SHARE = 0.3      # of those stops: the investigator's decision
CONSENT_WITHDRAWN_SHARE = 0.5       # of the subject's own stops: leaves the study too
LOST_MEDIAN_MONTHS = 150.0          # time in follow-up to loss to follow-up
LOST_AFTER_DAYS = 30                # ... counted from this long after the end of treatment
PD_STOP_DELAY_DAYS = (0, 7)         # progression seen -> end-of-treatment decision
AE_DEATH_WINDOW_DAYS = 90           # a death this close to the last dose may be an AE death
AE_DEATH_SHARE = {"after_pd": 0.07, "without_pd": 0.45}
OTHER_DEATH_SHARE = {"after_pd": 0.03, "without_pd": 0.20}
DEATH_BY_PROGRESSION = "DISEASE PROGRESSION"
OTHER_DEATH_TERMS = ("UNKNOWN CAUSE", "ACCIDENTAL FALL")
CALIBRATION_DRAWS = 20000           # fixed sample that sets the latent medians from the config

# --- tumour (RECIST 1.1; mRECIST viable diameters for liver lesions) ------------------------
TARGET_COUNT_P = (0.3, 0.4, 0.3)                     # 1, 2, 3 target lesions
NON_TARGET_COUNT_P = (0.35, 0.45, 0.2)               # 0, 1, 2 non-target lesions
EXTRAHEPATIC_TARGET_SHARE = 0.5                      # further targets outside the liver (EHS)
EXTRAHEPATIC_TARGET_SITES = {"LUNG": 0.6, "LYMPH NODE": 0.4}
EXTRAHEPATIC_NON_TARGET_SITES = {"LUNG": 0.3, "BONE": 0.25, "LYMPH NODE": 0.25,
                                 "PERITONEUM": 0.1, "ADRENAL GLAND": 0.1}
NODAL_SITES = ("LYMPH NODE",)
VASCULAR_SITE = "PORTAL VEIN"                        # tumour thrombus, with MVI
LIVER_SITE = "LIVER"
EXTRAHEPATIC_FLAG = ("EHS", "Y")                     # SUPPDM value that allows extrahepatic lesions
VASCULAR_FLAG = ("MVI", "Y")
NEW_LESION_SITES = {"LIVER": 0.5, "LUNG": 0.25, "BONE": 0.15, "PERITONEUM": 0.1}
LESION_SIZE_MM = {"LIVER": (40.0, 0.5, 12, 150), "LUNG": (16.0, 0.35, 10, 50),
                  "LYMPH NODE": (20.0, 0.3, 15, 45)}  # median, log sd, min, max
VIABLE_SHARE = (0.7, 1.0)                            # viable / longest diameter at baseline (liver)
ASSESSMENT_JITTER_DAYS = (-3, 7)
MISSED_ASSESSMENT = 0.03
UNEVALUABLE_ASSESSMENT = 0.02
NON_TARGET_OUTSIDE_SHARE = 0.6                       # non-targets outside the liver (EHS)
NON_RESPONDER_CHANGE = (-0.22, 0.12)                 # best % change of the target sum
NON_RESPONDER_LIMITS = (-0.24, 0.15)                 # ... never a response
RESPONDER_DEPTH = (0.38, 0.85)                       # shrinkage of responders
RESPONSE_AT_LEAST = -0.33                            # change once responding (margin to -30%)
CHANGE_NOISE = 0.03                                  # visit to visit, on the % change
LESION_NOISE = 0.05                                  # lesion to lesion (log scale)
STABLE_CEILING = 1.12                                # sum / nadir before progression (PD at 1.2)
PD_MODE_P = {"target": 0.55, "new": 0.35, "non-target": 0.10}
PD_GROWTH = (1.25, 1.6)                              # target sum / nadir at progression
PD_GROWTH_MM = 8                                     # ... and at least this many mm (PD at 5)
VIABLE_STEP = {"responder": (0.7, 0.95), "other": (0.96, 1.0)}   # viable share per assessment
SMALLEST_MEASURABLE_MM = 5                           # RECIST default for "too small to measure"

# --- treatment ----------------------------------------------------------------------------
CYCLE_DELAY_P = {0: 0.9, 7: 0.08, 14: 0.02}           # days a cycle is delayed
NOT_REDUCED = ("TQB2868",)                           # immunotherapy: held or stopped, never reduced
REDUCED_DOSE_SHARE = 0.75                            # each reduction: one dose level down ...
MAX_REDUCTIONS = 2                                   # ... at most twice
COURSE_STOP_P = 0.05                                 # per cycle: a limited course stops early
DOSE_ADJUSTMENT_REASON = "ADVERSE EVENT"
ROUTES = {"HAIC": "INTRA-ARTERIAL"}                  # component code -> EXROUTE
DEFAULT_ROUTE = "INTRAVENOUS"

# --- visits -------------------------------------------------------------------------------
# Liver panel besides day 1: weekly in cycle 1 and in the cycles of a limited course (HAIC is
# hepatotoxic), on day 8 of later cycles (immune hepatitis in cirrhotic livers); the tumour
# marker only with the full panel of day 1, screening, end of treatment and safety follow-up.
LAB_DAYS_FIRST_CYCLE = (8, 15)
LAB_DAYS_COURSE_CYCLES = (8, 15)
LAB_DAYS_OTHER_CYCLES = (8,)
MISSING_C1D1_LABS = 0.05            # baseline then falls back on screening
SURVIVAL_CONTACT_DAYS = (49, 56)    # survival follow-up contacts (kept under 60 days apart)

# --- adverse events -----------------------------------------------------------------------
AE_RATE_PER_MONTH = 2.4             # onsets per month from first dose to last dose + window
AE_LATE_RATE = 0.3                  # immune-related onsets between the window and LATE_DAYS
AE_LATE_DAYS = 90
AE_PRE_RATE = 0.3                   # onsets between consent and first dose
# most grade 3 lab and BP events are not serious
SERIOUS_P = {1: 0.01, 2: 0.04, 3: 0.3, 4: 0.8, 5: 1.0}
SEQUELAE_P = 0.1                    # grade >= 3 that resolves with sequelae
ACTION_P = {                        # action with the related study drugs, by grade, on treatment
    1: {"DOSE NOT CHANGED": 1.0},
    2: {"DOSE NOT CHANGED": 0.88, "DRUG INTERRUPTED": 0.12},
    3: {"DOSE NOT CHANGED": 0.15, "DRUG INTERRUPTED": 0.55, "DOSE REDUCED": 0.3},
    4: {"DRUG INTERRUPTED": 0.6, "DOSE REDUCED": 0.4},
}
# Per-drug actions (SUPPAE) from least to most severe: AEACN holds the most severe of them.
ACTIONS = ("NOT APPLICABLE", "DOSE NOT CHANGED", "DRUG INTERRUPTED", "DOSE REDUCED",
           "DRUG WITHDRAWN")
DEFAULT_RELATEDNESS = 0.2           # components a term does not name
SEVERITY = {1: "MILD", 2: "MODERATE", 3: "SEVERE", 4: "SEVERE", 5: "SEVERE"}

# Phases: "treatment" any time on treatment; "course" within days of a limited-course dose
# (HAIC); "immune" also after the window, up to AE_LATE_DAYS; "background" also before dosing;
# "decompensation" on treatment at the subject's Child-Pugh rate (DECOMPENSATION_RATE);
# "lab" never drawn: made from the LB values that show it (LAB_EVENTS).
DECOMPENSATION_RATE = {"A": 0.035, "B": 0.12}   # onsets per month on treatment, by Child-Pugh class


@dataclass(frozen=True)
class Term:
    decod: str
    bodsys: str
    verbatims: tuple[str, ...]
    weight: float
    grades: tuple[float, float, float, float]       # P(grade 1..4)
    days: float                                      # median duration
    related: dict[str, float] = field(default_factory=dict)
    phase: str = "treatment"


GI = "GASTROINTESTINAL DISORDERS"
RESP = "RESPIRATORY, THORACIC AND MEDIASTINAL DISORDERS"
SKIN = "SKIN AND SUBCUTANEOUS TISSUE DISORDERS"
GEN = "GENERAL DISORDERS AND ADMINISTRATION SITE CONDITIONS"
INV = "INVESTIGATIONS"
TERMS: tuple[Term, ...] = (
    Term("HYPERTENSION", "VASCULAR DISORDERS", ("HYPERTENSION", "HIGH BLOOD PRESSURE"), 9,
         (0.30, 0.42, 0.26, 0.02), 90, {"RAM": 0.85, "TQB2868": 0.15, "HAIC": 0.03}),
    Term("PROTEINURIA", "RENAL AND URINARY DISORDERS", ("PROTEINURIA", "URINE PROTEIN POSITIVE"),
         8, (0.55, 0.37, 0.08, 0.0), 60, {"RAM": 0.85, "TQB2868": 0.15}),
    Term("EPISTAXIS", RESP, ("EPISTAXIS", "NOSE BLEED"), 4, (0.85, 0.14, 0.01, 0.0), 3,
         {"RAM": 0.7, "TQB2868": 0.3}),
    Term("GASTROINTESTINAL HAEMORRHAGE", GI, ("GASTROINTESTINAL BLEEDING", "UPPER GI BLEEDING"),
         1.2, (0.2, 0.35, 0.35, 0.1), 10, {"RAM": 0.6, "TQB2868": 0.1, "HAIC": 0.1}),
    Term("GASTROINTESTINAL PERFORATION", GI, ("GASTROINTESTINAL PERFORATION",), 0.1,
         (0.0, 0.0, 0.6, 0.4), 20, {"RAM": 0.7}),
    Term("HYPOTHYROIDISM", "ENDOCRINE DISORDERS", ("HYPOTHYROIDISM",), 4,
         (0.45, 0.53, 0.02, 0.0), 180, {"TQB2868": 0.9}, "immune"),
    Term("IMMUNE-MEDIATED HEPATITIS", "HEPATOBILIARY DISORDERS",
         ("IMMUNE MEDIATED HEPATITIS", "AUTOIMMUNE HEPATITIS"), 1.5, (0.1, 0.45, 0.4, 0.05), 40,
         {"TQB2868": 0.9, "HAIC": 0.2}, "immune"),
    Term("COLITIS", GI, ("COLITIS", "IMMUNE COLITIS"), 0.8, (0.2, 0.45, 0.3, 0.05), 30,
         {"TQB2868": 0.85}, "immune"),
    Term("PNEUMONITIS", RESP, ("PNEUMONITIS", "IMMUNE-RELATED PNEUMONITIS"), 0.8,
         (0.3, 0.45, 0.2, 0.05), 45, {"TQB2868": 0.9}, "immune"),
    Term("RASH", SKIN, ("RASH", "SKIN RASH", "MACULOPAPULAR RASH"), 6, (0.6, 0.3, 0.1, 0.0), 25,
         {"TQB2868": 0.8, "RAM": 0.1}, "immune"),
    Term("KERATOACANTHOMA", "NEOPLASMS BENIGN, MALIGNANT AND UNSPECIFIED (INCL CYSTS AND POLYPS)",
         ("KERATOACANTHOMA",), 1.5, (0.5, 0.45, 0.05, 0.0), 60, {"TQB2868": 0.85}),
    Term("PERIPHERAL SENSORY NEUROPATHY", "NERVOUS SYSTEM DISORDERS",
         ("PERIPHERAL NEUROPATHY", "NUMBNESS IN FINGERS"), 5, (0.6, 0.33, 0.07, 0.0), 120,
         {"HAIC": 0.95}, "course"),
    Term("THROMBOCYTOPENIA", "BLOOD AND LYMPHATIC SYSTEM DISORDERS",
         ("THROMBOCYTOPENIA", "LOW PLATELETS"), 0, (0.4, 0.35, 0.2, 0.05), 14,
         {"HAIC": 0.8, "RAM": 0.2}, "lab"),
    Term("PLATELET COUNT DECREASED", INV, ("PLATELET COUNT DECREASED", "PLATELETS LOW"), 0,
         (0.4, 0.35, 0.2, 0.05), 14, {"HAIC": 0.8, "RAM": 0.2}, "lab"),
    Term("ABDOMINAL PAIN", GI, ("ABDOMINAL PAIN", "RIGHT UPPER QUADRANT PAIN"), 8,
         (0.55, 0.38, 0.07, 0.0), 3, {"HAIC": 0.85}, "course"),
    Term("PYREXIA", GEN, ("FEVER", "PYREXIA"), 7, (0.7, 0.27, 0.03, 0.0), 2,
         {"HAIC": 0.6, "TQB2868": 0.3}, "course"),
    Term("NAUSEA", GI, ("NAUSEA",), 7, (0.7, 0.28, 0.02, 0.0), 3, {"HAIC": 0.85}, "course"),
    Term("VOMITING", GI, ("VOMITING",), 4, (0.7, 0.27, 0.03, 0.0), 2, {"HAIC": 0.8}, "course"),
    Term("FATIGUE", GEN, ("FATIGUE", "TIREDNESS"), 8, (0.6, 0.35, 0.05, 0.0), 30,
         {"TQB2868": 0.4, "RAM": 0.3, "HAIC": 0.3}, "background"),
    Term("ALANINE AMINOTRANSFERASE INCREASED", INV, ("ALT INCREASED", "ALT ELEVATED"), 0,
         (0.55, 0.30, 0.14, 0.01), 14, {"HAIC": 0.7, "TQB2868": 0.4}, "lab"),
    Term("ASPARTATE AMINOTRANSFERASE INCREASED", INV, ("AST INCREASED", "AST ELEVATED"), 0,
         (0.55, 0.30, 0.14, 0.01), 14, {"HAIC": 0.7, "TQB2868": 0.4}, "lab"),
    Term("BLOOD BILIRUBIN INCREASED", INV, ("BILIRUBIN INCREASED", "HYPERBILIRUBINAEMIA"), 0,
         (0.5, 0.35, 0.14, 0.01), 20, {"HAIC": 0.5, "TQB2868": 0.2}, "lab"),
    Term("BLOOD ALKALINE PHOSPHATASE INCREASED", INV, ("ALP INCREASED",), 0,
         (0.6, 0.3, 0.1, 0.0), 20, {"HAIC": 0.4}, "lab"),
    Term("HEPATIC ENCEPHALOPATHY", "NERVOUS SYSTEM DISORDERS", ("HEPATIC ENCEPHALOPATHY",), 0.15,
         (0.1, 0.4, 0.4, 0.1), 7, {"HAIC": 0.1}, "decompensation"),
    Term("OESOPHAGEAL VARICES HAEMORRHAGE", GI, ("VARICEAL BLEEDING", "OESOPHAGEAL VARICEAL BLEED"),
         0.25, (0.05, 0.35, 0.45, 0.15), 7, {"RAM": 0.4}, "decompensation"),
    Term("INFUSION RELATED REACTION", "INJURY, POISONING AND PROCEDURAL COMPLICATIONS",
         ("INFUSION REACTION",), 2, (0.5, 0.45, 0.05, 0.0), 1, {"TQB2868": 0.6, "RAM": 0.5}),
    Term("DECREASED APPETITE", "METABOLISM AND NUTRITION DISORDERS",
         ("DECREASED APPETITE", "ANOREXIA"), 5, (0.7, 0.27, 0.03, 0.0), 30,
         {"HAIC": 0.5, "TQB2868": 0.3}, "background"),
    Term("DIARRHOEA", GI, ("DIARRHOEA", "DIARRHEA"), 4, (0.75, 0.2, 0.05, 0.0), 5,
         {"TQB2868": 0.5, "HAIC": 0.3}),
    Term("PRURITUS", SKIN, ("PRURITUS", "ITCHING"), 3, (0.8, 0.18, 0.02, 0.0), 20,
         {"TQB2868": 0.7}, "immune"),
    Term("HYPERTHYROIDISM", "ENDOCRINE DISORDERS", ("HYPERTHYROIDISM",), 1.5,
         (0.7, 0.3, 0.0, 0.0), 45, {"TQB2868": 0.9}, "immune"),
    Term("ANAEMIA", "BLOOD AND LYMPHATIC SYSTEM DISORDERS", ("ANAEMIA", "ANEMIA"), 4,
         (0.45, 0.4, 0.15, 0.0), 60, {"HAIC": 0.4, "RAM": 0.2}),
    Term("HYPOALBUMINAEMIA", "METABOLISM AND NUTRITION DISORDERS", ("HYPOALBUMINEMIA",), 0,
         (0.5, 0.45, 0.05, 0.0), 60, {}, "lab"),
    Term("ASCITES", GI, ("ASCITES",), 0.6, (0.35, 0.45, 0.2, 0.0), 45, {"RAM": 0.2, "HAIC": 0.2},
         "decompensation"),
    Term("CATHETER SITE HAEMATOMA", "INJURY, POISONING AND PROCEDURAL COMPLICATIONS",
         ("PUNCTURE SITE HAEMATOMA",), 1, (0.8, 0.2, 0.0, 0.0), 7, {"HAIC": 0.9}, "course"),
)
# Events that stop treatment (AEACN DRUG WITHDRAWN) and events that kill, by share.
STOPPING_TERMS = {"IMMUNE-MEDIATED HEPATITIS": 0.3, "PNEUMONITIS": 0.2, "PROTEINURIA": 0.15,
                  "GASTROINTESTINAL HAEMORRHAGE": 0.15, "HYPERTENSION": 0.1, "COLITIS": 0.1}
STOPPING_GRADE_P = {2: 0.15, 3: 0.7, 4: 0.15}
FATAL_TERMS: dict[str, tuple[str, float, dict[str, float]]] = {
    "HEPATIC FAILURE": ("HEPATOBILIARY DISORDERS", 0.4, {"HAIC": 0.3, "TQB2868": 0.3}),
    "GASTROINTESTINAL HAEMORRHAGE": (GI, 0.3, {"RAM": 0.6}),
    "SEPSIS": ("INFECTIONS AND INFESTATIONS", 0.15, {"HAIC": 0.2}),
    "PNEUMONITIS": (RESP, 0.1, {"TQB2868": 0.9}),
    "GASTROINTESTINAL PERFORATION": (GI, 0.05, {"RAM": 0.7}),
}
FATAL_PRELUDE_DAYS = (1, 10)        # the event at grade 3-4 before it became fatal


# --- laboratory (liver panel and AFP) -------------------------------------------------------
@dataclass(frozen=True)
class LabTest:
    name: str
    category: str
    unit: str
    low: float                      # normal range
    high: float
    median: float                   # baseline median
    log_sd: float                   # between subjects
    noise: float                    # visit to visit (log scale)
    decimals: int


LAB_TESTS: dict[str, LabTest] = {
    "ALT": LabTest("Alanine Aminotransferase", "CHEMISTRY", "U/L", 7, 40, 36, 0.45, 0.15, 0),
    "AST": LabTest("Aspartate Aminotransferase", "CHEMISTRY", "U/L", 13, 35, 46, 0.45, 0.15, 0),
    "BILI": LabTest("Bilirubin", "CHEMISTRY", "umol/L", 3.4, 20.5, 15, 0.35, 0.15, 1),
    "ALP": LabTest("Alkaline Phosphatase", "CHEMISTRY", "U/L", 35, 100, 120, 0.4, 0.12, 0),
    "ALB": LabTest("Albumin", "CHEMISTRY", "g/L", 35, 55, 37, 0.1, 0.05, 1),
    "PLAT": LabTest("Platelets", "HEMATOLOGY", "10^9/L", 100, 300, 150, 0.4, 0.15, 0),
    "AFP": LabTest("Alpha-Fetoprotein", "TUMOR MARKERS", "ng/mL", 0, 7, 150, 2.0, 0.15, 1),
}
TRANSAMINASES = ("ALT", "AST")
BILIRUBIN = "BILI"
TUMOUR_MARKER = "AFP"
PLATELETS = "PLAT"
ALBUMIN = "ALB"
COURSE_DAY8_TRANSAMINASE_RISE = (1.1, 1.6)   # a week after HAIC
COURSE_DAY8_PLATELET_FALL = (0.7, 0.95)
ALBUMIN_DRIFT_PER_MONTH = -0.004             # log scale
HEPATITIS_EPISODE_P = 0.08                   # subjects with a grade 2-3 transaminase episode (HAIC)
HEPATITIS_PEAK_ULN = (3.0, 9.0)
HEPATITIS_VISITS = (1, 3)
# An immune-mediated hepatitis AE raises ALT and AST at the visits it spans into its grade's
# CTCAE band (multiples of the ULN); its investigator reports the diagnosis, not the lab terms.
IMMUNE_HEPATITIS_TERM = "IMMUNE-MEDIATED HEPATITIS"
IMMUNE_HEPATITIS_ULN = {1: (1.5, 2.8), 2: (3.3, 4.8), 3: (5.5, 12.0), 4: (21.0, 30.0)}
IMMUNE_HEPATITIS_OPEN_DAYS = 21              # an ongoing one spans this many days of visits
CHILD_PUGH_B_LEVEL = {"ALB": 0.82, "BILI": 1.8}   # Child-Pugh B: worse synthetic function
# Lab-type AEs: an episode of consecutive post-baseline visits with a CTCAE grade >= 1 of the
# test, reported as one AE at the episode's worst grade, from the first visit at that grade to
# the day before the first visit back at grade 0; a grade 1 episode only when the baseline was
# normal. The investigator reports it with REPORT_P by grade.
LAB_EVENTS = {"ALT": ("ALANINE AMINOTRANSFERASE INCREASED",),
              "AST": ("ASPARTATE AMINOTRANSFERASE INCREASED",),
              "BILI": ("BLOOD BILIRUBIN INCREASED",),
              "ALP": ("BLOOD ALKALINE PHOSPHATASE INCREASED",),
              "ALB": ("HYPOALBUMINAEMIA",),
              "PLAT": ("THROMBOCYTOPENIA", "PLATELET COUNT DECREASED")}
LAB_EVENT_REPORT_P = {1: 0.15, 2: 0.6, 3: 1.0, 4: 1.0}
BILIRUBIN_CAP_ULN = (1.5, 1.95)              # outside a potential Hy's law case
HYS_LAW_PER_SUBJECT = 1 / 2500               # potential Hy's law cases among treated subjects
HYS_LAW_ALT_ULN = (4.0, 10.0)
HYS_LAW_BILI_ULN = (2.3, 4.0)
AFP_SLOPE_PER_MONTH = {"responder": (-0.35, -0.08), "other": (0.0, 0.12)}
AFP_FLOOR = 1.0

# --- treatment of immune-related AEs (CM) ---------------------------------------------------
IMMUNE_CM_CATEGORY = "CONCOMITANT MEDICATION"
# term -> (drug, route, share treated by grade 1..4); other immune-phase terms get a systemic
# corticosteroid by grade (oral for grade 2, intravenous from grade 3); skin terms of grade 1-2
# mostly a topical one (not systemic)
IMMUNE_CM_HORMONE = {"HYPOTHYROIDISM": ("LEVOTHYROXINE", "ORAL", (0.2, 0.85, 0.95, 1.0))}
IMMUNE_CM_NONE = ("HYPERTHYROIDISM",)
IMMUNE_CM_STEROID_P = (0.05, 0.55, 0.9, 0.95)
IMMUNE_CM_STEROID = {2: ("PREDNISONE", "ORAL"), 3: ("METHYLPREDNISOLONE", "INTRAVENOUS"),
                     4: ("METHYLPREDNISOLONE", "INTRAVENOUS")}
IMMUNE_CM_SKIN = ("RASH", "PRURITUS")
IMMUNE_CM_TOPICAL = ("HYDROCORTISONE", "TOPICAL", 0.6)   # skin, grade <= 2: share topical
IMMUNE_CM_SECOND_LINE = ("MYCOPHENOLATE MOFETIL", "ORAL", 0.15)   # grade >= 3: steroid-refractory
IMMUNE_CM_START_DAYS = (0, 3)                # after the AE's onset
IMMUNE_CM_STEROID_DAYS = (28, 56)            # taper
