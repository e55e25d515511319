"""FHIR R4 in and out: a Bundle to a :class:`Presentation`, and a care plan to a Bundle.

Plain R4 JSON (``dict``), written by hand: no FHIR library is needed at run time.

* :func:`from_fhir` reads a Bundle of Patient, Practitioner, PractitionerRole, Encounter,
  Condition and Observation resources. Every code it meets must be one of the mapping tables
  below; anything it cannot map (an unknown code, a resource type it does not read, a value of
  the wrong type) is a :class:`~physio_notes.exceptions.PresentationError` whose problem paths
  are JSON Pointers into the Bundle (``/entry/3/resource/code/coding/0``). Nothing is dropped.
* :func:`presentation_to_fhir` writes a presentation as a Bundle that :func:`from_fhir` reads
  back to an equal presentation.
* :func:`to_fhir` writes a care plan as a Bundle (type ``collection``) with the Patient, a
  CarePlan (one activity per pathway) and one DocumentReference per rendered document.

Output is deterministic: ``fullUrl`` values are ``urn:uuid:`` UUID-5s of each resource's own
content, and no wall-clock time is written. The mapping tables, the codes and where each code
was checked are documented in ``docs/fhir.md``.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, Literal

import attrs

from ._engine import CarePlan, Pathway
from ._model import (
    SCHEMA_VERSION,
    Cause,
    Duration,
    NeurologicalCondition,
    Presentation,
    RedFlag,
    Region,
    SpasmType,
    Symptom,
    _show,
)
from .exceptions import PresentationError, Problem

__all__ = [
    "PATHWAY_SYSTEM",
    "PROJECT_SYSTEM",
    "FhirDocument",
    "from_fhir",
    "presentation_to_fhir",
    "to_fhir",
]

JSON = dict[str, Any]

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
_INTERPRETATION: Final = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
_UUID_NAMESPACE: Final = uuid.UUID("5b0f3c1e-8d3a-5f53-9a57-2f1d7c6e9a40")
_NO_PATIENT: Final = {"display": "patient not identified"}

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

# Red-flag findings with a verified SNOMED CT code; the rest use the project code (the flag's
# own contract value). Checked against:
#   SNOMED CT 386661006 "Fever (finding)": HL7 PHR IG ConceptMap symptom-pghd-to-snomedct
#       (HL7/personal-health-record-format-ig) and the HL7 Vulcan FHIR-to-OMOP IG ConceptMap
#       ConditionConcepts.
#   SNOMED CT 165232002 "Urinary incontinence": HL7 PHR IG ValueSet
#       observation-symptom-snomedct-codes and ConceptMap symptom-pghd-to-snomedct.
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
_Kind = Literal["enum", "enum_list", "boolean", "text", "start_back", "screen"]
_FIELD_KINDS: Final[Mapping[str, tuple[_Kind, type[Any] | None]]] = {
    "spasm_type": ("enum", SpasmType),
    "causes": ("enum_list", Cause),
    "neurological_condition": ("enum", NeurologicalCondition),
    "symptoms": ("enum_list", Symptom),
    "duration": ("enum", Duration),
    "recurrent": ("boolean", None),
    "eased_by_heat_and_positioning": ("boolean", None),
    "notes": ("text", None),
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

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_REJECTED_CONDITION = {"refuted", "entered-in-error"}
_REJECTED_OBSERVATION = {"entered-in-error", "cancelled"}
_POSITIVE = {"POS": True, "NEG": False}


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


class _Bad(Exception):
    """One problem found while reading a resource; the reader records it and goes on."""

    def __init__(self, path: str, message: str, value: object = attrs.NOTHING) -> None:
        super().__init__(message)
        found = None if value is attrs.NOTHING else _show(value)
        self.problem = Problem(path, message, found)


@attrs.define
class _Facts:
    """Contract fields found so far, with the JSON Pointer of the resource each came from."""

    values: dict[str, Any] = attrs.field(factory=dict)
    sources: dict[str, str] = attrs.field(factory=dict)
    diagnosis: list[str] = attrs.field(factory=list)
    fallback_dates: list[tuple[int, str, str]] = attrs.field(factory=list)
    screened: bool = False
    screen_positive: str | None = None

    def set(self, field: str, value: object, path: str) -> None:
        """Set a single-valued field; a second, different value is a problem."""
        if field in self.values and self.values[field] != value:
            raise _Bad(
                path,
                f"{field} is given twice with different values "
                f"({_show(self.values[field])} at {self.sources[field]})",
                value,
            )
        self.values[field] = value
        self.sources.setdefault(field, path)

    def add(self, field: str, value: object, path: str) -> None:
        """Add an item to a list field (once: repeats are the same finding)."""
        items: list[object] = self.values.setdefault(field, [])
        if value not in items:
            items.append(value)
        self.sources.setdefault(field, path)


def from_fhir(bundle: object) -> Presentation:
    """Read a FHIR R4 Bundle into a validated :class:`Presentation`.

    Args:
        bundle: A parsed FHIR R4 Bundle (JSON object) holding Patient, Practitioner,
            PractitionerRole, Encounter, Condition and Observation resources.

    Returns:
        The presentation, built through :meth:`Presentation.from_dict` so the contract's own
        checks apply.

    Raises:
        PresentationError: listing every problem, each with a JSON Pointer into the bundle:
            not a Bundle, a resource type the mapper does not read, a code it does not
            support, a value of the wrong type, conflicting values, no region, or a contract
            rule the mapped values break.
    """
    entries = _entries(bundle)
    facts = _Facts()
    problems: list[Problem] = []
    for index, entry in enumerate(entries):
        try:
            _read_entry(entry, f"/entry/{index}", facts)
        except _Bad as bad:
            problems.append(bad.problem)
    problems.extend(_missing(facts) if not problems else [])
    if problems:
        raise PresentationError(problems)
    return _build(facts)


def _entries(bundle: object) -> list[object]:
    """The entries of a Bundle, or a problem when ``bundle`` is not one."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        found = bundle.get("resourceType") if isinstance(bundle, dict) else bundle
        raise PresentationError(
            [Problem("", "the input must be a FHIR Bundle (resourceType 'Bundle')", _show(found))]
        )
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise PresentationError([Problem("/entry", "must be a list of entries", _show(entries))])
    return entries


def _read_entry(entry: object, path: str, facts: _Facts) -> None:
    resource = _object(_object(entry, path).get("resource"), f"{path}/resource")
    path = f"{path}/resource"
    kind = resource.get("resourceType")
    reader = _READERS.get(kind) if isinstance(kind, str) else None
    if reader is None:
        raise _Bad(
            f"{path}/resourceType",
            f"resource type is not one the mapper reads; supported: {', '.join(_READERS)}",
            kind,
        )
    reader(resource, path, facts)


def _missing(facts: _Facts) -> list[Problem]:
    problems = []
    if "region" not in facts.values:
        problems.append(Problem(
            "/entry",
            "no Condition codes the region of the spasm (required); supported codes: "
            + _supported(CONDITION_CODES, lambda c: c.region is not None),
        ))
    if facts.screen_positive is not None and not facts.values.get("red_flags"):
        problems.append(Problem(
            facts.screen_positive, "the red-flag screen is positive but no red flag is given"
        ))
    return problems


def _build(facts: _Facts) -> Presentation:
    data: JSON = {"schema_version": SCHEMA_VERSION, **facts.values}
    if facts.screened:
        data.setdefault("red_flags", [])
    if facts.diagnosis:
        data["diagnosis"] = "\n".join(facts.diagnosis)
    dates = sorted(facts.fallback_dates)
    if "date" not in data and dates:
        data["date"] = dates[0][2]
        facts.sources["date"] = dates[0][1]
    try:
        return Presentation.from_dict(data)
    except PresentationError as exc:
        raise PresentationError(_relocate(p, facts.sources) for p in exc.problems) from None


def _relocate(problem: Problem, sources: Mapping[str, str]) -> Problem:
    """Point a contract problem (``$.start_back``) at the resource that gave the field."""
    field_path = problem.path.removeprefix("$.")
    field = re.split(r"[.\[]", field_path)[0]
    where = sources.get(field, "/entry")
    return Problem(where, f"{field_path} {problem.message}", problem.found)


# --- resources ------------------------------------------------------------------------------


def _read_patient(resource: JSON, path: str, facts: _Facts) -> None:
    patient: JSON = {}
    name = _first(resource, "name", path)
    if name is not None:
        patient["name"] = _human_name(name, f"{path}/name/0")
    identifier = _first(resource, "identifier", path)
    if identifier is not None:
        at = f"{path}/identifier/0"
        patient["id"] = _text(_object(identifier, at), "value", at)
    born = _string(resource, "birthDate", path)
    if born is not None:
        patient["date_of_birth"] = _date(born, f"{path}/birthDate")
    facts.set("patient", _drop_none(patient), path)


def _read_practitioner(resource: JSON, path: str, facts: _Facts) -> None:
    name = _first(resource, "name", path)
    clinician = dict(facts.values.get("clinician", {}))
    if "name" in clinician or facts.sources.get("clinician.name"):
        raise _Bad(path, "a second Practitioner: the presentation has one clinician")
    facts.sources["clinician.name"] = path
    if name is not None:
        clinician["name"] = _human_name(name, f"{path}/name/0")
    facts.values["clinician"] = _drop_none(clinician)
    facts.sources.setdefault("clinician", path)


def _read_practitioner_role(resource: JSON, path: str, facts: _Facts) -> None:
    code = _first(resource, "code", path)
    role = None if code is None else _concept_text(code, f"{path}/code/0")
    clinician = dict(facts.values.get("clinician", {}))
    if facts.sources.get("clinician.role"):
        raise _Bad(path, "a second PractitionerRole: the presentation has one clinician")
    facts.sources["clinician.role"] = path
    clinician["role"] = role
    facts.values["clinician"] = _drop_none(clinician)
    facts.sources.setdefault("clinician", path)


def _read_encounter(resource: JSON, path: str, facts: _Facts) -> None:
    period = resource.get("period")
    if period is None:
        return
    start = _string(_object(period, f"{path}/period"), "start", f"{path}/period")
    if start is not None:
        facts.set("date", _date(start[:10], f"{path}/period/start"), path)


def _read_condition(resource: JSON, path: str, facts: _Facts) -> None:
    _check_status(resource, path, "verificationStatus", _REJECTED_CONDITION)
    code = _object(resource.get("code"), f"{path}/code")
    if code.get("coding") is None:
        diagnosis = _text(code, "text", f"{path}/code")
        if diagnosis is None:
            raise _Bad(f"{path}/code", "a Condition needs a coding or a text")
        facts.diagnosis.append(diagnosis)
    else:
        key, at = _pick(code, f"{path}/code", CONDITION_CODES, "Condition")
        _apply_condition(CONDITION_CODES[key], at, facts)
    for i, note in enumerate(_list(resource, "note", path)):
        text = _text(_object(note, f"{path}/note/{i}"), "text", f"{path}/note/{i}")
        if text is not None:
            facts.diagnosis.append(text)
    facts.sources.setdefault("diagnosis", path)
    _fallback_date(resource, "recordedDate", path, 1, facts)


def _apply_condition(meaning: _ConditionCode, path: str, facts: _Facts) -> None:
    if meaning.region is not None:
        facts.set("region", meaning.region.value, path)
    if meaning.cause is not None:
        facts.add("causes", meaning.cause.value, path)
    if meaning.neurological is not None:
        facts.set("neurological_condition", meaning.neurological.value, path)


def _read_observation(resource: JSON, path: str, facts: _Facts) -> None:
    _check_status(resource, path, "status", _REJECTED_OBSERVATION)
    code = _object(resource.get("code"), f"{path}/code")
    key, _ = _pick(code, f"{path}/code", _OBSERVATION_CODES, "Observation")
    if key == PAIN_SCORE_CODE:
        facts.set("pain_score", _pain_score(resource, path), path)
    elif key in RED_FLAG_CODES:
        _read_red_flag(RED_FLAG_CODES[key], resource, path, facts)
    else:
        _read_field(key[1], resource, path, facts)
    _fallback_date(resource, "effectiveDateTime", path, 2, facts)


def _read_field(field: str, resource: JSON, path: str, facts: _Facts) -> None:
    kind, enum_type = _FIELD_KINDS[field]
    if kind in ("enum", "enum_list"):
        assert enum_type is not None
        value = _coded_value(resource, path, enum_type)
        (facts.add if kind == "enum_list" else facts.set)(field, value, path)
    elif kind == "boolean":
        facts.set(field, _boolean(resource, "valueBoolean", path), path)
    elif kind == "text":
        facts.set(field, _required_text(resource, "valueString", path), path)
    elif kind == "start_back":
        facts.set(field, _start_back(resource, path), path)
    else:
        _read_screen(resource, path, facts)


def _read_screen(resource: JSON, path: str, facts: _Facts) -> None:
    facts.screened = True
    facts.sources.setdefault("red_flags", path)
    if _boolean(resource, "valueBoolean", path):
        facts.screen_positive = path


def _read_red_flag(flag: RedFlag, resource: JSON, path: str, facts: _Facts) -> None:
    facts.screened = True
    facts.sources.setdefault("red_flags", path)
    if _finding_present(resource, path):
        facts.add("red_flags", flag.value, path)


_READERS: Final[Mapping[str, Callable[[JSON, str, _Facts], None]]] = {
    "Patient": _read_patient,
    "Practitioner": _read_practitioner,
    "PractitionerRole": _read_practitioner_role,
    "Encounter": _read_encounter,
    "Condition": _read_condition,
    "Observation": _read_observation,
}

_OBSERVATION_CODES: Final[Mapping[tuple[str, str], object]] = {
    PAIN_SCORE_CODE: "pain_score",
    **RED_FLAG_CODES,
    **{(PROJECT_SYSTEM, field): field for field in _FIELD_KINDS},
}


# --- values ---------------------------------------------------------------------------------


def _pick(
    concept: JSON, path: str, table: Mapping[tuple[str, str], object], what: str
) -> tuple[tuple[str, str], str]:
    """The supported coding of a CodeableConcept (project codings first) and its path."""
    codings = _list(concept, "coding", path)
    if not codings:
        raise _Bad(f"{path}/coding", f"{what} code has no coding", concept.get("coding"))
    keys = [_coding_key(c, f"{path}/coding/{i}") for i, c in enumerate(codings)]
    ranked = sorted(range(len(keys)), key=lambda i: keys[i][0] != PROJECT_SYSTEM)
    for i in ranked:
        if keys[i] in table:
            return keys[i], f"{path}/coding/{i}"
    system, code = keys[0]
    raise _Bad(
        f"{path}/coding/0",
        f"{what} code {_SYSTEM_NAMES.get(system, system)} '{code}' is not one the mapper "
        f"supports; supported: {_supported(table)}",
    )


def _coding_key(coding: object, path: str) -> tuple[str, str]:
    item = _object(coding, path)
    system, code = item.get("system"), item.get("code")
    if not isinstance(system, str) or not isinstance(code, str):
        raise _Bad(path, "a coding needs a system and a code (strings)", coding)
    return system, code


def _supported(
    table: Mapping[tuple[str, str], Any], keep: Callable[[Any], bool] = lambda _: True
) -> str:
    by_system: dict[str, list[str]] = {}
    for (system, code), meaning in table.items():
        if keep(meaning):
            by_system.setdefault(_SYSTEM_NAMES.get(system, system), []).append(code)
    return "; ".join(f"{name} {', '.join(codes)}" for name, codes in by_system.items())


def _coded_value(resource: JSON, path: str, kind: type[Any]) -> str:
    concept = _object(resource.get("valueCodeableConcept"), f"{path}/valueCodeableConcept")
    table = {(PROJECT_SYSTEM, member.value): member for member in kind}
    key, _ = _pick(concept, f"{path}/valueCodeableConcept", table, "value")
    return key[1]


def _pain_score(resource: JSON, path: str) -> int:
    if "valueInteger" in resource:
        value = resource["valueInteger"]
        where = f"{path}/valueInteger"
    else:
        quantity = _object(resource.get("valueQuantity"), f"{path}/valueQuantity")
        value = quantity.get("value")
        where = f"{path}/valueQuantity/value"
        if isinstance(value, float) and value.is_integer():
            value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(where, "the pain score must be a whole number from 0 to 10", value)
    return value


def _start_back(resource: JSON, path: str) -> JSON:
    scores: JSON = {}
    for i, component in enumerate(_list(resource, "component", path)):
        at = f"{path}/component/{i}"
        item = _object(component, at)
        table = {(PROJECT_SYSTEM, "total"): "total", (PROJECT_SYSTEM, "distress"): "distress"}
        key, _ = _pick(_object(item.get("code"), f"{at}/code"), f"{at}/code", table, "component")
        value = item.get("valueInteger")
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Bad(f"{at}/valueInteger", "must be a whole number", value)
        scores[key[1]] = value
    return scores


def _finding_present(resource: JSON, path: str) -> bool:
    """valueBoolean, or an interpretation POS / NEG, says whether a red flag is present."""
    if "valueBoolean" in resource:
        return _boolean(resource, "valueBoolean", path)
    for i, concept in enumerate(_list(resource, "interpretation", path)):
        at = f"{path}/interpretation/{i}"
        table = {(_INTERPRETATION, code): code for code in _POSITIVE}
        key, _ = _pick(_object(concept, at), at, table, "interpretation")
        return _POSITIVE[key[1]]
    raise _Bad(f"{path}/valueBoolean", "a red-flag finding needs valueBoolean or interpretation")


def _check_status(resource: JSON, path: str, key: str, rejected: set[str]) -> None:
    value = resource.get(key)
    if isinstance(value, dict):  # Condition.verificationStatus is a CodeableConcept
        codes = [c.get("code") for c in value.get("coding", []) if isinstance(c, dict)]
    else:
        codes = [value]
    for code in codes:
        if code in rejected:
            raise _Bad(f"{path}/{key}", "a resource with this status cannot be used", code)


def _fallback_date(resource: JSON, key: str, path: str, rank: int, facts: _Facts) -> None:
    value = _string(resource, key, path)
    if value is not None:
        facts.fallback_dates.append((rank, path, _date(value[:10], f"{path}/{key}")))


def _human_name(name: object, path: str) -> str | None:
    item = _object(name, path)
    text = _text(item, "text", path)
    if text is not None:
        return text
    given = [g for g in _list(item, "given", path) if isinstance(g, str)]
    family = _string(item, "family", path)
    parts = [*given, *([family] if family else [])]
    return " ".join(parts) if parts else None


def _concept_text(concept: object, path: str) -> str | None:
    item = _object(concept, path)
    text = _text(item, "text", path)
    if text is not None:
        return text
    for i, coding in enumerate(_list(item, "coding", path)):
        display = _string(_object(coding, f"{path}/coding/{i}"), "display", f"{path}/coding/{i}")
        if display is not None:
            return display
    return None


def _date(value: str, path: str) -> str:
    if not _ISO_DATE.fullmatch(value):
        raise _Bad(path, "must be a full date YYYY-MM-DD", value)
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise _Bad(path, "is not a calendar date", value) from None
    return value


def _text(obj: JSON, key: str, path: str) -> str | None:
    """A string element, honouring the project's empty-string extension on ``_key``."""
    value = _string(obj, key, path)
    if value is not None:
        return value
    shadow = obj.get(f"_{key}")
    if isinstance(shadow, dict):
        for ext in shadow.get("extension", []):
            if isinstance(ext, dict) and ext.get("url") == EXT_EMPTY_STRING:
                return ""
    return None


def _required_text(obj: JSON, key: str, path: str) -> str:
    value = _text(obj, key, path)
    if value is None:
        raise _Bad(f"{path}/{key}", "is required (a string)")
    return value


def _string(obj: JSON, key: str, path: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise _Bad(f"{path}/{key}", "must be a string", value)
    return value


def _boolean(obj: JSON, key: str, path: str) -> bool:
    value = obj.get(key)
    if not isinstance(value, bool):
        raise _Bad(f"{path}/{key}", "must be true or false", value)
    return value


def _object(value: object, path: str) -> JSON:
    if not isinstance(value, dict):
        raise _Bad(path, "must be a JSON object", value)
    return value


def _list(obj: JSON, key: str, path: str) -> list[Any]:
    value = obj.get(key, [])
    if not isinstance(value, list):
        raise _Bad(f"{path}/{key}", "must be a list", value)
    return value


def _first(obj: JSON, key: str, path: str) -> object | None:
    items = _list(obj, key, path)
    return items[0] if items else None


def _drop_none(data: JSON) -> JSON:
    return {k: v for k, v in data.items() if v is not None}


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class FhirDocument:
    """A rendered document to attach to a :func:`to_fhir` Bundle as a DocumentReference.

    Attributes:
        kind: ``"handout"``, ``"note"`` or ``"referral"``; sets the LOINC document type.
        title: Human title, e.g. ``"Patient handout"``.
        content_type: MIME type, e.g. ``"application/pdf"`` or ``"text/markdown"``.
        data: The document's bytes (encode text as UTF-8 first).
    """

    kind: DocumentKind = attrs.field(validator=attrs.validators.in_(tuple(DOCUMENT_TYPES)))
    title: str = attrs.field(validator=attrs.validators.min_len(1))
    content_type: str = attrs.field(validator=attrs.validators.min_len(1))
    data: bytes = attrs.field(validator=attrs.validators.instance_of(bytes))


class _Writer:
    """Builds Bundle entries with content-derived ``urn:uuid`` full URLs."""

    def __init__(self) -> None:
        self.entries: list[JSON] = []

    def add(self, resource: JSON) -> JSON:
        """Add ``resource``; return a Reference to it."""
        canonical = json.dumps(resource, sort_keys=True, ensure_ascii=False)
        ident = str(uuid.uuid5(_UUID_NAMESPACE, f"{len(self.entries)}|{canonical}"))
        self.entries.append(
            {"fullUrl": f"urn:uuid:{ident}", "resource": {
                "resourceType": resource["resourceType"], "id": ident, **resource,
            }}
        )
        return {"reference": f"urn:uuid:{ident}"}

    def bundle(self) -> JSON:
        return {"resourceType": "Bundle", "type": "collection", "entry": self.entries}


def presentation_to_fhir(presentation: Presentation) -> JSON:
    """Write a presentation as a FHIR R4 Bundle that :func:`from_fhir` reads back equal.

    Args:
        presentation: A validated presentation.

    Returns:
        A Bundle (type ``collection``) of Patient, Practitioner, PractitionerRole, Encounter,
        one Condition (the region, with the diagnosis as its note) and one Observation per
        recorded finding; absent values write nothing.
    """
    writer = _Writer()
    subject = _write_people(presentation, writer)
    if presentation.date is not None:
        writer.add(_encounter(presentation.date, subject))
    writer.add(_condition(presentation, subject))
    for code, value in _observation_values(presentation):
        writer.add({**_observation(code, subject), **value})
    return writer.bundle()


def _write_people(presentation: Presentation, writer: _Writer) -> JSON:
    subject = dict(_NO_PATIENT)
    if presentation.patient is not None:
        subject = writer.add(_patient(presentation))
    clinician = presentation.clinician
    if clinician is not None:
        practitioner = writer.add(
            {"resourceType": "Practitioner", **_name_element(clinician.name)}
        )
        if clinician.role is not None:
            writer.add({
                "resourceType": "PractitionerRole",
                "practitioner": practitioner,
                "code": [_string_element("text", clinician.role)],
            })
    return subject


def _patient(presentation: Presentation) -> JSON:
    patient = presentation.patient
    assert patient is not None
    resource: JSON = {"resourceType": "Patient", **_name_element(patient.name)}
    if patient.id is not None:
        resource["identifier"] = [_string_element("value", patient.id)]
    if patient.date_of_birth is not None:
        resource["birthDate"] = patient.date_of_birth.isoformat()
    return resource


def _name_element(name: str | None) -> JSON:
    return {} if name is None else {"name": [_string_element("text", name)]}


def _string_element(key: str, value: str) -> JSON:
    """``{key: value}``; FHIR forbids ``""``, so an empty string is an extension instead."""
    if value:
        return {key: value}
    return {f"_{key}": {"extension": [{"url": EXT_EMPTY_STRING, "valueBoolean": True}]}}


def _encounter(date: dt.date, subject: JSON) -> JSON:
    return {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": "AMB",
            "display": "ambulatory",
        },
        "subject": subject,
        "period": {"start": date.isoformat(), "end": date.isoformat()},
    }


def _condition(presentation: Presentation, subject: JSON) -> JSON:
    region = presentation.region
    own = (PROJECT_SYSTEM, region.value)
    codings = [_coding(*own, CONDITION_CODES[own])]
    codings += [
        _coding(system, code, meaning)
        for (system, code), meaning in CONDITION_CODES.items()
        if system != PROJECT_SYSTEM and meaning.region is region
    ]
    resource: JSON = {
        "resourceType": "Condition",
        "clinicalStatus": _concept(
            "http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"
        ),
        "category": [_concept(
            "http://terminology.hl7.org/CodeSystem/condition-category",
            "encounter-diagnosis", "Encounter Diagnosis",
        )],
        "code": {"coding": codings},
        "subject": subject,
    }
    if presentation.diagnosis is not None:
        resource["note"] = [_string_element("text", presentation.diagnosis)]
    return resource


def _coding(system: str, code: str, meaning: _ConditionCode) -> JSON:
    return {"system": system, "code": code, "display": meaning.display}


def _concept(system: str, code: str, display: str) -> JSON:
    return {"coding": [{"system": system, "code": code, "display": display}]}


def _project(code: str) -> JSON:
    return _concept(PROJECT_SYSTEM, code, code.replace("_", " "))


def _observation(code: JSON, subject: JSON) -> JSON:
    return {"resourceType": "Observation", "status": "final", "code": code, "subject": subject}


def _observation_values(p: Presentation) -> Iterable[tuple[JSON, JSON]]:
    """(code, value elements) of each Observation that records ``p``, in field order."""
    if p.spasm_type is not SpasmType.UNKNOWN:
        yield _project("spasm_type"), _coded(p.spasm_type)
    for cause in p.causes:
        yield _project("causes"), _coded(cause)
    if p.neurological_condition is not None:
        yield _project("neurological_condition"), _coded(p.neurological_condition)
    for symptom in p.symptoms:
        yield _project("symptoms"), _coded(symptom)
    if p.duration is not None:
        yield _project("duration"), _coded(p.duration)
    for field in ("recurrent", "eased_by_heat_and_positioning"):
        if (flag := getattr(p, field)) is not None:
            yield _project(field), {"valueBoolean": flag}
    if p.pain_score is not None:
        yield _pain_code(), {"valueInteger": p.pain_score}
    yield from _red_flag_values(p.red_flags)
    if p.start_back is not None:
        yield _project("start_back"), {"component": [
            {"code": _project("total"), "valueInteger": p.start_back.total},
            {"code": _project("distress"), "valueInteger": p.start_back.distress},
        ]}
    if p.notes is not None:
        yield _project("notes"), _string_element("valueString", p.notes)


def _coded(value: enum.Enum) -> JSON:
    return {"valueCodeableConcept": _project(str(value.value))}


def _pain_code() -> JSON:
    return _concept(
        LOINC, PAIN_SCORE_CODE[1],
        "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
    )


def _red_flag_values(flags: tuple[RedFlag, ...] | None) -> Iterable[tuple[JSON, JSON]]:
    if flags is None:
        return
    if not flags:
        yield _project("red_flags"), {"valueBoolean": False}
    for flag in flags:
        codings = [{"system": PROJECT_SYSTEM, "code": flag.value,
                    "display": flag.value.replace("_", " ")}]
        codings += [
            {"system": system, "code": code, "display": _RED_FLAG_DISPLAYS[(system, code)]}
            for (system, code), mapped in RED_FLAG_CODES.items()
            if system != PROJECT_SYSTEM and mapped is flag
        ]
        yield {"coding": codings}, {"valueBoolean": True}


def to_fhir(plan: CarePlan, documents: Sequence[FhirDocument] = ()) -> JSON:
    """Write a care plan, and the documents rendered from it, as a FHIR R4 Bundle.

    Args:
        plan: The care plan from :func:`~physio_notes.select_pathways`.
        documents: Rendered documents to attach, each as a DocumentReference.

    Returns:
        A Bundle (type ``collection``) with the Patient (when the presentation names one),
        a CarePlan with one activity per pathway, and one DocumentReference per document.
        The same plan and documents always give the same JSON.
    """
    writer = _Writer()
    presentation = plan.presentation
    subject = dict(_NO_PATIENT)
    if presentation.patient is not None:
        subject = writer.add(_patient(presentation))
    care_plan = writer.add(_care_plan(plan, subject))
    for document in documents:
        writer.add(_document_reference(document, presentation.date, subject, care_plan))
    return writer.bundle()


def _care_plan(plan: CarePlan, subject: JSON) -> JSON:
    region = plan.presentation.region.value.replace("_", " ")
    resource: JSON = {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "title": "Muscle spasm care plan",
        "description": f"Care plan for a muscle spasm ({region}): "
        + "; ".join(p.title for p in plan.pathways),
        "subject": subject,
        "activity": [_activity(p) for p in plan.pathways],
        "note": [{"text": _plan_summary(plan)}],
    }
    if plan.presentation.date is not None:
        resource["created"] = plan.presentation.date.isoformat()
    return resource


def _activity(pathway: Pathway) -> JSON:
    provenance = [{"url": "rule", "valueString": r} for r in pathway.rules]
    provenance += [{"url": "source", "valueString": s} for s in pathway.sources]
    detail: JSON = {
        "code": {
            "coding": [{"system": PATHWAY_SYSTEM, "code": pathway.id, "display": pathway.title}],
            "text": pathway.title,
        },
        "status": "not-started",
    }
    if pathway.rationale:
        detail["description"] = pathway.rationale
    return {"extension": [{"url": EXT_PROVENANCE, "extension": provenance}], "detail": detail}


def _plan_summary(plan: CarePlan) -> str:
    screen = plan.red_flag_screen.status.replace("_", " ")
    lines = [f"Red-flag screen: {screen}" + (
        f" ({plan.urgency})" if plan.urgency else ""
    ) + "."]
    if plan.start_back_risk is not None:
        lines.append(f"STarT Back: {plan.start_back_risk} risk.")
    lines.extend(
        f"{p.id}: rules {', '.join(p.rules)}; sources {'; '.join(p.sources)}."
        for p in plan.pathways
    )
    lines.append(f"Knowledge base version {plan.knowledge_version}.")
    return "\n".join(lines)


def _document_reference(
    document: FhirDocument, date: dt.date | None, subject: JSON, care_plan: JSON
) -> JSON:
    code, display = DOCUMENT_TYPES[document.kind]
    attachment: JSON = {
        "contentType": document.content_type,
        "data": base64.b64encode(document.data).decode("ascii"),
        "size": len(document.data),
        # FHIR R4 defines Attachment.hash as the base64 SHA-1 of the data (an integrity check).
        "hash": base64.b64encode(
            hashlib.sha1(document.data, usedforsecurity=False).digest()
        ).decode("ascii"),
        "title": document.title,
    }
    resource: JSON = {
        "resourceType": "DocumentReference",
        "status": "current",
        "type": _concept(LOINC, code, display),
        "subject": subject,
        "description": document.title,
        "content": [{"attachment": attachment}],
        "context": {"related": [care_plan]},
    }
    if date is not None:
        resource["date"] = f"{date.isoformat()}T00:00:00Z"
        attachment["creation"] = date.isoformat()
    return resource
