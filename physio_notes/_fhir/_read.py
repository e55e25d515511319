"""Reading a FHIR R4 Bundle into a validated :class:`~physio_notes.Presentation`."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs

from .._convert import show as _show
from .._model import SCHEMA_VERSION, Presentation, RedFlag
from ..exceptions import PresentationError, Problem
from ._codes import (
    _FIELD_KINDS,
    _INTERPRETATION,
    _OBSERVATION_CODES,
    _POSITIVE,
    _SYSTEM_NAMES,
    CONDITION_CODES,
    EXT_EMPTY_STRING,
    EXT_PLAIN_DIAGNOSIS,
    PAIN_SCORE_CODE,
    PROJECT_SYSTEM,
    RED_FLAG_CODES,
    SIDE_CODES,
    _ConditionCode,
    _supported,
)
from ._json import JSON

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_REJECTED_CONDITION = {"refuted", "entered-in-error"}
_REJECTED_OBSERVATION = {"entered-in-error", "cancelled"}


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
    plain_diagnosis: list[str] = attrs.field(factory=list)
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
    if facts.plain_diagnosis:
        data["plain_diagnosis"] = "\n".join(facts.plain_diagnosis)
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
    for i, site in enumerate(_list(resource, "bodySite", path)):
        at = f"{path}/bodySite/{i}"
        key, at = _pick(_object(site, at), at, SIDE_CODES, "bodySite")
        facts.set("side", SIDE_CODES[key].value, at)
    for i, note in enumerate(_list(resource, "note", path)):
        _read_note(_object(note, f"{path}/note/{i}"), f"{path}/note/{i}", facts)
    facts.sources.setdefault("diagnosis", path)
    _fallback_date(resource, "recordedDate", path, 1, facts)


def _read_note(note: JSON, path: str, facts: _Facts) -> None:
    """A Condition.note: the diagnosis, or the plain diagnosis when the project marks it."""
    plain = False
    for i, ext in enumerate(_list(note, "extension", path)):
        at = f"{path}/extension/{i}"
        if _object(ext, at).get("url") == EXT_PLAIN_DIAGNOSIS:
            plain = _boolean(ext, "valueBoolean", at)
    text = _text(note, "text", path)
    if text is None:
        return
    if plain:
        facts.plain_diagnosis.append(text)
        facts.sources.setdefault("plain_diagnosis", path)
    else:
        facts.diagnosis.append(text)


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
    elif kind == "date":
        facts.set(field, _date_value(resource, path), path)
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


def _date_value(resource: JSON, path: str) -> str:
    """The date of ``valueDateTime`` (its date part, if it has a time)."""
    value = _string(resource, "valueDateTime", path)
    if value is None:
        raise _Bad(f"{path}/valueDateTime", "is required (a date YYYY-MM-DD)")
    return _date(value[:10], f"{path}/valueDateTime")


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
