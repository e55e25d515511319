"""FHIR code systems, extension URLs and the mapping tables between codes and the contract."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, Literal

import attrs

from .._model import (
    Cause,
    Duration,
    NeurologicalCondition,
    RedFlag,
    Region,
    Side,
    SpasmType,
    Symptom,
)

# --------------------------------------------------------------------------------------------
# Code systems
# --------------------------------------------------------------------------------------------

SNOMED: Final = "http://snomed.info/sct"
ICD10CM: Final = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC: Final = "http://loinc.org"
PROJECT_SYSTEM: Final = "https://physio-notes.invalid/fhir/CodeSystem/presentation"
"""The project's own CodeSystem: its codes are the contract's field names and field values."""
PATHWAY_SYSTEM: Final = "https://physio-notes.invalid/fhir/CodeSystem/pathway"
"""The project's CodeSystem of pathway ids (``urgent-referral``, ``disc-core-pilates``, ...)."""
_STRUCTURE: Final = "https://physio-notes.invalid/fhir/StructureDefinition/"
EXT_PROVENANCE: Final = _STRUCTURE + "pathway-provenance"
EXT_EMPTY_STRING: Final = _STRUCTURE + "empty-string"
EXT_PLAIN_DIAGNOSIS: Final = _STRUCTURE + "plain-diagnosis"
"""On a ``Condition.note`` (``valueBoolean: true``): the note is ``plain_diagnosis``, what the
patient has been told, not the clinician's working ``diagnosis``."""
_INTERPRETATION: Final = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"

_SYSTEM_NAMES: Final = {
    SNOMED: "SNOMED CT",
    ICD10CM: "ICD-10-CM",
    LOINC: "LOINC",
    PROJECT_SYSTEM: "physio-notes",
}


@attrs.frozen
class _ConditionCode:
    """What one Condition code means for the presentation."""

    display: str
    region: Region | None = None
    cause: Cause | None = None
    neurological: NeurologicalCondition | None = None


# Condition codes. Each external code was checked against the source named beside it
# (docs/fhir.md gives the addresses):
#   ICD-10-CM M62.830 "Muscle spasm of back": pabau.com/diagnostic-codes (ICD-10 Code M62.830)
#       and diseasedb.com/icd10/M62.830; covers lower and thoracic back, so it reads as
#       lower_back (the article's main case); a mid-back spasm uses the project code mid_back.
#   ICD-10-CM M62.831 "Muscle spasm of calf" (incl. charley-horse): diseasedb.com/icd10/M62.831.
#   ICD-10-CM M51.26 "Other intervertebral disc displacement, lumbar region": several public
#       ICD-10-CM code tables agree on this title (find_string "M51.26").
#   SNOMED CT 24700007 "Multiple sclerosis (disorder)" and 49049000 "Parkinson's disease
#       (disorder)": GECCO ValueSet chronic-neurological-mental-diseases (SNOMED CT 2022-01-31).
#   SNOMED CT 230690007 "Cerebrovascular accident (disorder)": SNOMED-coded FHIR ValueSets in
#       public repositories (findacode.com/snomed/230690007--cerebrovascular-accident).
CONDITION_CODES: Final[Mapping[tuple[str, str], _ConditionCode]] = {
    (ICD10CM, "M62.830"): _ConditionCode("Muscle spasm of back", region=Region.LOWER_BACK),
    (ICD10CM, "M62.831"): _ConditionCode("Muscle spasm of calf", region=Region.CALVES),
    (ICD10CM, "M51.26"): _ConditionCode(
        "Other intervertebral disc displacement, lumbar region", cause=Cause.DISC_DISORDER
    ),
    (SNOMED, "24700007"): _ConditionCode(
        "Multiple sclerosis", cause=Cause.NEUROLOGICAL,
        neurological=NeurologicalCondition.MULTIPLE_SCLEROSIS,
    ),
    (SNOMED, "49049000"): _ConditionCode(
        "Parkinson's disease", cause=Cause.NEUROLOGICAL,
        neurological=NeurologicalCondition.PARKINSONS,
    ),
    (SNOMED, "230690007"): _ConditionCode(
        "Cerebrovascular accident", cause=Cause.NEUROLOGICAL,
        neurological=NeurologicalCondition.STROKE,
    ),
    **{
        (PROJECT_SYSTEM, region.value): _ConditionCode(
            f"Muscle spasm: {region.value.replace('_', ' ')}", region=region
        )
        for region in Region
    },
}

# Condition.bodySite codes for the side of the spasm. The SNOMED CT laterality qualifiers were
# checked against (docs/fhir.md gives the addresses):
#   7771000 "Left (qualifier value)", 24028007 "Right (qualifier value)" and 51440002 "Right and
#       left (qualifier value)" (synonym "Bilateral"): the FHIR core ValueSet
#       bodystructure-laterality (hl7.org/fhir/ValueSet/bodystructure-laterality, expansion on
#       SNOMED CT International 2025-02-01), and CH ALIS Connect (R4) ValueSet
#       ch-alis-connect-laterality-snomed with ConceptMap ChAlisLateralityToSnomed, which uses
#       these three qualifiers in Condition.bodySite for left / right / both.
# ``central`` (the spine's midline) is no laterality of that ValueSet: project code only.
SIDE_CODES: Final[Mapping[tuple[str, str], Side]] = {
    (SNOMED, "7771000"): Side.LEFT,
    (SNOMED, "24028007"): Side.RIGHT,
    (SNOMED, "51440002"): Side.BOTH,
    **{(PROJECT_SYSTEM, side.value): side for side in Side},
}
SIDE_DISPLAYS: Final[Mapping[tuple[str, str], str]] = {
    (SNOMED, "7771000"): "Left",
    (SNOMED, "24028007"): "Right",
    (SNOMED, "51440002"): "Right and left",
    (PROJECT_SYSTEM, Side.LEFT.value): "Side: left",
    (PROJECT_SYSTEM, Side.RIGHT.value): "Side: right",
    (PROJECT_SYSTEM, Side.BOTH.value): "Side: both",
    (PROJECT_SYSTEM, Side.CENTRAL.value): "Side: central (midline)",
}

# Red-flag findings with a verified SNOMED CT code; the rest use the project code (the flag's
# own contract value). Checked against:
#   SNOMED CT 386661006 "Fever (finding)": HL7 PHR IG ConceptMap symptom-pghd-to-snomedct
#       (HL7/personal-health-record-format-ig) and the HL7 Vulcan FHIR-to-OMOP IG ConceptMap
#       ConditionConcepts.
#   SNOMED CT 165232002 "Urinary incontinence": HL7 PHR IG ValueSet
#       observation-symptom-snomedct-codes and ConceptMap symptom-pghd-to-snomedct.
# progressive_arm_weakness, calf_swelling_redness_or_warmth and breathlessness_or_chest_pain
# use the project code only: no SNOMED CT concept was found that means the whole flag (a
# coding beside the project one must mean the same thing; "Chest pain" alone, for example, is
# only half of breathlessness_or_chest_pain).
RED_FLAG_CODES: Final[Mapping[tuple[str, str], RedFlag]] = {
    (SNOMED, "386661006"): RedFlag.FEVER_OR_SYSTEMICALLY_UNWELL,
    (SNOMED, "165232002"): RedFlag.BLADDER_OR_BOWEL_CHANGE,
    **{(PROJECT_SYSTEM, flag.value): flag for flag in RedFlag},
}
_RED_FLAG_DISPLAYS: Final = {
    (SNOMED, "386661006"): "Fever",
    (SNOMED, "165232002"): "Urinary incontinence",
}

# LOINC 72514-3 "Pain severity - 0-10 verbal numeric rating [Score] - Reported": HL7 Belgium
# Patient Monitoring IG, ValueSet pain-scale ("See https://loinc.org/72514-3"), and the ANS
# (France) IG profile MesObservationPainSeverity, which fixes code http://loinc.org#72514-3.
PAIN_SCORE_CODE: Final = (LOINC, "72514-3")

# Observation codes of the project CodeSystem: the contract's field names, each with the
# kind of value it carries.
_Kind = Literal["enum", "enum_list", "boolean", "text", "date", "start_back", "screen"]
_FIELD_KINDS: Final[Mapping[str, tuple[_Kind, type[Any] | None]]] = {
    "spasm_type": ("enum", SpasmType),
    "causes": ("enum_list", Cause),
    "neurological_condition": ("enum", NeurologicalCondition),
    "symptoms": ("enum_list", Symptom),
    "duration": ("enum", Duration),
    "recurrent": ("boolean", None),
    "eased_by_heat_and_positioning": ("boolean", None),
    "notes": ("text", None),
    "review_date": ("date", None),
    "start_back": ("start_back", None),
    "red_flags": ("screen", None),
}

# DocumentReference.type for each kind of rendered document. Checked against:
#   LOINC 69730-0 "Instructions": the C-CDA Instructions section code (several public C-CDA and
#       FHIR document templates code it 69730-0 "Instructions").
#   LOINC 11506-3 "Progress note" (long name "Provider-unspecified Progress note"): HL7 C-CDA on
#       FHIR ValueSet ProgressNoteDocumentTypeCode 2.16.840.1.113883.11.20.8.1.
#   LOINC 57133-1 "Referral note": HL7 C-CDA on FHIR ValueSet ReferralDocumentType
#       2.16.840.1.113883.1.11.20.2.3.
DocumentKind = Literal["handout", "note", "referral"]
DOCUMENT_TYPES: Final[Mapping[str, tuple[str, str]]] = {
    "handout": ("69730-0", "Instructions"),
    "note": ("11506-3", "Progress note"),
    "referral": ("57133-1", "Referral note"),
}

# Every Observation code the reader maps: the pain score, the red flags and the project fields.
_OBSERVATION_CODES: Final[Mapping[tuple[str, str], object]] = {
    PAIN_SCORE_CODE: "pain_score",
    **RED_FLAG_CODES,
    **{(PROJECT_SYSTEM, field): field for field in _FIELD_KINDS},
}

# Observation.interpretation codes (v3 ObservationInterpretation) that say whether a red-flag
# finding is present.
_POSITIVE = {"POS": True, "NEG": False}


def _supported(
    table: Mapping[tuple[str, str], Any], keep: Callable[[Any], bool] = lambda _: True
) -> str:
    """The codes of ``table`` whose meaning passes ``keep``, by code system (for messages)."""
    by_system: dict[str, list[str]] = {}
    for (system, code), meaning in table.items():
        if keep(meaning):
            by_system.setdefault(_SYSTEM_NAMES.get(system, system), []).append(code)
    return "; ".join(f"{name} {', '.join(codes)}" for name, codes in by_system.items())
