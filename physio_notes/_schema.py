"""JSON Schema (draft 2020-12) of the presentation, generated from the attrs model.

Types, enum values, ranges and lengths come from the model's fields and metadata, so the
schema cannot drift from what :meth:`Presentation.from_dict` accepts. Cross-field rules that
JSON Schema can express are added at the end; three it cannot (STarT Back distress not above
the total, birth date not after the encounter, review date not before the encounter) are
checked by the model only.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from typing import Any

import attrs

from ._model import SCHEMA_VERSION, SPINAL_REGIONS, Cause, Presentation, Region, Side
from ._vocab import PathwayId

__all__ = ["json_schema", "plan_schema"]

SCHEMA_ID = "https://physio-notes.invalid/schema/presentation-v1.json"
PLAN_SCHEMA_ID = "https://physio-notes.invalid/schema/plan-v1.json"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the presentation input contract (draft 2020-12)."""
    schema = _object(Presentation)
    schema["properties"]["schema_version"] = {"const": SCHEMA_VERSION}
    schema["required"] = ["schema_version", "region"]
    schema["allOf"] = [
        _if_present("neurological_condition", {
            "required": ["causes"],
            "properties": {"causes": {"contains": {"const": Cause.NEUROLOGICAL.value}}},
        }),
        _if_present("start_back", {"properties": {"region": {"const": Region.LOWER_BACK.value}}}),
        {
            "if": {"required": ["side"], "properties": {"side": {"const": Side.CENTRAL.value}}},
            "then": {"properties": {"region": {
                "enum": [r.value for r in Region if r in SPINAL_REGIONS],
            }}},
        },
        {
            "if": {
                "required": ["causes"],
                "properties": {"causes": {"contains": {"const": Cause.UNKNOWN.value}}},
            },
            "then": {"properties": {"causes": {"items": {"const": Cause.UNKNOWN.value}}}},
        },
    ]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "physio_notes presentation",
        "description": (Presentation.__doc__ or "").strip().splitlines()[0],
        **schema,
    }


def _if_present(name: str, then: dict[str, Any]) -> dict[str, Any]:
    return {
        "if": {"required": [name], "properties": {name: {"not": {"type": "null"}}}},
        "then": then,
    }


def _object(cls: type[Any]) -> dict[str, Any]:
    properties = {field.name: _field(field) for field in attrs.fields(cls)}
    required = [f.name for f in attrs.fields(cls) if f.default is attrs.NOTHING]
    out: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        out["required"] = required
    return out


def _field(field: attrs.Attribute[Any]) -> dict[str, Any]:
    annotation = field.type
    args = typing.get_args(annotation)
    nullable = isinstance(annotation, types.UnionType) and type(None) in args
    base = next(a for a in args if a is not type(None)) if nullable else annotation
    schema = _type(base, field.metadata)
    if nullable:
        return {"anyOf": [schema, {"type": "null"}]}
    return schema


def _type(annotation: Any, metadata: typing.Mapping[str, Any]) -> dict[str, Any]:
    if typing.get_origin(annotation) is tuple:
        return {"type": "array", "items": _type(typing.get_args(annotation)[0], metadata)}
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return {"type": "string", "enum": [m.value for m in annotation]}
    if isinstance(annotation, type) and attrs.has(annotation):
        return _object(annotation)
    if annotation is dt.date:
        return {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    if annotation is bool:
        return {"type": "boolean"}
    if annotation is int:
        out: dict[str, Any] = {"type": "integer"}
        if "range" in metadata:
            out["minimum"], out["maximum"] = metadata["range"]
        return out
    if annotation is str:
        text: dict[str, Any] = {"type": "string"}
        if "max_length" in metadata:
            text["maxLength"] = metadata["max_length"]
        return text
    raise TypeError(f"no JSON Schema for {annotation!r}")  # pragma: no cover - model changed


def plan_schema() -> dict[str, Any]:
    """The JSON Schema of a plan as ``plan --json`` prints it and a clinician may edit it.

    What a clinician may edit: ``pathways`` (by ``id``), ``exercises`` (by ``id``, with dose
    fields), ``clinician_reason``. The presentation is the input contract. The other fields are
    worked out again when the plan is read, so any value is accepted for them. The safety rules
    (a red flag keeps its referral, ...) depend on the knowledge base and are checked by
    :meth:`CarePlan.from_dict` only.
    """
    presentation = json_schema()
    presentation.pop("$schema", None)
    presentation.pop("$id", None)
    text = {"type": "string", "maxLength": 200}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": PLAN_SCHEMA_ID,
        "title": "physio_notes care plan",
        "type": "object",
        "additionalProperties": False,
        "required": ["presentation", "pathways"],
        "properties": {
            "presentation": {"$ref": "#/$defs/presentation"},
            "pathways": {
                "type": "array", "minItems": 1,
                "items": {"type": "object", "required": ["id"],
                          "properties": {"id": {"enum": [p.value for p in PathwayId]}}},
            },
            "exercises": {
                "type": "array",
                "items": {
                    "type": "object", "required": ["id"], "additionalProperties": False,
                    "properties": {
                        "id": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
                        "name": {"type": "string"},
                        "hold": text,
                        "repetitions": {"type": "integer", "minimum": 1, "maximum": 100},
                        "sets": {"type": "integer", "minimum": 1, "maximum": 100},
                        "how_often": {**text, "minLength": 1},
                    },
                },
            },
            "clinician_reason": {"type": ["string", "null"], "maxLength": 2000},
            **{name: {"description": "worked out again when the plan is read"}
               for name in ("red_flag_screen", "referral", "start_back",
                            "knowledge_base_version", "changes")},
        },
        "$defs": {"presentation": presentation},
    }
