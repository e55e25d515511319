"""The exercise library: its data and pictures are valid, and selection follows the safety rules.

The selection table writes out the expected exercise ids literally, so any change to the
library's clinical content shows up here as a reviewed diff.
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import pytest

from physio_notes import load_knowledge
from physio_notes._engine import MAX_EXERCISES
from physio_notes._engine import select_exercises as engine_select
from physio_notes._exercises import REGIONS, Exercise, pictures_dir
from physio_notes._exercises import load_exercises as load_library
from physio_notes._paths import templates_dir
from physio_notes.exceptions import KnowledgeBaseError, PhysioNotesError

KB = load_knowledge()
#: Pathways that allow exercise, and those that allow only gentle movement (their roles).
EXERCISE_PATHWAYS = tuple(pid for pid, p in KB.pathways.items() if p.exercises != "none")
REFERRAL_PATHWAYS = frozenset(pid for pid, p in KB.pathways.items() if p.exercises == "gentle")


def load_exercises(path: Path | Traversable) -> tuple[Exercise, ...]:
    """An exercise library checked against the bundled knowledge base's pathways and sources."""
    return load_library(path, pathways=EXERCISE_PATHWAYS, sources=KB.sources)


def select_exercises(
    pathways: list[str] | tuple[str, ...] | str, region: str, urgency: str | None,
    *, limit: int = 6,
) -> tuple[Exercise, ...]:
    """The engine's choice; a red flag brings in its pathway, as it does in every plan."""
    if urgency is not None and not isinstance(pathways, str):
        pathways = [*pathways, "urgent-referral"]
    return engine_select(KB, pathways, region, limit=limit)

SVG = "{http://www.w3.org/2000/svg}"
FORBIDDEN_IN_SVG = ("href", "<image", "<script", "@import", "url(", "<foreignObject")
PILATES_ONLY = {"abdominal-bracing", "dead-bug", "bird-dog", "bridge"}
EXERCISES = KB.exercises
BY_ID = {exercise.id: exercise for exercise in EXERCISES}

GOOD_ENTRY = """
[[exercise]]
id = "{id}"
name = "Knee to chest"
regions = [{regions}]
pathways = ["acute-self-care"]
intensity = "gentle"
picture_alt = "A person lies on their back and hugs 1 knee."
steps = ["Lie on your back.", "Hug 1 knee.", "Hold, then let go."]
hold = "20 to 30 seconds"
repetitions = 3
sets = 1
how_often = "2 times a day"
feel = "A gentle stretch."
stop_if = "Stop if it hurts more."
source = "quirke-exercises"
{extra}
"""


def entry(id: str = "pelvic-tilt", regions: str = '"lower_back"', extra: str = "") -> str:
    """One exercise table in TOML, valid unless the arguments break it."""
    return GOOD_ENTRY.format(id=id, regions=regions, extra=extra)


def ids(exercises: tuple[Exercise, ...]) -> tuple[str, ...]:
    """The ids of some exercises, in order."""
    return tuple(exercise.id for exercise in exercises)


# ------------------------------------------------------------------------------ pictures


@pytest.mark.hazard("HAZ-11")
@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
@pytest.mark.parametrize("side", ["left", "right"])
def test_picture_is_a_safe_self_contained_svg(exercise: Exercise, side: str) -> None:
    """Each exercise has a small SVG picture (one per side when it is one-sided) with title,
    desc and no external references."""
    path = pictures_dir() / exercise.picture_for(side)
    assert path.name == (f"{exercise.id}-{side}.svg" if exercise.one_sided
                         else f"{exercise.id}.svg")
    text = path.read_text(encoding="utf-8")
    assert text.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert len(text.encode()) < 12 * 1024
    for bad in FORBIDDEN_IN_SVG:
        assert bad not in text, bad
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 320 200"
    assert (root.get("width"), root.get("height"), root.get("role")) == ("320", "200", "img")
    first, second = root[0], root[1]
    assert first.tag == f"{SVG}title"
    assert first.text == exercise.name
    assert second.tag == f"{SVG}desc"
    assert second.text == exercise.alt_for(side)
    if exercise.one_sided:
        assert f" {side} " in exercise.alt_for(side)


def test_a_one_sided_picture_shows_the_patients_side() -> None:
    """A right-sided spasm gets the right-hand picture and alt text; both/central get left."""
    one_sided = [e for e in EXERCISES if e.one_sided]
    assert one_sided, "the library has one-sided exercises"
    for exercise in one_sided:
        assert exercise.picture_for("right") == f"{exercise.id}-right.svg"
        assert exercise.picture_for("left") == f"{exercise.id}-left.svg"
        assert exercise.picture_for("both") == exercise.picture_for(None) == exercise.picture
        assert "{side}" not in exercise.alt_for("right")
        assert exercise.alt_for("right") != exercise.alt_for("left")
        steps = " ".join(exercise.steps_for("right"))
        assert "{" not in steps
        assert steps == " ".join(exercise.steps).replace("{side}", "right")


def test_body_map_has_a_fillable_element_per_region() -> None:
    """The body map has a closed, unfilled element with id region-<name> for each region."""
    path = templates_dir() / "img" / "body-map.svg"
    text = path.read_text(encoding="utf-8")
    for bad in FORBIDDEN_IN_SVG:
        assert bad not in text, bad
    root = ET.fromstring(text)
    assert root.get("viewBox") == "0 0 320 324"
    assert root[0].tag == f"{SVG}title"
    assert root[0].text == "Body map"
    closed = {f"{SVG}{tag}" for tag in ("rect", "ellipse", "circle", "path", "polygon", "g")}
    for region in REGIONS:
        found = [el for el in root.iter() if el.get("id") == f"region-{region}"]
        assert len(found) == 1, region
        element = found[0]
        assert element.tag in closed
        assert element.get("fill") == "none"
        assert element.get("class") == "region"
        for child in element.iter():
            if child is not element:
                assert child.get("fill") is None, "children must inherit the fill"
        if element.tag == f"{SVG}path":
            assert element.get("d", "").rstrip().upper().endswith("Z")


# ---------------------------------------------------------------------------------- data


@pytest.mark.hazard("HAZ-06")
def test_library_covers_the_required_exercises() -> None:
    """The exercises the design asks for are present, with their intensity and pathways."""
    for required in ("position-of-ease", "knee-to-chest", "pelvic-tilt", "cat-camel",
                     "childs-pose", "chin-tuck", "neck-side-bend", "shoulder-rolls",
                     "chair-back-extension", "finger-stretch", "wrist-stretch",
                     "wall-calf-stretch", "toe-sole-stretch"):
        assert required in BY_ID
    for pilates in PILATES_ONLY:
        assert BY_ID[pilates].pathways == ("disc-core-pilates",)
    assert BY_ID["abdominal-bracing"].intensity == "gentle"
    assert {BY_ID[i].intensity for i in ("dead-bug", "bird-dog", "bridge")} == {"programme"}
    ease = BY_ID["position-of-ease"]
    assert (ease.intensity, ease.repetitions, ease.hold) == ("gentle", 1, "5 to 15 minutes")
    calf = BY_ID["wall-calf-stretch"]
    assert "calf-stretch" in calf.pathways
    assert calf.hold == "20 to 30 seconds"
    assert "does not help" in calf.stop_if


@pytest.mark.hazard("HAZ-07")
@pytest.mark.hazard("HAZ-08")
def test_patient_text_is_short_and_plain() -> None:
    """Steps are 3 to 5 short sentences (under 12 words), numbers are digits, no drug words."""
    number_words = re.compile(r"\b(one|two|three|four|five|six|seven|eight|nine|ten)\b", re.I)
    drug_words = re.compile(r"\b(relaxant|ibuprofen|paracetamol|diazepam|tablet|mg)\b", re.I)
    for exercise in EXERCISES:
        assert 3 <= len(exercise.steps) <= 5, exercise.id
        texts = [*exercise.steps, exercise.feel, exercise.stop_if, exercise.how_often,
                 exercise.name]
        for text in texts:
            for sentence in re.split(r"(?<=[.!?])\s+", text):
                assert len(sentence.split()) < 12, (exercise.id, sentence)
            assert not number_words.search(text), (exercise.id, text)
            assert not drug_words.search(text), (exercise.id, text)
        for step in exercise.steps:
            assert step.endswith("."), (exercise.id, step)
        assert exercise.picture_alt.endswith(".")


def test_every_region_has_gentle_exercises_for_self_care_and_mobilisation() -> None:
    """Each region has a gentle exercise reachable from acute-self-care and mobilisation."""
    for region in REGIONS:
        for pathway in ("acute-self-care", "mobilisation-exercise"):
            found = [e for e in EXERCISES
                     if region in e.regions and pathway in e.pathways and e.is_gentle]
            assert found, (region, pathway)


def test_the_bundled_library_is_part_of_the_knowledge_base() -> None:
    """The knowledge base carries the library, and a plan's exercises come from it."""
    assert KB.exercises is load_knowledge().exercises
    bundled = files("physio_notes") / "knowledge" / "exercises.toml"
    assert load_library(bundled, pathways=EXERCISE_PATHWAYS, sources=KB.sources) == KB.exercises


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(entry(regions='"lower_back", "elbow"'), "unknown regions value 'elbow'",
                     id="unknown-region"),
        pytest.param(entry(extra='colour = "red"'), "unknown keys ['colour']", id="unknown-key"),
        pytest.param(entry() + entry(), "duplicate id", id="duplicate-id"),
        pytest.param(entry().replace('intensity = "gentle"', 'intensity = "hard"'),
                     "unknown intensity value 'hard'", id="bad-intensity"),
        pytest.param(entry().replace('["acute-self-care"]', '["urgent-referral"]'),
                     "unknown pathways value 'urgent-referral'", id="bad-pathway"),
        pytest.param(entry().replace('sets = 1\n', ""), "missing keys ['sets']",
                     id="missing-key"),
        pytest.param(entry().replace("repetitions = 3", 'repetitions = "3"'),
                     "repetitions must be a whole number", id="wrong-type"),
        pytest.param(entry(extra='one_sided = "yes"'), "one_sided must be true or false",
                     id="one-sided-not-bool"),
        pytest.param(entry(extra="one_sided = true"), "picture_alt must hold {side} once",
                     id="one-sided-alt-without-side"),
        pytest.param(entry().replace('"Hug 1 knee."', '"Hug your {side} knee."'),
                     "steps may hold no {...}", id="side-in-steps-of-two-sided"),
        pytest.param(entry().replace('"Hug 1 knee."', '"Hug {knee}."'),
                     "steps may hold no {...}", id="stray-brace-in-steps"),
    ],
)
def test_bad_data_names_the_exercise(tmp_path: Path, text: str, message: str) -> None:
    """Malformed exercise data raises KnowledgeBaseError naming the file and exercise id."""
    path = tmp_path / "exercises.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeBaseError) as info:
        load_exercises(path)
    assert str(path) in str(info.value)
    assert "exercise 'pelvic-tilt'" in str(info.value)
    assert message in str(info.value)
    assert isinstance(info.value, PhysioNotesError)
    assert isinstance(info.value, ValueError)


def test_missing_picture_is_an_error(tmp_path: Path) -> None:
    """An exercise without a picture file is rejected, naming the id and the picture."""
    path = tmp_path / "exercises.toml"
    path.write_text(entry(id="no-such-exercise"), encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"exercise 'no-such-exercise'.*picture"):
        load_exercises(path)


def test_unparsable_toml_is_an_error(tmp_path: Path) -> None:
    """A file that is not TOML raises KnowledgeBaseError naming the file."""
    path = tmp_path / "exercises.toml"
    path.write_text("[[exercise]\nid = ", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="cannot read"):
        load_exercises(path)


def test_a_valid_file_loads(tmp_path: Path) -> None:
    """A well-formed file loads, and the picture name follows the id."""
    path = tmp_path / "exercises.toml"
    path.write_text(entry(), encoding="utf-8")
    (exercise,) = load_exercises(path)
    assert exercise.picture == "pelvic-tilt.svg"
    assert exercise.steps == ("Lie on your back.", "Hug 1 knee.", "Hold, then let go.")


def test_a_one_sided_entry_loads_with_a_picture_per_side(tmp_path: Path) -> None:
    """one_sided = true: the pictures are <id>-left.svg and <id>-right.svg, and {side} in the
    alt text is filled in for the side shown."""
    path = tmp_path / "exercises.toml"
    text = entry(id="knee-to-chest", extra="one_sided = true").replace(
        "hugs 1 knee.", "hugs the {side} knee.")
    path.write_text(text, encoding="utf-8")
    (exercise,) = load_exercises(path)
    assert exercise.one_sided
    assert exercise.picture == "knee-to-chest-left.svg"
    assert exercise.picture_for("right") == "knee-to-chest-right.svg"
    assert exercise.alt_for("right") == "A person lies on their back and hugs the right knee."
    assert exercise.alt_for("central") == "A person lies on their back and hugs the left knee."


# ----------------------------------------------------------------------------- selection

LOW_BACK_EASY = ("position-of-ease", "knee-to-chest", "pelvic-tilt", "knee-rolls", "cat-camel",
                 "childs-pose")

SELECTION_CASES = [
    pytest.param(["acute-self-care"], "lower_back", "emergency", (), id="emergency-none"),
    pytest.param(["urgent-referral", "acute-self-care"], "neck", "urgent", (), id="urgent-none"),
    pytest.param(["medical-review", "calf-stretch"], "calves", "urgent", (),
                 id="urgent-calves-none"),
    pytest.param(["urgent-referral", "acute-self-care"], "lower_back", None, (),
                 id="urgent-referral-pathway-none"),
    pytest.param(["disc-core-pilates"], "lower_back", None,
                 ("position-of-ease", "pelvic-tilt", "abdominal-bracing", "dead-bug", "bird-dog",
                  "bridge"), id="disc-lower-back-pilates"),
    pytest.param(["acute-self-care"], "lower_back", None, LOW_BACK_EASY,
                 id="no-disc-no-pilates"),
    pytest.param(["mobilisation-exercise", "acute-self-care"], "lower_back", None,
                 LOW_BACK_EASY, id="mobilisation-lower-back"),
    pytest.param(["medical-review", "disc-core-pilates"], "lower_back", None,
                 ("position-of-ease", "pelvic-tilt", "knee-rolls", "cat-camel",
                  "abdominal-bracing"), id="review-pending-gentle-only"),
    pytest.param(["neurologist-referral", "disc-core-pilates"], "lower_back", None,
                 ("position-of-ease", "pelvic-tilt", "knee-rolls", "abdominal-bracing"),
                 id="neuro-referral-gentle-only"),
    pytest.param(["neurologist-referral"], "calves", None,
                 ("towel-calf-stretch", "ankle-pumps"), id="neuro-calves-seated-only"),
    pytest.param(["calf-stretch"], "calves", None,
                 ("wall-calf-stretch", "towel-calf-stretch"), id="calf-stretch"),
    pytest.param(["medical-review", "calf-stretch"], "calves", None,
                 ("wall-calf-stretch", "towel-calf-stretch", "ankle-pumps"),
                 id="calves-review"),
    pytest.param(["acute-self-care"], "mid_back", None,
                 ("position-of-ease", "cat-camel", "childs-pose", "shoulder-rolls",
                  "chair-back-extension", "seated-twist"), id="acute-mid-back"),
    pytest.param(["acute-self-care"], "neck", None,
                 ("chin-tuck", "neck-side-bend", "neck-turn", "shoulder-rolls"),
                 id="acute-neck"),
    pytest.param(["disc-core-pilates"], "neck", None, ("chin-tuck", "shoulder-rolls"),
                 id="disc-neck"),
    pytest.param(["acute-self-care"], "hands", None,
                 ("finger-stretch", "wrist-stretch", "hand-open-close"), id="acute-hands"),
    pytest.param(["acute-self-care"], "calves", None,
                 ("wall-calf-stretch", "towel-calf-stretch", "ankle-pumps"), id="acute-calves"),
    pytest.param(["acute-self-care"], "feet", None,
                 ("ankle-pumps", "toe-sole-stretch", "foot-roll"), id="acute-feet"),
    pytest.param(["calf-stretch"], "feet", None, (), id="calf-stretch-is-not-for-feet"),
    pytest.param([], "lower_back", None, (), id="no-pathways"),
]


@pytest.mark.hazard("HAZ-06")
@pytest.mark.parametrize(("pathways", "region", "urgency", "expected"), SELECTION_CASES)
def test_selection_table(pathways: list[str], region: str, urgency: str | None,
                         expected: tuple[str, ...]) -> None:
    """Selection returns exactly these exercise ids, in library order."""
    assert ids(select_exercises(pathways, region, urgency)) == expected


@pytest.mark.parametrize("region", REGIONS)
def test_each_region_has_exercises_under_acute_self_care(region: str) -> None:
    """Every region offers at least one gentle exercise under acute-self-care."""
    chosen = select_exercises(["acute-self-care"], region, None)
    assert chosen
    assert any(exercise.is_gentle for exercise in chosen)


def test_limit_caps_the_result() -> None:
    """At most `limit` exercises come back, the first ones in library order."""
    assert ids(select_exercises(["acute-self-care"], "lower_back", None, limit=2)) == (
        "position-of-ease", "knee-to-chest")
    assert select_exercises(["acute-self-care"], "lower_back", None, limit=0) == ()


def test_a_plan_offers_four_and_every_pathway_takes_its_turn() -> None:
    """By default a plan offers MAX_EXERCISES (4); when more match, each pathway in priority
    order takes its next one in turn, so the disc pathway keeps its core work beside the
    review's gentle movement, and the result stays in library order."""
    assert MAX_EXERCISES == 4
    chosen = engine_select(KB, ["medical-review", "disc-core-pilates"], "lower_back")
    assert ids(chosen) == ("position-of-ease", "pelvic-tilt", "knee-rolls", "abdominal-bracing")
    # without the turn-taking, the first 4 in library order would have no core work at all
    assert "abdominal-bracing" not in ids(select_exercises(
        ["medical-review", "disc-core-pilates"], "lower_back", None))[:4]
    assert ids(engine_select(KB, ["acute-self-care"], "lower_back")) == LOW_BACK_EASY[:4]


@pytest.mark.parametrize("region", REGIONS)
def test_every_pathway_that_offers_exercises_is_represented(region: str) -> None:
    """For every subset of pathways (in priority order), the default choice holds at most 4,
    each chosen from the full choice, and each pathway with a candidate of its own has one
    when there are no more such pathways than places."""
    for subset in _all_subsets():
        full = engine_select(KB, list(subset), region, limit=len(EXERCISES))
        chosen = engine_select(KB, list(subset), region)
        assert len(chosen) == min(MAX_EXERCISES, len(full))
        assert set(ids(chosen)) <= set(ids(full))
        offering = [pid for pid in subset if any(pid in e.pathways for e in full)]
        if len(offering) <= MAX_EXERCISES:
            for pid in offering:
                assert any(pid in e.pathways for e in chosen), (region, subset, pid)


def test_bad_arguments_are_rejected() -> None:
    """An unknown region, a bare string of pathways or a negative limit is an error."""
    with pytest.raises(ValueError, match="unknown region"):
        select_exercises(["acute-self-care"], "elbow", None)
    with pytest.raises(TypeError):
        select_exercises("acute-self-care", "neck", None)
    with pytest.raises(ValueError, match="limit"):
        select_exercises(["acute-self-care"], "neck", None, limit=-1)


def _all_subsets() -> list[tuple[str, ...]]:
    return [combo for n in range(len(EXERCISE_PATHWAYS) + 1)
            for combo in itertools.combinations(EXERCISE_PATHWAYS, n)]


@pytest.mark.hazard("HAZ-06")
@pytest.mark.parametrize("region", REGIONS)
def test_safety_properties_hold_for_every_pathway_combination(region: str) -> None:
    """For every subset of pathways: no programme item while a review or referral is
    pending, no Pilates-only item without disc-core-pilates, no duplicates, library order,
    and gentle movement whenever an exercise pathway that suits the region is present."""
    order = {exercise.id: n for n, exercise in enumerate(EXERCISES)}
    for subset in _all_subsets():
        chosen = select_exercises(list(subset), region, None, limit=len(EXERCISES))
        chosen_ids = ids(chosen)
        assert len(set(chosen_ids)) == len(chosen_ids)
        assert list(chosen_ids) == sorted(chosen_ids, key=order.__getitem__)
        for exercise in chosen:
            assert region in exercise.regions
            assert set(exercise.pathways) & set(subset)
        if set(subset) & REFERRAL_PATHWAYS:
            assert all(exercise.intensity == "gentle" for exercise in chosen), subset
        if "disc-core-pilates" not in subset:
            assert not set(chosen_ids) & PILATES_ONLY, subset
        offers_movement = set(subset) - {"calf-stretch"} or (
            region == "calves" and "calf-stretch" in subset)
        if offers_movement:
            assert any(exercise.is_gentle for exercise in chosen), (region, subset)
        for urgency in ("emergency", "urgent"):
            assert select_exercises(list(subset), region, urgency) == ()


@pytest.mark.hazard("HAZ-06")
@pytest.mark.parametrize(
    ("pathways", "region", "excluded"),
    [
        pytest.param(("disc-core-pilates", "acute-self-care"), "lower_back",
                     {"knee-to-chest", "childs-pose"}, id="disc-rules-out-deep-bending"),
        pytest.param(("mobilisation-exercise", "medical-review"), "lower_back",
                     {"knee-to-chest", "childs-pose"}, id="review-rules-out-deep-bending"),
        pytest.param(("neurologist-referral", "mobilisation-exercise"), "lower_back",
                     {"cat-camel", "childs-pose", "knee-to-chest"}, id="neuro-no-kneeling"),
        pytest.param(("neurologist-referral", "calf-stretch"), "calves",
                     {"wall-calf-stretch"}, id="neuro-no-standing-stretch"),
    ],
)
def test_avoid_with_rules_an_exercise_out(
    pathways: tuple[str, ...], region: str, excluded: set[str]
) -> None:
    """avoid_with removes an exercise even when another pathway in the plan offers it."""
    shown = {e.id for e in select_exercises(pathways, region, None, limit=50)}
    assert shown, "the plan still offers some movement"
    assert shown.isdisjoint(excluded)
    without = tuple(p for p in pathways if p not in {
        "disc-core-pilates", "medical-review", "neurologist-referral"})
    offered = {e.id for e in select_exercises(without, region, None, limit=50)}
    assert excluded <= offered, "the other pathway alone would offer them"


def test_an_exercise_that_may_make_you_dizzy_is_marked_so() -> None:
    """An exercise whose stop rule names dizziness is ``dizzying`` (and only those), so the
    handout says once what to do when the dizziness does not pass."""
    marked = {e.id for e in EXERCISES if e.dizzying}
    assert marked == {e.id for e in EXERCISES if "dizzy" in e.stop_if}
    assert {"chin-tuck", "neck-side-bend", "neck-turn", "chair-back-extension"} <= marked
