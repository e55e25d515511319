"""Write the FHIR corpus: EHR-style Bundles of synthetic patients, each with what it must give.

Every case is a Bundle built the way an EHR exports one (search results, documents,
transactions, batches: identifiers of several kinds, old names, pain histories, unrelated and
resolved conditions, resources the mapper does not read) and, written by hand here, the
presentation and the warnings it must give, or the problems it must be refused with.

    .venv/bin/python tests/fhir_corpus/build.py     # rewrites NAME.bundle.json, NAME.expected.json

``tests/test_fhir.py`` checks that the files are what this script writes, that every Bundle is
valid FHIR (R4B models) and that reading it gives exactly what is expected. The patients,
clinicians and identifiers are invented; the codes are those of the code map
(``physio_notes/_fhir/codes.toml``) plus, for the resources that must be ignored, SNOMED CT
59621000 Essential hypertension (SNOMED CT IPS Free Set) and LOINC 8867-4 Heart rate (FHIR R4
heart rate profile).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
JSON = dict[str, Any]
NAMESPACE = uuid.UUID("0c4e2b1a-7d53-5e0f-9a1c-3b2d4e5f6a70")

SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
EHR = "https://ehr.example.invalid/fhir/"


def url(case: str, name: str) -> str:
    """A deterministic RFC 4122 urn:uuid for one resource of a case."""
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{case}/{name}')}"


def concept(system: str, code: str, display: str, text: str | None = None) -> JSON:
    found: JSON = {"coding": [{"system": system, "code": code, "display": display}]}
    if text is not None:
        found["text"] = text
    return found


def ref(reference: str) -> JSON:
    return {"reference": reference}


def patient(ident: str, *, mrn: str, ssn: str, official: tuple[str, list[str]],
            old: tuple[str, list[str]] | None = None, born: str = "1975-05-04") -> JSON:
    names: list[JSON] = []
    if old is not None:
        names.append({"use": "maiden", "family": old[0], "given": old[1]})
    names.append({"use": "official", "family": official[0], "given": official[1]})
    return {
        "resourceType": "Patient",
        "id": ident,
        "meta": {"lastUpdated": "2026-11-24T08:00:00Z"},
        "extension": [{"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex",
                       "valueCode": "F"}],
        "identifier": [
            {"use": "official", "type": concept(V2_0203, "SS", "Social Security number"),
             "system": "http://hl7.org/fhir/sid/us-ssn", "value": ssn},
            {"use": "usual", "type": concept(V2_0203, "MR", "Medical record number"),
             "system": "urn:oid:2.16.840.1.113883.3.9999.1", "value": mrn},
        ],
        "name": names,
        "gender": "female",
        "birthDate": born,
    }


def practitioner(ident: str, family: str, given: list[str]) -> JSON:
    return {
        "resourceType": "Practitioner",
        "id": ident,
        "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1999999984"}],
        "name": [{"use": "official", "family": family, "given": given, "prefix": ["Dr"]}],
    }


def encounter(ident: str, subject: str, start: str) -> JSON:
    return {
        "resourceType": "Encounter",
        "id": ident,
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB",
                  "display": "ambulatory"},
        "subject": ref(subject),
        "period": {"start": start},
    }


def condition(ident: str, subject: str, code: JSON, *, clinical: str = "active",
              verification: str = "confirmed", **extra: Any) -> JSON:
    return {
        "resourceType": "Condition",
        "id": ident,
        "clinicalStatus": concept(CLINICAL, clinical, clinical.title()),
        "verificationStatus": concept(VERIFICATION, verification, verification.title()),
        "category": [concept(CATEGORY, "problem-list-item", "Problem List Item")],
        "code": code,
        "subject": ref(subject),
        **extra,
    }


def pain(ident: str, subject: str, value: JSON, when: str, status: str = "final") -> JSON:
    return {
        "resourceType": "Observation",
        "id": ident,
        "status": status,
        "category": [concept(OBS_CATEGORY, "survey", "Survey")],
        "code": concept(LOINC, "72514-3",
                        "Pain severity - 0-10 verbal numeric rating [Score] - Reported"),
        "subject": ref(subject),
        "effectiveDateTime": when,
        **value,
    }


def score(value: int) -> JSON:
    return {"valueQuantity": {"value": value, "unit": "{score}", "system": UCUM,
                              "code": "{score}"}}


def heart_rate(ident: str, subject: str, when: str) -> JSON:
    return {
        "resourceType": "Observation",
        "id": ident,
        "status": "final",
        "category": [concept(OBS_CATEGORY, "vital-signs", "Vital Signs")],
        "code": concept(LOINC, "8867-4", "Heart rate"),
        "subject": ref(subject),
        "effectiveDateTime": when,
        "valueQuantity": {"value": 72, "unit": "beats/minute", "system": UCUM, "code": "/min"},
    }


HYPERTENSION = concept(SNOMED, "59621000", "Essential hypertension")


# --- the cases ------------------------------------------------------------------------------


def searchset_low_back_pain_history() -> tuple[JSON, JSON]:
    """An EHR search result for a low back pain visit: SSN and MRN, a maiden name, a pain
    history, hypertension, a resolved disc disorder, an MS entry made in error, a heart rate,
    the managing Organization and the search's OperationOutcome."""
    case = "searchset-low-back-pain-history"
    pid = f"{EHR}Patient/pat-0417"
    resources: list[tuple[str, JSON, str]] = [
        (pid, patient("pat-0417", mrn="MRN-0417", ssn="900-00-0417",
                      official=("Ní Riain", ["Saoirse"]), old=("Walsh", ["Saoirse"])), "match"),
        (f"{EHR}Practitioner/pr-22", practitioner("pr-22", "Okafor", ["Chidi"]), "include"),
        (f"{EHR}Encounter/enc-9", encounter("enc-9", "Patient/pat-0417",
                                            "2026-11-24T09:15:00+00:00"), "match"),
        (f"{EHR}Condition/c-1", condition(
            "c-1", "Patient/pat-0417", concept(SNOMED, "279039007", "Low back pain"),
            recordedDate="2026-11-24"), "match"),
        (f"{EHR}Condition/c-2", condition("c-2", "Patient/pat-0417", HYPERTENSION), "match"),
        (f"{EHR}Condition/c-3", condition(
            "c-3", "Patient/pat-0417",
            concept(ICD10CM, "M51.26", "Other intervertebral disc displacement, lumbar region"),
            clinical="resolved", abatementDateTime="2024-03-01"), "match"),
        (f"{EHR}Condition/c-4", condition(
            "c-4", "Patient/pat-0417", concept(SNOMED, "24700007", "Multiple sclerosis"),
            clinical="active", verification="entered-in-error"), "match"),
        (f"{EHR}Observation/o-1", pain("o-1", "Patient/pat-0417", score(4),
                                       "2026-10-02T10:00:00+01:00"), "match"),
        (f"{EHR}Observation/o-2", pain("o-2", "Patient/pat-0417", score(7),
                                       "2026-11-24T09:20:00+00:00"), "match"),
        (f"{EHR}Observation/o-3", pain("o-3", "Patient/pat-0417", score(6),
                                       "2026-11-10T14:30:00+00:00"), "match"),
        (f"{EHR}Observation/o-4", heart_rate("o-4", "Patient/pat-0417",
                                             "2026-11-24T09:18:00+00:00"), "match"),
        (f"{EHR}Organization/org-1", {"resourceType": "Organization", "id": "org-1",
                                      "name": "Riverside Physiotherapy"}, "include"),
    ]
    entries: list[JSON] = [{"fullUrl": full, "resource": r, "search": {"mode": mode}}
                           for full, r, mode in resources]
    entries.append({"search": {"mode": "outcome"}, "resource": {
        "resourceType": "OperationOutcome", "id": "search-1",
        "issue": [{"severity": "information", "code": "informational",
                   "diagnostics": "12 resources matched; _include Organization, Practitioner"}],
    }})
    bundle = {"resourceType": "Bundle", "id": case, "type": "searchset", "total": 11,
              "entry": entries}
    expected = {
        "presentation": {
            "schema_version": 1,
            "patient": {"name": "Saoirse Ní Riain", "id": "MRN-0417",
                        "date_of_birth": "1975-05-04"},
            "clinician": {"name": "Chidi Okafor"},
            "date": "2026-11-24",
            "region": "lower_back",
            "spasm_type": "unknown",
            "causes": [],
            "symptoms": [],
            "pain_score": 7,
        },
        "warnings": [
            ["/entry/4/resource", "Condition ignored: not about the spasm, its region or its "
             "cause (SNOMED CT 59621000 Essential hypertension)"],
            ["/entry/5/resource", "Condition ignored: its clinical status is resolved (ICD-10-CM "
             "M51.26 Other intervertebral disc displacement, lumbar region)"],
            ["/entry/6/resource", "Condition ignored: its verification status is "
             "entered-in-error (SNOMED CT 24700007 Multiple sclerosis)"],
            ["/entry/8/resource", "pain score given 3 times: the latest (7/10, "
             "2026-11-24T09:20:00+00:00) is used; earlier ones ignored: 4 at /entry/7/resource, "
             "6 at /entry/9/resource"],
            ["/entry/10/resource", "Observation ignored: not about the spasm (LOINC 8867-4 Heart "
             "rate)"],
            ["/entry/11/resource", "Organization ignored: not a resource type the mapper reads"],
            ["/entry/12/resource", "search outcome ignored: information: 12 resources matched; "
             "_include Organization, Practitioner"],
        ],
    }
    return bundle, expected


def document_neck_cervicalgia() -> tuple[JSON, JSON]:
    """A clinical document (Composition first) for neck pain on the right: ICD-10-CM M54.2 with
    a laterality body site, a fever screen that was negative, a pain score."""
    case = "document-neck-cervicalgia"
    pid, prid, eid = url(case, "patient"), url(case, "practitioner"), url(case, "encounter")
    cid, oid, fid = url(case, "condition"), url(case, "pain"), url(case, "fever")
    composition = {
        "resourceType": "Composition",
        "id": "doc-1",
        "status": "final",
        "type": concept(LOINC, "11506-3", "Progress note"),
        "subject": ref(pid),
        "encounter": ref(eid),
        "date": "2026-11-25T16:00:00+00:00",
        "author": [ref(prid)],
        "title": "Physiotherapy progress note",
        "section": [{"title": "Problems", "entry": [ref(cid)]},
                    {"title": "Findings", "entry": [ref(oid), ref(fid)]}],
    }
    role = {"resourceType": "PractitionerRole", "id": "role-1", "practitioner": ref(prid),
            "code": [{"text": "Chartered Physiotherapist"}]}
    neck = condition("cond-1", pid, concept(ICD10CM, "M54.2", "Cervicalgia"),
                     bodySite=[concept(SNOMED, "24028007", "Right")],
                     category=[concept(CATEGORY, "encounter-diagnosis", "Encounter Diagnosis")])
    fever = {"resourceType": "Observation", "id": "obs-2", "status": "final",
             "code": concept(SNOMED, "386661006", "Fever"), "subject": ref(pid),
             "effectiveDateTime": "2026-11-25T15:40:00+00:00", "valueBoolean": False}
    entries = [
        (url(case, "composition"), composition),
        (pid, patient("pat-0522", mrn="MRN-0522", ssn="900-00-0522",
                      official=("Kowalczyk", ["Marta"]), born="1989-09-30")),
        (prid, practitioner("prac-1", "Brennan", ["Aisling"])),
        (url(case, "role"), role),
        (eid, encounter("enc-1", pid, "2026-11-25T15:30:00+00:00")),
        (cid, neck),
        (oid, pain("obs-1", pid, {"valueInteger": 6}, "2026-11-25T15:35:00+00:00")),
        (fid, fever),
    ]
    bundle = {"resourceType": "Bundle", "id": case, "type": "document",
              "identifier": {"system": "urn:ietf:rfc:3986", "value": url(case, "document")},
              "timestamp": "2026-11-25T16:00:00+00:00",
              "entry": [{"fullUrl": full, "resource": r} for full, r in entries]}
    expected = {
        "presentation": {
            "schema_version": 1,
            "patient": {"name": "Marta Kowalczyk", "id": "MRN-0522",
                        "date_of_birth": "1989-09-30"},
            "clinician": {"name": "Aisling Brennan", "role": "Chartered Physiotherapist"},
            "date": "2026-11-25",
            "region": "neck",
            "side": "right",
            "spasm_type": "unknown",
            "causes": [],
            "symptoms": [],
            "pain_score": 6,
            "red_flags": [],
        },
        "warnings": [
            ["/entry/0/resource", "Composition ignored: not a resource type the mapper reads"],
        ],
    }
    return bundle, expected


def transaction_mid_back_multiple_sclerosis() -> tuple[JSON, JSON]:
    """A transaction an EHR posts: a generic spasm code (M62.838) whose body site is the
    thoracic spine, on the left; relapsing-remitting MS (ICD-10-CM G35.A, FY2026); a pain score;
    and a DELETE of an old problem-list entry."""
    case = "transaction-mid-back-multiple-sclerosis"
    pid = url(case, "patient")
    spasm = condition("c-spasm", pid, concept(ICD10CM, "M62.838", "Other muscle spasm"),
                      bodySite=[concept(SNOMED, "122495006", "Thoracic spine"),
                                concept(SNOMED, "7771000", "Left")],
                      note=[{"text": "Paraspinal spasm T6-T9, worse after long drives"}])
    ms = condition("c-ms", pid, concept(ICD10CM, "G35.A", "Relapsing-remitting multiple "
                                        "sclerosis"), onsetDateTime="2019-04")
    resources = [
        (pid, patient("pat-0630", mrn="MRN-0630", ssn="900-00-0630",
                      official=("Adeyemi", ["Funmi"]), born="1981-01-17"), "Patient"),
        (url(case, "spasm"), spasm, "Condition"),
        (url(case, "ms"), ms, "Condition"),
        (url(case, "pain"), pain("o-pain", pid, {"valueInteger": 5},
                                 "2026-12-01T11:05:00+00:00"), "Observation"),
    ]
    entries: list[JSON] = [
        {"fullUrl": full, "resource": r, "request": {"method": "POST", "url": kind}}
        for full, r, kind in resources
    ]
    entries.append({"request": {"method": "DELETE", "url": "Condition/old-problem-7"}})
    bundle = {"resourceType": "Bundle", "id": case, "type": "transaction", "entry": entries}
    expected = {
        "presentation": {
            "schema_version": 1,
            "patient": {"name": "Funmi Adeyemi", "id": "MRN-0630",
                        "date_of_birth": "1981-01-17"},
            "date": "2026-12-01",
            "region": "mid_back",
            "side": "left",
            "spasm_type": "unknown",
            "causes": ["neurological"],
            "neurological_condition": "multiple_sclerosis",
            "symptoms": [],
            "pain_score": 5,
            "diagnosis": "Paraspinal spasm T6-T9, worse after long drives",
        },
        "warnings": [
            ["/entry/4", 'entry ignored: its "DELETE" request carries no resource'],
        ],
    }
    return bundle, expected


def batch_low_back_stroke_sequela() -> tuple[JSON, JSON]:
    """A batch: backache (SNOMED CT 161891005) whose body site is the lower back, hemiparesis
    after a cerebral infarction (ICD-10-CM I69.354), a search the batch also runs, and a heart
    rate."""
    case = "batch-low-back-stroke-sequela"
    pid = url(case, "patient")
    backache = condition("c-back", pid, concept(SNOMED, "161891005", "Backache"),
                         bodySite=[concept(SNOMED, "37822005", "Structure of back of "
                                                                "abdominopelvic segment of trunk")])
    stroke = condition("c-stroke", pid, concept(
        ICD10CM, "I69.354",
        "Hemiplegia and hemiparesis following cerebral infarction affecting left non-dominant "
        "side"))
    resources = [
        (pid, patient("pat-0711", mrn="MRN-0711", ssn="900-00-0711",
                      official=("Lindqvist", ["Ingrid"]), old=("Berg", ["Ingrid"]),
                      born="1952-07-11")),
        (url(case, "backache"), backache),
        (url(case, "stroke"), stroke),
        (url(case, "pain"), pain("o-pain", pid, score(8), "2026-12-03T08:45:00+00:00")),
        (url(case, "pulse"), heart_rate("o-hr", pid, "2026-12-03T08:44:00+00:00")),
    ]
    entries: list[JSON] = [
        {"fullUrl": full, "resource": r,
         "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
        for full, r in resources
    ]
    entries.insert(1, {"request": {"method": "GET", "url": "Patient?identifier=MRN-0711"}})
    bundle = {"resourceType": "Bundle", "id": case, "type": "batch", "entry": entries}
    expected = {
        "presentation": {
            "schema_version": 1,
            "patient": {"name": "Ingrid Lindqvist", "id": "MRN-0711",
                        "date_of_birth": "1952-07-11"},
            "date": "2026-12-03",
            "region": "lower_back",
            "spasm_type": "unknown",
            "causes": ["neurological"],
            "neurological_condition": "stroke",
            "symptoms": [],
            "pain_score": 8,
        },
        "warnings": [
            ["/entry/1", 'entry ignored: its "GET" request carries no resource'],
            ["/entry/5/resource", "Observation ignored: not about the spasm (LOINC 8867-4 Heart "
             "rate)"],
        ],
    }
    return bundle, expected


def refused(case: str, resources: list[JSON], problems: list[list[str]]) -> tuple[JSON, JSON]:
    pid = url(case, "patient")
    entries = [{"fullUrl": pid, "resource": patient(
        "pat-0800", mrn="MRN-0800", ssn="900-00-0800", official=("Murphy", ["Ciara"]))}]
    entries += [{"fullUrl": url(case, str(i)), "resource": r} for i, r in enumerate(resources)]
    bundle = {"resourceType": "Bundle", "id": case, "type": "collection", "entry": entries}
    return bundle, {"problems": problems}


def refused_modifier_extension() -> tuple[JSON, JSON]:
    """A Condition whose modifierExtension may negate it: refused, naming it."""
    case = "refused-modifier-extension"
    pid = url(case, "patient")
    negated = condition("c-1", pid, concept(SNOMED, "24700007", "Multiple sclerosis"))
    negated["modifierExtension"] = [{
        "url": "https://ehr.example.invalid/fhir/StructureDefinition/condition-ruled-out",
        "valueBoolean": True}]
    return refused(case, [condition("c-0", pid, concept(SNOMED, "279039007", "Low back pain")),
                          negated],
                   [["/entry/2/resource/modifierExtension",
                     "Condition has a modifierExtension, which may change what it means (negate "
                     "it, for example); the mapper cannot read it"]])


def refused_other_patient() -> tuple[JSON, JSON]:
    """A pain score about another patient than the Bundle's: refused."""
    case = "refused-other-patient"
    pid = url(case, "patient")
    return refused(case, [condition("c-0", pid, concept(SNOMED, "81680005", "Neck pain")),
                          pain("o-1", url(case, "someone-else"), {"valueInteger": 9},
                               "2026-12-04T10:00:00+00:00")],
                   [["/entry/2/resource/subject/reference",
                     f"Observation is about another patient than the Bundle's ({pid})"]])


def refused_pain_in_millimetres() -> tuple[JSON, JSON]:
    """A visual analogue scale in millimetres is another scale than the 0-10 score."""
    case = "refused-pain-in-millimetres"
    pid = url(case, "patient")
    vas = {"valueQuantity": {"value": 64, "unit": "mm", "system": UCUM, "code": "mm"}}
    return refused(case, [condition("c-0", pid, concept(ICD10CM, "M54.50",
                                                        "Low back pain, unspecified")),
                          pain("o-1", pid, vas, "2026-12-04T10:00:00+00:00")],
                   [["/entry/2/resource/valueQuantity/code",
                     "a 0-10 pain score has the unit {score} (UCUM) or none; another unit (mm, "
                     "%) is another scale"]])


CASES = {
    "searchset-low-back-pain-history": searchset_low_back_pain_history,
    "document-neck-cervicalgia": document_neck_cervicalgia,
    "transaction-mid-back-multiple-sclerosis": transaction_mid_back_multiple_sclerosis,
    "batch-low-back-stroke-sequela": batch_low_back_stroke_sequela,
    "refused-modifier-extension": refused_modifier_extension,
    "refused-other-patient": refused_other_patient,
    "refused-pain-in-millimetres": refused_pain_in_millimetres,
}


def files() -> dict[str, str]:
    """File name -> text of every corpus file."""
    out = {}
    for name, make in CASES.items():
        bundle, expected = make()
        expected = {"description": " ".join((make.__doc__ or "").split()), **expected}
        for suffix, data in (("bundle", bundle), ("expected", expected)):
            out[f"{name}.{suffix}.json"] = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return out


if __name__ == "__main__":
    for file_name, text in files().items():
        (HERE / file_name).write_text(text, encoding="utf-8")
