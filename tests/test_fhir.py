"""FHIR R4 input and output: mapping tables, errors with JSON Pointers, round trip, validity."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import hashlib
import json
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
from physio_notes._fhir import FhirDocument, from_fhir, presentation_to_fhir, to_fhir
from physio_notes._fhir._codes import (
    CONDITION_CODES,
    DOCUMENT_TYPES,
    EXT_EMPTY_STRING,
    EXT_PLAIN_DIAGNOSIS,
    EXT_PROVENANCE,
    LOINC,
    PATHWAY_SYSTEM,
    PROJECT_SYSTEM,
    RED_FLAG_CODES,
    SIDE_CODES,
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


BACK = condition("http://hl7.org/fhir/sid/icd-10-cm", "M62.830")


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
    resources = [condition(*key)]
    if meaning.region is None:
        resources.append(BACK)
    p = from_fhir(bundle(*resources))
    assert p.region == (meaning.region or Region.LOWER_BACK)
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
    """An unsupported Condition code is a problem at its coding, listing what is supported."""
    found = problems(bundle(BACK, BACK, condition("http://hl7.org/fhir/sid/icd-10-cm", "M99.9")))
    assert len(found) == 1
    path, message = found[0]
    assert path == "/entry/2/resource/code/coding/0"
    assert message.startswith("Condition code ICD-10-CM 'M99.9' is not one the mapper supports")
    assert "M62.830" in message
    assert "24700007" in message


def test_unknown_observation_code() -> None:
    """An unsupported Observation code is a problem at its coding."""
    found = problems(bundle(BACK, observation(LOINC, "8867-4", valueInteger=60)))
    assert found[0][0] == "/entry/1/resource/code/coding/0"
    assert "Observation code LOINC '8867-4'" in found[0][1]


def test_unknown_value_code() -> None:
    """A value code outside the field's values is a problem at the value's coding."""
    found = problems(bundle(BACK, project("duration", **coded("weeks"))))
    assert found[0][0] == "/entry/1/resource/valueCodeableConcept/coding/0"


def test_unknown_resource_type() -> None:
    """A resource type the mapper does not read is a problem at its resourceType."""
    found = problems(bundle(BACK, {"resourceType": "MedicationStatement"}))
    assert found == [("/entry/1/resource/resourceType",
                      "resource type is not one the mapper reads; supported: Patient, "
                      "Practitioner, PractitionerRole, Encounter, Condition, Observation")]


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


def test_refuted_condition_is_rejected() -> None:
    """A refuted Condition is not read as a diagnosis; it is a problem."""
    refuted = condition(SNOMED, "24700007", verificationStatus={"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
        "code": "refuted"}]})
    assert problems(bundle(BACK, refuted))[0][0] == "/entry/1/resource/verificationStatus"


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
    found = problems(bundle(BACK, {"resourceType": "Goal"}, project("recurrent")))
    assert [p for p, _ in found] == ["/entry/1/resource/resourceType",
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
