"""The presentation model: the public input contract of shared/design.md.

Bad input must raise one PresentationError that lists every problem, each with its field path,
the value found and what is allowed.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import attrs
import pytest
from hypothesis import given, settings

from physio_notes import (
    SCHEMA_VERSION,
    Cause,
    Clinician,
    Duration,
    NeurologicalCondition,
    Patient,
    PhysioNotesError,
    Presentation,
    PresentationError,
    Problem,
    RedFlag,
    Region,
    SpasmType,
    StartBack,
    Symptom,
)

from .conftest import DESIGN_EXAMPLE
from .strategies import presentations

REGIONS = "'lower_back', 'mid_back', 'neck', 'hands', 'calves', 'feet'"
SPASM_TYPES = "'primary', 'secondary', 'unknown'"
CAUSES = (
    "'sudden_movement', 'overstretching', 'disc_disorder', 'neurological', "
    "'overuse_posture', 'protective_response', 'tight_joint_or_muscle', 'unknown'"
)
SYMPTOMS = (
    "'severe_pain', 'tightness', 'forward_leaning_posture', 'reduced_movement', 'stress'"
)
DURATIONS = "'seconds', 'minutes', 'hours', 'days'"
RED_FLAGS = (
    "'saddle_anaesthesia', 'bladder_or_bowel_change', 'progressive_leg_weakness', "
    "'major_trauma', 'history_of_cancer', 'unexplained_weight_loss', "
    "'fever_or_systemically_unwell', 'constant_night_pain', 'hand_clumsiness_or_gait_change', "
    "'dizziness_double_vision_speech_or_swallowing', 'progressive_arm_weakness', "
    "'calf_swelling_redness_or_warmth', 'breathlessness_or_chest_pain'"
)
TOP_LEVEL_FIELDS = (
    "region, side, schema_version, patient, clinician, date, spasm_type, causes, "
    "neurological_condition, symptoms, duration, recurrent, eased_by_heat_and_positioning, "
    "pain_score, diagnosis, plain_diagnosis, review_date, red_flags, notes, start_back"
)


Expected = list[tuple[str, str, str | None]]


def problems_of(error: PresentationError) -> Expected:
    """The problems of an error as (path, message, found) triples, for exact comparison."""
    return [(p.path, p.message, p.found) for p in error.problems]


# --- construction ---------------------------------------------------------------------------


def test_only_region_is_needed_and_the_rest_defaults_to_not_recorded() -> None:
    """A presentation with only a region has the design's defaults: empty lists, nulls, unknown."""
    p = Presentation(region=Region.NECK)
    assert p.schema_version == 1 == SCHEMA_VERSION
    assert p.spasm_type is SpasmType.UNKNOWN
    assert p.causes == ()
    assert p.symptoms == ()
    assert p.red_flags is None
    assert (p.patient, p.clinician, p.date, p.neurological_condition) == (None, None, None, None)
    assert (p.duration, p.recurrent, p.eased_by_heat_and_positioning) == (None, None, None)
    assert (p.pain_score, p.diagnosis, p.notes, p.start_back) == (None, None, None, None)


def test_enum_fields_accept_their_json_strings() -> None:
    """Strings of the JSON contract become the enum members, lists become tuples."""
    from_strings = Presentation(
        region="lower_back",
        spasm_type="secondary",
        causes=["neurological", "disc_disorder"],
        neurological_condition="parkinsons",
        symptoms=["stress"],
        duration="hours",
        red_flags=["major_trauma"],
    )
    from_members = Presentation(
        region=Region.LOWER_BACK,
        spasm_type=SpasmType.SECONDARY,
        causes=(Cause.NEUROLOGICAL, Cause.DISC_DISORDER),
        neurological_condition=NeurologicalCondition.PARKINSONS,
        symptoms=(Symptom.STRESS,),
        duration=Duration.HOURS,
        red_flags=(RedFlag.MAJOR_TRAUMA,),
    )
    assert from_strings == from_members
    assert from_strings.region is Region.LOWER_BACK
    assert from_strings.causes == (Cause.NEUROLOGICAL, Cause.DISC_DISORDER)
    assert type(from_strings.causes) is tuple


def test_dates_accept_iso_strings() -> None:
    """The encounter date and date of birth accept ISO YYYY-MM-DD strings."""
    p = Presentation(region="neck", date="2026-11-24", patient=Patient(date_of_birth="1978-02-11"))
    assert p.date == dt.date(2026, 11, 24)
    assert p.patient is not None
    assert p.patient.date_of_birth == dt.date(1978, 2, 11)


def test_encounter_date_is_the_given_date_else_today() -> None:
    """encounter_date is the recorded date, or today's date when none was given."""
    assert Presentation(region="neck", date="2026-11-24").encounter_date == dt.date(2026, 11, 24)
    assert Presentation(region="neck").encounter_date == dt.date.today()


def test_presentation_is_frozen() -> None:
    """A presentation cannot be changed after it is built (nor its nested objects)."""
    p = Presentation(region="neck", patient=Patient(name="A"), start_back=None)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        p.region = Region.FEET  # type: ignore[misc]
    assert p.patient is not None
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        p.patient.name = "B"  # type: ignore[misc]


def test_presentation_without_region_is_a_python_type_error() -> None:
    """Leaving out the required region keyword is a Python calling error (TypeError)."""
    with pytest.raises(TypeError, match="region"):
        Presentation()  # type: ignore[call-arg]


@pytest.mark.hazard("HAZ-02")
def test_red_flags_not_screened_and_none_found_are_distinct() -> None:
    """red_flags None (not screened) and [] (none found) differ and survive the JSON trip."""
    not_screened = Presentation(region="neck")
    none_found = Presentation(region="neck", red_flags=[])
    assert not_screened.red_flags is None
    assert none_found.red_flags == ()
    assert not_screened != none_found
    assert "red_flags" not in not_screened.to_dict()
    assert none_found.to_dict()["red_flags"] == []
    assert Presentation.from_dict(not_screened.to_dict()).red_flags is None
    assert Presentation.from_dict(none_found.to_dict()).red_flags == ()
    assert Presentation.from_dict({"schema_version": 1, "region": "neck", "red_flags": None}) == (
        not_screened
    )


def test_start_back_risk_groups() -> None:
    """STarT Back: total <= 3 low; otherwise distress >= 4 high, else medium."""
    assert StartBack(total=0, distress=0).risk == "low"
    assert StartBack(total=3, distress=3).risk == "low"
    assert StartBack(total=4, distress=3).risk == "medium"
    assert StartBack(total=4, distress=4).risk == "high"
    assert StartBack(total=9, distress=5).risk == "high"


# --- errors: the hierarchy and the message ----------------------------------------------------


def test_presentation_error_is_a_value_error_and_a_physio_notes_error() -> None:
    """Callers may catch PresentationError as ValueError or as PhysioNotesError."""
    with pytest.raises(PresentationError) as caught:
        Presentation(region="knee")
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, PhysioNotesError)


def test_error_message_lists_every_problem_one_per_line() -> None:
    """str(error) is a header with the count, then one line per problem: path, rule, found."""
    with pytest.raises(PresentationError) as caught:
        Presentation(region="knee", pain_score=11)
    assert str(caught.value) == (
        "invalid presentation: 2 problems\n"
        f"  $.region: must be one of {REGIONS} (got \"knee\")\n"
        "  $.pain_score: must be from 0 to 10 (got 11)"
    )


def test_error_message_for_one_problem_says_one_problem() -> None:
    """One problem reads 'invalid presentation: 1 problem'."""
    with pytest.raises(PresentationError) as caught:
        Presentation(region="neck", pain_score=-1)
    assert str(caught.value) == (
        "invalid presentation: 1 problem\n  $.pain_score: must be from 0 to 10 (got -1)"
    )


def test_problem_str_leaves_out_found_when_nothing_was_found() -> None:
    """A Problem with no found value (e.g. a missing field) prints without '(got ...)'."""
    assert str(Problem("$.region", "is required")) == "$.region: is required"
    assert str(Problem("$.pain_score", "must be from 0 to 10", "11")) == (
        "$.pain_score: must be from 0 to 10 (got 11)"
    )


# --- errors: bad input built in Python ---------------------------------------------------------

BAD_CONSTRUCTIONS = [
    pytest.param(
        {"region": "knee"},
        [("$.region", f"must be one of {REGIONS}", '"knee"')],
        id="region-not-in-enum",
    ),
    pytest.param(
        {"region": None},
        [("$.region", f"must be one of {REGIONS}", 'null')],
        id="region-null",
    ),
    pytest.param(
        {"region": "neck", "schema_version": 2},
        [("$.schema_version", "must be 1", '2')],
        id="schema-version-2",
    ),
    pytest.param(
        {"region": "neck", "schema_version": True},
        [("$.schema_version", "must be 1", 'true')],
        id="schema-version-bool",
    ),
    pytest.param(
        {"region": "neck", "spasm_type": "tertiary"},
        [("$.spasm_type", f"must be one of {SPASM_TYPES}", '"tertiary"')],
        id="spasm-type-not-in-enum",
    ),
    pytest.param(
        {"region": "neck", "causes": "disc_disorder"},
        [("$.causes", f"must be a list of {CAUSES}", '"disc_disorder"')],
        id="causes-string-for-list",
    ),
    pytest.param(
        {"region": "neck", "causes": ["disc_disorder", "slipped_disc", 3]},
        [
            ("$.causes[1]", f"must be one of {CAUSES}", '"slipped_disc"'),
            ("$.causes[2]", f"must be one of {CAUSES}", '3'),
        ],
        id="causes-items-not-in-enum",
    ),
    pytest.param(
        {"region": "neck", "symptoms": ["stress", "cramp"]},
        [("$.symptoms[1]", f"must be one of {SYMPTOMS}", '"cramp"')],
        id="symptom-not-in-enum",
    ),
    pytest.param(
        {"region": "neck", "duration": "weeks"},
        [("$.duration", f"must be one of {DURATIONS}", '"weeks"')],
        id="duration-not-in-enum",
    ),
    pytest.param(
        {"region": "neck", "red_flags": "major_trauma"},
        [("$.red_flags", f"must be a list of {RED_FLAGS}", '"major_trauma"')],
        id="red-flags-string-for-list",
    ),
    pytest.param(
        {"region": "neck", "red_flags": ["fever"]},
        [("$.red_flags[0]", f"must be one of {RED_FLAGS}", '"fever"')],
        id="red-flag-not-in-enum",
    ),
    pytest.param(
        {"region": "neck", "pain_score": True},
        [("$.pain_score", "must be a whole number from 0 to 10", 'true')],
        id="pain-bool-for-int",
    ),
    pytest.param(
        {"region": "neck", "pain_score": 7.0},
        [("$.pain_score", "must be a whole number from 0 to 10", '7.0')],
        id="pain-float",
    ),
    pytest.param(
        {"region": "neck", "pain_score": 11},
        [("$.pain_score", "must be from 0 to 10", '11')],
        id="pain-11",
    ),
    pytest.param(
        {"region": "neck", "pain_score": -1},
        [("$.pain_score", "must be from 0 to 10", '-1')],
        id="pain-negative",
    ),
    pytest.param(
        {"region": "neck", "recurrent": "yes"},
        [("$.recurrent", "must be true, false or null", '"yes"')],
        id="recurrent-string",
    ),
    pytest.param(
        {"region": "neck", "eased_by_heat_and_positioning": 1},
        [("$.eased_by_heat_and_positioning", "must be true, false or null", '1')],
        id="eased-int-for-bool",
    ),
    pytest.param(
        {"region": "neck", "diagnosis": 42},
        [("$.diagnosis", "must be a string or null", '42')],
        id="diagnosis-int",
    ),
    pytest.param(
        {"region": "neck", "patient": ["Máire"]},
        [("$.patient", "must be an object (Patient) or null", '["Máire"]')],
        id="patient-list-for-object",
    ),
    pytest.param(
        {"region": "neck", "clinician": "J. Doyle"},
        [("$.clinician", "must be an object (Clinician) or null", '"J. Doyle"')],
        id="clinician-string-for-object",
    ),
    pytest.param(
        {"region": "lower_back", "start_back": {"total": 5, "distress": 2}},
        [("$.start_back", "must be an object (StartBack) or null", '{"total": 5, "distress": 2}')],
        id="start-back-dict-in-python",
    ),
    pytest.param(
        {"region": "neck", "date": "24/11/2026"},
        [("$.date", "must be an ISO date YYYY-MM-DD", '"24/11/2026"')],
        id="date-not-iso",
    ),
    pytest.param(
        {"region": "neck", "date": "2026-02-30"},
        [("$.date", "must be an ISO date YYYY-MM-DD", '"2026-02-30"')],
        id="date-impossible",
    ),
    pytest.param(
        {"region": "neck", "date": dt.datetime(2026, 11, 24, 9, 30)},
        [("$.date", "must be an ISO date YYYY-MM-DD", '"2026-11-24T09:30:00"')],
        id="date-datetime",
    ),
    pytest.param(
        {"region": "neck", "notes": "SLR\x00negative"},
        [("$.notes", "must not contain control characters (U+0000 at position 3)", None)],
        id="notes-nul",
    ),
    pytest.param(
        {"region": "neck", "notes": "x" * 20_001},
        [("$.notes", "must be at most 20000 characters (got 20001)", None)],
        id="notes-too-long",
    ),
    pytest.param(
        {"region": "neck", "diagnosis": "x" * 1_001},
        [("$.diagnosis", "must be at most 1000 characters (got 1001)", None)],
        id="diagnosis-too-long",
    ),
    pytest.param(
        {"region": "neck", "causes": ["unknown", "disc_disorder"]},
        [
            (
                "$.causes",
                "'unknown' cannot be combined with a known cause",
                '["unknown", "disc_disorder"]',
            )
        ],
        id="unknown-with-a-known-cause",
    ),
    pytest.param(
        {"region": "neck", "causes": ["disc_disorder"], "neurological_condition": "stroke"},
        [
            (
                "$.neurological_condition",
                "is allowed only when causes include 'neurological'",
                '"stroke"',
            )
        ],
        id="neurological-condition-without-the-cause",
    ),
    pytest.param(
        {"region": "neck", "start_back": StartBack(total=5, distress=2)},
        [
            (
                "$.start_back",
                "is valid only for region 'lower_back' (the tool screens low back pain)",
                '"neck"',
            )
        ],
        id="start-back-on-neck",
    ),
    pytest.param(
        {
            "region": "neck",
            "date": "2026-11-24",
            "patient": Patient(date_of_birth="2026-11-25"),
        },
        [("$.patient.date_of_birth", "must not be after the encounter date", '"2026-11-25"')],
        id="born-after-encounter",
    ),
]


@pytest.mark.hazard("HAZ-12")
@pytest.mark.parametrize(("kwargs", "expected"), BAD_CONSTRUCTIONS)
def test_bad_construction_is_rejected_with_path_found_and_allowed(
    kwargs: dict[str, Any], expected: Expected
) -> None:
    """Presentation(...) rejects each bad input with exactly these problems."""
    with pytest.raises(PresentationError) as caught:
        Presentation(**kwargs)
    assert problems_of(caught.value) == expected


BAD_NESTED = [
    pytest.param(
        Patient, {"name": 5}, [("$.name", "must be a string or null", '5')], id="patient-name"
    ),
    pytest.param(
        Patient,
        {"id": "x" * 201},
        [("$.id", "must be at most 200 characters (got 201)", None)],
        id="patient-id-too-long",
    ),
    pytest.param(
        Patient,
        {"date_of_birth": "11/02/1978"},
        [("$.date_of_birth", "must be an ISO date YYYY-MM-DD", '"11/02/1978"')],
        id="patient-dob",
    ),
    pytest.param(
        Clinician,
        {"role": ["physio"]},
        [("$.role", "must be a string or null", '["physio"]')],
        id="clinician-role",
    ),
    pytest.param(
        StartBack,
        {"total": 10, "distress": 6},
        [("$.total", "must be from 0 to 9", '10'), ("$.distress", "must be from 0 to 5", '6')],
        id="start-back-out-of-range",
    ),
    pytest.param(
        StartBack,
        {"total": True, "distress": "2"},
        [
            ("$.total", "must be a whole number from 0 to 9", 'true'),
            ("$.distress", "must be a whole number from 0 to 5", '"2"'),
        ],
        id="start-back-wrong-types",
    ),
    pytest.param(
        StartBack,
        {"total": 3, "distress": 4},
        [("$.distress", "must not exceed total (3): items 5–9 are part of the total", '4')],
        id="start-back-distress-above-total",
    ),
]


@pytest.mark.parametrize(("cls", "kwargs", "expected"), BAD_NESTED)
def test_bad_nested_object_is_rejected(
    cls: type[Any], kwargs: dict[str, Any], expected: Expected
) -> None:
    """Patient, Clinician and StartBack check themselves like Presentation does."""
    with pytest.raises(PresentationError) as caught:
        cls(**kwargs)
    assert problems_of(caught.value) == expected


# --- errors: bad JSON through from_dict -------------------------------------------------------


def _example(**changes: Any) -> dict[str, Any]:
    """The design's example with some top-level keys changed (a value of ... deletes the key)."""
    data = copy.deepcopy(DESIGN_EXAMPLE)
    for key, value in changes.items():
        if value is ...:
            del data[key]
        else:
            data[key] = value
    return data


BAD_DICTS = [
    pytest.param(
        ["lower_back"], [("$", "must be a JSON object", '["lower_back"]')], id="not-an-object"
    ),
    pytest.param(
        _example(schema_version=...),
        [("$.schema_version", "is required", None)],
        id="missing-schema-version",
    ),
    pytest.param(
        _example(region=...), [("$.region", "is required", None)], id="missing-region"
    ),
    pytest.param(
        _example(regoin="neck"),
        [("$.regoin", f"is not a known field; allowed: {TOP_LEVEL_FIELDS}", None)],
        id="unknown-top-level-field",
    ),
    pytest.param(
        _example(patient={"name": "Máire", "dob": "1978-02-11"}),
        [("$.patient.dob", "is not a known field; allowed: name, id, date_of_birth", None)],
        id="unknown-field-in-patient",
    ),
    pytest.param(
        _example(start_back={"total": 5, "distress": 2, "risk": "medium"}),
        [("$.start_back.risk", "is not a known field; allowed: total, distress", None)],
        id="unknown-field-in-start-back",
    ),
    pytest.param(
        _example(start_back={"total": 5}),
        [("$.start_back.distress", "is required", None)],
        id="missing-field-in-start-back",
    ),
    pytest.param(
        _example(patient=["Máire Ní Bhriain"]),
        [("$.patient", "must be a JSON object", '["Máire Ní Bhriain"]')],
        id="list-for-object",
    ),
    pytest.param(
        _example(patient={"name": 31}),
        [("$.patient.name", "must be a string or null", '31')],
        id="patient-name-int",
    ),
    pytest.param(
        _example(pain_score=True),
        [("$.pain_score", "must be a whole number from 0 to 10", 'true')],
        id="bool-as-int",
    ),
    pytest.param(
        _example(pain_score="7"),
        [("$.pain_score", "must be a whole number from 0 to 10", '"7"')],
        id="string-for-int",
    ),
    pytest.param(
        _example(pain_score=11),
        [("$.pain_score", "must be from 0 to 10", '11')],
        id="pain-out-of-range",
    ),
    pytest.param(
        _example(causes="disc_disorder"),
        [("$.causes", f"must be a list of {CAUSES}", '"disc_disorder"')],
        id="string-for-list",
    ),
    pytest.param(
        _example(causes=["disc_disorder", "Disc_Disorder"]),
        [("$.causes[1]", f"must be one of {CAUSES}", '"Disc_Disorder"')],
        id="cause-wrong-case",
    ),
    pytest.param(
        _example(start_back={"total": 10, "distress": 2}),
        [("$.start_back.total", "must be from 0 to 9", '10')],
        id="start-back-total-out-of-range",
    ),
    pytest.param(
        _example(start_back={"total": 5, "distress": 6}),
        [("$.start_back.distress", "must be from 0 to 5", '6')],
        id="start-back-distress-out-of-range",
    ),
    pytest.param(
        _example(start_back={"total": 2, "distress": 3}),
        [
            (
                "$.start_back.distress",
                "must not exceed total (2): items 5–9 are part of the total",
                '3',
            )
        ],
        id="distress-above-total",
    ),
    pytest.param(
        _example(region="neck"),
        [
            (
                "$.start_back",
                "is valid only for region 'lower_back' (the tool screens low back pain)",
                '"neck"',
            )
        ],
        id="start-back-on-neck",
    ),
    pytest.param(
        _example(neurological_condition="multiple_sclerosis"),
        [
            (
                "$.neurological_condition",
                "is allowed only when causes include 'neurological'",
                '"multiple_sclerosis"',
            )
        ],
        id="neurological-condition-without-cause",
    ),
    pytest.param(
        _example(causes=["disc_disorder", "unknown"]),
        [
            (
                "$.causes",
                "'unknown' cannot be combined with a known cause",
                '["disc_disorder", "unknown"]',
            )
        ],
        id="unknown-with-another-cause",
    ),
    pytest.param(
        _example(patient={"date_of_birth": "2026-11-25"}),
        [("$.patient.date_of_birth", "must not be after the encounter date", '"2026-11-25"')],
        id="born-after-encounter",
    ),
    pytest.param(
        _example(date="2026-11-31"),
        [("$.date", "must be an ISO date YYYY-MM-DD", '"2026-11-31"')],
        id="impossible-date",
    ),
    pytest.param(
        _example(date="20261124"),
        [("$.date", "must be an ISO date YYYY-MM-DD", '"20261124"')],
        id="basic-format-date",
    ),
    pytest.param(
        # Python 3.11's date.fromisoformat also reads ISO week dates; the contract (and the
        # JSON Schema's pattern) allow only YYYY-MM-DD.
        _example(date="2026-W48-2"),
        [("$.date", "must be an ISO date YYYY-MM-DD", '"2026-W48-2"')],
        id="week-date-is-not-yyyy-mm-dd",
    ),
    pytest.param(
        _example(patient={"date_of_birth": 19780211}),
        [("$.patient.date_of_birth", "must be an ISO date YYYY-MM-DD", '19780211')],
        id="date-of-birth-int",
    ),
    pytest.param(
        _example(notes="Flexion limited\x00"),
        [("$.notes", "must not contain control characters (U+0000 at position 15)", None)],
        id="nul-in-notes",
    ),
    pytest.param(
        _example(notes="x" * 20_001),
        [("$.notes", "must be at most 20000 characters (got 20001)", None)],
        id="notes-too-long",
    ),
]


@pytest.mark.hazard("HAZ-12")
@pytest.mark.parametrize(("data", "expected"), BAD_DICTS)
def test_bad_json_is_rejected_with_path_found_and_allowed(
    data: object, expected: Expected
) -> None:
    """Presentation.from_dict rejects each bad JSON input with exactly these problems."""
    with pytest.raises(PresentationError) as caught:
        Presentation.from_dict(data)
    assert problems_of(caught.value) == expected


@pytest.mark.hazard("HAZ-12")
def test_from_dict_lists_every_problem_at_once() -> None:
    """Problems in many fields, nested and top level, are all reported in one error."""
    data = _example(
        patient={"name": 31, "nickname": "M"},
        clinician=["J. Doyle"],
        causes=["disc_disorder", "slipped_disc"],
        symptoms="stress",
        recurrent="yes",
        pain_score=True,
        start_back={"total": 12, "distress": 2},
        colour="red",
    )
    with pytest.raises(PresentationError) as caught:
        Presentation.from_dict(data)
    assert problems_of(caught.value) == [
        ("$.patient.nickname", "is not a known field; allowed: name, id, date_of_birth", None),
        ("$.patient.name", "must be a string or null", '31'),
        ("$.clinician", "must be a JSON object", '["J. Doyle"]'),
        ("$.start_back.total", "must be from 0 to 9", '12'),
        ("$.colour", f"is not a known field; allowed: {TOP_LEVEL_FIELDS}", None),
        ("$.causes[1]", f"must be one of {CAUSES}", '"slipped_disc"'),
        ("$.symptoms", f"must be a list of {SYMPTOMS}", '"stress"'),
        ("$.recurrent", "must be true, false or null", '"yes"'),
        ("$.pain_score", "must be a whole number from 0 to 10", 'true'),
    ]


def test_missing_region_does_not_hide_the_other_problems() -> None:
    """Without a region, the other fields are still checked and their problems reported."""
    with pytest.raises(PresentationError) as caught:
        Presentation.from_dict({"schema_version": 1, "pain_score": 11, "regoin": "neck"})
    assert set(problems_of(caught.value)) == {
        ("$.region", "is required", None),
        ("$.regoin", f"is not a known field; allowed: {TOP_LEVEL_FIELDS}", None),
        ("$.pain_score", "must be from 0 to 10", '11'),
    }


def test_a_contradiction_is_reported_alongside_a_bad_field() -> None:
    """A contradiction between valid fields is reported even when another field is bad."""
    with pytest.raises(PresentationError) as caught:
        Presentation.from_dict(_example(region="neck", pain_score=11))
    assert set(problems_of(caught.value)) == {
        ("$.pain_score", "must be from 0 to 10", '11'),
        (
            "$.start_back",
            "is valid only for region 'lower_back' (the tool screens low back pain)",
            '"neck"',
        ),
    }


# --- the JSON contract round trip -------------------------------------------------------------


def test_design_example_reads_into_the_model() -> None:
    """The design's example becomes exactly this presentation."""
    assert Presentation.from_dict(DESIGN_EXAMPLE) == Presentation(
        schema_version=1,
        patient=Patient(
            name="Máire Ní Bhriain", id="CL-20931", date_of_birth=dt.date(1978, 2, 11)
        ),
        clinician=Clinician(name="J. Doyle", role="Chartered Physiotherapist"),
        date=dt.date(2026, 11, 24),
        region=Region.LOWER_BACK,
        spasm_type=SpasmType.SECONDARY,
        causes=(Cause.DISC_DISORDER,),
        symptoms=(Symptom.SEVERE_PAIN, Symptom.FORWARD_LEANING_POSTURE, Symptom.REDUCED_MOVEMENT),
        duration=Duration.MINUTES,
        recurrent=True,
        eased_by_heat_and_positioning=True,
        pain_score=7,
        diagnosis="L4/5 disc herniation, MRI 2026-10",
        red_flags=(),
        start_back=StartBack(total=5, distress=2),
        notes="Flexion limited to mid-shin; SLR negative bilaterally.",
    )


def test_design_example_round_trips_exactly() -> None:
    """to_dict gives back the design's example dict exactly."""
    assert Presentation.from_dict(DESIGN_EXAMPLE).to_dict() == DESIGN_EXAMPLE


def test_from_dict_does_not_change_its_input() -> None:
    """Reading a dict leaves the caller's dict as it was."""
    data = copy.deepcopy(DESIGN_EXAMPLE)
    Presentation.from_dict(data)
    assert data == DESIGN_EXAMPLE


def test_minimal_json_presentation() -> None:
    """Only schema_version and region are required; to_dict writes defaults, omits nulls."""
    p = Presentation.from_dict({"schema_version": 1, "region": "calves"})
    assert p == Presentation(region=Region.CALVES)
    assert p.to_dict() == {
        "schema_version": 1,
        "region": "calves",
        "spasm_type": "unknown",
        "causes": [],
        "symptoms": [],
    }


@settings(max_examples=200, deadline=None)
@given(presentations())
def test_json_round_trip(p: Presentation) -> None:
    """from_dict(to_dict(p)) == p, through real JSON text, for every valid presentation."""
    text = json.dumps(p.to_dict(), ensure_ascii=False)
    assert Presentation.from_dict(json.loads(text)) == p
    assert Presentation.from_dict(p.to_dict()) == p
