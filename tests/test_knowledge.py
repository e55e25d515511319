"""The knowledge base: the bundled data loads, matches the design, and the loader rejects bad data.

Each loader test copies the bundled knowledge folder, breaks one thing, and expects a
KnowledgeBaseError whose message names the file and the entry (rule id, red flag, table).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from importlib.resources import as_file, files
from pathlib import Path

import pytest

from physio_notes import (
    Cause,
    Duration,
    KnowledgeBase,
    KnowledgeBaseError,
    NeurologicalCondition,
    PhysioNotesError,
    RedFlag,
    Region,
    SpasmType,
    Symptom,
    load_knowledge,
)

# shared/design.md, "Pathways: stable ids and the rules that choose them"
DESIGN_PATHWAYS = [
    (1, "urgent-referral"),
    (2, "neurologist-referral"),
    (3, "medical-review"),
    (4, "disc-core-pilates"),
    (5, "mobilisation-exercise"),
    (6, "acute-self-care"),
    (7, "calf-stretch"),
]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    """The bundled knowledge base."""
    return load_knowledge()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A writable copy of the bundled knowledge folder."""
    with as_file(files("physio_notes") / "knowledge") as bundled:
        shutil.copytree(bundled, tmp_path / "knowledge")
    return tmp_path / "knowledge"


def _listed(when: Mapping[str, object], condition: str) -> list[object]:
    value = when.get(condition, [])
    return value if isinstance(value, list) else []


def edit(folder: Path, name: str, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``folder/name`` with ``new``."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur exactly once in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- the bundled data -------------------------------------------------------------------------


@pytest.mark.hazard("HAZ-09")
def test_bundled_knowledge_loads_and_is_cached(kb: KnowledgeBase) -> None:
    """load_knowledge() loads the shipped data once and returns the same object after."""
    assert load_knowledge() is kb
    assert kb.version == "2026.11.0"


def test_bundled_knowledge_loads_from_an_explicit_copy(folder: Path, kb: KnowledgeBase) -> None:
    """An unchanged copy of the folder loads to the same rules and pathways."""
    copy = load_knowledge(folder)
    assert [r.id for r in copy.rules] == [r.id for r in kb.rules]
    assert copy.pathways == kb.pathways
    assert copy.red_flags == kb.red_flags


@pytest.mark.hazard("HAZ-03")
def test_pathways_are_the_design_ids_in_priority_order(kb: KnowledgeBase) -> None:
    """The pathway ids and priorities are exactly the design's table, in priority order."""
    assert [(p.priority, p.id) for p in kb.pathways.values()] == DESIGN_PATHWAYS


@pytest.mark.hazard("HAZ-17")
def test_pathways_refer_to_the_right_people(kb: KnowledgeBase) -> None:
    """Pathway roles: whom each refers to, how urgently, and what exercise it allows."""
    def role(pid: str) -> tuple[str | None, str | None, str]:
        p = kb.pathways[pid]
        if p.referral is None:
            return None, None, p.exercises
        return p.referral.to or "red flags", p.referral.urgency or "red flags", p.exercises

    assert {pid: role(pid) for pid in kb.pathways} == {
        "urgent-referral": ("red flags", "red flags", "none"),
        "neurologist-referral": ("neurologist", "soon", "gentle"),
        "medical-review": ("gp", "soon", "gentle"),
        "disc-core-pilates": (None, None, "programme"),
        "mobilisation-exercise": (None, None, "programme"),
        "acute-self-care": (None, None, "programme"),
        "calf-stretch": (None, None, "programme"),
    }


@pytest.mark.hazard("HAZ-17")
def test_red_flags_send_the_patient_by_urgency(kb: KnowledgeBase) -> None:
    """Emergency flags send the patient to the emergency department, urgent ones to the GP
    today; every destination is a known recipient."""
    for flag, definition in kb.red_flags.items():
        expected = "emergency-department" if definition.urgency == "emergency" else "gp"
        assert definition.destination == expected, flag
        assert definition.destination in kb.recipients


def test_rule_ids(kb: KnowledgeBase) -> None:
    """The bundled rules, by id, in file order (ids are cited in plans and notes)."""
    assert [r.id for r in kb.rules] == [
        "red-flag.saddle-anaesthesia",
        "red-flag.bladder-or-bowel-change",
        "red-flag.progressive-leg-weakness",
        "red-flag.dizziness-double-vision-speech-or-swallowing",
        "red-flag.major-trauma",
        "red-flag.history-of-cancer",
        "red-flag.unexplained-weight-loss",
        "red-flag.fever-or-systemically-unwell",
        "red-flag.constant-night-pain",
        "red-flag.hand-clumsiness-or-gait-change",
        "red-flag.breathlessness-or-chest-pain",
        "red-flag.calf-swelling-redness-or-warmth",
        "red-flag.progressive-arm-weakness",
        "neurological.cause",
        "medical-review.long-episode",
        "medical-review.recurrent",
        "medical-review.not-eased",
        "medical-review.no-known-cause",
        "medical-review.secondary-unexplained",
        "disc.cause",
        "mobilisation.tight-joint-or-muscle",
        "mobilisation.overuse-posture",
        "acute.trigger-removed",
        "acute.protective-response",
        "calf.region",
        "medical-review.fallback",
    ]


@pytest.mark.hazard("HAZ-09")
def test_every_rule_cites_sources_that_resolve(kb: KnowledgeBase) -> None:
    """Every rule names at least one source, and each is a source of sources.toml."""
    for rule in kb.rules:
        assert rule.sources, rule.id
        for source in rule.sources:
            assert kb.sources[source.id] is source, (rule.id, source.id)
            assert source.citation
            assert source.section


@pytest.mark.hazard("HAZ-03")
def test_every_rule_has_a_rationale_and_a_known_pathway(kb: KnowledgeBase) -> None:
    """Every rule explains itself and adds one of the design's pathways."""
    for rule in kb.rules:
        assert rule.rationale.strip(), rule.id
        assert kb.pathways[rule.pathway.id] is rule.pathway


@pytest.mark.hazard("HAZ-05")
def test_exactly_one_fallback_rule(kb: KnowledgeBase) -> None:
    """There is one fallback rule, and it asks for a medical review."""
    assert [r.id for r in kb.rules if r.fallback] == ["medical-review.fallback"]
    assert kb.fallback.pathway.id == "medical-review"


# shared/design.md, the red-flag table (suspected in the knowledge base's own words)
DESIGN_RED_FLAGS = [
    pytest.param(RedFlag.SADDLE_ANAESTHESIA, "cauda equina syndrome", "emergency", id="saddle"),
    pytest.param(
        RedFlag.BLADDER_OR_BOWEL_CHANGE, "cauda equina syndrome", "emergency", id="bladder-bowel"
    ),
    pytest.param(
        RedFlag.PROGRESSIVE_LEG_WEAKNESS,
        "cauda equina syndrome or nerve root compression",
        "emergency",
        id="leg-weakness",
    ),
    pytest.param(RedFlag.MAJOR_TRAUMA, "spinal fracture", "urgent", id="trauma"),
    pytest.param(RedFlag.HISTORY_OF_CANCER, "spinal malignancy", "urgent", id="cancer"),
    pytest.param(RedFlag.UNEXPLAINED_WEIGHT_LOSS, "malignancy", "urgent", id="weight-loss"),
    pytest.param(
        RedFlag.FEVER_OR_SYSTEMICALLY_UNWELL, "spinal infection", "urgent", id="fever"
    ),
    pytest.param(
        RedFlag.CONSTANT_NIGHT_PAIN, "serious spinal pathology", "urgent", id="night-pain"
    ),
    pytest.param(
        RedFlag.HAND_CLUMSINESS_OR_GAIT_CHANGE, "cervical myelopathy", "urgent", id="myelopathy"
    ),
    pytest.param(
        RedFlag.DIZZINESS_DOUBLE_VISION_SPEECH_OR_SWALLOWING,
        "vascular",
        "emergency",
        id="vascular",
    ),
]


@pytest.mark.hazard("HAZ-01")
@pytest.mark.parametrize(("flag", "suspected", "urgency"), DESIGN_RED_FLAGS)
def test_red_flags_match_the_design_table(
    kb: KnowledgeBase, flag: RedFlag, suspected: str, urgency: str
) -> None:
    """Each red flag has the design's urgency and suspected condition, and cites a source."""
    definition = kb.red_flags[flag]
    assert definition.urgency == urgency
    assert suspected in definition.suspected
    assert definition.sources
    assert definition.label
    assert definition.patient


@pytest.mark.hazard("HAZ-01")
@pytest.mark.parametrize("flag", list(RedFlag), ids=str)
def test_every_red_flag_has_an_urgent_referral_rule(kb: KnowledgeBase, flag: RedFlag) -> None:
    """Every red flag is named by a rule of the urgent-referral pathway."""
    referring = [
        r.id
        for r in kb.rules
        if r.pathway.id == "urgent-referral" and flag.value in _listed(r.when, "red_flag_any")
    ]
    assert referring


def test_every_contract_value_has_a_label(kb: KnowledgeBase) -> None:
    """vocabulary.toml labels every value of every enum the rationales can mention."""
    for kind, enum_type in [
        ("region", Region),
        ("spasm_type", SpasmType),
        ("cause", Cause),
        ("neurological_condition", NeurologicalCondition),
        ("symptom", Symptom),
        ("duration", Duration),
    ]:
        for member in enum_type:
            assert kb.label(kind, member).strip()
            assert kb.label(kind, member.value) == kb.label(kind, member)
    assert kb.label("neurological_condition", "parkinsons") == "Parkinson's disease"
    assert kb.label("region", Region.LOWER_BACK) == "lower back"


@pytest.mark.hazard("HAZ-08")
def test_no_rule_text_names_a_drug() -> None:
    """The library never names a drug: no common relaxant, analgesic or benzodiazepine."""
    bundled = files("physio_notes") / "knowledge"
    drugs = ["diazepam", "benzodiazepine", "baclofen", "tizanidine", "cyclobenzaprine",
             "methocarbamol", "ibuprofen", "paracetamol", "codeine", "naproxen", "mg"]
    for name in ("rules.toml", "pathways.toml", "red_flags.toml"):
        words = set(re.findall(r"[a-z]+", (bundled / name).read_text(encoding="utf-8").lower()))
        assert words.isdisjoint(drugs), name


# --- the loader rejects bad data --------------------------------------------------------------

BROKEN = [
    pytest.param(
        "rules.toml",
        'when = { region_in = ["calves"] }',
        'when = { region_is = ["calves"] }',
        "rules.toml: rule 'calf.region': unknown condition 'region_is'",
        id="unknown-condition",
    ),
    pytest.param(
        "rules.toml",
        'pathway = "calf-stretch"',
        'pathway = "calf-stretching"',
        "rules.toml: rule 'calf.region': unknown pathway 'calf-stretching'",
        id="unknown-pathway",
    ),
    pytest.param(
        "rules.toml",
        'does not help."\nsources = ["quirke-exercises"]',
        'does not help."\nsources = ["quirke-exercise"]',
        "rules.toml: rule 'calf.region': unknown sources ['quirke-exercise']",
        id="unknown-source",
    ),
    pytest.param(
        "rules.toml",
        'does not help."\nsources = ["quirke-exercises"]',
        'does not help."\nsources = []',
        "rules.toml: rule 'calf.region': sources must be a non-empty list of source ids",
        id="no-source",
    ),
    pytest.param(
        "rules.toml",
        "spasm in the {region}: offload",
        "spasm in the {area}: offload",
        "rules.toml: rule 'disc.cause' rationale: unknown placeholders ['area']",
        id="unknown-placeholder",
    ),
    pytest.param(
        "rules.toml",
        "spasm in the {region}: offload",
        "spasm in the {region: offload",
        "rules.toml: rule 'disc.cause' rationale: cannot be formatted",
        id="unbalanced-brace-in-rationale",
    ),
    pytest.param(
        "rules.toml",
        "spasm in the {region}: offload",
        "spasm in the {region:d}: offload",
        "rules.toml: rule 'disc.cause' rationale: cannot be formatted",
        id="format-spec-that-cannot-format-a-label",
    ),
    pytest.param(
        "rules.toml",
        'when = { cause_any = ["disc_disorder"] }',
        'when = { cause_any = ["disc"] }',
        "rules.toml: rule 'disc.cause': condition 'cause_any' must list only",
        id="bad-enum-value-in-condition",
    ),
    pytest.param(
        "rules.toml",
        'when = { recurrent = true }',
        'when = { recurrent = "yes" }',
        "rules.toml: rule 'medical-review.recurrent': condition 'recurrent' must be true or false",
        id="bad-boolean-in-condition",
    ),
    pytest.param(
        "rules.toml",
        'when = { spasm_type = "secondary", no_cause',
        'when = { spasm_type = "tertiary", no_cause',
        "rules.toml: rule 'medical-review.secondary-unexplained': condition 'spasm_type'",
        id="bad-spasm-type-in-condition",
    ),
    pytest.param(
        "rules.toml",
        'id = "calf.region"',
        'id = "calf.region"\npriority = 1',
        "rules.toml: rule 'calf.region': unknown keys ['priority']",
        id="unknown-key-in-rule",
    ),
    pytest.param(
        "rules.toml",
        'id = "calf.region"\n',
        "",
        "rules.toml: rule '#25': missing keys ['id']",
        id="rule-without-id",
    ),
    pytest.param(
        "rules.toml",
        'id = "acute.protective-response"',
        'id = "acute.trigger-removed"',
        "rules.toml: rule: duplicate ids ['acute.trigger-removed']",
        id="duplicate-rule-id",
    ),
    pytest.param(
        "rules.toml",
        'when = { red_flag_any = ["major_trauma"] }',
        'when = { red_flag_any = ["history_of_cancer"] }',
        "rules.toml: rule: red flag 'major_trauma' has no rule for the pathway that refers on red "
        "flags",
        id="red-flag-without-urgent-referral",
    ),
    pytest.param(
        "rules.toml",
        "when = { fallback = true }",
        'when = { region_in = ["feet"] }',
        "rules.toml: rule: exactly one rule must have fallback = true (found [])",
        id="no-fallback",
    ),
    pytest.param(
        "rules.toml",
        'when = { region_in = ["calves"] }',
        "when = { fallback = true }",
        "rules.toml: rule: exactly one rule must have fallback = true "
        "(found ['calf.region', 'medical-review.fallback'])",
        id="two-fallbacks",
    ),
    pytest.param(
        "rules.toml",
        'when = { cause_any = ["protective_response"] }',
        'when = { spasm_type = "primary" }',
        "rules.toml: rule: cause 'protective_response' has no rule",
        id="cause-without-rule",
    ),
    pytest.param(
        "rules.toml",
        'pathway = "neurologist-referral"',
        'pathway = "medical-review"',
        "rules.toml: rule: the neurological cause must refer to a neurologist",
        id="neurological-cause-not-referred",
    ),
    pytest.param(
        "rules.toml",
        'version = "2026.11.0"',
        'version = "2026.11.0',
        "rules.toml: cannot be read",
        id="toml-syntax-error",
    ),
    pytest.param(
        "vocabulary.toml",
        'stroke = "stroke"\n',
        "",
        "vocabulary.toml: [neurological_condition]: must label exactly",
        id="missing-vocabulary-label",
    ),
    pytest.param(
        "vocabulary.toml",
        'feet = "feet"\n',
        'feet = "feet"\nknees = "knees"\n',
        "vocabulary.toml: [region]: must label exactly",
        id="extra-vocabulary-label",
    ),
    pytest.param(
        "red_flags.toml",
        'sources = ["davies-2018"]',
        'sources = ["davies"]',
        "red_flags.toml: red flag 'hand_clumsiness_or_gait_change': unknown sources ['davies']",
        id="red-flag-unknown-source",
    ),
    pytest.param(
        "red_flags.toml",
        'suspected = "spinal fracture"\nurgency = "urgent"',
        'suspected = "spinal fracture"\nurgency = "soon"',
        "red_flags.toml: red flag 'major_trauma' urgency: must be one of",
        id="red-flag-bad-urgency",
    ),
    pytest.param(
        "red_flags.toml",
        "[red_flag.constant_night_pain]",
        "[red_flag.night_pain]",
        "red_flags.toml: red_flag: missing ['constant_night_pain'], unknown ['night_pain']",
        id="red-flag-renamed",
    ),
    pytest.param(
        "pathways.toml",
        'id = "calf-stretch"\npriority = 7',
        'id = "calf-stretch"\npriority = 6',
        "pathways.toml: pathway: ids and priorities must be unique",
        id="duplicate-priority",
    ),
    pytest.param(
        "sources.toml",
        "[source.davies-2018]",
        "[source.davies-2019]",
        "red_flags.toml: red flag 'hand_clumsiness_or_gait_change': unknown sources "
        "['davies-2018']",
        id="source-removed",
    ),
]


@pytest.mark.hazard("HAZ-01")
@pytest.mark.hazard("HAZ-04")
@pytest.mark.hazard("HAZ-05")
@pytest.mark.hazard("HAZ-09")
@pytest.mark.parametrize(("name", "old", "new", "message"), BROKEN)
def test_broken_knowledge_is_rejected_naming_file_and_entry(
    folder: Path, name: str, old: str, new: str, message: str
) -> None:
    """Each kind of broken data raises KnowledgeBaseError naming the file and the entry."""
    edit(folder, name, old, new)
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge(folder)
    assert str(caught.value).startswith(message)
    assert isinstance(caught.value, PhysioNotesError)
    assert isinstance(caught.value, ValueError)


@pytest.mark.hazard("HAZ-09")
def test_missing_file_is_rejected(folder: Path) -> None:
    """A knowledge folder without one of its files names the file that cannot be read."""
    (folder / "sources.toml").unlink()
    with pytest.raises(KnowledgeBaseError, match=r"^sources\.toml: cannot be read"):
        load_knowledge(folder)
