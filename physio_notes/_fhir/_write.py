"""Writing a presentation, or a care plan and its documents, as a FHIR R4 Bundle."""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import html
import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Final

import attrs

from .._engine import CarePlan, Pathway
from .._model import Presentation, RedFlag, Side, SpasmType
from ._codes import (
    _RED_FLAG_DISPLAYS,
    CONDITION_CODES,
    DOCUMENT_TYPES,
    EXT_EMPTY_STRING,
    EXT_PLAIN_DIAGNOSIS,
    EXT_PROVENANCE,
    LOINC,
    MEDICAL_RECORD,
    PAIN_SCORE_CODE,
    PATHWAY_SYSTEM,
    PROJECT_SYSTEM,
    RED_FLAG_CODES,
    REGISTRATION_TYPE,
    SIDE_CODES,
    SIDE_DISPLAYS,
    V2_0203,
    DocumentKind,
    _ConditionCode,
)
from ._json import JSON

_UUID_NAMESPACE: Final = uuid.UUID("5b0f3c1e-8d3a-5f53-9a57-2f1d7c6e9a40")
_NO_PATIENT: Final = {"display": "patient not identified"}


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
        one Condition (the region, the side as its body site, the diagnosis and the plain
        diagnosis as its notes) and one Observation per recorded finding; absent values write
        nothing.
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
        resource: JSON = {"resourceType": "Practitioner", **_name_element(clinician.name)}
        if clinician.registration is not None:
            resource["identifier"] = [{"type": REGISTRATION_TYPE,
                                       "value": clinician.registration}]
        practitioner = writer.add(resource)
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
        resource["identifier"] = [{
            "use": "usual",
            "type": _concept(V2_0203, MEDICAL_RECORD, "Medical record number"),
            **_string_element("value", patient.id),
        }]
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
        if system != PROJECT_SYSTEM and meaning.write and meaning.region is region
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
    if presentation.side is not None:
        resource["bodySite"] = [_side(presentation.side)]
    notes = []
    if presentation.diagnosis is not None:
        notes.append(_string_element("text", presentation.diagnosis))
    if presentation.plain_diagnosis is not None:
        notes.append({
            "extension": [{"url": EXT_PLAIN_DIAGNOSIS, "valueBoolean": True}],
            **_string_element("text", presentation.plain_diagnosis),
        })
    if notes:
        resource["note"] = notes
    return resource


def _side(side: Side) -> JSON:
    """The side as a body-site concept: the project code, then its SNOMED CT laterality."""
    keys = [(PROJECT_SYSTEM, side.value)]
    keys += [key for key, mapped in SIDE_CODES.items()
             if key[0] != PROJECT_SYSTEM and mapped is side]
    return {"coding": [
        {"system": system, "code": code, "display": SIDE_DISPLAYS[(system, code)]}
        for system, code in keys
    ]}


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
    if p.review_date is not None:
        yield _project("review_date"), {"valueDateTime": p.review_date.isoformat()}
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
    return {"text": _care_plan_narrative(plan, resource), **resource}


def _narrative(*parts: str) -> JSON:
    """Generated narrative: ``parts`` are XHTML fragments already escaped."""
    return {
        "status": "generated",
        "div": '<div xmlns="http://www.w3.org/1999/xhtml">' + "".join(parts) + "</div>",
    }


def _care_plan_narrative(plan: CarePlan, resource: JSON) -> JSON:
    """The CarePlan's narrative: its title, its pathways with their reasons, and its note."""
    created = f", created {resource['created']}" if "created" in resource else ""
    items = "".join(
        f"<li><b>{html.escape(p.title)}</b> ({html.escape(p.id)})"
        + (f": {html.escape(p.rationale)}" if p.rationale else "") + "</li>"
        for p in plan.pathways
    )
    lines = "".join(f"<p>{html.escape(line)}</p>" for line in _plan_summary(plan).splitlines())
    return _narrative(
        f"<p><b>{html.escape(resource['title'])}</b>{created}</p>",
        f"<p>{html.escape(resource['description'])}</p>",
        f"<ol>{items}</ol>",
        lines,
    )


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
    if plan.presentation.review_date is not None:
        lines.append(f"Review appointment: {plan.presentation.review_date.isoformat()}.")
    lines.extend(
        f"{p.id}: rules {', '.join(p.rules)}; sources {'; '.join(p.sources)}."
        for p in plan.pathways
    )
    lines.extend(f"Clinician's change: {change}." for change in plan.changes)
    if plan.clinician_reason:
        lines.append(f"Clinician's reason: {' '.join(plan.clinician_reason.split())}")
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
    dated = f", {date.isoformat()}" if date is not None else ""
    narrative = _narrative(
        f"<p><b>{html.escape(document.title)}</b>: {html.escape(display)} "
        f"({html.escape(document.content_type)}, {len(document.data)} bytes{dated})</p>"
    )
    return {"text": narrative, **resource}
