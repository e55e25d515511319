"""Reading the values of FHIR elements: codings, dates and times, pain scores, primitives.

Every reader raises :class:`_Bad` with the JSON Pointer of the element at fault.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

import attrs

from .._convert import show as _show
from ..exceptions import Problem
from ._codes import (
    _INTERPRETATION,
    _POSITIVE,
    _SYSTEM_NAMES,
    EXT_EMPTY_STRING,
    PROJECT_SYSTEM,
    SCORE_UNIT,
    UCUM,
    _supported,
)
from ._json import JSON

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# FHIR dateTime / instant: a year, a month, a day, or a time with a zone (seconds optional).
_DATE_TIME = re.compile(
    r"(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?P<f>\.\d{1,9})?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2}))?)?)?"
)
_EARLIEST_ZONE: Final = dt.timezone(dt.timedelta(hours=14))
_LATEST_ZONE: Final = dt.timezone(dt.timedelta(hours=-12))
Interval = tuple[dt.datetime, dt.datetime]
"""The earliest and latest instant a FHIR dateTime can mean."""


class _Bad(Exception):
    """One problem found while reading a resource; the reader records it and goes on."""

    def __init__(self, path: str, message: str, value: object = attrs.NOTHING) -> None:
        super().__init__(message)
        found = None if value is attrs.NOTHING else _show(value)
        self.problem = Problem(path, message, found)


@attrs.frozen
class _PainScore:
    """One pain-score Observation: its value, where it is, and when it applies."""

    value: int
    path: str
    index: int
    when: Interval | None
    shown: str | None


def _find(
    concept: JSON, path: str, table: Mapping[tuple[str, str], object]
) -> tuple[tuple[str, str], str] | None:
    """The supported coding of a CodeableConcept (project codings first), or None."""
    codings = _list(concept, "coding", path)
    keys = [_coding_key(c, f"{path}/coding/{i}") for i, c in enumerate(codings)]
    ranked = sorted(range(len(keys)), key=lambda i: keys[i][0] != PROJECT_SYSTEM)
    for i in ranked:
        if keys[i] in table:
            return keys[i], f"{path}/coding/{i}"
    return None


def _pick(
    concept: JSON, path: str, table: Mapping[tuple[str, str], object], what: str
) -> tuple[tuple[str, str], str]:
    """The supported coding of a CodeableConcept (project codings first) and its path."""
    codings = _list(concept, "coding", path)
    if not codings:
        raise _Bad(f"{path}/coding", f"{what} code has no coding", concept.get("coding"))
    found = _find(concept, path, table)
    if found is not None:
        return found
    system, code = _coding_key(codings[0], f"{path}/coding/0")
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


def _describe(concept: JSON) -> str:
    """'SNOMED CT 59621000 Essential hypertension' for a CodeableConcept (for warnings)."""
    codings = concept.get("coding")
    for coding in codings if isinstance(codings, list) else []:
        if isinstance(coding, dict) and isinstance(coding.get("code"), str):
            system = coding.get("system")
            name = _SYSTEM_NAMES.get(system, system) if isinstance(system, str) else "no system"
            display = coding.get("display")
            return f"{name} {coding['code']}" + (
                f" {display}" if isinstance(display, str) else "")
    text = concept.get("text")
    return text if isinstance(text, str) else "no code"


def _coded_value(resource: JSON, path: str, kind: type[Any]) -> str:
    concept = _object(resource.get("valueCodeableConcept"), f"{path}/valueCodeableConcept")
    table = {(PROJECT_SYSTEM, member.value): member for member in kind}
    key, _ = _pick(concept, f"{path}/valueCodeableConcept", table, "value")
    return key[1]


_PAIN_MESSAGE: Final = "the pain score must be a whole number from 0 to 10"


def _pain_score(resource: JSON, path: str, index: int) -> _PainScore:
    if "valueInteger" in resource:
        value = resource["valueInteger"]
        where = f"{path}/valueInteger"
    elif "valueQuantity" in resource:
        at = f"{path}/valueQuantity"
        quantity = _object(resource["valueQuantity"], at)
        _check_score_unit(quantity, at)
        value = quantity.get("value")
        where = f"{at}/value"
        if isinstance(value, float) and value.is_integer():
            value = int(value)
    else:
        raise _Bad(f"{path}/valueInteger", f"{_PAIN_MESSAGE} (valueInteger or valueQuantity)")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise _Bad(where, _PAIN_MESSAGE, value)
    when, shown = _effective(resource, path)
    return _PainScore(value, path, index, when, shown)


def _check_score_unit(quantity: JSON, path: str) -> None:
    """A 0-10 score has the UCUM unit {score} (or none); mm or % are other scales."""
    if "comparator" in quantity:
        raise _Bad(f"{path}/comparator", "a pain score must be an exact value, not a bound",
                   quantity["comparator"])
    code, unit, system = quantity.get("code"), quantity.get("unit"), quantity.get("system")
    message = (f"a 0-10 pain score has the unit {SCORE_UNIT} (UCUM) or none; another unit "
               "(mm, %) is another scale")
    if code is not None and (code != SCORE_UNIT or system not in (None, UCUM)):
        raise _Bad(f"{path}/code", message, code)
    if unit is not None and unit != SCORE_UNIT and code is None:
        raise _Bad(f"{path}/unit", message, unit)


def _effective(resource: JSON, path: str) -> tuple[Interval | None, str | None]:
    """When an Observation applies: effectiveDateTime, effectiveInstant or effectivePeriod."""
    for key in ("effectiveDateTime", "effectiveInstant"):
        value = _string(resource, key, path)
        if value is not None:
            return _bounds(value, f"{path}/{key}"), value
    if "effectivePeriod" in resource:
        period = _object(resource["effectivePeriod"], f"{path}/effectivePeriod")
        found: tuple[Interval | None, str | None] = (None, None)
        for key in ("start", "end"):
            value = _string(period, key, f"{path}/effectivePeriod")
            if value is not None:
                found = _bounds(value, f"{path}/effectivePeriod/{key}"), value
        return found
    return None, None


def _bounds(value: str, path: str) -> Interval:
    """The earliest and latest instant a FHIR dateTime can mean; an impossible one is refused."""
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        raise _Bad(path, "must be a FHIR dateTime (YYYY, YYYY-MM, YYYY-MM-DD or "
                   "YYYY-MM-DDThh:mm:ss with a time zone)", value)
    parts = match.groupdict()
    try:
        year = int(parts["y"])
        if parts["H"] is not None:
            zone = parts["tz"].replace("Z", "+00:00")
            sign = 1 if zone[0] == "+" else -1
            hours, minutes = int(zone[1:3]), int(zone[4:6])
            if hours > 14 or minutes > 59:
                raise ValueError("time zone out of range")
            moment = dt.datetime(
                year, int(parts["m"]), int(parts["d"]), int(parts["H"]), int(parts["M"]),
                int(parts["S"] or 0),
                tzinfo=dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes)),
            )
            return moment, moment
        if parts["d"] is not None:
            first = dt.date(year, int(parts["m"]), int(parts["d"]))
            after = first + dt.timedelta(days=1)
        elif parts["m"] is not None:
            first = dt.date(year, int(parts["m"]), 1)
            after = dt.date(year + first.month // 12, first.month % 12 + 1, 1)
        else:
            first, after = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    except (ValueError, OverflowError):
        raise _Bad(path, "is not a possible date and time", value) from None
    return (dt.datetime.combine(first, dt.time(), _EARLIEST_ZONE),
            dt.datetime.combine(after, dt.time(), _LATEST_ZONE))


def _date_part(value: str, path: str) -> str:
    """The date of a dateTime that has a full date (checked whole)."""
    _bounds(value, path)
    return _date(value[:10], path)


def _date_value(resource: JSON, path: str) -> str:
    """The date of ``valueDateTime`` (its date part, if it has a time)."""
    value = _string(resource, "valueDateTime", path)
    if value is None:
        raise _Bad(f"{path}/valueDateTime", "is required (a date YYYY-MM-DD)")
    return _date_part(value, f"{path}/valueDateTime")


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
        for ext in _iter_list(shadow.get("extension")):
            if isinstance(ext, dict) and ext.get("url") == EXT_EMPTY_STRING:
                return ""
    return None


def _iter_list(value: object) -> Iterator[object]:
    return iter(value) if isinstance(value, list) else iter(())


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
