"""The pathway engine: the clinical case table (presentation -> pathway ids) and its properties.

Every rule in rules.toml has at least one case here; a new rule without a case fails
``test_every_rule_has_a_case``.
"""

from __future__ import annotations

import shutil
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings

from physio_notes import (
    Cause,
    KnowledgeBase,
    Pathway,
    Presentation,
    RedFlag,
    StartBack,
    load_knowledge,
    select_pathways,
)

from .conftest import DESIGN_EXAMPLE
from .strategies import presentations

PRIORITY = [
    "urgent-referral",
    "neurologist-referral",
    "medical-review",
    "disc-core-pilates",
    "mobilisation-exercise",
    "acute-self-care",
    "calf-stretch",
]

QUIRKE = "Quirke SA (Chartered Physiotherapist). Back Pain Muscle Spasms. Section: "



def case(rule: str, expected: list[str], **presentation: Any) -> Any:
    """One row of the clinical table: the rule it pins, the expected plan, the presentation."""
    return pytest.param(rule, presentation, expected, id=rule)


def red_flag_case(rule: str, flag: str, region: str = "lower_back") -> Any:
    """A red flag on top of a sudden-movement spasm: urgent referral leads the plan."""
    return case(
        rule,
        ["urgent-referral", "acute-self-care"],
        region=region,
        causes=["sudden_movement"],
        red_flags=[flag],
    )


# rule id -> presentation -> the plan's pathway ids, in order
CLINICAL_CASES = [
    red_flag_case("red-flag.saddle-anaesthesia", "saddle_anaesthesia"),
    red_flag_case("red-flag.bladder-or-bowel-change", "bladder_or_bowel_change"),
    red_flag_case("red-flag.progressive-leg-weakness", "progressive_leg_weakness"),
    red_flag_case(
        "red-flag.dizziness-double-vision-speech-or-swallowing",
        "dizziness_double_vision_speech_or_swallowing",
        region="neck",
    ),
    red_flag_case("red-flag.major-trauma", "major_trauma"),
    red_flag_case("red-flag.history-of-cancer", "history_of_cancer"),
    red_flag_case("red-flag.unexplained-weight-loss", "unexplained_weight_loss"),
    red_flag_case("red-flag.fever-or-systemically-unwell", "fever_or_systemically_unwell"),
    red_flag_case("red-flag.constant-night-pain", "constant_night_pain"),
    red_flag_case(
        "red-flag.hand-clumsiness-or-gait-change", "hand_clumsiness_or_gait_change", region="neck"
    ),
    red_flag_case("red-flag.progressive-arm-weakness", "progressive_arm_weakness", region="neck"),
    red_flag_case(
        "red-flag.calf-swelling-redness-or-warmth", "calf_swelling_redness_or_warmth",
        region="feet",
    ),
    red_flag_case(
        "red-flag.breathlessness-or-chest-pain", "breathlessness_or_chest_pain", region="mid_back"
    ),
    case(
        "neurological.cause",
        ["neurologist-referral"],
        region="neck",
        causes=["neurological"],
        neurological_condition="parkinsons",
    ),
    case(
        "medical-review.long-episode",
        ["medical-review", "acute-self-care"],
        region="lower_back",
        causes=["overstretching"],
        duration="hours",
    ),
    case(
        "medical-review.recurrent",
        ["medical-review", "mobilisation-exercise"],
        region="mid_back",
        causes=["tight_joint_or_muscle"],
        recurrent=True,
    ),
    case(
        "medical-review.not-eased",
        ["medical-review", "mobilisation-exercise"],
        region="neck",
        causes=["overuse_posture"],
        eased_by_heat_and_positioning=False,
    ),
    case("medical-review.no-known-cause", ["medical-review"], region="lower_back"),
    case(
        "medical-review.secondary-unexplained",
        ["medical-review", "acute-self-care"],
        region="lower_back",
        spasm_type="secondary",
        causes=["sudden_movement"],
    ),
    case("disc.cause", ["disc-core-pilates"], region="lower_back", causes=["disc_disorder"]),
    case(
        "mobilisation.tight-joint-or-muscle",
        ["mobilisation-exercise"],
        region="mid_back",
        causes=["tight_joint_or_muscle"],
    ),
    case(
        "mobilisation.overuse-posture",
        ["mobilisation-exercise"],
        region="hands",
        causes=["overuse_posture"],
    ),
    case(
        "acute.trigger-removed",
        ["acute-self-care"],
        region="lower_back",
        causes=["sudden_movement"],
    ),
    case(
        "acute.protective-response",
        ["acute-self-care"],
        region="lower_back",
        spasm_type="primary",
        causes=["protective_response"],
    ),
    case(
        "calf.region",
        ["acute-self-care", "calf-stretch"],
        region="calves",
        causes=["overstretching"],
    ),
]

# The fallback cannot fire with the bundled rules (every cause has a rule and no cause asks
# for a review); test_fallback_fires_when_no_other_rule_does pins it on an edited copy.
CASES_ELSEWHERE = {"medical-review.fallback"}


@pytest.mark.hazard("HAZ-03")
@pytest.mark.parametrize(("rule", "presentation", "expected"), CLINICAL_CASES)
def test_clinical_case(rule: str, presentation: dict[str, Any], expected: list[str]) -> None:
    """Each rule's case gives exactly the expected pathways, in order, and the rule fired."""
    plan = select_pathways(Presentation(**presentation))
    assert list(plan.pathway_ids) == expected
    assert rule in {r for p in plan.pathways for r in p.rules}


@pytest.mark.hazard("HAZ-03")
def test_every_rule_has_a_case() -> None:
    """Every rule id of the knowledge base has a clinical case (a new rule needs one)."""
    covered = {param.values[0] for param in CLINICAL_CASES} | CASES_ELSEWHERE
    assert {rule.id for rule in load_knowledge().rules} <= covered


MORE_CASES = [
    pytest.param({"region": "neck", "causes": ["unknown"]}, ["medical-review"], id="cause-unknown"),
    pytest.param(
        {"region": "neck", "causes": ["neurological"]},
        ["neurologist-referral"],
        id="neurological-condition-not-named",
    ),
    pytest.param(
        {"region": "lower_back", "causes": ["disc_disorder"], "duration": "days"},
        ["medical-review", "disc-core-pilates"],
        id="long-episode-days",
    ),
    pytest.param(
        {"region": "lower_back", "causes": ["disc_disorder"], "duration": "minutes"},
        ["disc-core-pilates"],
        id="short-episode-minutes",
    ),
    pytest.param(
        {"region": "lower_back", "causes": ["disc_disorder"], "duration": "seconds"},
        ["disc-core-pilates"],
        id="short-episode-seconds",
    ),
    pytest.param(
        {"region": "lower_back", "causes": ["disc_disorder"], "recurrent": False},
        ["disc-core-pilates"],
        id="not-recurrent",
    ),
    pytest.param(
        {
            "region": "lower_back",
            "causes": ["disc_disorder"],
            "eased_by_heat_and_positioning": True,
        },
        ["disc-core-pilates"],
        id="eased-by-heat",
    ),
    pytest.param(
        {"region": "lower_back", "spasm_type": "secondary", "causes": ["disc_disorder"]},
        ["disc-core-pilates"],
        id="secondary-with-disc-named",
    ),
    pytest.param(
        {"region": "neck", "spasm_type": "secondary", "causes": ["overuse_posture"]},
        ["mobilisation-exercise"],
        id="secondary-with-posture-named",
    ),
    pytest.param(
        {"region": "neck", "spasm_type": "secondary"},
        ["medical-review"],
        id="secondary-without-cause",
    ),
    pytest.param(
        {"region": "calves"},
        ["medical-review", "calf-stretch"],
        id="calves-without-cause",
    ),
    pytest.param(
        {"region": "feet", "causes": ["overstretching", "protective_response"]},
        ["acute-self-care"],
        id="two-acute-causes-one-pathway",
    ),
    pytest.param(
        {
            "region": "lower_back",
            "causes": ["disc_disorder", "tight_joint_or_muscle", "sudden_movement"],
        },
        ["disc-core-pilates", "mobilisation-exercise", "acute-self-care"],
        id="several-causes",
    ),
    pytest.param(
        {
            "region": "calves",
            "spasm_type": "secondary",
            "causes": [
                "sudden_movement", "overstretching", "disc_disorder", "neurological",
                "overuse_posture", "protective_response", "tight_joint_or_muscle",
            ],
            "neurological_condition": "multiple_sclerosis",
            "duration": "days",
            "recurrent": True,
            "eased_by_heat_and_positioning": False,
            "red_flags": ["constant_night_pain", "saddle_anaesthesia"],
        },
        PRIORITY,
        id="everything-fires-in-priority-order",
    ),
    pytest.param(
        {"region": "lower_back", "causes": ["disc_disorder"], "red_flags": []},
        ["disc-core-pilates"],
        id="red-flags-screened-none-found",
    ),
]


@pytest.mark.hazard("HAZ-03")
@pytest.mark.parametrize(("presentation", "expected"), MORE_CASES)
def test_more_clinical_cases(presentation: dict[str, Any], expected: list[str]) -> None:
    """Combinations and near misses give exactly these pathways, in priority order."""
    assert list(select_pathways(Presentation(**presentation)).pathway_ids) == expected


# --- the design's example ---------------------------------------------------------------------


@pytest.mark.hazard("HAZ-03")
@pytest.mark.hazard("HAZ-17")
def test_design_example_plan() -> None:
    """The design's example: medical review (recurrent), then disc/Pilates; screen none found."""
    plan = select_pathways(Presentation.from_dict(DESIGN_EXAMPLE))
    assert plan.pathway_ids == ("medical-review", "disc-core-pilates")
    assert plan.red_flag_screen.status == "none_found"
    assert plan.urgency is None
    assert plan.start_back_risk == "medium"
    assert plan.knowledge_version == "2026.11.0"
    assert [p.refers_to for p in plan.referrals] == ["GP"]


def test_design_example_plan_to_dict_is_the_design_shape() -> None:
    """CarePlan.to_dict is {"pathways": [{id, title, rationale, rules, sources}], ...}."""
    presentation = Presentation.from_dict(DESIGN_EXAMPLE)
    assert select_pathways(presentation).to_dict() == {
        "pathways": [
            {
                "id": "medical-review",
                "title": "Medical review with the GP",
                "rationale": "The spasm keeps coming back: a medical examination should find "
                "out why.",
                "rules": ["medical-review.recurrent"],
                "sources": [
                    QUIRKE + "Symptoms of Back Pain Muscle Spasms.",
                    QUIRKE + "Treatment of Back Pain Muscle Spasms: simple home treatment.",
                ],
            },
            {
                "id": "disc-core-pilates",
                "title": "Disc offloading and core strengthening (Pilates)",
                "rationale": "A disc disorder underlies the spasm in the lower back: offload the "
                "disc, release the guarding muscles, then strengthen the core (Pilates) to "
                "prevent further episodes.",
                "rules": ["disc.cause"],
                "sources": [QUIRKE + "Treatment of Back Pain Muscle Spasms."],
            },
        ],
        "red_flag_screen": {"status": "none_found", "urgency": None, "findings": []},
        "referral": {"recipient": "gp", "urgency": "soon", "pathway": "medical-review"},
        "start_back": {"total": 5, "distress": 2, "risk": "medium"},
        "exercises": [
            {"id": "position-of-ease", "name": "Position of ease", "hold": "5 to 15 minutes",
             "repetitions": 1, "sets": 1,
             "how_often": "When the spasm starts, and as often as you need"},
            {"id": "pelvic-tilt", "name": "Pelvic tilt", "hold": "5 seconds",
             "repetitions": 10, "sets": 1, "how_often": "2 times a day"},
            {"id": "knee-rolls", "name": "Knee rolls", "hold": "", "repetitions": 10,
             "sets": 1, "how_often": "2 times a day"},
            {"id": "abdominal-bracing", "name": "Tummy brace", "hold": "10 seconds",
             "repetitions": 10, "sets": 1, "how_often": "2 times a day"},
        ],
        "clinician_reason": None,
        "changes": [],
        "knowledge_base_version": "2026.11.0",
        "presentation": DESIGN_EXAMPLE,
    }


# --- STarT Back -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "distress", "risk"),
    [
        pytest.param(0, 0, "low", id="total-0-low"),
        pytest.param(3, 3, "low", id="total-3-low"),
        pytest.param(4, 3, "medium", id="total-4-distress-3-medium"),
        pytest.param(4, 4, "high", id="total-4-distress-4-high"),
        pytest.param(9, 3, "medium", id="total-9-distress-3-medium"),
        pytest.param(9, 5, "high", id="total-9-distress-5-high"),
    ],
)
def test_start_back_risk_group_in_the_plan(total: int, distress: int, risk: str) -> None:
    """The plan reports total <= 3 low, else distress >= 4 high, else medium."""
    p = Presentation(
        region="lower_back", causes=["disc_disorder"],
        start_back=StartBack(total=total, distress=distress),
    )
    plan = select_pathways(p)
    assert plan.start_back_risk == risk
    assert plan.to_dict()["start_back"] == {"total": total, "distress": distress, "risk": risk}


def test_no_start_back_no_risk_group() -> None:
    """Without a STarT Back score the plan has no risk group."""
    plan = select_pathways(Presentation(region="lower_back", causes=["disc_disorder"]))
    assert plan.start_back_risk is None
    assert plan.to_dict()["start_back"] is None


# --- the red-flag screen --------------------------------------------------------------------


@pytest.mark.hazard("HAZ-02")
def test_red_flags_not_screened() -> None:
    """red_flags absent: the screen says not screened, with no urgency."""
    plan = select_pathways(Presentation(region="lower_back", causes=["disc_disorder"]))
    assert plan.red_flag_screen.to_dict() == {
        "status": "not_screened", "urgency": None, "findings": []
    }
    assert plan.urgency is None


@pytest.mark.hazard("HAZ-02")
def test_red_flags_screened_none_found() -> None:
    """red_flags []: the screen says none found, with no urgency."""
    plan = select_pathways(
        Presentation(region="lower_back", causes=["disc_disorder"], red_flags=[])
    )
    assert plan.red_flag_screen.to_dict() == {
        "status": "none_found", "urgency": None, "findings": []
    }


@pytest.mark.hazard("HAZ-01")
def test_red_flag_urgent() -> None:
    """An urgent red flag: positive screen, urgency urgent, with what it suggests."""
    plan = select_pathways(Presentation(region="lower_back", red_flags=["major_trauma"]))
    assert plan.red_flag_screen.to_dict() == {
        "status": "positive",
        "urgency": "urgent",
        "findings": [
            {
                "id": "major_trauma",
                "label": "Major trauma",
                "suspected": "spinal fracture",
                "urgency": "urgent",
            }
        ],
    }
    assert plan.urgency == "urgent"
    assert plan.referrals[0].refers_to == "GP"
    assert plan.to_dict()["referral"] == {"recipient": "gp", "urgency": "urgent",
                                          "pathway": "urgent-referral"}


@pytest.mark.hazard("HAZ-01")
def test_emergency_beats_urgent_and_leads_the_findings() -> None:
    """With urgent and emergency flags the urgency is emergency and emergencies come first."""
    plan = select_pathways(
        Presentation(
            region="lower_back",
            red_flags=["major_trauma", "history_of_cancer", "bladder_or_bowel_change"],
        )
    )
    assert plan.urgency == "emergency"
    assert [f.flag for f in plan.red_flag_screen.findings] == [
        RedFlag.BLADDER_OR_BOWEL_CHANGE,
        RedFlag.MAJOR_TRAUMA,
        RedFlag.HISTORY_OF_CANCER,
    ]
    assert plan.pathways[0].rules == (
        "red-flag.bladder-or-bowel-change",
        "red-flag.major-trauma",
        "red-flag.history-of-cancer",
    )


@pytest.mark.hazard("HAZ-01")
def test_repeated_red_flag_is_reported_once() -> None:
    """The same red flag listed twice is one finding."""
    plan = select_pathways(
        Presentation(region="neck", red_flags=["constant_night_pain", "constant_night_pain"])
    )
    assert [f.flag for f in plan.red_flag_screen.findings] == [RedFlag.CONSTANT_NIGHT_PAIN]
    assert plan.pathways[0].rules == ("red-flag.constant-night-pain",)


# --- rationales speak about this patient ----------------------------------------------------


def test_rationale_names_the_episode_duration() -> None:
    """The long-episode rationale says how long this patient's episodes last."""
    plan = select_pathways(
        Presentation(region="lower_back", causes=["disc_disorder"], duration="hours")
    )
    assert plan.pathways[0].rationale == (
        "Episodes last hours, not the few minutes a simple spasm takes to settle: the doctor "
        "should review and consider muscle-relaxing medication."
    )


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        pytest.param("parkinsons", "Parkinson's disease", id="parkinsons"),
        pytest.param("multiple_sclerosis", "multiple sclerosis", id="ms"),
        pytest.param(None, "not named", id="not-named"),
    ],
)
def test_rationale_names_the_neurological_condition(condition: str | None, words: str) -> None:
    """The neurologist-referral rationale names this patient's condition (or says none)."""
    plan = select_pathways(
        Presentation(region="neck", causes=["neurological"], neurological_condition=condition)
    )
    assert plan.pathways[0].rationale == (
        f"Spasm linked to a neurological condition ({words}): this needs a neurologist's "
        "expertise; keep gently moving meanwhile."
    )


def test_rationale_names_the_region_and_causes() -> None:
    """Cause rationales name the region and the recorded causes in the clinician's words."""
    plan = select_pathways(
        Presentation(region="mid_back", causes=["tight_joint_or_muscle", "overstretching",
                                                "sudden_movement"])
    )
    by_id = {p.id: p for p in plan.pathways}
    assert by_id["mobilisation-exercise"].rationale.startswith(
        "A stiff joint or tight muscle in the mid back drives the spasm"
    )
    assert by_id["acute-self-care"].rationale == (
        "The trigger (tight joint or muscle, overstretching of a muscle or joint, sudden fast "
        "movement) has passed: heat, ice, rest and gentle movement should settle it."
    )


def test_rationale_of_a_secondary_spasm_names_the_recorded_causes() -> None:
    """An unexplained secondary spasm's rationale lists the causes recorded, or none."""
    plan = select_pathways(Presentation(region="neck", spasm_type="secondary"))
    assert plan.pathways[0].rationale.endswith(
        "A secondary spasm is a symptom of another problem, and none is named yet "
        "(none recorded): find the underlying condition."
    )


# --- one pathway, several rules -------------------------------------------------------------


def test_pathway_fired_by_several_rules_appears_once_with_all_its_rules() -> None:
    """medical-review fired by four rules is one pathway with all rule ids, rationales, sources."""
    plan = select_pathways(
        Presentation(
            region="lower_back", duration="days", recurrent=True,
            eased_by_heat_and_positioning=False,
        )
    )
    assert plan.pathways == (
        Pathway(
            id="medical-review",
            title="Medical review with the GP",
            rationale=(
                "Episodes last days, not the few minutes a simple spasm takes to settle: the "
                "doctor should review and consider muscle-relaxing medication. "
                "The spasm keeps coming back: a medical examination should find out why. "
                "Heat and positioning have not eased the spasm: the doctor should review and "
                "consider medication. "
                "No reason for the spasm is known yet: a medical examination should look for one."
            ),
            rules=(
                "medical-review.long-episode",
                "medical-review.recurrent",
                "medical-review.not-eased",
                "medical-review.no-known-cause",
            ),
            sources=(
                QUIRKE + "Types of Back Spasms.",
                QUIRKE + "Symptoms of Back Pain Muscle Spasms.",
                QUIRKE + "Treatment of Back Pain Muscle Spasms: simple home treatment.",
                QUIRKE + "Treatment of Back Pain Muscle Spasms.",
            ),
            refers_to="GP",
        ),
    )


# --- the fallback ---------------------------------------------------------------------------


@pytest.fixture
def kb_without_disc_rule_for_the_lower_back(tmp_path: Path) -> KnowledgeBase:
    """A knowledge base whose disc rule fires only for the feet, so nothing fires for a disc
    disorder in the lower back."""
    with as_file(files("physio_notes") / "knowledge") as bundled:
        shutil.copytree(bundled, tmp_path / "knowledge")
    rules = tmp_path / "knowledge" / "rules.toml"
    text = rules.read_text(encoding="utf-8")
    old = 'when = { cause_any = ["disc_disorder"] }'
    assert text.count(old) == 1
    rules.write_text(
        text.replace(old, 'when = { cause_any = ["disc_disorder"], region_in = ["feet"] }'),
        encoding="utf-8",
    )
    return load_knowledge(tmp_path / "knowledge")


@pytest.mark.hazard("HAZ-05")
def test_fallback_fires_when_no_other_rule_does(
    kb_without_disc_rule_for_the_lower_back: KnowledgeBase,
) -> None:
    """When no rule matches, the fallback gives a medical review: a plan is never empty."""
    plan = select_pathways(
        Presentation(region="lower_back", causes=["disc_disorder"]),
        knowledge=kb_without_disc_rule_for_the_lower_back,
    )
    assert plan.to_dict()["pathways"] == [
        {
            "id": "medical-review",
            "title": "Medical review with the GP",
            "rationale": "No other rule matched this presentation: a medical review decides "
            "the next step.",
            "rules": ["medical-review.fallback"],
            "sources": [QUIRKE + "Treatment of Back Pain Muscle Spasms: simple home treatment."],
        }
    ]


def test_fallback_does_not_fire_when_another_rule_does(
    kb_without_disc_rule_for_the_lower_back: KnowledgeBase,
) -> None:
    """The fallback is only for an otherwise empty plan."""
    plan = select_pathways(
        Presentation(region="feet", causes=["disc_disorder"]),
        knowledge=kb_without_disc_rule_for_the_lower_back,
    )
    assert plan.pathway_ids == ("disc-core-pilates",)
    assert plan.pathways[0].rules == ("disc.cause",)


@pytest.mark.hazard("HAZ-05")
def test_fallback_with_only_the_fallback_rule() -> None:
    """A knowledge base reduced to its fallback rule still gives a plan: medical review."""
    kb = load_knowledge()
    only_fallback = attrs.evolve(kb, rules=(kb.fallback,))
    plan = select_pathways(
        Presentation(region="neck", red_flags=["major_trauma"]), knowledge=only_fallback
    )
    assert plan.pathway_ids == ("medical-review",)
    assert plan.pathways[0].rules == ("medical-review.fallback",)


@pytest.mark.hazard("HAZ-09")
def test_plan_uses_the_knowledge_base_it_is_given(tmp_path: Path) -> None:
    """select_pathways(knowledge=...) uses that knowledge base, and reports its version."""
    with as_file(files("physio_notes") / "knowledge") as bundled:
        shutil.copytree(bundled, tmp_path / "knowledge")
    rules = tmp_path / "knowledge" / "rules.toml"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace('version = "2026.11.0"', 'version = "test.1"'), encoding="utf-8")
    plan = select_pathways(
        Presentation(region="neck"), knowledge=load_knowledge(tmp_path / "knowledge")
    )
    assert plan.knowledge_version == "test.1"
    assert plan.to_dict()["knowledge_base_version"] == "test.1"


# --- properties over every valid presentation -------------------------------------------------

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


@pytest.mark.hazard("HAZ-05")
@PROPERTY_SETTINGS
@given(presentations())
def test_plan_is_never_empty(p: Presentation) -> None:
    """Every presentation gets at least one pathway, and the fallback is never needed."""
    plan = select_pathways(p)
    assert plan.pathways
    assert all("medical-review.fallback" not in pathway.rules for pathway in plan.pathways)


@pytest.mark.hazard("HAZ-01")
@PROPERTY_SETTINGS
@given(presentations())
def test_red_flags_always_lead(p: Presentation) -> None:
    """With any red flag, urgent referral is first; without, it is absent."""
    plan = select_pathways(p)
    if p.red_flags:
        assert plan.pathway_ids[0] == "urgent-referral"
        assert plan.red_flag_screen.status == "positive"
        assert plan.urgency in ("emergency", "urgent")
    else:
        assert "urgent-referral" not in plan.pathway_ids
        assert plan.urgency is None
        expected = "not_screened" if p.red_flags is None else "none_found"
        assert plan.red_flag_screen.status == expected


@pytest.mark.hazard("HAZ-04")
@PROPERTY_SETTINGS
@given(presentations())
def test_neurological_cause_refers_to_a_neurologist(p: Presentation) -> None:
    """A neurological cause always brings the neurologist referral (and only it does)."""
    plan = select_pathways(p)
    assert ("neurologist-referral" in plan.pathway_ids) == (Cause.NEUROLOGICAL in p.causes)


@pytest.mark.hazard("HAZ-03")
@PROPERTY_SETTINGS
@given(presentations())
def test_pathways_follow_priority_and_are_unique(p: Presentation) -> None:
    """Pathway ids are unique and in the design's priority order."""
    ids = list(select_pathways(p).pathway_ids)
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids, key=PRIORITY.index)


@pytest.mark.hazard("HAZ-15")
@PROPERTY_SETTINGS
@given(presentations())
def test_plan_is_deterministic(p: Presentation) -> None:
    """The same presentation gives the same plan, and the same JSON, every time."""
    assert select_pathways(p) == select_pathways(p)
    assert select_pathways(p).to_dict() == select_pathways(p).to_dict()


@pytest.mark.hazard("HAZ-05")
@PROPERTY_SETTINGS
@given(presentations())
def test_no_known_cause_means_medical_review(p: Presentation) -> None:
    """Causes empty or only 'unknown' always bring a medical review."""
    plan = select_pathways(p)
    if all(c is Cause.UNKNOWN for c in p.causes):
        assert "medical-review" in plan.pathway_ids


@pytest.mark.hazard("HAZ-09")
@PROPERTY_SETTINGS
@given(presentations())
def test_every_pathway_explains_itself(p: Presentation) -> None:
    """Every pathway has a title, a rationale, the rules that fired and their sources."""
    for pathway in select_pathways(p).pathways:
        assert pathway.title
        assert pathway.rationale
        assert pathway.rules
        assert pathway.sources
        assert len(set(pathway.sources)) == len(pathway.sources)
        assert "{" not in pathway.rationale
