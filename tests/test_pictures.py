"""The exercise pictures a patient copies: every one shows its exercise the same way.

Each picture is an SVG drawn by ``tools/draw_exercises.py``. These tests check what the tool
promises (see its module docstring): one file per exercise, or a left and a right one for a
one-sided exercise; Start and Finish frames; arrows for movement; side labels that match the
file; words large enough to read at print size; alt text that names the body position; no
scripts, links or external references; and files that are exactly what the tool draws now.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

from physio_notes import load_knowledge
from physio_notes._exercises import Exercise, pictures_dir

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "draw_exercises.py"
NS = "{http://www.w3.org/2000/svg}"
EXERCISES = load_knowledge().exercises
SIDES = ("left", "right")

#: Pictures drawn as one frame, with no Start/Finish labels: a resting position, and
#: movements done in place (a brace, a circle). Every other picture has two frames.
SINGLE_FRAME = frozenset({"position-of-ease", "abdominal-bracing", "shoulder-rolls"})
#: Pictures without an arrow, each with its reason. Everything else shows movement.
NO_ARROW = {"position-of-ease": "a resting position: the patient lies still"}
#: Words that name the body position in the alt text.
POSITIONS = ("lies", "lying", "sits", "sitting", "stands", "standing", "hands and knees",
             "kneels")
MIN_FONT_SIZE = 23.0  # viewBox units: 9 pt when the 320-unit picture prints 45 mm wide
FORBIDDEN_TAGS = frozenset({"script", "image", "foreignObject", "style", "a", "iframe",
                            "use", "marker", "feImage"})


def pictures(exercise: Exercise) -> dict[str | None, Path]:
    """The picture files an exercise should have: by side, or one file under ``None``."""
    folder = pictures_dir()
    if exercise.one_sided:
        return {side: folder / f"{exercise.id}-{side}.svg" for side in SIDES}
    return {None: folder / f"{exercise.id}.svg"}


CASES = [
    pytest.param(exercise, side, path, id=path.stem)
    for exercise in EXERCISES
    for side, path in pictures(exercise).items()
]


def local(element: ET.Element) -> str:
    """An element's tag without the SVG namespace."""
    return element.tag.removeprefix(NS)


def frames(root: ET.Element) -> list[ET.Element]:
    """The picture's frame groups, in document order."""
    return [el for el in root.iter(f"{NS}g") if el.get("class") == "frame"]


def texts(element: ET.Element, cls: str) -> list[str]:
    """The words in ``<text class="cls">`` elements under ``element``."""
    return [(el.text or "").strip() for el in element.iter(f"{NS}text")
            if el.get("class") == cls]


def alt_for(exercise: Exercise, side: str | None) -> str:
    """The alt text a picture carries: the side's name in place of ``{side}``."""
    return exercise.picture_alt if side is None else exercise.picture_alt.replace("{side}",
                                                                                  side)


# ------------------------------------------------------------------------------ the files


def test_each_exercise_has_its_picture_files_and_nothing_else() -> None:
    """A one-sided exercise has a left and a right file (and no plain one); any other has
    exactly one; no file belongs to no exercise."""
    folder = pictures_dir()
    expected = {path.name for exercise in EXERCISES for path in pictures(exercise).values()}
    for exercise in EXERCISES:
        for path in pictures(exercise).values():
            assert path.is_file(), path.name
        others = ([f"{exercise.id}.svg"] if exercise.one_sided
                  else [f"{exercise.id}-{side}.svg" for side in SIDES])
        for name in others:
            assert not (folder / name).exists(), name
    assert {path.name for path in folder.glob("*.svg")} == expected


def test_the_one_sided_exercises_are_the_ones_worked_a_side_at_a_time() -> None:
    """The exercises done with one limb, or one direction, at a time (their steps say so)."""
    assert {e.id for e in EXERCISES if e.one_sided} == {
        "knee-to-chest", "knee-rolls", "dead-bug", "bird-dog", "neck-side-bend", "neck-turn",
        "seated-twist", "finger-stretch", "wall-calf-stretch", "towel-calf-stretch",
        "toe-sole-stretch", "foot-roll",
    }


@pytest.mark.parametrize(("exercise", "side", "path"), CASES)
def test_picture_is_titled_and_described(exercise: Exercise, side: str | None,
                                         path: Path) -> None:
    """The file parses as SVG 320 x 200; its title is the name and its desc the alt text."""
    root = ET.parse(path).getroot()
    assert root.tag == f"{NS}svg"
    assert root.get("viewBox") == "0 0 320 200"
    assert root[0].tag == f"{NS}title"
    assert root[0].text == exercise.name
    assert root[1].tag == f"{NS}desc"
    assert root[1].text == alt_for(exercise, side)
    assert "{" not in (root[1].text or "")


@pytest.mark.parametrize(("exercise", "side", "path"), CASES)
def test_frames_are_start_and_finish(exercise: Exercise, side: str | None, path: Path) -> None:
    """Two frames labelled "Start" and "Finish" in that order, or one unlabelled frame; each
    frame holds the figure."""
    root = ET.parse(path).getroot()
    found = frames(root)
    if exercise.id in SINGLE_FRAME:
        assert len(found) == 1
        assert found[0].get("data-label") is None
        assert texts(root, "label") == []
    else:
        assert [frame.get("data-label") for frame in found] == ["Start", "Finish"]
        for frame in found:
            assert texts(frame, "label") == [frame.get("data-label")]
    for frame in found:
        assert any(g.get("class") == "body" for g in frame.iter(f"{NS}g")), path.name


@pytest.mark.parametrize(("exercise", "side", "path"), CASES)
def test_movement_has_an_arrow(exercise: Exercise, side: str | None, path: Path) -> None:
    """Every picture of a movement has at least one arrow: a shaft and a drawn head."""
    root = ET.parse(path).getroot()
    arrows = [g for g in root.iter(f"{NS}g") if g.get("class") == "arrow"]
    if exercise.id in NO_ARROW:
        assert arrows == []
        return
    assert arrows, path.name
    for arrow in arrows:
        assert len(list(arrow.iter(f"{NS}path"))) >= 2


@pytest.mark.parametrize(("exercise", "side", "path"), CASES)
def test_side_label_matches_the_file(exercise: Exercise, side: str | None, path: Path) -> None:
    """A one-sided picture names its side ("Left" in -left, "Right" in -right), in the Finish
    frame at least; other pictures name no side."""
    root = ET.parse(path).getroot()
    if side is None:
        assert texts(root, "side") == []
        return
    assert set(texts(root, "side")) == {side.title()}
    assert side.title() in texts(frames(root)[-1], "side")
    assert re.search(rf"\b{side}\b", alt_for(exercise, side))


@pytest.mark.parametrize(("exercise", "side", "path"), CASES)
def test_words_are_large_and_in_the_house_font(exercise: Exercise, side: str | None,
                                               path: Path) -> None:
    """Every word is Start, Finish, Left or Right, in Atkinson Hyperlegible at 23 units or
    more (9 pt or more at the smallest print width)."""
    root = ET.parse(path).getroot()
    for text in root.iter(f"{NS}text"):
        assert (text.text or "").strip() in {"Start", "Finish", "Left", "Right"}
        assert float(text.get("font-size", "0")) >= MIN_FONT_SIZE, path.name
        assert (text.get("font-family") or "").startswith("Atkinson Hyperlegible"), path.name


@pytest.mark.parametrize(("exercise", "side", "path"), CASES)
def test_picture_is_self_contained(exercise: Exercise, side: str | None, path: Path) -> None:
    """No scripts, images, foreign objects, style elements, links, markers, url() references
    or event attributes."""
    text = path.read_text(encoding="utf-8")
    assert "url(" not in text
    assert "<!" not in text  # no DOCTYPE or entities
    for element in ET.fromstring(text).iter():
        assert local(element) not in FORBIDDEN_TAGS, (path.name, element.tag)
        for name, value in element.attrib.items():
            bare = name.rsplit("}", 1)[-1].lower()
            assert "href" not in bare, (path.name, name)
            assert not bare.startswith("on"), (path.name, name)
            assert bare not in {"style", "marker-start", "marker-mid", "marker-end"}
            assert "url(" not in value


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_alt_text_names_the_position_and_the_side(exercise: Exercise) -> None:
    """The alt text says how the body is placed; a one-sided one holds ``{side}`` once."""
    alt = exercise.picture_alt
    assert any(re.search(rf"\b{word}\b", alt, re.IGNORECASE) for word in POSITIONS), alt
    assert alt.count("{side}") == (1 if exercise.one_sided else 0)
    assert alt.endswith(".")


def test_exception_lists_name_real_exercises() -> None:
    """The single-frame and no-arrow lists name exercises that exist."""
    ids = {e.id for e in EXERCISES}
    assert ids >= SINGLE_FRAME
    assert set(NO_ARROW) <= SINGLE_FRAME


# --------------------------------------------------------------------- the drawing tool


def _tool() -> ModuleType:
    if not TOOL.is_file():
        pytest.skip("tools/draw_exercises.py is not in this tree (an sdist)")
    spec = importlib.util.spec_from_file_location("draw_exercises_under_test", TOOL)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_pictures_are_what_the_tool_draws() -> None:
    """Running the tool's drawing functions gives the committed files, byte for byte (run
    ``.venv/bin/python tools/draw_exercises.py`` after changing a drawing or an alt text)."""
    tool = _tool()
    drawn: dict[str, str] = tool.render_exercises()
    folder = pictures_dir()
    assert set(drawn) == {path.name for path in folder.glob("*.svg")}
    for name, text in drawn.items():
        assert (folder / name).read_text(encoding="utf-8") == text, name
    body_map: str = tool.body_map()
    assert (folder.parent / "body-map.svg").read_text(encoding="utf-8") == body_map


def test_mirroring_keeps_the_words_readable() -> None:
    """A left picture mirrors the drawing, never the words: no text sits inside a
    transformed drawing group."""
    for exercise in EXERCISES:
        if not exercise.one_sided:
            continue
        root = ET.parse(pictures(exercise)["left"]).getroot()
        for group in root.iter(f"{NS}g"):
            if "matrix(-1" in (group.get("transform") or ""):
                assert list(group.iter(f"{NS}text")) == [], exercise.id
