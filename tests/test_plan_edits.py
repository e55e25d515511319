"""The clinician stays in charge: plans are edited as JSON or in Python, within the safety
rules, and every change is recorded; a clinic's own exercises can be added by id."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from physio_notes import (
    CarePlan,
    Clinic,
    ClinicError,
    PlanEditError,
    PresentationError,
    render_handout,
    render_note,
    render_referral,
    to_fhir,
)
from physio_notes._schema import plan_schema
from physio_notes.cli import main

from .conftest import EXAMPLES, plan_for
from .pdfcheck import text_of


def flat(text: str) -> str:
    return " ".join(text.split())


def edited(name: str, **changes: Any) -> dict[str, Any]:
    """An example's plan JSON with some fields replaced."""
    data: dict[str, Any] = json.loads(json.dumps(plan_for(name).to_dict()))
    data.update(changes)
    return data


# --- the plan JSON: exercises with doses, and a round trip ---------------------------------


def test_plan_json_lists_exercises_with_doses() -> None:
    """`to_dict()["exercises"]`: id, name and dose of each exercise, in order."""
    plan = plan_for("disc-recurrent")
    exercises = plan.to_dict()["exercises"]
    assert [e["id"] for e in exercises] == [e.id for e in plan.exercises]
    assert set(exercises[0]) == {"id", "name", "hold", "repetitions", "sets", "how_often"}


@pytest.mark.parametrize("example", [f.stem for f in sorted(EXAMPLES.glob("*.json"))])
def test_an_unedited_plan_reads_back_equal_with_no_changes(example: str) -> None:
    """from_dict(to_dict(plan)) is the same plan, with an empty audit trail."""
    plan = plan_for(example)
    again = CarePlan.from_dict(json.loads(json.dumps(plan.to_dict())))
    assert again == plan
    assert again.changes == ()


def test_the_plan_schema_accepts_printed_and_edited_plans() -> None:
    """`schema --plan` describes what `plan --json` prints, and refuses a malformed edit."""
    schema = plan_schema()
    for example in ("disc-recurrent", "red-flag-cauda-equina", "calf-cramp"):
        jsonschema.validate(plan_for(example).to_dict(), schema)
    bad = edited("calf-cramp", exercises=[{"id": "wall-calf-stretch", "sets": 0}])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


# --- edits and their audit trail --------------------------------------------------------------


def test_exercises_removed_reordered_added_and_dosed_are_recorded() -> None:
    """Removed and added exercises by name, doses old and new, and the reason."""
    plan = plan_for("calf-cramp").revise(
        exercises=[{"id": "towel-calf-stretch", "repetitions": 5, "how_often": "Each evening"},
                   "ankle-pumps", "toe-sole-stretch"],
        clinician_reason="Patient cannot stand at a wall yet.",
    )
    assert [e.id for e in plan.exercises] == ["towel-calf-stretch", "ankle-pumps",
                                              "toe-sole-stretch"]
    assert [str(c) for c in plan.changes] == [
        "Exercise removed: Calf stretch at a wall",
        "Dose changed: Calf stretch with a towel (repetitions: was 3, now 5)",
        "Dose changed: Calf stretch with a towel (how often: was 2 or 3 times a day, and when "
        "a cramp starts, now Each evening)",
        "Exercise added: Toe and sole stretch",
    ]
    handout = flat(text_of(render_handout(plan)))
    assert "Calf stretch at a wall" not in handout
    assert "Repeat: 5 times" in handout
    note = render_note(plan)
    assert "Exercise removed: Calf stretch at a wall" in note
    assert "Clinician's reason: Patient cannot stand at a wall yet." in note
    care_plan = next(e["resource"] for e in to_fhir(plan)["entry"]
                     if e["resource"]["resourceType"] == "CarePlan")
    fhir_note = care_plan["note"][0]["text"]
    assert "Clinician's change: Exercise removed: Calf stretch at a wall." in fhir_note
    assert "Clinician's reason: Patient cannot stand at a wall yet." in fhir_note


def test_pathways_added_and_removed_are_recorded_and_ordered_by_priority() -> None:
    """An added pathway joins in priority order, credited to the clinician; removals are kept
    in the trail."""
    plan = plan_for("neck-posture").revise(
        pathways=["acute-self-care", "medical-review", "mobilisation-exercise"],
        clinician_reason="Recurring; wants a GP review of her medicines.")
    assert plan.pathway_ids == ("medical-review", "mobilisation-exercise", "acute-self-care")
    added = {str(c) for c in plan.changes}
    assert {"Pathway added: medical-review", "Pathway added: acute-self-care"} <= added
    review = plan.pathways[0]
    assert review.rules == ()
    assert "clinician" in review.sources[0]
    assert plan.referral is not None
    assert plan.referral.recipient == "gp"


SAFETY = [
    pytest.param("red-flag-cauda-equina", {"pathways": [{"id": "disc-core-pilates"}]},
                 "red-flag-leads", id="red-flag-keeps-its-referral"),
    pytest.param("neurological-ms", {"pathways": [{"id": "medical-review"}]},
                 "neurological-cause-refers", id="neurological-keeps-neurologist"),
    pytest.param("calf-cramp", {"pathways": []}, "plan-never-empty", id="never-empty"),
    pytest.param("calf-cramp", {"exercises": [{"id": "no-such-thing"}]},
                 "unknown exercise 'no-such-thing'; known: abdominal-bracing",
                 id="unknown-exercise-lists-known"),
    pytest.param("disc-recurrent", {"exercises": [{"id": "bridge"}]},
                 "gentle-while-review-pending", id="no-programme-while-review-pending"),
    pytest.param("disc-recurrent", {"exercises": [{"id": "knee-to-chest"}]},
                 "ruled-out-by-pathway", id="ruled-out-by-disc"),
    pytest.param("red-flag-neck-myelopathy", {"exercises": [{"id": "chin-tuck"}]},
                 "no-exercise-with-red-flag", id="no-exercise-under-red-flag"),
    pytest.param("calf-cramp", {"pathways": [{"id": "massage"}]}, "unknown pathway 'massage'",
                 id="unknown-pathway"),
    pytest.param("calf-cramp", {"exercises": [{"id": "ankle-pumps", "sets": 0}]},
                 "sets: must be a whole number from 1 to 100", id="impossible-dose"),
    pytest.param("calf-cramp", {"colour": "red"}, "unknown plan fields ['colour']",
                 id="unknown-field"),
]


@pytest.mark.hazard("HAZ-01")
@pytest.mark.hazard("HAZ-04")
@pytest.mark.hazard("HAZ-05")
@pytest.mark.hazard("HAZ-06")
@pytest.mark.parametrize(("example", "change", "message"), SAFETY)
def test_an_edit_that_breaks_a_safety_rule_is_refused(
    example: str, change: dict[str, Any], message: str
) -> None:
    """Every safety rule holds on an edited plan; the refusal names the rule."""
    with pytest.raises(PlanEditError, match=message.replace("(", r"\(").replace("[", r"\[")):
        CarePlan.from_dict(edited(example, **change))


def test_the_presentation_inside_a_plan_is_validated_as_usual() -> None:
    """A broken presentation in a plan: PresentationError with paths under $.presentation."""
    data = edited("calf-cramp")
    data["presentation"]["pain_score"] = 11
    with pytest.raises(PresentationError, match=r"\$\.presentation\.pain_score"):
        CarePlan.from_dict(data)


@pytest.mark.hazard("HAZ-01")
def test_cli_takes_an_edited_plan_and_refuses_an_unsafe_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`handout --plan FILE`: an edited plan renders; an unsafe one exits 2 naming the rule."""
    good = tmp_path / "good.json"
    good.write_text(json.dumps(edited("calf-cramp", exercises=[{"id": "ankle-pumps"}])),
                    encoding="utf-8")
    out = tmp_path / "out.html"
    assert main(["handout", str(good), "--plan", "--html", "-o", str(out)]) == 0
    assert "Ankle pumps" in out.read_text(encoding="utf-8")
    assert "Calf stretch at a wall" not in out.read_text(encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(edited("red-flag-cauda-equina", pathways=[{"id": "medical-review"}])),
                   encoding="utf-8")
    assert main(["note", str(bad), "--plan"]) == 2
    assert "red-flag-leads" in capsys.readouterr().err


# --- a clinic's own exercises -------------------------------------------------------------------


def _png(path: Path) -> None:
    """A valid 1x1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + header
                     + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))


CLINIC_EXERCISE = """
[[exercise]]
id = "harbour-heel-drop"
name = "Harbour heel drop"
regions = ["calves"]
pathways = ["calf-stretch", "acute-self-care"]
intensity = "gentle"
picture_alt = "A person stands on a step and lets 1 heel drop below the step."
picture = "heel-drop.png"
steps = ["Stand on a step, holding the rail.", "Let 1 heel drop slowly.", "Hold, then lift."]
hold = "10 seconds"
repetitions = 5
sets = 1
how_often = "2 times a day"
feel = "A gentle stretch in your calf."
stop_if = "Stop if it hurts more."
source = "physio-practice"
"""


@pytest.fixture
def clinic_library(tmp_path: Path) -> Path:
    _png(tmp_path / "heel-drop.png")
    (tmp_path / "exercises.toml").write_text(CLINIC_EXERCISE, encoding="utf-8")
    (tmp_path / "clinic.toml").write_text('name = "Harbour"\nexercises = "exercises.toml"\n',
                                          encoding="utf-8")
    return tmp_path / "clinic.toml"


def test_a_clinics_own_exercise_is_added_by_id_with_its_picture(clinic_library: Path) -> None:
    """The clinic's library loads from its settings; its exercise is added by id and its
    picture is embedded."""
    clinic = Clinic.from_toml(clinic_library)
    assert [e.id for e in clinic.exercises] == ["harbour-heel-drop"]
    plan = plan_for("calf-cramp").revise(exercises=["harbour-heel-drop"],
                                         library=clinic.exercises)
    html = render_handout(plan, format="html", clinic=clinic)
    assert "Harbour heel drop" in html
    assert "data:image/png;base64," in html
    assert "Exercise added: Harbour heel drop" in render_note(plan)


@pytest.mark.parametrize(("change", "message"), [
    (('id = "harbour-heel-drop"', 'id = "wall-calf-stretch"'), "already in the bundled library"),
    (('picture = "heel-drop.png"\n', ""), "picture must name"),
    (('picture = "heel-drop.png"', 'picture = "../heel-drop.png"'), "picture must name"),
    (('pathways = ["calf-stretch", "acute-self-care"]', 'pathways = ["urgent-referral"]'),
     "unknown pathways value 'urgent-referral'"),
])
def test_a_clinic_library_is_validated_like_the_bundled_one(
    clinic_library: Path, change: tuple[str, str], message: str
) -> None:
    """Clashing ids, missing or escaping pictures and unknown pathways are ClinicErrors."""
    library = clinic_library.parent / "exercises.toml"
    library.write_text(CLINIC_EXERCISE.replace(*change), encoding="utf-8")
    with pytest.raises(ClinicError, match=message):
        Clinic.from_toml(clinic_library)


# --- letters ready to send ----------------------------------------------------------------------


def test_a_letter_is_ready_to_send() -> None:
    """A named recipient, the patient's name, birth date and id, the reason in prose with no
    rule id, what the patient was told, and a sign-off with the registration number."""
    data = edited("disc-recurrent")
    data["presentation"]["clinician"]["registration"] = "PH012345"
    plan = CarePlan.from_dict(data)
    letter = flat(text_of(render_referral(plan, recipient="Dr Aoife Kelly")))
    for needle in ("Dr Aoife Kelly The patient's General Practitioner (GP)", "Máire Ní Bhriain",
                   "11 February 1978", "CL-20931", "Reason for referral",
                   "What the patient was told", "Registration number: PH012345"):
        assert needle in letter, needle
    for rule in plan.pathways[0].rules:
        assert rule not in letter


def test_an_emergency_letter_is_short_and_suggests_no_medicine() -> None:
    """Emergency: leads with the suspected condition; no medicine, no guidance list."""
    letter = flat(text_of(render_referral(plan_for("red-flag-cauda-equina"))))
    assert letter.index("suspected cauda equina syndrome") < letter.index("Dear colleague")
    for absent in ("medicine", "medication", "Guidance followed", "red-flag."):
        assert absent not in letter


def test_a_recipient_must_be_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`referral --to` with a control character: exit 2 naming the field."""
    status = main(["referral", str(EXAMPLES / "disc-recurrent.json"), "-o",
                   str(tmp_path / "x.pdf"), "--to", "Dr X\x1b[2J"])
    assert status == 2
    assert "recipient" in capsys.readouterr().err
