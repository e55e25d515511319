"""The conformance resources of the project's own FHIR artefacts: a StructureDefinition for each
extension it writes and a CodeSystem for each code system it owns.

:func:`fhir_definitions` builds them from the code tables; the same JSON ships in the package
(``physio_notes/_fhir/definitions/``, one file per resource, checked by the tests against this
module) and is published in ``docs/fhir.md``.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from .._knowledge import load_knowledge
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
from ._codes import (
    _FIELD_KINDS,
    CONDITION_CODES,
    EXT_EMPTY_STRING,
    EXT_PLAIN_DIAGNOSIS,
    EXT_PROVENANCE,
    PATHWAY_SYSTEM,
    PROJECT_SYSTEM,
    SIDE_DISPLAYS,
)
from ._json import JSON

#: The version of the definitions; bump it when a definition changes meaning.
DEFINITIONS_VERSION: Final = "1.0.0"
_PUBLISHER: Final = "physio_notes"
_FHIR_VERSION: Final = "4.0.1"
_EXTENSION: Final = "http://hl7.org/fhir/StructureDefinition/Extension"


def fhir_definitions() -> list[JSON]:
    """The StructureDefinitions of the project's extensions and its CodeSystems.

    Returns:
        FHIR R4 resources (JSON objects): StructureDefinitions for ``pathway-provenance``,
        ``plain-diagnosis`` and ``empty-string``, then the CodeSystems ``presentation`` and
        ``pathway``. The same resources ship as JSON files in the package.
    """
    return [
        _provenance(),
        _flag_extension(
            EXT_PLAIN_DIAGNOSIS, "plain-diagnosis", "PlainDiagnosis", "Plain diagnosis",
            "Marks a Condition.note as the plain-language diagnosis the patient has been told "
            "(the presentation's plain_diagnosis), not the clinician's working diagnosis.",
            "Condition.note",
        ),
        _flag_extension(
            EXT_EMPTY_STRING, "empty-string", "EmptyString", "Empty string",
            "On a string element's primitive extension (_element): the value is the empty "
            "string, which FHIR JSON cannot carry, so a presentation round-trips exactly.",
            "string",
        ),
        _presentation_code_system(),
        _pathway_code_system(),
    ]


def _header(url: str, ident: str, name: str, title: str, description: str) -> JSON:
    return {
        "resourceType": "StructureDefinition",
        "id": ident,
        "text": _text(f"{title}: {description}"),
        "url": url,
        "version": DEFINITIONS_VERSION,
        "name": name,
        "title": title,
        "status": "active",
        "publisher": _PUBLISHER,
        "description": description,
        "fhirVersion": _FHIR_VERSION,
        "kind": "complex-type",
        "abstract": False,
    }


def _text(summary: str) -> JSON:
    escaped = summary.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return {"status": "generated",
            "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{escaped}</p></div>'}


def _flag_extension(
    url: str, ident: str, name: str, title: str, description: str, context: str
) -> JSON:
    return {
        **_header(url, ident, name, title, description),
        "context": [{"type": "element", "expression": context}],
        "type": "Extension",
        "baseDefinition": _EXTENSION,
        "derivation": "constraint",
        "differential": {"element": [
            {"id": "Extension", "path": "Extension", "short": title, "definition": description,
             "min": 0, "max": "1"},
            {"id": "Extension.extension", "path": "Extension.extension", "max": "0"},
            {"id": "Extension.url", "path": "Extension.url", "fixedUri": url},
            {"id": "Extension.value[x]", "path": "Extension.value[x]", "min": 1,
             "type": [{"code": "boolean"}], "fixedBoolean": True},
        ]},
    }


def _provenance() -> JSON:
    description = ("Why a CarePlan activity (a pathway) was chosen: the ids of the rules that "
                   "fired and the sources they come from, one sub-extension each.")
    elements: list[JSON] = [
        {"id": "Extension", "path": "Extension", "short": "Pathway provenance",
         "definition": description, "min": 0, "max": "1"},
        {"id": "Extension.extension", "path": "Extension.extension",
         "slicing": {"discriminator": [{"type": "value", "path": "url"}], "rules": "closed"},
         "min": 1},
    ]
    for slice_name, definition in (
        ("rule", "The id of a rule of the knowledge base that chose the pathway."),
        ("source", "A source the rule cites (a section of the article or a guideline)."),
    ):
        at = f"Extension.extension:{slice_name}"
        elements += [
            {"id": at, "path": "Extension.extension", "sliceName": slice_name,
             "short": definition, "definition": definition, "min": 0, "max": "*"},
            {"id": f"{at}.extension", "path": "Extension.extension.extension", "max": "0"},
            {"id": f"{at}.url", "path": "Extension.extension.url", "fixedUri": slice_name},
            {"id": f"{at}.value[x]", "path": "Extension.extension.value[x]", "min": 1,
             "type": [{"code": "string"}]},
        ]
    elements += [
        {"id": "Extension.url", "path": "Extension.url", "fixedUri": EXT_PROVENANCE},
        {"id": "Extension.value[x]", "path": "Extension.value[x]", "max": "0"},
    ]
    return {
        **_header(EXT_PROVENANCE, "pathway-provenance", "PathwayProvenance",
                  "Pathway provenance", description),
        "context": [{"type": "element", "expression": "CarePlan.activity"}],
        "type": "Extension",
        "baseDefinition": _EXTENSION,
        "derivation": "constraint",
        "differential": {"element": elements},
    }


def _code_system(url: str, ident: str, name: str, title: str, description: str,
                 concepts: list[JSON]) -> JSON:
    return {
        "resourceType": "CodeSystem",
        "id": ident,
        "text": _text(f"{title}: {description} {len(concepts)} codes."),
        "url": url,
        "version": DEFINITIONS_VERSION,
        "name": name,
        "title": title,
        "status": "active",
        "publisher": _PUBLISHER,
        "description": description,
        "caseSensitive": True,
        "content": "complete",
        "count": len(concepts),
        "concept": concepts,
    }


def presentation_concepts() -> list[tuple[str, str, str]]:
    """(code, display, definition) of each code of the presentation CodeSystem, in order."""
    found: dict[str, tuple[str, str]] = {}

    def add(code: str, display: str, definition: str) -> None:
        if code in found:
            old_display, old_definition = found[code]
            found[code] = (old_display, f"{old_definition}; {definition}")
        else:
            found[code] = (display, definition)

    for field in _FIELD_KINDS:
        add(field, field.replace("_", " "), f"Observation code: the contract field {field}.")
    add("total", "total", "Component code of start_back: the STarT Back total score (0-9).")
    add("distress", "distress",
        "Component code of start_back: the STarT Back distress subscore (0-5).")
    for region in Region:
        add(region.value, CONDITION_CODES[(PROJECT_SYSTEM, region.value)].display,
            f"Condition code: a muscle spasm of region {region.value}.")
    for side in Side:
        add(side.value, SIDE_DISPLAYS[(PROJECT_SYSTEM, side.value)],
            f"Condition.bodySite code: side {side.value}.")
    fields: Iterable[tuple[str, type[enum.Enum]]] = (
        ("spasm_type", SpasmType), ("causes", Cause),
        ("neurological_condition", NeurologicalCondition), ("symptoms", Symptom),
        ("duration", Duration),
    )
    for field, kind in fields:
        for member in kind:
            value = str(member.value)
            add(value, value.replace("_", " "), f"Value of {field}: {value}.")
    for flag in RedFlag:
        add(flag.value, flag.value.replace("_", " "),
            f"Observation code: the red flag {flag.value} (valueBoolean: present or absent).")
    add("registration", "Professional registration number",
        "Practitioner.identifier type: the clinician's professional registration number.")
    return [(code, display, definition) for code, (display, definition) in found.items()]


def _presentation_code_system() -> JSON:
    return _code_system(
        PROJECT_SYSTEM, "presentation", "PhysioNotesPresentation", "physio_notes presentation",
        "The presentation contract's own names: field names as Observation codes, field values "
        "as Condition, bodySite and value codes, red flags as Observation codes. A value code "
        "means what the contract says for the field the Observation names.",
        [{"code": code, "display": display, "definition": definition}
         for code, display, definition in presentation_concepts()],
    )


def _pathway_code_system() -> JSON:
    knowledge = load_knowledge()
    concepts = [
        {"code": p.id, "display": p.title, "definition": p.summary}
        for p in sorted(knowledge.pathways.values(), key=lambda p: p.priority)
    ]
    return _code_system(
        PATHWAY_SYSTEM, "pathway", "PhysioNotesPathway", "physio_notes pathways",
        "The treatment pathways a care plan may hold (CarePlan.activity.detail.code), highest "
        "priority first.",
        concepts,
    )


def definition_files() -> dict[str, str]:
    """File name -> JSON text of each definition, as shipped in ``definitions/``."""
    return {
        f"{d['resourceType']}-{d['id']}.json": json.dumps(d, indent=2, ensure_ascii=False) + "\n"
        for d in fhir_definitions()
    }


if __name__ == "__main__":  # python -m physio_notes._fhir._definitions: rewrite the shipped files
    _FOLDER = Path(__file__).resolve().parent / "definitions"
    _FOLDER.mkdir(exist_ok=True)
    for _name, _text_of in definition_files().items():
        (_FOLDER / _name).write_text(_text_of, encoding="utf-8")
