"""FHIR code systems, extension URLs and the mapping tables between codes and the contract."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from importlib.resources import files
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
#: The identifier type of a clinician's professional registration number (project code).
REGISTRATION_TYPE: Final = {
    "coding": [{"system": PROJECT_SYSTEM, "code": "registration",
                "display": "Professional registration number"}],
    "text": "Professional registration number",
}
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


RegionKind = Literal["fixed", "back", "body_site", "none"]
"""How a Condition code gives the region: itself (``fixed``), the whole back (``back``: read
as lower_back unless ``Condition.bodySite`` says mid back), only through ``Condition.bodySite``
(``body_site``), or not at all (``none``: a cause)."""


@attrs.frozen
class _ConditionCode:
    """What one Condition code means for the presentation, and where it was checked."""

    display: str
    region: Region | None = None
    cause: Cause | None = None
    neurological: NeurologicalCondition | None = None
    kind: RegionKind = "none"
    write: bool = False
    checked: str = "the contract"


@attrs.frozen
class _Site:
    """A ``Condition.bodySite`` code that gives the region (``None``: the whole back)."""

    display: str
    region: Region | None
    checked: str


@attrs.frozen
class _Category:
    """An ICD-10-CM category the reader knows: its unknown codes are refused, not ignored."""

    prefix: str
    title: str
    checked: str


_CODE_MAP_FILE: Final = "codes.toml"
_SYSTEM_ALIASES: Final = {"snomed": SNOMED, "icd-10-cm": ICD10CM}


def _load_code_map() -> tuple[
    dict[tuple[str, str], _ConditionCode], dict[tuple[str, str], _Site], tuple[_Category, ...]
]:
    """Read and check ``codes.toml`` (shipped beside this module)."""
    raw = tomllib.loads(
        (files(__package__) / _CODE_MAP_FILE).read_text(encoding="utf-8")
    )
    conditions: dict[tuple[str, str], _ConditionCode] = {}
    for item in raw.get("condition", []):
        key = _map_key(item, {"region", "cause", "neurological", "write"})
        region, kind = _map_region(item)
        conditions[key] = _ConditionCode(
            display=item["display"],
            region=region,
            cause=Cause(item["cause"]) if "cause" in item else None,
            neurological=NeurologicalCondition(item["neurological"])
            if "neurological" in item else None,
            kind=kind,
            write=bool(item.get("write", False)),
            checked=item["checked"],
        )
    sites: dict[tuple[str, str], _Site] = {}
    for item in raw.get("body_site", []):
        key = _map_key(item, {"region"})
        sites[key] = _Site(
            display=item["display"],
            region=None if item["region"] == "back" else Region(item["region"]),
            checked=item["checked"],
        )
    categories = tuple(
        _Category(item["prefix"], item["title"], item["checked"])
        for item in raw.get("icd10cm_category", [])
    )
    return conditions, sites, categories


def _map_key(item: dict[str, Any], optional: set[str]) -> tuple[str, str]:
    allowed = {"system", "code", "display", "checked"} | optional
    unknown = set(item) - allowed
    if unknown or not all(isinstance(item.get(k), str) and item[k] for k in
                          ("system", "code", "display", "checked")):
        raise ValueError(f"{_CODE_MAP_FILE}: bad entry {item!r} (keys allowed: {sorted(allowed)})")
    return _SYSTEM_ALIASES[item["system"]], item["code"]


def _map_region(item: dict[str, Any]) -> tuple[Region | None, RegionKind]:
    value = item.get("region")
    if value is None:
        if "cause" not in item:
            raise ValueError(f"{_CODE_MAP_FILE}: {item['code']} gives neither region nor cause")
        return None, "none"
    if value == "back":
        return Region.LOWER_BACK, "back"
    if value == "body_site":
        return None, "body_site"
    return Region(value), "fixed"


_CONDITION_MAP, SITE_CODES, ICD10CM_CATEGORIES = _load_code_map()
"""``SITE_CODES``: the ``Condition.bodySite`` codes that give a region. ``ICD10CM_CATEGORIES``:
the ICD-10-CM categories whose unknown codes are refused (they are about the spasm, its region or
its cause, but the mapper cannot say what they mean)."""

# Condition codes: the external ones of codes.toml (each with the table it was checked
# against), then the project's own region codes.
CONDITION_CODES: Final[Mapping[tuple[str, str], _ConditionCode]] = {
    **_CONDITION_MAP,
    **{
        (PROJECT_SYSTEM, region.value): _ConditionCode(
            f"Muscle spasm: {region.value.replace('_', ' ')}", region=region, kind="fixed"
        )
        for region in Region
    },
}


def icd10cm_category(code: str) -> _Category | None:
    """The known ICD-10-CM category ``code`` belongs to, if any."""
    for category in ICD10CM_CATEGORIES:
        if code.startswith(category.prefix):
            return category
    return None


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


# Patient.identifier.type: HL7 v2 table 0203. "MR" (medical record number) is the identifier the
# reader uses by default; an SSN-like identifier is never used unless the caller names its system.
V2_0203: Final = "http://terminology.hl7.org/CodeSystem/v2-0203"
MEDICAL_RECORD: Final = "MR"
SSN_SYSTEMS: Final = frozenset({"http://hl7.org/fhir/sid/us-ssn", "urn:oid:2.16.840.1.113883.4.1"})
SSN_TYPES: Final = frozenset({"SS"})

# Condition.clinicalStatus (condition-clinical) and Condition.verificationStatus
# (condition-ver-status): the codes that make the reader ignore a Condition, and the ones it reads.
CLINICAL_STATUS: Final = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION_STATUS: Final = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CLINICAL_CURRENT: Final = frozenset({"active", "recurrence", "relapse"})
CLINICAL_PAST: Final = frozenset({"inactive", "remission", "resolved"})
VERIFICATION_READ: Final = frozenset({"confirmed", "unconfirmed", "provisional", "differential"})
VERIFICATION_UNSURE: Final = frozenset({"unconfirmed", "provisional", "differential"})
VERIFICATION_IGNORED: Final = frozenset({"refuted", "entered-in-error"})
# Observation.status and Encounter.status values that make the reader ignore the resource.
OBSERVATION_IGNORED: Final = frozenset({"cancelled", "entered-in-error"})
ENCOUNTER_IGNORED: Final = frozenset({"cancelled", "entered-in-error"})

# Bundle.type values the reader accepts.
BUNDLE_TYPES: Final = ("collection", "searchset", "document", "transaction", "batch")

# The UCUM unit of a 0-10 score; the only unit a pain score's valueQuantity may carry.
UCUM: Final = "http://unitsofmeasure.org"
SCORE_UNIT: Final = "{score}"
