"""FHIR R4 input and output: mapping tables, errors with JSON Pointers, round trip, validity."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, find, given, settings

from physio_notes import (
    Cause,
    Clinician,
    NeurologicalCondition,
    Patient,
    Presentation,
    PresentationError,
    RedFlag,
    Region,
    Side,
    load_presentation,
    select_pathways,
)
from physio_notes._fhir import (
    FhirDocument,
    FhirReading,
    FhirWarning,
    fhir_definitions,
    from_fhir,
    presentation_to_fhir,
    read_fhir,
    to_fhir,
)
from physio_notes._fhir._codes import (
    CONDITION_CODES,
    DOCUMENT_TYPES,
    EXT_EMPTY_STRING,
    EXT_PLAIN_DIAGNOSIS,
    EXT_PROVENANCE,
    ICD10CM,
    LOINC,
    PATHWAY_SYSTEM,
    PROJECT_SYSTEM,
    RED_FLAG_CODES,
    SIDE_CODES,
    SITE_CODES,
    SNOMED,
)

from .strategies import presentations

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FHIR_EXAMPLES = EXAMPLES / "fhir"
JSON = dict[str, Any]
PAIN = {"system": LOINC, "code": "72514-3"}
NO_PATIENT = {"display": "patient not identified"}


def bundle(*resources: JSON) -> JSON:
    """A collection Bundle of ``resources``, in order."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }


def condition(system: str, code: str, **extra: Any) -> JSON:
    """A Condition coded ``system|code``."""
    return {
        "resourceType": "Condition",
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": NO_PATIENT,
        **extra,
    }


def observation(system: str, code: str, **value: Any) -> JSON:
    """An Observation coded ``system|code`` with the value elements given."""
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": system, "code": code}]},
        **value,
    }


def project(field: str, **value: Any) -> JSON:
    """An Observation coded with the project CodeSystem."""
    return observation(PROJECT_SYSTEM, field, **value)


def coded(code: str) -> JSON:
    """A project-coded ``valueCodeableConcept``."""
    return {"valueCodeableConcept": {"coding": [{"system": PROJECT_SYSTEM, "code": code}]}}


BACK = condition(ICD10CM, "M62.830")
MID_BACK = condition(PROJECT_SYSTEM, "mid_back")
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def status(system: str, code: str) -> JSON:
    """A Condition status CodeableConcept."""
    return {"coding": [{"system": system, "code": code}]}


def assert_warnings(reading: FhirReading, expected: list[tuple[str, str]]) -> None:
    """The warnings are, in order, at these paths and start with these messages."""
    assert all(isinstance(w, FhirWarning) for w in reading.warnings)
    found = [(w.path, w.message) for w in reading.warnings]
    assert [p for p, _ in found] == [p for p, _ in expected], found
    for (_, message), (_, start) in zip(found, expected, strict=True):
        assert message.startswith(start), (message, start)


def problems(data: object) -> list[tuple[str, str]]:
    """The (path, message) of every problem from_fhir reports."""
    with pytest.raises(PresentationError) as info:
        from_fhir(data)
    return [(p.path, p.message) for p in info.value.problems]


def read_example(name: str) -> JSON:
    """A hand-written example Bundle."""
    data = json.loads((FHIR_EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


# --- examples -------------------------------------------------------------------------------


@pytest.mark.hazard("HAZ-02")
def test_region_and_pain_only_is_a_valid_presentation() -> None:
    """A Bundle coding only the region and a pain score reads; red flags are not screened."""
    p = from_fhir(read_example("region-and-pain-only"))
    assert p == Presentation(region=Region.LOWER_BACK, pain_score=6)
    assert p.red_flags is None


@pytest.mark.parametrize("name", ["disc-recurrent", "red-flag-cauda-equina"])
def test_hand_written_bundle_equals_json_example(name: str) -> None:
    """The hand-written FHIR example reads to the same presentation as its JSON twin."""
    assert from_fhir(read_example(name)) == load_presentation(EXAMPLES / f"{name}.json")


# --- Condition mapping rows -----------------------------------------------------------------


@pytest.mark.parametrize(("key", "meaning"), list(CONDITION_CODES.items()))
def test_every_condition_code_maps(key: tuple[str, str], meaning: Any) -> None:
    """Each Condition mapping row gives its region, cause and neurological condition."""
    extra: JSON = {}
    if meaning.kind == "body_site":  # a generic code: the region comes from the body site
        extra["bodySite"] = [body_site(SNOMED, "45048000")]
    resources = [condition(*key, **extra)]
    if meaning.kind == "none":
        resources.append(condition(PROJECT_SYSTEM, "lower_back"))
    p = from_fhir(bundle(*resources))
    expected = {"fixed": meaning.region, "back": Region.LOWER_BACK, "body_site": Region.NECK,
                "none": Region.LOWER_BACK}[meaning.kind]
    assert p.region == expected
    assert p.causes == ((meaning.cause,) if meaning.cause else ())
    assert p.neurological_condition == meaning.neurological


def test_neurological_codes_set_the_cause_and_the_condition() -> None:
    """SNOMED CT multiple sclerosis gives cause neurological with that condition."""
    p = from_fhir(bundle(BACK, condition(SNOMED, "24700007")))
    assert p.causes == (Cause.NEUROLOGICAL,)
    assert p.neurological_condition is NeurologicalCondition.MULTIPLE_SCLEROSIS


def test_project_coding_wins_over_external_coding() -> None:
    """A project region coding beside M62.830 decides the region (mid_back)."""
    both = condition(PROJECT_SYSTEM, "mid_back")
    both["code"]["coding"].append({"system": "http://hl7.org/fhir/sid/icd-10-cm",
                                   "code": "M62.830"})
    assert from_fhir(bundle(both)).region is Region.MID_BACK


def test_unsupported_coding_beside_a_supported_one_is_accepted() -> None:
    """A Condition read by its supported coding; its other codings are its synonyms."""
    spasm = copy.deepcopy(BACK)
    spasm["code"]["coding"].insert(0, {"system": "http://example.org/local", "code": "X"})
    assert from_fhir(bundle(spasm)).region is Region.LOWER_BACK


def test_condition_note_and_text_only_condition_give_the_diagnosis() -> None:
    """Condition.note and a text-only Condition.code join into the diagnosis."""
    noted = {**BACK, "note": [{"text": "Acute lumbar spasm"}]}
    text_only = {"resourceType": "Condition", "code": {"text": "Query facet joint"}}
    p = from_fhir(bundle(noted, text_only))
    assert p.diagnosis == "Acute lumbar spasm\nQuery facet joint"


def body_site(system: str, code: str) -> JSON:
    """A Condition.bodySite concept coded ``system|code``."""
    return {"coding": [{"system": system, "code": code}]}


def plain_note(text: str) -> JSON:
    """A Condition.note marked as the plain diagnosis."""
    return {"extension": [{"url": EXT_PLAIN_DIAGNOSIS, "valueBoolean": True}], "text": text}


@pytest.mark.parametrize(("key", "side"), list(SIDE_CODES.items()))
def test_every_side_code_maps(key: tuple[str, str], side: Side) -> None:
    """Each Condition.bodySite laterality row gives its side."""
    assert from_fhir(bundle({**BACK, "bodySite": [body_site(*key)]})).side is side


def test_side_laterality_codes() -> None:
    """Left, right and both have their SNOMED CT laterality qualifier; central has none."""
    external = {side: code for (system, code), side in SIDE_CODES.items() if system == SNOMED}
    assert external == {Side.LEFT: "7771000", Side.RIGHT: "24028007", Side.BOTH: "51440002"}
    assert all((PROJECT_SYSTEM, side.value) in SIDE_CODES for side in Side)


@pytest.mark.parametrize(
    ("side", "codes"),
    [
        (Side.LEFT, [(PROJECT_SYSTEM, "left"), (SNOMED, "7771000")]),
        (Side.RIGHT, [(PROJECT_SYSTEM, "right"), (SNOMED, "24028007")]),
        (Side.BOTH, [(PROJECT_SYSTEM, "both"), (SNOMED, "51440002")]),
        (Side.CENTRAL, [(PROJECT_SYSTEM, "central")]),
    ],
)
def test_side_is_written_as_body_site(side: Side, codes: list[tuple[str, str]]) -> None:
    """The region Condition carries the side in bodySite: project code, then SNOMED CT."""
    written = presentation_to_fhir(Presentation(region=Region.NECK, side=side))
    (condition_resource,) = [e["resource"] for e in written["entry"]
                             if e["resource"]["resourceType"] == "Condition"]
    (site,) = condition_resource["bodySite"]
    assert [(c["system"], c["code"]) for c in site["coding"]] == codes
    assert all(c["display"] for c in site["coding"])


def test_central_side_outside_the_spine_points_at_the_body_site() -> None:
    """The contract refuses central for the calves; the problem is at the bodySite coding."""
    calf = condition("http://hl7.org/fhir/sid/icd-10-cm", "M62.831",
                     bodySite=[body_site(PROJECT_SYSTEM, "central")])
    found = problems(bundle(calf))
    assert found[0][0] == "/entry/0/resource/bodySite/0/coding/0"
    assert found[0][1].startswith("side 'central' is allowed only for")


def test_unsupported_body_site_code() -> None:
    """A bodySite code outside the laterality table is a problem at its coding."""
    site = body_site(SNOMED, "399488007")
    found = problems(bundle({**BACK, "bodySite": [site]}))
    assert found[0][0] == "/entry/0/resource/bodySite/0/coding/0"
    assert found[0][1].startswith("bodySite code SNOMED CT '399488007' is not one")


def test_conflicting_sides() -> None:
    """Two Conditions with different sides conflict, at the second bodySite coding."""
    left = {**BACK, "bodySite": [body_site(SNOMED, "7771000")]}
    right = condition(SNOMED, "24700007", bodySite=[body_site(SNOMED, "24028007")])
    found = problems(bundle(left, right))
    assert found[0][0] == "/entry/1/resource/bodySite/0/coding/0"
    assert "side is given twice" in found[0][1]


def test_plain_diagnosis_note_is_kept_apart_from_the_diagnosis() -> None:
    """A note marked by the project extension is the plain diagnosis; other notes diagnose."""
    noted = {**BACK, "note": [{"text": "L5 radiculopathy"}, plain_note("A trapped nerve"),
                              {"extension": [{"url": EXT_PLAIN_DIAGNOSIS, "valueBoolean": False}],
                               "text": "Query L4/5 disc"}]}
    p = from_fhir(bundle(noted))
    assert (p.diagnosis, p.plain_diagnosis) == ("L5 radiculopathy\nQuery L4/5 disc",
                                                "A trapped nerve")


def test_plain_diagnosis_is_written_as_a_marked_note() -> None:
    """The diagnosis is a plain note, the plain diagnosis a note with the project extension."""
    p = Presentation(region=Region.LOWER_BACK, diagnosis="L5 radiculopathy",
                     plain_diagnosis="A trapped nerve")
    (condition_resource,) = [e["resource"] for e in presentation_to_fhir(p)["entry"]
                             if e["resource"]["resourceType"] == "Condition"]
    assert condition_resource["note"] == [{"text": "L5 radiculopathy"},
                                          plain_note("A trapped nerve")]


def test_plain_diagnosis_marker_must_be_boolean() -> None:
    """The plain-diagnosis extension needs valueBoolean."""
    note = {"extension": [{"url": EXT_PLAIN_DIAGNOSIS, "valueString": "yes"}], "text": "x"}
    found = problems(bundle({**BACK, "note": [note]}))
    assert [p for p, _ in found] == ["/entry/0/resource/note/0/extension/0/valueBoolean"]


# --- Observation mapping rows ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [{"valueInteger": 4}, {"valueQuantity": {"value": 4}}, {"valueQuantity": {"value": 4.0}}],
)
def test_pain_score_value_forms(value: JSON) -> None:
    """LOINC 72514-3 reads from valueInteger or a whole-number valueQuantity."""
    assert from_fhir(bundle(BACK, observation(LOINC, "72514-3", **value))).pain_score == 4


@pytest.mark.parametrize(("key", "flag"), list(RED_FLAG_CODES.items()))
def test_every_red_flag_code_maps(key: tuple[str, str], flag: RedFlag) -> None:
    """Each red-flag row, valueBoolean true, gives that red flag."""
    p = from_fhir(bundle(BACK, observation(*key, valueBoolean=True)))
    assert p.red_flags == (flag,)


def test_red_flag_absent_means_screened_none_found() -> None:
    """A red-flag Observation with valueBoolean false records a screen with none found."""
    assert from_fhir(bundle(BACK, observation(SNOMED, "386661006", valueBoolean=False))
                     ).red_flags == ()


@pytest.mark.parametrize(("code", "expected"), [("POS", (RedFlag.MAJOR_TRAUMA,)), ("NEG", ())])
def test_red_flag_interpretation(code: str, expected: tuple[RedFlag, ...]) -> None:
    """An interpretation POS / NEG stands in for valueBoolean."""
    interpretation = [{"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
        "code": code,
    }]}]
    flag = project("major_trauma", interpretation=interpretation)
    assert from_fhir(bundle(BACK, flag)).red_flags == expected


def test_red_flag_screen_none_found() -> None:
    """The project red_flags Observation, false, means screened and none found."""
    assert from_fhir(bundle(BACK, project("red_flags", valueBoolean=False))).red_flags == ()


@pytest.mark.parametrize(
    ("resource", "field", "expected"),
    [
        (project("spasm_type", **coded("primary")), "spasm_type", "primary"),
        (project("causes", **coded("overuse_posture")), "causes", ["overuse_posture"]),
        (project("symptoms", **coded("stress")), "symptoms", ["stress"]),
        (project("duration", **coded("days")), "duration", "days"),
        (project("recurrent", valueBoolean=False), "recurrent", False),
        (project("eased_by_heat_and_positioning", valueBoolean=True),
         "eased_by_heat_and_positioning", True),
        (project("notes", valueString="Guarding L3-5"), "notes", "Guarding L3-5"),
        (project("start_back", component=[
            {"code": {"coding": [{"system": PROJECT_SYSTEM, "code": "total"}]},
             "valueInteger": 6},
            {"code": {"coding": [{"system": PROJECT_SYSTEM, "code": "distress"}]},
             "valueInteger": 4},
        ]), "start_back", {"total": 6, "distress": 4}),
    ],
)
def test_project_field_observations(resource: JSON, field: str, expected: object) -> None:
    """Each project field code sets its contract field."""
    assert from_fhir(bundle(BACK, resource)).to_dict()[field] == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026-12-08", dt.date(2026, 12, 8)), ("2026-12-08T09:30:00+00:00", dt.date(2026, 12, 8))],
)
def test_review_date_observation(value: str, expected: dt.date) -> None:
    """The project review_date Observation's valueDateTime (date part) is the review date."""
    assert from_fhir(bundle(BACK, project("review_date", valueDateTime=value))
                     ).review_date == expected


def test_review_date_is_written_as_a_date() -> None:
    """The review date is a project-coded Observation with a date-only valueDateTime."""
    written = presentation_to_fhir(Presentation(region=Region.NECK,
                                                review_date=dt.date(2026, 12, 8)))
    (obs,) = [e["resource"] for e in written["entry"]
              if e["resource"]["resourceType"] == "Observation"]
    assert obs["code"]["coding"][0]["code"] == "review_date"
    assert obs["valueDateTime"] == "2026-12-08"


def test_review_date_before_the_encounter_points_at_its_observation() -> None:
    """A review date before the encounter date is a problem at the review Observation."""
    encounter = {"resourceType": "Encounter", "status": "finished",
                 "period": {"start": "2026-11-24"}}
    found = problems(bundle(BACK, encounter, project("review_date", valueDateTime="2026-11-23")))
    assert found == [("/entry/2/resource",
                      "review_date must not be before the encounter date")]


@pytest.mark.parametrize(
    ("value", "path"),
    [({}, "/entry/1/resource/valueDateTime"),
     ({"valueDateTime": "2026-12"}, "/entry/1/resource/valueDateTime"),
     ({"valueDateTime": 20261208}, "/entry/1/resource/valueDateTime"),
     ({"valueDateTime": "2026-02-30"}, "/entry/1/resource/valueDateTime")],
)
def test_bad_review_date(value: JSON, path: str) -> None:
    """A missing, partial, non-string or impossible review date is a problem at its value."""
    assert [p for p, _ in problems(bundle(BACK, project("review_date", **value)))] == [path]


NEW_RED_FLAGS = [RedFlag.PROGRESSIVE_ARM_WEAKNESS, RedFlag.CALF_SWELLING_REDNESS_OR_WARMTH,
                 RedFlag.BREATHLESSNESS_OR_CHEST_PAIN]


@pytest.mark.parametrize("flag", NEW_RED_FLAGS)
def test_new_red_flags_are_project_coded(flag: RedFlag) -> None:
    """The three newer red flags have only their project code, both ways."""
    assert [key for key, mapped in RED_FLAG_CODES.items() if mapped is flag] == [
        (PROJECT_SYSTEM, flag.value)]
    written = presentation_to_fhir(Presentation(region=Region.NECK, red_flags=(flag,)))
    (obs,) = [e["resource"] for e in written["entry"]
              if e["resource"]["resourceType"] == "Observation"]
    assert obs["code"]["coding"] == [{"system": PROJECT_SYSTEM, "code": flag.value,
                                      "display": flag.value.replace("_", " ")}]
    assert from_fhir(written).red_flags == (flag,)


def test_neurological_condition_observation() -> None:
    """The neurological_condition Observation goes with a neurological cause."""
    p = from_fhir(bundle(
        BACK, project("causes", **coded("neurological")),
        project("neurological_condition", **coded("other")),
    ))
    assert p.neurological_condition is NeurologicalCondition.OTHER


def test_people_and_date() -> None:
    """Patient, Practitioner, PractitionerRole and the Encounter date are read."""
    p = from_fhir(read_example("disc-recurrent"))
    assert p.patient is not None
    assert p.clinician is not None
    assert (p.patient.name, p.patient.id, str(p.patient.date_of_birth)) == (
        "Máire Ní Bhriain", "CL-20931", "1978-02-11")
    assert (p.clinician.name, p.clinician.role) == ("J. Doyle", "Chartered Physiotherapist")
    assert str(p.date) == "2026-11-24"


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        ([{**BACK, "recordedDate": "2026-03-01"}], "2026-03-01"),
        ([BACK, project("recurrent", valueBoolean=True,
                        effectiveDateTime="2026-03-02T10:00:00Z")], "2026-03-02"),
    ],
)
def test_date_fallbacks(resources: list[JSON], expected: str) -> None:
    """Without an Encounter, Condition.recordedDate then Observation.effectiveDateTime."""
    assert str(from_fhir(bundle(*resources)).date) == expected


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [[], "Bundle", {"resourceType": "Patient"}])
def test_not_a_bundle(data: object) -> None:
    """Anything but a Bundle is one problem at the root."""
    assert problems(data) == [("", "the input must be a FHIR Bundle (resourceType 'Bundle')")]


@pytest.mark.hazard("HAZ-12")
def test_unknown_condition_code_names_the_coding() -> None:
    """A Condition code the mapper should know but does not (a project code, or a code of an
    ICD-10-CM category it reads, such as a thoracic disc disorder) is a problem at its coding,
    listing what is supported; it is never silently dropped."""
    found = problems(bundle(BACK, BACK, condition(ICD10CM, "M51.24"),
                            condition(PROJECT_SYSTEM, "lower_bak")))
    assert [path for path, _ in found] == ["/entry/2/resource/code/coding/0",
                                           "/entry/3/resource/code/coding/0"]
    icd, project_code = found[0][1], found[1][1]
    assert icd.startswith("Condition code ICD-10-CM 'M51.24' is not one the mapper supports")
    assert "category M51" in icd
    assert "M51.26" in icd
    assert project_code.startswith("Condition code physio-notes 'lower_bak' is not one")
    assert "lower_back" in project_code


def test_unknown_project_observation_code() -> None:
    """An Observation coded with an unknown project code (a typo) is a problem at its coding."""
    found = problems(bundle(BACK, project("recurent", valueBoolean=True)))
    assert found[0][0] == "/entry/1/resource/code/coding/0"
    assert found[0][1].startswith("Observation code physio-notes 'recurent' is not one")


def test_unrelated_observation_is_ignored_with_a_warning() -> None:
    """An Observation unrelated to the spasm (a heart rate, LOINC 8867-4) is a warning."""
    reading = read_fhir(bundle(BACK, observation(LOINC, "8867-4", valueInteger=60)))
    assert reading.presentation == Presentation(region=Region.LOWER_BACK)
    assert_warnings(reading, [
        ("/entry/0/resource/code/coding/0", "region read as lower_back"),
        ("/entry/1/resource", "Observation ignored: not about the spasm (LOINC 8867-4)"),
    ])


def test_unknown_value_code() -> None:
    """A value code outside the field's values is a problem at the value's coding."""
    found = problems(bundle(BACK, project("duration", **coded("weeks"))))
    assert found[0][0] == "/entry/1/resource/valueCodeableConcept/coding/0"


def test_unread_resource_type_is_ignored_with_a_warning() -> None:
    """A resource type the mapper does not read is ignored, with a warning naming it."""
    reading = read_fhir(bundle(MID_BACK, {"resourceType": "MedicationStatement"},
                               {"resourceType": "Organization", "name": "Clinic"}))
    assert_warnings(reading, [
        ("/entry/1/resource", "MedicationStatement ignored: not a resource type the mapper reads"),
        ("/entry/2/resource", "Organization ignored: not a resource type the mapper reads"),
    ])


def test_resource_without_a_type() -> None:
    """A resource with no resourceType is a problem at its resourceType."""
    found = problems(bundle(BACK, {"id": "x"}))
    assert found[0][0] == "/entry/1/resource/resourceType"
    assert found[0][1].startswith("resource type is not one the mapper reads; supported: "
                                  "Patient, Practitioner, PractitionerRole, Encounter, "
                                  "Condition, Observation")


@pytest.mark.parametrize(
    ("resource", "path"),
    [
        (observation(LOINC, "72514-3", valueInteger="7"), "/entry/1/resource/valueInteger"),
        (observation(LOINC, "72514-3", valueQuantity={"value": 6.5}),
         "/entry/1/resource/valueQuantity/value"),
        (project("recurrent", valueBoolean="yes"), "/entry/1/resource/valueBoolean"),
        (project("notes"), "/entry/1/resource/valueString"),
        ({"resourceType": "Patient", "birthDate": "1978"}, "/entry/1/resource/birthDate"),
        ({"resourceType": "Patient", "name": {"text": "A"}}, "/entry/1/resource/name"),
        ({"resourceType": "Encounter", "period": {"start": 20261124}},
         "/entry/1/resource/period/start"),
        (project("red_flags", valueString="none"), "/entry/1/resource/valueBoolean"),
        (project("saddle_anaesthesia"), "/entry/1/resource/valueBoolean"),
    ],
)
def test_wrong_value_type(resource: JSON, path: str) -> None:
    """A value of the wrong type is a problem at its own path."""
    assert [p for p, _ in problems(bundle(BACK, resource))] == [path]


def test_entry_without_resource() -> None:
    """An entry with no resource object is a problem at entry/N/resource."""
    assert problems({"resourceType": "Bundle", "entry": [{}]})[0][0] == "/entry/0/resource"


def test_missing_region() -> None:
    """A Bundle with no region Condition is one problem at /entry."""
    found = problems(bundle(observation(LOINC, "72514-3", valueInteger=3)))
    assert found[0][0] == "/entry"
    assert "region" in found[0][1]


def test_conflicting_regions() -> None:
    """Two Conditions coding different regions conflict, at the second one's coding."""
    found = problems(bundle(BACK, condition(PROJECT_SYSTEM, "neck")))
    assert found[0][0] == "/entry/1/resource/code/coding/0"
    assert "region is given twice" in found[0][1]


def test_refuted_condition_is_ignored_with_a_warning() -> None:
    """A refuted Condition is not read as a cause; it is ignored, with a warning."""
    refuted = condition(SNOMED, "24700007", verificationStatus=status(VERIFICATION, "refuted"))
    reading = read_fhir(bundle(MID_BACK, refuted))
    assert reading.presentation.causes == ()
    assert_warnings(reading, [
        ("/entry/1/resource", "Condition ignored: its verification status is refuted "
                              "(SNOMED CT 24700007)")])


def test_positive_screen_without_flags() -> None:
    """A positive red-flag screen that names no flag is a problem."""
    found = problems(bundle(BACK, project("red_flags", valueBoolean=True)))
    assert found[0][0] == "/entry/1/resource"


def test_contract_problem_points_at_its_resource() -> None:
    """A contract rule the mapped values break is reported at the resource that gave them."""
    start_back = project("start_back", component=[
        {"code": {"coding": [{"system": PROJECT_SYSTEM, "code": "total"}]}, "valueInteger": 2},
        {"code": {"coding": [{"system": PROJECT_SYSTEM, "code": "distress"}]},
         "valueInteger": 1},
    ])
    found = problems(bundle(condition(PROJECT_SYSTEM, "neck"), start_back))
    assert found[0][0] == "/entry/1/resource"
    assert found[0][1].startswith("start_back is valid only for region 'lower_back'")


@pytest.mark.hazard("HAZ-12")
def test_every_problem_is_reported() -> None:
    """Problems in several resources are all reported together."""
    found = problems(bundle(BACK, project("recurent", valueBoolean=True), project("recurrent")))
    assert [p for p, _ in found] == ["/entry/1/resource/code/coding/0",
                                     "/entry/2/resource/valueBoolean"]


# --- round trip -----------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(presentations())
def test_round_trip(p: Presentation) -> None:
    """from_fhir(presentation_to_fhir(p)) == p for every valid presentation."""
    assert from_fhir(presentation_to_fhir(p)) == p


NEW_FIELDS = Presentation(
    region=Region.LOWER_BACK, side=Side.CENTRAL, date=dt.date(2026, 11, 24),
    diagnosis="L4/5 disc herniation", plain_diagnosis="A bulging disc in your lower back",
    review_date=dt.date(2026, 12, 8), red_flags=tuple(NEW_RED_FLAGS),
)


def test_round_trip_of_the_new_fields() -> None:
    """side, plain_diagnosis, review_date and the newer red flags read back equal."""
    assert from_fhir(presentation_to_fhir(NEW_FIELDS)) == NEW_FIELDS
    both_empty = Presentation(region=Region.HANDS, side=Side.BOTH, diagnosis="",
                              plain_diagnosis="")
    assert from_fhir(presentation_to_fhir(both_empty)) == both_empty


FIND = settings(max_examples=5_000, phases=[Phase.generate], database=None)  # no shrinking


def test_round_trip_strategy_draws_the_new_fields() -> None:
    """The presentations the round trip draws include every new field (with the rules kept)."""
    assert find(presentations(), lambda p: bool(p.plain_diagnosis), settings=FIND
                ).plain_diagnosis
    dated = find(presentations(), lambda p: p.review_date is not None and p.date is not None,
                 settings=FIND)
    assert dated.review_date is not None
    assert dated.date is not None
    assert dated.review_date >= dated.date
    for side in Side:
        assert find(presentations(), functools.partial(has_side, side), settings=FIND
                    ).side is side
    for flag in NEW_RED_FLAGS:
        assert has_flag(flag, find(presentations(), functools.partial(has_flag, flag),
                                   settings=FIND))


def has_side(side: Side, p: Presentation) -> bool:
    """``p`` is on ``side``."""
    return p.side is side


def has_flag(flag: RedFlag, p: Presentation) -> bool:
    """``p`` has the red flag ``flag``."""
    return flag in (p.red_flags or ())


def test_empty_strings_use_the_extension() -> None:
    """An empty name is written as an extension (FHIR forbids "") and read back as ""."""
    p = Presentation(region=Region.NECK, patient=Patient(name=""), notes="")
    written = presentation_to_fhir(p)
    patient = written["entry"][0]["resource"]
    assert patient["name"] == [{"_text": {"extension": [
        {"url": EXT_EMPTY_STRING, "valueBoolean": True}]}}]
    assert from_fhir(written) == p


def test_presentation_to_fhir_is_deterministic() -> None:
    """The same presentation always gives the same Bundle, with unique full URLs."""
    p = load_presentation(EXAMPLES / "disc-recurrent.json")
    first = presentation_to_fhir(p)
    assert first == presentation_to_fhir(p)
    urls = [e["fullUrl"] for e in first["entry"]]
    assert len(set(urls)) == len(urls)
    assert all(u.startswith("urn:uuid:") for u in urls)


# --- to_fhir --------------------------------------------------------------------------------

DOCUMENTS = (
    FhirDocument(kind="handout", title="Patient handout", content_type="application/pdf",
                 data=b"%PDF-1.7 handout"),
    FhirDocument(kind="note", title="Clinician note", content_type="text/markdown",
                 data="# Note — é".encode()),
    FhirDocument(kind="referral", title="Referral letter", content_type="application/pdf",
                 data=b"%PDF-1.7 referral"),
)


def plan_bundle(name: str = "disc-recurrent") -> JSON:
    """to_fhir of an example's plan with the three documents."""
    return to_fhir(select_pathways(load_presentation(EXAMPLES / f"{name}.json")), DOCUMENTS)


def resources_of(data: JSON, kind: str) -> list[JSON]:
    """The resources of one type in a Bundle."""
    return [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == kind]


def test_to_fhir_care_plan() -> None:
    """The CarePlan has one activity per pathway, with id, title, rationale and provenance."""
    plan = select_pathways(load_presentation(EXAMPLES / "disc-recurrent.json"))
    data = to_fhir(plan)
    assert data["type"] == "collection"
    (care_plan,) = resources_of(data, "CarePlan")
    assert (care_plan["status"], care_plan["intent"], care_plan["created"]) == (
        "active", "plan", "2026-11-24")
    (patient,) = resources_of(data, "Patient")
    assert care_plan["subject"]["reference"] == f"urn:uuid:{patient['id']}"
    for activity, pathway in zip(care_plan["activity"], plan.pathways, strict=True):
        coding = activity["detail"]["code"]["coding"][0]
        assert (coding["system"], coding["code"], coding["display"]) == (
            PATHWAY_SYSTEM, pathway.id, pathway.title)
        assert activity["detail"]["description"] == pathway.rationale
        assert activity["detail"]["status"] == "not-started"
        (ext,) = activity["extension"]
        assert ext["url"] == EXT_PROVENANCE
        assert [e["valueString"] for e in ext["extension"]] == [*pathway.rules, *pathway.sources]


def test_to_fhir_without_patient_uses_a_display_subject() -> None:
    """A presentation without a patient writes no Patient; the subject is a display."""
    data = to_fhir(select_pathways(Presentation(region=Region.CALVES)))
    assert resources_of(data, "Patient") == []
    (care_plan,) = resources_of(data, "CarePlan")
    assert care_plan["subject"] == NO_PATIENT
    assert "created" not in care_plan


@pytest.mark.parametrize(("index", "document"), list(enumerate(DOCUMENTS)))
def test_to_fhir_document_references(index: int, document: FhirDocument) -> None:
    """Each document is a DocumentReference with LOINC type, date and a checked attachment."""
    reference = resources_of(plan_bundle(), "DocumentReference")[index]
    code, display = DOCUMENT_TYPES[document.kind]
    assert reference["type"]["coding"] == [{"system": LOINC, "code": code, "display": display}]
    assert (reference["status"], reference["date"]) == ("current", "2026-11-24T00:00:00Z")
    attachment = reference["content"][0]["attachment"]
    assert base64.b64decode(attachment["data"]) == document.data
    assert attachment["size"] == len(document.data)
    sha1 = hashlib.sha1(document.data, usedforsecurity=False).digest()
    assert base64.b64decode(attachment["hash"]) == sha1
    assert (attachment["contentType"], attachment["title"], attachment["creation"]) == (
        document.content_type, document.title, "2026-11-24")


def test_to_fhir_care_plan_note_names_the_review_date() -> None:
    """The CarePlan note gives the review appointment, when there is one."""
    (care_plan,) = resources_of(to_fhir(select_pathways(NEW_FIELDS)), "CarePlan")
    assert "Review appointment: 2026-12-08." in care_plan["note"][0]["text"].splitlines()


@pytest.mark.hazard("HAZ-15")
def test_to_fhir_is_deterministic() -> None:
    """The same plan and documents give identical JSON text."""
    assert json.dumps(plan_bundle()) == json.dumps(plan_bundle())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "letter", "title": "T", "content_type": "text/plain", "data": b""},
        {"kind": "note", "title": "", "content_type": "text/plain", "data": b""},
        {"kind": "note", "title": "T", "content_type": "text/plain", "data": "text"},
    ],
)
def test_fhir_document_validates(kwargs: dict[str, Any]) -> None:
    """FhirDocument refuses an unknown kind, an empty title and text instead of bytes."""
    with pytest.raises((ValueError, TypeError)):
        FhirDocument(**kwargs)


# --- validity against the FHIR models (R4B, the closest fhir.resources ships to R4) ---------

EXAMPLE_NAMES = ["region-and-pain-only", "disc-recurrent", "red-flag-cauda-equina"]
JSON_EXAMPLES = sorted(p.stem for p in EXAMPLES.glob("*.json"))


def validate(data: JSON) -> None:
    """Validate a Bundle with fhir.resources' R4B models (skipped when not installed)."""
    r4b_bundle = pytest.importorskip("fhir.resources.R4B.bundle")
    r4b_bundle.Bundle.model_validate(data)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_hand_written_examples_are_valid_fhir(name: str) -> None:
    """The hand-written example Bundles validate."""
    validate(read_example(name))


@pytest.mark.parametrize("name", JSON_EXAMPLES)
def test_written_bundles_are_valid_fhir(name: str) -> None:
    """presentation_to_fhir and to_fhir Bundles of every example validate."""
    validate(presentation_to_fhir(load_presentation(EXAMPLES / f"{name}.json")))
    validate(plan_bundle(name))


def test_new_fields_are_valid_fhir() -> None:
    """bodySite laterality, the marked note and the review-date Observation validate."""
    validate(presentation_to_fhir(NEW_FIELDS))
    validate(presentation_to_fhir(Presentation(region=Region.CALVES, side=Side.LEFT,
                                               plain_diagnosis="")))
    validate(to_fhir(select_pathways(NEW_FIELDS)))


def test_empty_string_extension_is_valid_fhir() -> None:
    """The empty-string extension keeps the Bundle valid."""
    validate(presentation_to_fhir(Presentation(
        region=Region.NECK, patient=Patient(name="", id=""), diagnosis="", notes="",
        clinician=Clinician(name="", role=""),
    )))


# --- the code map ---------------------------------------------------------------------------

CODE_MAP = Path(__file__).resolve().parent.parent / "physio_notes" / "_fhir" / "codes.toml"


def test_every_external_code_names_where_it_was_checked() -> None:
    """Each SNOMED CT and ICD-10-CM code of the map (conditions and body sites) says where it
    was verified; the data file ships inside the package folder."""
    external = [m for (system, _), m in CONDITION_CODES.items() if system != PROJECT_SYSTEM]
    assert len(external) > 60
    assert all(m.checked and m.checked != "the contract" for m in external)
    assert all(site.checked for site in SITE_CODES.values())
    assert CODE_MAP.is_file()


@pytest.mark.parametrize(
    ("system", "code", "region"),
    [
        (SNOMED, "279039007", Region.LOWER_BACK),  # Low back pain
        (SNOMED, "81680005", Region.NECK),  # Neck pain
        (SNOMED, "279038004", Region.MID_BACK),  # Thoracic back pain
        (ICD10CM, "M54.50", Region.LOWER_BACK),  # Low back pain, unspecified
        (ICD10CM, "M54.2", Region.NECK),  # Cervicalgia
        (ICD10CM, "M54.6", Region.MID_BACK),  # Pain in thoracic spine
    ],
)
def test_ehr_region_codes_are_read(system: str, code: str, region: Region) -> None:
    """The codes EHRs use for low back, neck and thoracic pain give the region, quietly."""
    reading = read_fhir(bundle(condition(system, code)))
    assert reading.presentation.region is region
    assert reading.warnings == ()


@pytest.mark.parametrize(
    ("system", "code", "cause", "neurological"),
    [
        (ICD10CM, "M51.16", Cause.DISC_DISORDER, None),
        (SNOMED, "202708005", Cause.DISC_DISORDER, None),
        (ICD10CM, "G35.A", Cause.NEUROLOGICAL, NeurologicalCondition.MULTIPLE_SCLEROSIS),
        (ICD10CM, "G20.A1", Cause.NEUROLOGICAL, NeurologicalCondition.PARKINSONS),
        (ICD10CM, "I69.354", Cause.NEUROLOGICAL, NeurologicalCondition.STROKE),
        (SNOMED, "442733008", Cause.NEUROLOGICAL, NeurologicalCondition.STROKE),
    ],
)
def test_ehr_cause_codes_are_read(
    system: str, code: str, cause: Cause, neurological: NeurologicalCondition | None
) -> None:
    """Lumbar disc disorders, MS, Parkinson's disease and stroke sequelae give the cause."""
    p = from_fhir(bundle(MID_BACK, condition(system, code)))
    assert p.causes == (cause,)
    assert p.neurological_condition is neurological


def test_generic_spasm_code_takes_its_region_from_the_body_site() -> None:
    """M62.838 Other muscle spasm (generic) is read with its bodySite: thoracic spine, mid back;
    the body site may share the Condition with a laterality."""
    spasm = condition(ICD10CM, "M62.838", bodySite=[body_site(SNOMED, "122495006"),
                                                    body_site(SNOMED, "7771000")])
    reading = read_fhir(bundle(spasm))
    assert (reading.presentation.region, reading.presentation.side) == (Region.MID_BACK,
                                                                        Side.LEFT)
    assert reading.warnings == ()


def test_generic_spasm_code_without_a_body_site_is_refused() -> None:
    """A generic spasm code does not say where the spasm is: without bodySite it is a problem."""
    found = problems(bundle(condition(SNOMED, "45352006")))
    assert found[0][0] == "/entry/0/resource/bodySite"
    assert "does not say where the spasm is" in found[0][1]


def test_whole_back_code_is_refined_by_the_body_site() -> None:
    """M62.830 covers the whole back: a thoracic body site makes it mid back; without a body
    site it reads as lower back, with a warning."""
    thoracic = condition(ICD10CM, "M62.830", bodySite=[body_site(SNOMED, "122495006")])
    assert read_fhir(bundle(thoracic)).presentation.region is Region.MID_BACK
    reading = read_fhir(bundle(BACK))
    assert reading.presentation.region is Region.LOWER_BACK
    assert_warnings(reading, [("/entry/0/resource/code/coding/0",
                               "region read as lower_back: ICD-10-CM 'M62.830'")])


def test_body_site_contradicting_the_code_is_refused() -> None:
    """Neck pain on the lumbar spine contradicts itself: a problem at the body site."""
    neck = condition(SNOMED, "81680005", bodySite=[body_site(SNOMED, "122496007")])
    found = problems(bundle(neck))
    assert found == [("/entry/0/resource/bodySite/0/coding/0",
                      "bodySite says lower_back but the Condition code SNOMED CT '81680005' "
                      "(Neck pain) says neck")]


def test_unrelated_condition_is_ignored_with_a_warning() -> None:
    """Hypertension (SNOMED CT 59621000) and an ICD-10-CM code of another chapter (M99.9) are
    not about the spasm: ignored, each with a warning."""
    reading = read_fhir(bundle(MID_BACK, condition(SNOMED, "59621000"),
                               condition(ICD10CM, "M99.9")))
    assert reading.presentation == Presentation(region=Region.MID_BACK)
    assert_warnings(reading, [
        ("/entry/1/resource", "Condition ignored: not about the spasm, its region or its cause "
                              "(SNOMED CT 59621000)"),
        ("/entry/2/resource", "Condition ignored: not about the spasm, its region or its cause "
                              "(ICD-10-CM M99.9)"),
    ])


# --- Bundle types ---------------------------------------------------------------------------


def typed(kind: str, *entries: JSON) -> JSON:
    """A Bundle of ``kind`` with these entries."""
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def test_searchset_ignores_its_outcome_and_reads_matches() -> None:
    """A search result: the OperationOutcome entry (search.mode outcome) is a warning."""
    outcome = {"search": {"mode": "outcome"}, "resource": {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "warning", "code": "informational", "diagnostics": "paged"}]}}
    reading = read_fhir(typed("searchset", {"resource": MID_BACK, "search": {"mode": "match"}},
                              outcome))
    assert reading.presentation.region is Region.MID_BACK
    assert_warnings(reading, [("/entry/1/resource", "search outcome ignored: warning: paged")])


def test_document_starts_with_its_composition() -> None:
    """A document Bundle is read after its Composition (a warning); without one first it is a
    problem."""
    composition = {"resourceType": "Composition", "status": "final", "title": "Discharge"}
    reading = read_fhir(typed("document", {"resource": composition}, {"resource": MID_BACK}))
    assert reading.presentation.region is Region.MID_BACK
    assert_warnings(reading, [("/entry/0/resource", "Composition ignored")])
    found = problems(typed("document", {"resource": MID_BACK}))
    assert found == [("/entry/0/resource/resourceType",
                      "a document Bundle starts with its Composition")]


@pytest.mark.parametrize("kind", ["transaction", "batch"])
def test_transaction_and_batch_entries(kind: str) -> None:
    """Transaction and batch entries are read; an entry with no resource (a DELETE) is a
    warning."""
    post = {"resource": MID_BACK, "request": {"method": "POST", "url": "Condition"}}
    delete = {"request": {"method": "DELETE", "url": "Condition/old"}}
    reading = read_fhir(typed(kind, post, delete))
    assert reading.presentation.region is Region.MID_BACK
    assert_warnings(reading, [("/entry/1", 'entry ignored: its "DELETE" request')])


def test_other_bundle_types_are_refused_and_a_missing_type_is_a_warning() -> None:
    """A message Bundle is not read; a Bundle without a type is read as a collection."""
    assert problems(typed("message", {"resource": MID_BACK}))[0][0] == "/type"
    reading = read_fhir({"resourceType": "Bundle", "entry": [{"resource": MID_BACK}]})
    assert_warnings(reading, [("/type", "the Bundle has no type")])


# --- refused: modifierExtension, another patient ---------------------------------------------

NEGATION = [{"url": "http://example.org/fhir/StructureDefinition/not-present",
             "valueBoolean": True}]


@pytest.mark.parametrize(
    ("where", "path"),
    [("resource", "/entry/1/resource/modifierExtension"),
     ("nested", "/entry/1/resource/note/0/modifierExtension"),
     ("entry", "/entry/1/modifierExtension")],
)
def test_modifier_extension_is_refused(where: str, path: str) -> None:
    """A modifierExtension can negate a Condition: the resource is refused, wherever it is."""
    negated = copy.deepcopy(condition(SNOMED, "24700007"))
    entry: JSON = {"resource": negated}
    if where == "resource":
        negated["modifierExtension"] = NEGATION
    elif where == "nested":
        negated["note"] = [{"text": "x", "modifierExtension": NEGATION}]
    else:
        entry["modifierExtension"] = NEGATION
    found = problems(typed("collection", {"resource": MID_BACK}, entry))
    assert [p for p, _ in found] == [path]
    assert "modifierExtension" in found[0][1]


PATIENT = {"resourceType": "Patient", "id": "p1",
           "identifier": [{"system": "urn:example:mrn", "value": "M1"}]}


def about(reference: str, resource: JSON) -> JSON:
    """``resource`` with its subject set to ``reference``."""
    return {**resource, "subject": {"reference": reference}}


@pytest.mark.parametrize(
    "entries",
    [
        [{"fullUrl": "urn:uuid:4f1c0d38-54c5-4c55-9d3c-0c0f0b7c5e11", "resource": PATIENT},
         {"resource": about("Patient/p2", MID_BACK)}],
        [{"resource": PATIENT}, {"resource": {**MID_BACK, "subject": {
            "identifier": {"system": "urn:example:mrn", "value": "M2"}}}}],
        [{"resource": about("Patient/p1", MID_BACK)},
         {"resource": about("Patient/p2", observation(LOINC, "72514-3", valueInteger=3))}],
        [{"resource": PATIENT}, {"resource": {**PATIENT, "id": "p2"}}],
    ],
    ids=["reference", "identifier", "no-patient", "two-patients"],
)
def test_a_resource_about_another_patient_is_refused(entries: list[JSON]) -> None:
    """Every resource must be about the Bundle's one patient."""
    found = problems(typed("collection", *entries))
    assert found[0][0].startswith("/entry/1/resource")
    assert "another patient" in found[0][1] or "a second Patient" in found[0][1]


def test_references_to_the_patient_in_every_form_are_accepted() -> None:
    """fullUrl, Patient/id, a versioned reference and an identifier all name the patient."""
    full_url = "http://ehr.example/fhir/Patient/p1"
    entries: list[JSON] = [
        {"fullUrl": full_url, "resource": PATIENT},
        {"resource": about(full_url, MID_BACK)},
        {"resource": about("Patient/p1/_history/3", condition(SNOMED, "24700007"))},
        {"resource": {**observation(LOINC, "72514-3", valueInteger=3), "subject": {
            "identifier": {"system": "urn:example:mrn", "value": "M1"}}}},
    ]
    assert from_fhir(typed("collection", *entries)).pain_score == 3


# --- ignored: conditions no longer current, observations in error ---------------------------


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"clinicalStatus": status(CLINICAL, "resolved")}, "its clinical status is resolved"),
        ({"clinicalStatus": status(CLINICAL, "inactive")}, "its clinical status is inactive"),
        ({"clinicalStatus": status(CLINICAL, "remission")}, "its clinical status is remission"),
        ({"verificationStatus": status(VERIFICATION, "entered-in-error")},
         "its verification status is entered-in-error"),
        ({"abatementDateTime": "2025-06-01"}, "it has abated"),
    ],
)
def test_conditions_no_longer_current_are_ignored(extra: JSON, reason: str) -> None:
    """A resolved disc disorder is not a current cause: ignored, with a warning."""
    disc = condition(ICD10CM, "M51.26", **extra)
    reading = read_fhir(bundle(MID_BACK, disc))
    assert reading.presentation.causes == ()
    assert_warnings(reading, [("/entry/1/resource", f"Condition ignored: {reason}")])


def test_ignored_region_condition_is_named_when_no_region_is_left() -> None:
    """When the only region Condition is ignored, the 'no region' problem names what was
    ignored (warnings are given only with a presentation)."""
    found = problems(bundle(condition(SNOMED, "279039007",
                                      clinicalStatus=status(CLINICAL, "resolved"))))
    assert found[0][0] == "/entry"
    assert found[0][1].endswith("; ignored: /entry/0/resource (Condition: its clinical status "
                                "is resolved)")


def test_provisional_condition_is_read_with_a_warning() -> None:
    """A provisional diagnosis is read, and the caller is told it is not confirmed."""
    ms = condition(SNOMED, "24700007", verificationStatus=status(VERIFICATION, "provisional"))
    reading = read_fhir(bundle(MID_BACK, ms))
    assert reading.presentation.causes == (Cause.NEUROLOGICAL,)
    assert_warnings(reading, [("/entry/1/resource/verificationStatus",
                               "Condition read although its verification status is provisional")])


def test_unknown_status_code_is_refused() -> None:
    """A clinicalStatus code outside condition-clinical is a problem at that code."""
    found = problems(bundle({**MID_BACK, "clinicalStatus": status(CLINICAL, "cured")}))
    assert found[0][0] == "/entry/0/resource/clinicalStatus/coding/0/code"


@pytest.mark.parametrize("state", ["cancelled", "entered-in-error"])
def test_observations_cancelled_or_in_error_are_ignored(state: str) -> None:
    """A cancelled or entered-in-error red flag is not read; it is a warning."""
    flag = {**project("saddle_anaesthesia", valueBoolean=True), "status": state}
    reading = read_fhir(bundle(MID_BACK, flag))
    assert reading.presentation.red_flags is None
    assert_warnings(reading, [("/entry/1/resource", f"Observation ignored: its status is {state}")])


# --- choices an EHR expects: identifier, name, latest pain score -----------------------------

MR_TYPE = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}
SSN = {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "123-45-6789"}


def patient_id(identifiers: list[JSON], system: str | None = None) -> tuple[object, int]:
    """(patient.id, number of warnings) of a Bundle whose Patient has these identifiers."""
    reading = read_fhir(bundle({"resourceType": "Patient", "identifier": identifiers,
                                "name": [{"text": "A"}]}, MID_BACK), identifier_system=system)
    patient = reading.presentation.patient
    assert patient is not None
    return patient.id, len(reading.warnings)


def test_patient_id_is_the_medical_record_number_never_an_ssn() -> None:
    """The identifier of type MR is the id, not the first one (an SSN); with no MR there is no
    id and a warning that names the systems, not the values."""
    mrn = {"type": MR_TYPE, "system": "urn:example:mrn", "value": "M1"}
    assert patient_id([SSN, mrn]) == ("M1", 0)
    assert patient_id([SSN]) == (None, 1)
    reading = read_fhir(bundle({"resourceType": "Patient", "identifier": [SSN]}, MID_BACK))
    assert "us-ssn" in reading.warnings[0].message
    assert "123-45-6789" not in reading.warnings[0].message
    assert patient_id([{**SSN, "type": MR_TYPE}]) == (None, 1)  # an SSN typed MR: still not
    assert patient_id([{**mrn, "use": "old"}, {**mrn, "value": "M2"}]) == ("M2", 0)


def test_patient_id_from_the_callers_system() -> None:
    """The caller may name the identifier system to use."""
    clinic = {"system": "urn:example:clinic", "value": "C7"}
    assert patient_id([SSN, clinic], system="urn:example:clinic") == ("C7", 0)
    assert patient_id([SSN], system="urn:example:clinic") == (None, 1)


def test_patient_name_is_the_official_one_never_an_old_one() -> None:
    """The official (else usual) name is read, never the maiden or an old name."""
    names = [{"use": "maiden", "family": "Byrne", "given": ["Aoife"]},
             {"use": "usual", "text": "Aoife K."},
             {"use": "official", "family": "Kelly", "given": ["Aoife"]}]
    p = from_fhir(bundle({"resourceType": "Patient", "name": names}, MID_BACK))
    assert p.patient is not None
    assert p.patient.name == "Aoife Kelly"
    reading = read_fhir(bundle({"resourceType": "Patient", "name": names[:1]}, MID_BACK))
    assert reading.presentation.patient == Patient()
    assert_warnings(reading, [("/entry/0/resource/name",
                               "Patient name not read: it has no official or usual name")])


def pain(value: int, when: str | None, **extra: Any) -> JSON:
    """A pain-score Observation at ``when``."""
    timing = {} if when is None else {"effectiveDateTime": when}
    return observation(LOINC, "72514-3", valueInteger=value, **timing, **extra)


def test_latest_pain_score_by_effective_time_is_used() -> None:
    """A pain history: the latest score is used (not the first), with a warning."""
    reading = read_fhir(bundle(MID_BACK, pain(8, "2026-11-24T09:40:00+00:00"),
                               pain(3, "2026-11-10T10:00:00Z"), pain(5, "2026-11-17")))
    assert reading.presentation.pain_score == 8
    assert_warnings(reading, [("/entry/1/resource", "pain score given 3 times: the latest (8/10")])
    assert reading.presentation.date == dt.date(2026, 11, 24)


@pytest.mark.parametrize(
    "history",
    [[pain(8, "2026-11-24T09:40:00Z"), pain(3, "2026-11-24T09:40:00Z")],
     [pain(8, "2026-11-24T09:40:00Z"), pain(3, "2026-11-24")],
     [pain(8, "2026-11-24T09:40:00Z"), pain(3, None)]],
    ids=["same-time", "same-day", "undated"],
)
def test_pain_scores_that_cannot_be_ordered_are_refused(history: list[JSON]) -> None:
    """Two different scores whose order cannot be told are a problem, not a guess."""
    found = problems(bundle(MID_BACK, *history))
    assert found[0][1].startswith("pain_score is given")


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"valueInteger": 11}, "/entry/1/resource/valueInteger"),
        ({"valueInteger": -1}, "/entry/1/resource/valueInteger"),
        ({"valueQuantity": {"value": 70, "unit": "mm", "system": "http://unitsofmeasure.org",
                            "code": "mm"}}, "/entry/1/resource/valueQuantity/code"),
        ({"valueQuantity": {"value": 7, "unit": "%"}}, "/entry/1/resource/valueQuantity/unit"),
        ({"valueQuantity": {"value": 7, "comparator": ">"}},
         "/entry/1/resource/valueQuantity/comparator"),
        ({"valueInteger": 4, "effectiveDateTime": "2026-02-30T10:00:00Z"},
         "/entry/1/resource/effectiveDateTime"),
        ({"valueInteger": 4, "effectiveDateTime": "2026-11-24T25:00:00Z"},
         "/entry/1/resource/effectiveDateTime"),
        ({"valueInteger": 4, "effectiveDateTime": "2026-11-24T10:00:00+15:00"},
         "/entry/1/resource/effectiveDateTime"),
        ({"valueInteger": 4, "effectiveDateTime": "24/11/2026"},
         "/entry/1/resource/effectiveDateTime"),
    ],
)
def test_out_of_range_scores_wrong_units_and_impossible_dates_are_refused(
    value: JSON, path: str
) -> None:
    """A score outside 0-10, a unit of another scale, a bound and an impossible time are
    problems at the value."""
    found = problems(bundle(MID_BACK, observation(LOINC, "72514-3", **value)))
    assert [p for p, _ in found] == [path]


def test_score_unit_and_partial_effective_time_are_accepted() -> None:
    """{score} (UCUM) is the unit of a 0-10 score; a month is a valid effective time."""
    quantity = {"value": 6, "unit": "{score}", "system": "http://unitsofmeasure.org",
                "code": "{score}"}
    p = from_fhir(bundle(MID_BACK, observation(LOINC, "72514-3", valueQuantity=quantity,
                                                effectiveDateTime="2026-11")))
    assert (p.pain_score, p.date) == (6, None)


def test_encounter_in_error_is_ignored() -> None:
    """An entered-in-error Encounter does not give the date."""
    encounter = {"resourceType": "Encounter", "status": "entered-in-error",
                 "period": {"start": "2026-11-24"}}
    reading = read_fhir(bundle(MID_BACK, encounter))
    assert reading.presentation.date is None
    assert_warnings(reading, [("/entry/1/resource", "Encounter ignored")])


def test_from_fhir_passes_its_warnings_on() -> None:
    """from_fhir keeps returning a Presentation; on_warning receives the warnings."""
    seen: list[FhirWarning] = []
    p = from_fhir(bundle(BACK), on_warning=seen.append)
    assert isinstance(p, Presentation)
    assert [w.path for w in seen] == ["/entry/0/resource/code/coding/0"]
    assert str(seen[0]).startswith("/entry/0/resource/code/coding/0: region read as lower_back")


def test_cli_prints_each_warning_on_stderr_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`plan --fhir` prints each warning as one line `physio-notes: warning: ...` on stderr,
    with control characters escaped."""
    from physio_notes.cli import main

    sneaky = condition(SNOMED, "59621000")
    sneaky["code"]["coding"][0]["display"] = "Hyper\x1b[31mtension\nsecond line"
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle(MID_BACK, sneaky)), encoding="utf-8")
    assert main(["plan", str(path), "--fhir", "--json"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == ["physio-notes: warning: /entry/1/resource: Condition ignored: not about the "
                   "spasm, its region or its cause (SNOMED CT 59621000 Hyper\\x1b[31mtension"
                   "\\nsecond line)"]


# --- output: RFC 4122 ids, narrative, definitions --------------------------------------------

RFC4122 = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                     r"[0-9a-f]{12}")


def urn_uuids(data: object) -> list[str]:
    """Every urn:uuid string in a JSON tree."""
    return re.findall(r"urn:uuid:[^\"]*", json.dumps(data))


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_urn_uuids_are_rfc_4122(name: str) -> None:
    """The examples and every Bundle the project writes use RFC 4122 urn:uuid values."""
    found = urn_uuids(read_example(name)) + urn_uuids(plan_bundle(
        "disc-recurrent")) + urn_uuids(presentation_to_fhir(NEW_FIELDS))
    assert found
    assert all(RFC4122.fullmatch(u) for u in found), [u for u in found
                                                      if not RFC4122.fullmatch(u)]


def test_hand_written_examples_read_without_warnings() -> None:
    """The examples are written the way the mapper reads best: no warning."""
    for name in EXAMPLE_NAMES:
        assert read_fhir(read_example(name)).warnings == ()


def test_care_plan_and_document_references_have_generated_narrative() -> None:
    """The CarePlan and each DocumentReference carry a generated XHTML narrative that names the
    pathways and the document, escaped."""
    data = plan_bundle()
    (care_plan,) = resources_of(data, "CarePlan")
    assert care_plan["text"]["status"] == "generated"
    div = care_plan["text"]["div"]
    assert div.startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
    for pathway in select_pathways(load_presentation(EXAMPLES / "disc-recurrent.json")).pathways:
        assert pathway.title.replace("&", "&amp;") in div
    for reference, document in zip(resources_of(data, "DocumentReference"), DOCUMENTS,
                                   strict=True):
        assert document.title in reference["text"]["div"]
    validate(data)


DEFINITIONS = Path(__file__).resolve().parent.parent / "physio_notes" / "_fhir" / "definitions"


def test_shipped_definitions_are_current() -> None:
    """definitions/ holds exactly what fhir_definitions() makes (rewrite with
    `python -m physio_notes._fhir._definitions`)."""
    from physio_notes._fhir._definitions import definition_files

    expected = definition_files()
    assert sorted(p.name for p in DEFINITIONS.glob("*.json")) == sorted(expected)
    for name, text in expected.items():
        assert (DEFINITIONS / name).read_text(encoding="utf-8") == text, name


def test_definitions_cover_every_extension_and_code_system_and_validate() -> None:
    """A StructureDefinition for each extension the project writes, a CodeSystem for each of its
    code systems holding every code it writes; all valid R4(B)."""
    definitions = {d["url"]: d for d in fhir_definitions()}
    assert {EXT_PROVENANCE, EXT_PLAIN_DIAGNOSIS, EXT_EMPTY_STRING, PROJECT_SYSTEM,
            PATHWAY_SYSTEM} == set(definitions)
    disc = load_presentation(EXAMPLES / "disc-recurrent.json")
    written = json.dumps([presentation_to_fhir(NEW_FIELDS), plan_bundle(),
                          presentation_to_fhir(disc)])
    for system in (PROJECT_SYSTEM, PATHWAY_SYSTEM):
        codes = {c["code"] for c in definitions[system]["concept"]}
        used = re.findall(rf'"system": "{re.escape(system)}", "code": "([^"]+)"', written)
        assert used
        assert set(used) <= codes
    structure = pytest.importorskip("fhir.resources.R4B.structuredefinition")
    code_system = pytest.importorskip("fhir.resources.R4B.codesystem")
    for definition in definitions.values():
        model = (structure.StructureDefinition if definition["resourceType"] ==
                 "StructureDefinition" else code_system.CodeSystem)
        model.model_validate(definition)


def test_definitions_are_published_in_the_docs() -> None:
    """docs/fhir.md publishes each StructureDefinition in full and every CodeSystem code."""
    docs = (Path(__file__).resolve().parent.parent / "docs" / "fhir.md").read_text(
        encoding="utf-8")
    for definition in fhir_definitions():
        if definition["resourceType"] == "StructureDefinition":
            assert json.dumps(definition, indent=2, ensure_ascii=False) in docs
        else:
            for concept in definition["concept"]:
                assert f"| `{concept['code']}` | {concept['display']} |" in docs, concept


# --- the corpus: EHR-style Bundles and what each must give ------------------------------------

CORPUS = Path(__file__).resolve().parent / "fhir_corpus"
CORPUS_CASES = sorted(p.name.removesuffix(".bundle.json") for p in CORPUS.glob("*.bundle.json"))


def corpus_case(name: str) -> tuple[JSON, JSON]:
    """The Bundle of a corpus case and what it must give."""
    bundle_data = json.loads((CORPUS / f"{name}.bundle.json").read_text(encoding="utf-8"))
    expected = json.loads((CORPUS / f"{name}.expected.json").read_text(encoding="utf-8"))
    return bundle_data, expected


def test_corpus_files_are_what_build_py_writes() -> None:
    """tests/fhir_corpus/ holds exactly what its build.py writes (run it after a change)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("fhir_corpus_build", CORPUS / "build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = module.files()
    assert sorted(p.name for p in CORPUS.glob("*.json")) == sorted(expected)
    for name, text in expected.items():
        assert (CORPUS / name).read_text(encoding="utf-8") == text, name
    assert len(CORPUS_CASES) >= 7


@pytest.mark.parametrize("name", CORPUS_CASES)
def test_corpus_bundle_gives_its_presentation_and_warnings(name: str) -> None:
    """Each EHR-style Bundle gives exactly the presentation and warnings written for it, or is
    refused with exactly the problems written for it; every Bundle is valid FHIR."""
    data, expected = corpus_case(name)
    validate(data)
    if "problems" in expected:
        with pytest.raises(PresentationError) as info:
            read_fhir(data)
        assert [[p.path, p.message] for p in info.value.problems] == expected["problems"]
        return
    reading = read_fhir(data)
    assert reading.presentation.to_dict() == expected["presentation"]
    assert [[w.path, w.message] for w in reading.warnings] == expected["warnings"]
    assert from_fhir(data) == Presentation.from_dict(expected["presentation"])


def test_corpus_through_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    """`plan --fhir` on the search-result Bundle prints one stderr line per warning and plans."""
    from physio_notes.cli import main

    _, expected = corpus_case("searchset-low-back-pain-history")
    path = CORPUS / "searchset-low-back-pain-history.bundle.json"
    assert main(["plan", str(path), "--fhir", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"physio-notes: warning: {path}: {message}" for path, message in expected["warnings"]]
    assert json.loads(captured.out)["pathways"]


def test_code_map_is_documented() -> None:
    """docs/fhir.md lists every code of the map (rows generated from codes.toml)."""
    docs = (Path(__file__).resolve().parent.parent / "docs" / "fhir.md").read_text(
        encoding="utf-8")
    for (system, code), meaning in CONDITION_CODES.items():
        if system != PROJECT_SYSTEM:
            assert f"| `{code}` | {meaning.display} |" in docs, code
    for (_, code), site in SITE_CODES.items():
        assert f"| `{code}` | {site.display} |" in docs, code
