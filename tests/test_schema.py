"""The JSON Schema of the input: valid draft 2020-12, agrees with the model.

Every valid presentation validates; bad input that the model rejects the schema rejects too
(except the three cross-field rules JSON Schema cannot express, which the model alone checks).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings

from physio_notes import Presentation, PresentationError, json_schema

from .conftest import DESIGN_EXAMPLE
from .strategies import presentation_dicts

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


VALIDATOR = jsonschema.Draft202012Validator(json_schema())


def with_changes(**changes: Any) -> dict[str, Any]:
    """The design's example with some top-level keys changed."""
    return {**json.loads(json.dumps(DESIGN_EXAMPLE)), **changes}


def test_schema_is_valid_draft_2020_12() -> None:
    """json_schema() is a valid draft 2020-12 schema that declares its dialect."""
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["schema_version", "region"]


def test_schema_enums_are_the_design_values() -> None:
    """The enum values in the schema are exactly the design's public values."""
    properties = json_schema()["properties"]
    assert properties["region"]["enum"] == [
        "lower_back", "mid_back", "neck", "hands", "calves", "feet"
    ]
    assert properties["spasm_type"]["enum"] == ["primary", "secondary", "unknown"]
    assert properties["causes"]["items"]["enum"] == [
        "sudden_movement", "overstretching", "disc_disorder", "neurological",
        "overuse_posture", "protective_response", "tight_joint_or_muscle", "unknown",
    ]
    assert properties["symptoms"]["items"]["enum"] == [
        "severe_pain", "tightness", "forward_leaning_posture", "reduced_movement", "stress"
    ]
    assert properties["duration"]["anyOf"][0]["enum"] == ["seconds", "minutes", "hours", "days"]
    assert properties["neurological_condition"]["anyOf"][0]["enum"] == [
        "multiple_sclerosis", "parkinsons", "stroke", "other"
    ]
    assert properties["red_flags"]["anyOf"][0]["items"]["enum"] == [
        "saddle_anaesthesia", "bladder_or_bowel_change", "progressive_leg_weakness",
        "major_trauma", "history_of_cancer", "unexplained_weight_loss",
        "fever_or_systemically_unwell", "constant_night_pain",
        "hand_clumsiness_or_gait_change", "dizziness_double_vision_speech_or_swallowing",
        "progressive_arm_weakness", "calf_swelling_redness_or_warmth",
        "breathlessness_or_chest_pain",
    ]
    assert properties["side"]["anyOf"][0]["enum"] == ["left", "right", "both", "central"]


def test_schema_has_side_plain_diagnosis_and_review_date() -> None:
    """The optional fields side, plain_diagnosis and review_date: type, values, format."""
    schema = json_schema()
    properties = schema["properties"]
    null = {"type": "null"}
    assert properties["side"] == {"anyOf": [
        {"type": "string", "enum": ["left", "right", "both", "central"]}, null,
    ]}
    assert properties["plain_diagnosis"] == {"anyOf": [
        {"type": "string", "maxLength": 1000}, null,
    ]}
    review_date, review_null = properties["review_date"]["anyOf"]
    assert (review_date["type"], review_date["format"]) == ("string", "date")
    assert review_null == null
    assert properties["review_date"] == properties["date"]
    for field in ("side", "plain_diagnosis", "review_date"):
        assert field not in schema["required"]


def test_schema_is_json() -> None:
    """The schema survives a trip through JSON text unchanged."""
    assert json.loads(json.dumps(json_schema())) == json_schema()


def test_design_example_is_valid() -> None:
    """The design's example presentation validates."""
    assert list(VALIDATOR.iter_errors(DESIGN_EXAMPLE)) == []


@pytest.mark.parametrize(
    "path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.name
)
def test_every_example_is_valid_for_schema_and_model(path: Path) -> None:
    """Each examples/*.json validates against the schema and reads into the model."""
    data = json.loads(path.read_bytes())
    assert [e.message for e in VALIDATOR.iter_errors(data)] == []
    presentation = Presentation.from_dict(data)
    assert Presentation.from_dict(presentation.to_dict()) == presentation


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"side": "central"}, id="central-on-lower-back"),
        pytest.param({"region": "neck", "start_back": None, "side": "central"},
                     id="central-on-neck"),
        pytest.param({"region": "feet", "start_back": None, "side": "left"}, id="left-on-feet"),
        pytest.param({"side": None, "plain_diagnosis": None, "review_date": None}, id="nulls"),
        pytest.param({"plain_diagnosis": "A trapped nerve in your lower back",
                      "review_date": "2026-11-24"}, id="review-on-encounter-day"),
    ],
)
def test_new_fields_valid_for_schema_and_model(changes: dict[str, Any]) -> None:
    """Valid side, plain_diagnosis and review_date values pass the schema and the model."""
    data = with_changes(**changes)
    assert [e.message for e in VALIDATOR.iter_errors(data)] == []
    Presentation.from_dict(data)


def test_minimal_presentation_is_valid() -> None:
    """Only schema_version and region are required."""
    assert VALIDATOR.is_valid({"schema_version": 1, "region": "neck"})
    assert VALIDATOR.is_valid({"schema_version": 1, "region": "neck", "red_flags": None})


@settings(max_examples=200, deadline=None)
@given(presentation_dicts())
def test_every_valid_presentation_validates(data: dict[str, Any]) -> None:
    """Every presentation the model accepts, written as JSON, validates against the schema."""
    assert [e.message for e in VALIDATOR.iter_errors(data)] == []


BAD_DICTS = [
    pytest.param({"region": "neck"}, id="missing-schema-version"),
    pytest.param({"schema_version": 1}, id="missing-region"),
    pytest.param({"schema_version": 2, "region": "neck"}, id="schema-version-2"),
    pytest.param({"schema_version": True, "region": "neck"}, id="schema-version-bool"),
    pytest.param(with_changes(regoin="neck"), id="unknown-field"),
    pytest.param(with_changes(patient={"name": "M", "dob": "1978-02-11"}), id="unknown-nested"),
    pytest.param(with_changes(start_back={"total": 5}), id="start-back-missing-distress"),
    pytest.param(with_changes(pain_score=11), id="pain-11"),
    pytest.param(with_changes(pain_score=-1), id="pain-negative"),
    pytest.param(with_changes(pain_score=True), id="pain-bool"),
    pytest.param(with_changes(pain_score="7"), id="pain-string"),
    pytest.param(with_changes(region="knee"), id="bad-region"),
    pytest.param(with_changes(causes=["disc_disorder", "slipped_disc"]), id="bad-cause"),
    pytest.param(with_changes(causes="disc_disorder"), id="causes-string"),
    pytest.param(with_changes(red_flags="major_trauma"), id="red-flags-string"),
    pytest.param(with_changes(recurrent="yes"), id="recurrent-string"),
    pytest.param(with_changes(patient=["Máire"]), id="list-for-object"),
    pytest.param(with_changes(start_back={"total": 10, "distress": 2}), id="start-back-total-10"),
    pytest.param(with_changes(start_back={"total": 5, "distress": 6}), id="distress-6"),
    pytest.param(with_changes(neurological_condition="stroke"), id="neuro-condition-without-cause"),
    pytest.param(with_changes(region="neck"), id="start-back-with-neck"),
    pytest.param(with_changes(causes=["unknown", "disc_disorder"]), id="unknown-plus-disc"),
    pytest.param(with_changes(causes=["disc_disorder", "unknown"]), id="disc-plus-unknown"),
    pytest.param(with_changes(date="24/11/2026"), id="date-not-iso"),
    pytest.param(with_changes(notes="x" * 20_001), id="notes-too-long"),
    pytest.param(with_changes(side="top"), id="bad-side"),
    pytest.param(with_changes(side=["left"]), id="side-list"),
    pytest.param(with_changes(region="hands", start_back=None, side="central"),
                 id="central-side-on-hands"),
    pytest.param(with_changes(region="calves", start_back=None, side="central"),
                 id="central-side-on-calves"),
    pytest.param(with_changes(plain_diagnosis="x" * 1_001), id="plain-diagnosis-too-long"),
    pytest.param(with_changes(plain_diagnosis=7), id="plain-diagnosis-number"),
    pytest.param(with_changes(review_date="08/12/2026"), id="review-date-not-iso"),
    pytest.param(with_changes(review_date=20261208), id="review-date-number"),
    pytest.param(with_changes(patient={"name": "x" * 201}), id="name-too-long"),
]


@pytest.mark.hazard("HAZ-12")
@pytest.mark.parametrize("data", BAD_DICTS)
def test_schema_rejects_what_the_model_rejects(data: dict[str, Any]) -> None:
    """Each bad dict is rejected by the model and by the schema alike."""
    with pytest.raises(PresentationError):
        Presentation.from_dict(data)
    assert not VALIDATOR.is_valid(data)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(with_changes(start_back={"total": 2, "distress": 3}), id="distress-above"),
        pytest.param(with_changes(patient={"date_of_birth": "2027-01-01"}), id="born-after"),
        pytest.param(with_changes(review_date="2026-11-23"), id="review-before-encounter"),
    ],
)
def test_cross_field_rules_only_the_model_checks(data: dict[str, Any]) -> None:
    """The three rules JSON Schema cannot express are checked by the model."""
    assert VALIDATOR.is_valid(data)
    with pytest.raises(PresentationError):
        Presentation.from_dict(data)
