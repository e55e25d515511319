"""Patient content that is safe, specific to the patient and never contradicts the plan.

Three layers of checks:

* a table of cases over region x cause x red flag x side, asserted on the text of the real PDF;
* every combination of region, side and cause (and each red flag), asserted on the handout's
  content (the same words the PDF prints, without the cost of a PDF each);
* one golden text file per demo handout (tests/golden/), so every wording change is seen in a
  diff. Update them with ``PHYSIO_NOTES_UPDATE_GOLDEN=1 .venv/bin/python -m pytest
  tests/test_patient_content.py`` and review the diff.
"""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path
from typing import Any

import pytest

from physio_notes import (
    Clinic,
    Presentation,
    RedFlag,
    Region,
    Side,
    render_handout,
    render_referral,
    select_pathways,
)
from physio_notes._handout import handout_content
from physio_notes._knowledge import load_knowledge
from physio_notes._model import SPINAL_REGIONS
from physio_notes._render import Assets, clinic_data

from .conftest import EXAMPLE_FILES, plan_for
from .pdfcheck import DEMO_CLINIC, checked, example_handout, text_of

GOLDEN = Path(__file__).resolve().parent / "golden"
LUMBAR = ("numbness around your bottom", "trouble peeing")
ARM = "numbness, tingling or weakness in your arm or hand"
CLOT = "swollen, red or warm"
LUNGS = "new breathlessness or chest pain"
MEDICINE = "medicine that relaxes muscles"


def flat(text: str) -> str:
    """Text with line breaks and repeated spaces folded, lower case."""
    return " ".join(text.split()).lower()


def pdf_text(**fields: Any) -> str:
    """The handout PDF's text for a presentation (screened for red flags unless given)."""
    fields.setdefault("red_flags", [])
    fields.setdefault("date", "2026-11-24")
    plan = select_pathways(Presentation(**fields))
    return flat(text_of(checked(lambda: render_handout(plan, clinic=DEMO_CLINIC))))


def content_text(plan_fields: dict[str, Any]) -> str:
    """Every string of the handout's content, joined: what the template prints."""
    plan = select_pathways(Presentation(date="2026-11-24", **plan_fields))
    content = handout_content(plan, clinic_data(Clinic()), Assets())
    content.pop("body_map")
    for exercise in content["exercises"]:
        exercise.pop("picture")
    return flat(" ".join(_strings(content)))


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


# --- the table: region x cause x red flag x side, on the PDF's text ----------------------------

CASES = [
    pytest.param(
        {"region": "calves", "side": "left", "causes": ["overstretching"]},
        ["a cramp in your left calf", CLOT, "do not rub, heat or stretch", LUNGS,
         "do not put heat on a calf that is swollen, red or warm",
         "start each one-sided exercise on your left side",
         "calf pain that comes on when you walk", "20 to 30 seconds", "wrap it in a towel",
         "never put heat or ice on skin that feels numb"],
        [*LUMBAR, ARM, "strain", "we do not know yet", MEDICINE],
        id="left-calf-cramp",
    ),
    pytest.param(
        {"region": "feet", "side": "right", "causes": ["overuse_posture"]},
        ["a cramp in your right foot", CLOT, LUNGS],
        [*LUMBAR, ARM],
        id="right-foot",
    ),
    pytest.param(
        {"region": "lower_back", "side": "central", "causes": ["disc_disorder"],
         "pain_score": 8, "plain_diagnosis": "a bulging disc"},
        ["the middle of your lower back", "disc is the soft cushion", *LUMBAR,
         "new pain, numbness or tingling that spreads down your leg", "a foot that drags",
         "what you were told: a bulging disc"],
        [ARM, CLOT, MEDICINE, "we do not know yet"],
        id="disc-no-medicine-prompt",
    ),
    pytest.param(
        {"region": "neck", "side": "both", "causes": ["overuse_posture"],
         "diagnosis": "C5/6 facet dysfunction"},
        ["both sides of your neck", ARM, "clumsy hands", "dizziness together with double vision",
         "trouble speaking or swallowing", "mobilisation means"],
        [*LUMBAR, CLOT, "c5/6", "facet"],
        id="neck-no-lumbar-list-no-diagnosis",
    ),
    pytest.param(
        {"region": "hands", "side": "right", "causes": ["overuse_posture"]},
        ["your right hand", ARM, "mobilisation means",
         "an arm or hand that suddenly goes weak or numb", "you may be having a stroke",
         "if your gp is closed, phone the out-of-hours gp service"],
        [*LUMBAR, CLOT],
        id="right-hand",
    ),
    pytest.param(
        {"region": "hands", "spasm_type": "secondary", "causes": ["neurological"],
         "neurological_condition": "stroke"},
        ["you may be having another stroke", "a face that droops"],
        ["you may be having a stroke", CLOT],
        id="hands-after-a-stroke-one-stroke-warning",
    ),
    pytest.param(
        {"region": "mid_back", "side": "left", "causes": ["sudden_movement"]},
        ["the left side of your middle back", "chest pain, or new breathlessness",
         "heart or lungs", "or go to the emergency department. do not drive yourself."],
        [*LUMBAR, CLOT, ARM, "we do not know yet"],
        id="mid-back-chest",
    ),
    pytest.param(
        {"region": "mid_back", "spasm_type": "secondary", "causes": ["neurological"],
         "neurological_condition": "multiple_sclerosis", "pain_score": 7},
        ["multiple sclerosis (ms) can cause spasms", "feel worse in the heat",
         "a relapse", "ms nurse", "start after this visit and last more than 24 hours",
         MEDICINE, "sleepy", "do not drive",
         "a neurologist (a doctor for nerve conditions)"],
        [*LUMBAR, CLOT, "pharmacist"],
        id="ms-relapse-heat-medicine",
    ),
    pytest.param(
        {"region": "neck", "causes": ["neurological"], "neurological_condition": "stroke"},
        ["after a stroke", "a face that droops", "dull the feeling in your skin"],
        [*LUMBAR, "ms nurse"],
        id="stroke",
    ),
    pytest.param(
        {"region": "lower_back", "spasm_type": "unknown", "causes": ["sudden_movement"],
         "duration": "minutes"},
        ["it started with a sudden, fast movement", "within a few minutes"],
        ["we do not know yet", "no clear reason"],
        id="cause-given-type-unknown",
    ),
    pytest.param(
        {"region": "lower_back", "causes": ["unknown"]},
        ["we do not know yet what set it off"],
        [],
        id="cause-unknown-is-said",
    ),
    pytest.param(
        {"region": "lower_back", "causes": ["overstretching"], "duration": "hours"},
        ["your spasms last longer than most", "get worse, or come more often"],
        ["within a few minutes", "a spasm lasts longer than a few minutes"],
        id="long-episodes-no-contradicting-time-frame",
    ),
    pytest.param(
        {"region": "lower_back", "causes": ["protective_response"], "review_date": "2026-12-03"},
        ["tightened to guard a part of you that is hurt", "as the hurt part heals",
         "your next visit with us is on 3 december 2026"],
        ["what set off your spasm is over now"],
        id="protective-response-and-review",
    ),
    pytest.param(
        {"region": "lower_back", "side": "left", "causes": ["disc_disorder"],
         "red_flags": ["saddle_anaesthesia"]},
        ["get help now", "call 112 or 999 now, or go to the emergency department now",
         "cauda equina syndrome", "the letter we wrote for the emergency department",
         "do not drive yourself"],
        ["your muscle spasm plan", "you have a muscle spasm", "your plan", "warm pack",
         MEDICINE, "your exercises"],
        id="emergency-cauda-equina",
    ),
    pytest.param(
        {"region": "calves", "side": "right", "causes": ["unknown"],
         "red_flags": ["calf_swelling_redness_or_warmth"], "pain_score": 9},
        ["see a doctor today", "phone your gp (family doctor) now and ask to be seen today",
         "blood clot in a vein in your leg", "do not rub, heat or stretch your calf",
         "the letter we wrote for your gp (family doctor)", LUNGS],
        ["warm pack", "ice pack", MEDICINE, "your exercises", "stretch gently"],
        id="clot-no-heat-no-stretch",
    ),
    pytest.param(
        {"region": "mid_back", "causes": ["sudden_movement"],
         "red_flags": ["breathlessness_or_chest_pain"]},
        ["get help now", "blood clot may have moved to your lungs", "emergency department"],
        ["your plan", MEDICINE],
        id="emergency-chest",
    ),
    pytest.param(
        {"region": "neck", "causes": ["overuse_posture"],
         "red_flags": ["progressive_arm_weakness"]},
        ["see a doctor today", "a nerve in your neck may be badly pressed",
         "phone your gp (family doctor) now", "dizziness together with double vision"],
        [*LUMBAR, "your exercises", MEDICINE],
        id="urgent-arm-weakness",
    ),
]


@pytest.mark.hazard("HAZ-18")
@pytest.mark.hazard("HAZ-19")
@pytest.mark.hazard("HAZ-20")
@pytest.mark.hazard("HAZ-21")
@pytest.mark.hazard("HAZ-22")
@pytest.mark.parametrize(("fields", "present", "absent"), CASES)
def test_handout_text_fits_the_patient(
    fields: dict[str, Any], present: list[str], absent: list[str]
) -> None:
    """The PDF says what this patient needs and nothing that does not fit them."""
    text = pdf_text(**fields)
    for needle in present:
        assert needle in text, needle
    for needle in absent:
        assert needle not in text, needle


# --- every combination, on the content ------------------------------------------------------------

CAUSES = ["sudden_movement", "overstretching", "disc_disorder", "neurological",
          "overuse_posture", "protective_response", "tight_joint_or_muscle", "unknown"]
COMBINATIONS = [
    (region, side, cause)
    for region, side, cause in itertools.product(Region, [None, *Side], CAUSES)
    if side is not Side.CENTRAL or region in SPINAL_REGIONS
]


@pytest.mark.hazard("HAZ-19")
@pytest.mark.hazard("HAZ-22")
def test_every_region_side_and_cause_is_described_without_contradiction() -> None:
    """For every region, side and cause: the side is named; a given cause is never called
    unknown; lumbar signs only for the back or a disc; arm signs for the neck and hands; clot
    signs for the calves and feet; the time frames agree."""
    for region, side, cause in COMBINATIONS:
        fields: dict[str, Any] = {"region": region, "causes": [cause], "red_flags": []}
        if side is not None:
            fields["side"] = side
        text = content_text(fields)
        label = (region.value, side, cause)
        if side in (Side.LEFT, Side.RIGHT):
            assert f"your {side.value} " in text or f"the {side.value} side" in text, label
        if cause != "unknown":
            assert "we do not know yet" not in text, label
        lumbar = region is Region.LOWER_BACK or cause == "disc_disorder"
        assert (LUMBAR[0] in text) is lumbar, label
        assert (ARM in text) is (region in (Region.NECK, Region.HANDS)), label
        assert (CLOT in text) is (region in (Region.CALVES, Region.FEET)), label
        if "within a few minutes" in text:
            assert "last longer than most" not in text, label


@pytest.mark.hazard("HAZ-18")
@pytest.mark.parametrize("flag", list(RedFlag))
def test_every_red_flag_sheet_says_what_is_feared_and_where_to_go(flag: RedFlag) -> None:
    """Each red flag: titled for what it is, says what is feared, sends the patient to the
    recipient the letter is addressed to, in those words; no plan, medicine or exercise."""
    plan = select_pathways(Presentation(region="lower_back", causes=["sudden_movement"],
                                        red_flags=[flag], pain_score=9, date="2026-11-24"))
    content = handout_content(plan, clinic_data(Clinic()), Assets())
    text = content_text({"region": "lower_back", "causes": ["sudden_movement"],
                         "red_flags": [flag], "pain_score": 9})
    assert plan.referral is not None
    assert content["title"] in ("Get help now", "See a doctor today")
    assert plan.knowledge.patient_text.feared[flag.value].lower() in text
    assert plan.referral.patient.lower() in text
    assert f"the letter we wrote for {plan.referral.patient}".lower() in text
    assert content["steps"] == []
    assert content["exercises"] == []
    assert content["medicine"] is None
    assert "muscle spasm plan" not in text
    if plan.urgency == "emergency":
        assert content["home_care"] == []
        assert content["safety_net"] == []


@pytest.mark.hazard("HAZ-21")
@pytest.mark.parametrize(("fields", "prompted"), [
    ({"pain_score": 7}, True),
    ({"pain_score": 6}, False),
    ({"symptoms": ["severe_pain"]}, True),
    ({"pain_score": 4}, False),
    ({"pain_score": 9, "causes": ["disc_disorder"]}, False),
    ({"pain_score": 9, "red_flags": ["major_trauma"]}, False),
])
def test_medicine_prompt_only_for_severe_pain(fields: dict[str, Any], prompted: bool) -> None:
    """Muscle-relaxing medicine: once, to the GP, with the drowsiness and driving caution, only
    at 7/10 or "severe pain"; never with a red flag or a disc problem; never a drug name."""
    fields = {"region": "neck", "causes": ["overuse_posture"], "red_flags": [], **fields}
    text = content_text(fields)
    assert text.count(MEDICINE) == (1 if prompted else 0)
    if prompted:
        assert "ask your gp" in text
        assert "sleepy" in text
        assert "do not drive" in text


@pytest.mark.hazard("HAZ-20")
@pytest.mark.parametrize(("condition", "caution"), [
    ("multiple_sclerosis", "feel worse in the heat"),
    ("stroke", "dull the feeling in your skin"),
    ("parkinsons", "dull the feeling in your skin"),
    ("other", "dull the feeling in your skin"),
])
def test_heat_is_wrapped_timed_and_never_on_numb_skin(condition: str, caution: str) -> None:
    """Heat is wrapped and time-limited, never on numb skin; neurological conditions get their
    own caution."""
    text = content_text({"region": "lower_back", "causes": ["neurological"],
                         "neurological_condition": condition, "red_flags": []})
    assert "wrap it in a towel" in text
    assert "15 to 20 minutes" in text
    assert "never put heat or ice on skin that feels numb" in text
    assert caution in text


@pytest.mark.hazard("HAZ-18")
@pytest.mark.parametrize("name", [f.stem for f in EXAMPLE_FILES
                                  if plan_for(f.stem).referral is not None])
def test_handout_and_letter_name_the_same_place(name: str) -> None:
    """The handout sends the patient where the letter is addressed."""
    plan = plan_for(name)
    assert plan.referral is not None
    handout = flat(text_of(example_handout(name)))
    letter = flat(text_of(render_referral(plan, clinic=DEMO_CLINIC)))
    assert plan.referral.patient.lower() in handout
    assert flat(" ".join(plan.referral.address)) in letter


def test_the_clinicians_diagnosis_is_never_on_the_handout() -> None:
    """`diagnosis` is for clinicians; the handout prints `plain_diagnosis` instead."""
    for example in EXAMPLE_FILES:
        plan = plan_for(example.stem)
        diagnosis = plan.presentation.diagnosis
        if diagnosis:
            assert flat(diagnosis) not in flat(text_of(example_handout(example.stem)))


# --- golden text ----------------------------------------------------------------------------------


def _golden_text(pdf: bytes) -> str:
    lines = [" ".join(line.split()) for line in text_of(pdf).splitlines()]
    kept = [line for line in lines if line and not re.fullmatch(r"[•\d. ]+|Front|Back", line)]
    return "\n".join(kept) + "\n"


@pytest.mark.hazard("HAZ-22")
@pytest.mark.parametrize("name", [f.stem for f in EXAMPLE_FILES])
def test_demo_handout_matches_its_golden_text(name: str) -> None:
    """Every wording change shows up as a diff of tests/golden/<example>.txt."""
    text = _golden_text(example_handout(name))
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("PHYSIO_NOTES_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, (
        f"{path.name} differs: review, then update with PHYSIO_NOTES_UPDATE_GOLDEN=1"
    )


@pytest.mark.parametrize("eased", [True, False, None])
def test_when_heat_and_position_have_not_helped_the_handout_does_not_offer_them(
    eased: bool | None,
) -> None:
    """Not eased by heat and positioning: the handout says so once, as a note above the
    checklist (not a box to tick), and offers no heat, no position of ease and no exercise
    that is only a resting position."""
    plan = select_pathways(Presentation(
        region="lower_back", causes=["sudden_movement"], red_flags=[], recurrent=True,
        eased_by_heat_and_positioning=eased, date="2026-11-24"))
    content = handout_content(plan, clinic_data(Clinic()), Assets())
    ticks = " ".join(content["home_care"]).lower()
    shown = {e["id"] for e in content["exercises"]}
    if eased is False:
        assert len(content["home_care_notes"]) == 1
        assert "have not eased" in content["home_care_notes"][0]
        assert "have not eased" not in ticks
        assert "warm pack" not in ticks
        assert "position that eases" not in ticks
        assert "position-of-ease" not in shown
        assert content["exercises"], "movement is still offered"
    else:
        assert content["home_care_notes"] == []
        assert "warm pack" in ticks
        assert "position-of-ease" in shown


@pytest.mark.parametrize(("side", "shown"), [("right", "right"), ("left", "left"),
                                             ("both", "left"), (None, "left")])
def test_a_one_sided_exercise_starts_on_the_patients_side(side: str | None, shown: str) -> None:
    """A right calf: "Step your right foot back", and the picture of the right leg with its alt
    text; the same side in steps, picture and alt, and no placeholder left."""
    fields: dict[str, Any] = {"region": "calves", "causes": ["tight_joint_or_muscle"],
                              "red_flags": [], "date": "2026-11-24"}
    if side is not None:
        fields["side"] = side
    plan = select_pathways(Presentation(**fields))
    content = handout_content(plan, clinic_data(Clinic()), Assets())
    one_sided = [e for e in plan.exercises if e.one_sided]
    assert one_sided
    cards = {card["id"]: card for card in content["exercises"]}
    for exercise in one_sided:
        card = cards[exercise.id]
        steps = " ".join(card["steps"])
        assert "{" not in steps + card["picture_alt"]
        assert f"your {shown} " in steps or f"your {shown}." in steps, steps
        assert f" {shown} " in card["picture_alt"]
        other = "left" if shown == "right" else "right"
        assert f"your {other}" not in steps


@pytest.mark.hazard("HAZ-18")
@pytest.mark.parametrize("flag", [f for f in RedFlag
                                  if load_knowledge().patient_text.worse.get(f.value)])
def test_signs_of_getting_worse_say_what_they_mean(flag: RedFlag) -> None:
    """On a red-flag sheet, the flag's own signs of getting worse come first with what those
    signs mean (a clot's worsening means the lungs, not the leg it is already feared in)."""
    plan = select_pathways(Presentation(region="neck" if "arm" in flag.value or "hand" in
                                        flag.value else "calves" if "calf" in flag.value
                                        else "lower_back", causes=["sudden_movement"],
                                        red_flags=[flag], date="2026-11-24"))
    content = handout_content(plan, clinic_data(Clinic()), Assets())
    text = plan.knowledge.patient_text
    if plan.urgency == "emergency":
        assert content["safety_net"] == []
        return
    first = content["safety_net"][0]
    assert first["id"] == "red-flag-worse"
    signs = first["signs"][0]
    assert signs["means"] == text.worse_means[flag.value]
    assert len(signs["watch"]) == len(text.worse[flag.value])
    if flag is RedFlag.CALF_SWELLING_REDNESS_OR_WARMTH:
        assert "lungs" in signs["means"]
    means = [s["means"] for group in content["safety_net"] for s in group["signs"]]
    assert len(means) == len(set(means)), "signs that mean the same share one list"


def test_one_sided_repeats_say_each_side() -> None:
    """'Repeat: 3 times on each side' for an exercise worked one side at a time."""
    plan = select_pathways(Presentation(region="calves", causes=["tight_joint_or_muscle"],
                                        red_flags=[], side="left", date="2026-11-24"))
    text = flat(text_of(checked(lambda: render_handout(plan))))
    for exercise in plan.exercises:
        if exercise.one_sided and exercise.repetitions > 1:
            assert f"repeat: {exercise.repetitions} times on each side" in text
        elif exercise.repetitions > 1:
            assert f"repeat: {exercise.repetitions} times how often" in text


@pytest.mark.parametrize("name", ["red-flag-calf-clot", "red-flag-cauda-equina",
                                  "red-flag-neck-myelopathy"])
def test_a_red_flag_sheet_stops_exercise_and_puts_cautions_before_errands(name: str) -> None:
    """'Do not do any exercises' in what to do now (the letter says the patient was told so); the
    cautions until a doctor sees them come before what to take and what to say."""
    text = flat(text_of(example_handout(name)))
    assert "do not do any exercises for your spasm until a doctor has checked you" in text
    if "until a doctor sees you" in text:
        assert text.index("until a doctor sees you") < text.index("what to take with you")


@pytest.mark.parametrize("name", [f.stem for f in EXAMPLE_FILES])
def test_a_same_day_gp_visit_says_what_to_do_when_the_gp_is_closed(name: str) -> None:
    """Every "today" tier of "When to get help" ends with the out-of-hours line; no other
    tier has it, and a red-flag sheet (call-now signs only) has none."""
    plan = plan_for(name)
    groups = handout_content(plan, clinic_data(Clinic()), Assets())["safety_net"]
    closed = plan.knowledge.patient_text.handout["gp_closed"]
    for group in groups:
        assert group["closed"] == (closed if group["urgency"] == "today" else None), group["id"]
    text = flat(text_of(example_handout(name)))
    today = sum(group["urgency"] == "today" for group in groups)
    assert text.count(flat(closed)) == today
    if plan.urgency is not None:
        assert today == 0
