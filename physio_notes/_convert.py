"""JSON <-> frozen attrs classes, for any model class that checks itself.

Generic: it knows nothing of the presentation, so the model can use it without a cycle. It
walks the attrs fields of the class: unknown keys, missing keys, and every problem the model
classes find when they check themselves are collected into one
:class:`~physio_notes.exceptions.PresentationError`, each with its path. A nested object that
fails is left out so the rest of the presentation is still checked.

(cattrs was tried here first. The contract forbids its lenient coercions — ``bool("false")``
is ``True``, ``int(7.9)`` is ``7`` — so every hook had to pass values through to the model's own
checks, and its structuring stops at the first nested object that fails. What was left for it
to do is this walk over ``attrs.fields``.)
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import typing
from collections.abc import Iterable
from typing import Any, TypeVar

import attrs

from .exceptions import PresentationError, Problem

__all__ = ["show", "structure", "unstructure"]

T = TypeVar("T")


def show(value: object) -> str:
    """A short rendering of a bad value for an error message, as JSON would write it."""
    try:
        text = json.dumps(_json(value), ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def structure(cls: type[T], data: object, *, required: Iterable[str] = ()) -> T:
    """Build ``cls`` from parsed JSON, reporting every problem with its path.

    Args:
        cls: A frozen attrs class that raises :class:`PresentationError` when it is wrong.
        data: The parsed JSON.
        required: Top-level keys the JSON must hold even where the class has a default.

    Raises:
        PresentationError: every unknown key, missing key and problem the class found.
    """
    problems: list[Problem] = []
    if isinstance(data, dict):
        problems.extend(
            Problem(f"$.{name}", "is required") for name in required if name not in data
        )
    built: T | None = _build(data, cls, "$", problems)
    if problems or built is None:
        raise PresentationError(problems)
    return built


def _build(data: object, cls: type[Any], path: str, problems: list[Problem]) -> Any:
    """Build ``cls`` from ``data``; on failure record the problems and return ``None``."""
    if not isinstance(data, dict):
        problems.append(Problem(path, "must be a JSON object", show(data)))
        return None
    fields = attrs.fields_dict(cls)
    kwargs: dict[str, object] = {}
    for key, value in data.items():
        field = fields.get(key)
        if field is None:
            allowed = ", ".join(fields)
            problems.append(Problem(f"{path}.{key}", f"is not a known field; allowed: {allowed}"))
            continue
        nested = _attrs_class(field.type)
        if nested is not None and value is not None:
            value = _build(value, nested, f"{path}.{key}", problems)
            if value is None:
                continue
        kwargs[key] = value
    missing = [n for n, f in fields.items() if f.default is attrs.NOTHING and n not in kwargs]
    if path != "$":  # the top level reported its own required fields already
        problems.extend(Problem(f"{path}.{name}", "is required") for name in missing)
    # Build with placeholders for missing fields, so every other problem is still found;
    # the problems about the placeholders themselves are dropped.
    placeholder_paths = {f"$.{name}" for name in missing}
    try:
        built = cls(**kwargs, **dict.fromkeys(missing, _MISSING))
    except PresentationError as exc:
        problems.extend(
            attrs.evolve(p, path=path + p.path[1:])
            for p in exc.problems
            if p.path.split("[")[0] not in placeholder_paths
        )
        return None
    return None if missing else built


_MISSING = object()


def _attrs_class(annotation: object) -> type[Any] | None:
    """The attrs class in an annotation ``X`` or ``X | None``, if there is one."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and attrs.has(candidate):
            return candidate
    return None


def unstructure(obj: object) -> dict[str, Any]:
    """The JSON contract for an attrs model object; ``None`` values are left out."""
    out = _json(obj)
    assert isinstance(out, dict)
    return out


def _json(value: object) -> object:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_json(v) for v in value]
    if attrs.has(type(value)):
        return {
            f.name: _json(item)
            for f in attrs.fields(type(value))  # type: ignore[arg-type]
            if (item := getattr(value, f.name)) is not None
        }
    return value
