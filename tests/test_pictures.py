"""The exercise pictures a patient copies: every one shows its exercise the same way.

Each picture is an SVG drawn by ``tools/draw_exercises.py``. These tests check what the tool
promises (see its module docstring): one file per exercise, or a left and a right one for a
one-sided exercise; Start and Finish frames; arrows for movement; side labels that match the
file; words large enough to read at print size, inside their own frame and clear of the
drawing; frames that keep their drawing to themselves; alt text that names the body
position; no scripts, links or external references; and files that are exactly what the
tool draws now.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
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
WIDTH, HEIGHT = 320.0, 200.0  # the viewBox
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


# ------------------------------------------------------- words clear of the drawing
#
# A word is only read if it sits on white paper: inside its own frame and clear of the
# figure, the props, the arrows and the floor. The tests estimate each word's box from the
# font's metrics and measure it against the drawn shapes, worked out from the file itself
# (every polyline, line, path, circle and rect, with its stroke width and any transform), so
# the check covers the committed picture whatever drew it. Each stroke and filled shape is
# measured as drawn, not by its bounding box: a word may sit in the crook of a bent arm or
# beside a slanting leg, never on the body, a prop, an arrow, the floor or the divider.

#: Atkinson Hyperlegible's average advance for these words is under 0.51 em (bold "Right");
#: 0.58 em a character leaves room for a fallback font.
EM_PER_CHAR = 0.58
CAP_HEIGHT = 0.72  # em above the baseline
DESCENDER = 0.22  # em below the baseline, for a word with a descender ("Right")
EDGE_MARGIN = 4.0  # viewBox units between a word and the picture's edge or the divider
CLEARANCE = 2.0  # viewBox units between a word and anything drawn
CURVE_STEPS = 16  # straight pieces per curve when measuring

Point = tuple[float, float]
Box = tuple[float, float, float, float]  # left, top, right, bottom
Matrix = tuple[float, float, float, float, float, float]  # as SVG matrix(a b c d e f)
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass(frozen=True)
class Shape:
    """Something drawn, in picture coordinates: a stroked polyline (``radius`` is half the
    stroke width; one point is a dot) or a filled polygon (``filled``)."""

    points: tuple[Point, ...]
    radius: float = 0.0
    filled: bool = False
    closed: bool = False
    frame: int | None = None  # the frame it is drawn in (None: outside any frame)


@dataclass(frozen=True)
class Word:
    """A word's estimated box, in picture coordinates."""

    text: str
    box: Box
    frame: int


def compose(outer: Matrix, inner: Matrix) -> Matrix:
    """The transform that applies ``inner`` and then ``outer``."""
    a, b, c, d, e, f = outer
    a2, b2, c2, d2, e2, f2 = inner
    return (a * a2 + c * b2, b * a2 + d * b2, a * c2 + c * d2, b * c2 + d * d2,
            a * e2 + c * f2 + e, b * e2 + d * f2 + f)


def apply(m: Matrix, p: Point) -> Point:
    """A point moved by a transform."""
    return (m[0] * p[0] + m[2] * p[1] + m[4], m[1] * p[0] + m[3] * p[1] + m[5])


def parse_transform(value: str | None) -> Matrix:
    """A ``transform`` attribute (translate and matrix only: all the tool writes)."""
    m = IDENTITY
    for name, args in re.findall(r"(\w+)\s*\(([^)]*)\)", value or ""):
        nums = [float(n) for n in re.split(r"[\s,]+", args.strip())]
        if name == "translate":
            m = compose(m, (1.0, 0.0, 0.0, 1.0, nums[0], nums[1] if len(nums) > 1 else 0.0))
        elif name == "matrix":
            m = compose(m, (nums[0], nums[1], nums[2], nums[3], nums[4], nums[5]))
        else:
            raise AssertionError(f"transform {name}() is not measured by these tests")
    return m


def _arc(p0: Point, rx: float, ry: float, phi: float, large: bool, sweep: bool,
         p1: Point) -> list[Point]:
    """Points along an SVG elliptical arc from ``p0`` to ``p1`` (SVG 1.1 appendix F.6.5)."""
    if rx == 0 or ry == 0 or p0 == p1:
        return [p1]
    cos_p, sin_p = math.cos(math.radians(phi)), math.sin(math.radians(phi))
    dx, dy = (p0[0] - p1[0]) / 2, (p0[1] - p1[1]) / 2
    x1, y1 = cos_p * dx + sin_p * dy, -sin_p * dx + cos_p * dy
    rx, ry = abs(rx), abs(ry)
    scale = x1 * x1 / (rx * rx) + y1 * y1 / (ry * ry)
    if scale > 1:
        rx, ry = rx * math.sqrt(scale), ry * math.sqrt(scale)
    num = rx * rx * ry * ry - rx * rx * y1 * y1 - ry * ry * x1 * x1
    den = rx * rx * y1 * y1 + ry * ry * x1 * x1
    coef = math.sqrt(max(0.0, num / den)) * (-1 if large == sweep else 1)
    cxp, cyp = coef * rx * y1 / ry, -coef * ry * x1 / rx
    cx = cos_p * cxp - sin_p * cyp + (p0[0] + p1[0]) / 2
    cy = sin_p * cxp + cos_p * cyp + (p0[1] + p1[1]) / 2
    start = math.atan2((y1 - cyp) / ry, (x1 - cxp) / rx)
    end = math.atan2((-y1 - cyp) / ry, (-x1 - cxp) / rx)
    delta = end - start
    if sweep and delta < 0:
        delta += 2 * math.pi
    elif not sweep and delta > 0:
        delta -= 2 * math.pi
    out = []
    for k in range(1, CURVE_STEPS + 1):
        t = start + delta * k / CURVE_STEPS
        x, y = rx * math.cos(t), ry * math.sin(t)
        out.append((cx + cos_p * x - sin_p * y, cy + sin_p * x + cos_p * y))
    return out


def path_points(d: str) -> list[tuple[list[Point], bool]]:
    """A path's subpaths as (points, closed), curves cut into short straight pieces.

    Only the absolute commands the tool writes are read (M L H V Q A Z); any other fails
    the test, so the measurement never silently skips a shape.
    """
    tokens = re.findall(r"[A-Za-z]|-?\d*\.?\d+(?:[eE][-+]?\d+)?", d)
    subpaths: list[tuple[list[Point], bool]] = []
    current: list[Point] = []
    i, command = 0, ""

    def num() -> float:
        nonlocal i
        i += 1
        return float(tokens[i - 1])

    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
        here = current[-1] if current else (0.0, 0.0)
        if command == "M":
            if current:
                subpaths.append((current, False))
            current = [(num(), num())]
            command = "L"
        elif command == "L":
            current.append((num(), num()))
        elif command == "H":
            current.append((num(), here[1]))
        elif command == "V":
            current.append((here[0], num()))
        elif command == "Q":
            ctrl, end = (num(), num()), (num(), num())
            for k in range(1, CURVE_STEPS + 1):
                t = k / CURVE_STEPS
                a, b, c = (1 - t) ** 2, 2 * (1 - t) * t, t * t
                current.append((a * here[0] + b * ctrl[0] + c * end[0],
                                a * here[1] + b * ctrl[1] + c * end[1]))
        elif command == "A":
            rx, ry, phi, large, sweep = num(), num(), num(), num(), num()
            current += _arc(here, rx, ry, phi, bool(large), bool(sweep), (num(), num()))
        elif command in "Zz":
            subpaths.append((current, True))
            current = [current[0]] if current else []
            command = ""
        else:
            raise AssertionError(f"path command {command!r} is not measured by these tests")
    if len(current) > 1 or (current and not subpaths):
        subpaths.append((current, False))
    return subpaths


def shapes_and_words(root: ET.Element) -> tuple[list[Shape], list[Word]]:
    """Every drawn shape and every word of a picture, in picture coordinates."""
    shapes: list[Shape] = []
    found: list[Word] = []
    frame_ids = {id(el): i for i, el in enumerate(frames(root))}

    def visit(el: ET.Element, m: Matrix, style: dict[str, str], frame: int | None) -> None:
        m = compose(m, parse_transform(el.get("transform")))
        style = {**style, **{k: v for k, v in el.attrib.items()
                             if k in {"stroke", "stroke-width", "fill"}}}
        frame = frame_ids.get(id(el), frame)
        tag = local(el)
        stroke = style.get("stroke", "none") != "none"
        radius = float(style.get("stroke-width", "1")) / 2 if stroke else 0.0
        filled = style.get("fill", "black") != "none"
        outlines: list[tuple[list[Point], bool]] = []
        if tag == "text":
            assert frame is not None, "a word outside any frame"
            found.append(Word((el.text or "").strip(), word_box(el, m), frame))
        elif tag == "polyline":
            nums = [float(n) for n in re.split(r"[\s,]+", (el.get("points") or "").strip())]
            outlines.append((list(zip(nums[::2], nums[1::2], strict=True)), False))
        elif tag == "line":
            outlines.append(([(float(el.get("x1", 0)), float(el.get("y1", 0))),
                              (float(el.get("x2", 0)), float(el.get("y2", 0)))], False))
        elif tag == "path":
            outlines += path_points(el.get("d") or "")
        elif tag == "rect":
            x, y = float(el.get("x", 0)), float(el.get("y", 0))
            w, h = float(el.get("width", 0)), float(el.get("height", 0))
            outlines.append(([(x, y), (x + w, y), (x + w, y + h), (x, y + h)], True))
        elif tag == "circle":
            c = apply(m, (float(el.get("cx", 0)), float(el.get("cy", 0))))
            r = float(el.get("r", 0))
            shapes.append(Shape((c,), r + radius if filled else radius, frame=frame))
            if not filled:  # a ring: keep the centre free only in the ring's inside
                shapes[-1] = Shape(tuple(apply(m, (c[0] + r * math.cos(t), c[1] + r *
                                                   math.sin(t))) for t in
                                         (2 * math.pi * k / CURVE_STEPS
                                          for k in range(CURVE_STEPS))),
                                   radius, closed=True, frame=frame)
        for points, closed in outlines:
            moved = tuple(apply(m, p) for p in points)
            if filled and len(moved) > 2:
                shapes.append(Shape(moved, radius, filled=True, closed=True, frame=frame))
            elif stroke:
                shapes.append(Shape(moved, radius, closed=closed, frame=frame))
        for child in el:
            visit(child, m, style, frame)

    visit(root, IDENTITY, {}, None)
    return shapes, found


def word_box(text: ET.Element, m: Matrix) -> Box:
    """A ``<text>`` element's estimated box, moved by ``m`` (a translation)."""
    word = (text.text or "").strip()
    size = float(text.get("font-size", "0"))
    width = EM_PER_CHAR * size * len(word)
    x, y = apply(m, (float(text.get("x", "0")), float(text.get("y", "0"))))
    shift = {"start": 0.0, "middle": 0.5, "end": 1.0}[text.get("text-anchor", "start")]
    descent = DESCENDER * size if set(word) & set("gjpqy") else 0.0
    return (x - shift * width, y - CAP_HEIGHT * size, x + (1 - shift) * width, y + descent)


def _dist_point_segment(p: Point, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy)
                                              / length2))
    return math.dist(p, (a[0] + t * dx, a[1] + t * dy))


def _inside_box(p: Point, box: Box) -> bool:
    return box[0] <= p[0] <= box[2] and box[1] <= p[1] <= box[3]


def _segments_cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    def turn(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    return (turn(a, b, c) * turn(a, b, d) < 0) and (turn(c, d, a) * turn(c, d, b) < 0)


def _dist_segment_box(a: Point, b: Point, box: Box) -> float:
    """The distance from a segment to a box (0 when they touch)."""
    if _inside_box(a, box) or _inside_box(b, box):
        return 0.0
    corners = [(box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3])]
    edges = list(zip(corners, corners[1:] + corners[:1], strict=True))
    if any(_segments_cross(a, b, c, d) for c, d in edges):
        return 0.0
    return min([_dist_point_segment(c, a, b) for c in corners]
               + [_dist_point_segment(p, c, d) for p in (a, b) for c, d in edges])


def _inside_polygon(p: Point, polygon: tuple[Point, ...]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (y1 > p[1]) != (y2 > p[1]) and p[0] < x1 + (p[1] - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def gap(shape: Shape, box: Box) -> float:
    """The white space between a drawn shape (with its stroke) and a word's box."""
    pts = shape.points
    if len(pts) == 1:
        d = _dist_segment_box(pts[0], pts[0], box)
    else:
        pairs = list(itertools.pairwise(pts))
        if shape.closed:
            pairs.append((pts[-1], pts[0]))
        d = min(_dist_segment_box(a, b, box) for a, b in pairs)
        corners = [(box[0], box[1]), (box[2], box[3]), (box[0], box[3]), (box[2], box[1])]
        if shape.filled and any(_inside_polygon(c, pts) for c in corners):
            d = 0.0
    return d - shape.radius


def overlap(a: Box, b: Box, margin: float = 0.0) -> bool:
    """Whether two boxes come closer than ``margin``."""
    return not (a[2] + margin <= b[0] or b[2] + margin <= a[0]
                or a[3] + margin <= b[1] or b[3] + margin <= a[1])


@pytest.mark.parametrize(("exercise", "side", "path"), CASES)
def test_words_sit_in_their_frame(exercise: Exercise, side: str | None, path: Path) -> None:
    """Each word lies wholly inside its own frame: at least 4 units from the picture's edges
    and from the divider between Start and Finish, and clear of the other words."""
    root = ET.parse(path).getroot()
    width = WIDTH / len(frames(root))
    _, found = shapes_and_words(root)
    for word in found:
        left, top, right, bottom = word.box
        x0 = word.frame * width
        assert left >= x0 + EDGE_MARGIN, (word.text, word.box)
        assert right <= x0 + width - EDGE_MARGIN, (word.text, word.box)
        assert top >= EDGE_MARGIN, (word.text, word.box)
        assert bottom <= HEIGHT - EDGE_MARGIN, (word.text, word.box)
    for a, b in itertools.combinations(found, 2):
        assert not overlap(a.box, b.box, EDGE_MARGIN), (a.text, b.text)


@pytest.mark.parametrize(("exercise", "side", "path"), CASES)
def test_words_are_clear_of_the_drawing(exercise: Exercise, side: str | None,
                                        path: Path) -> None:
    """No word touches the figure, a prop, an arrow, the floor or the divider: each drawn
    shape (stroke included) stays 2 units or more from every word's box."""
    root = ET.parse(path).getroot()
    shapes, found = shapes_and_words(root)
    for word in found:
        for shape in shapes:
            assert gap(shape, word.box) >= CLEARANCE, (word.text, word.box, shape.points[:3])


@pytest.mark.parametrize(("exercise", "side", "path"), CASES)
def test_each_frame_keeps_its_drawing(exercise: Exercise, side: str | None,
                                      path: Path) -> None:
    """Nothing drawn in one frame reaches across the divider into the other (a drawing may
    run off the picture's outer edges, as a close-up or a floor does)."""
    root = ET.parse(path).getroot()
    count = len(frames(root))
    if count < 2:
        return
    width = WIDTH / count
    shapes, _ = shapes_and_words(root)
    for shape in shapes:
        if shape.frame is None:
            continue
        xs = [p[0] for p in shape.points]
        x0 = shape.frame * width
        if shape.frame > 0:
            assert min(xs) - shape.radius >= x0, (shape.frame, shape.points[:3])
        if shape.frame < count - 1:
            assert max(xs) + shape.radius <= x0 + width, (shape.frame, shape.points[:3])


SAMPLE = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 200">
<g fill="none" stroke="#1a1a1a" stroke-width="12">
<line x1="160" y1="6" x2="160" y2="194" stroke="#bdbdbd" stroke-width="2"/>
<g class="frame" data-label="Start"><g transform="matrix(-1 0 0 1 160 0)">
<polyline points="{limb}"/><path d="M100,150 Q120,120 140,150 A20,20 0 0 1 100,150 Z"
 fill="#1a1a1a" stroke="none"/></g>
<text x="{x}" y="{y}" font-size="24" text-anchor="middle">Right</text></g>
<g class="frame" data-label="Finish" transform="translate(160 0)"></g></g></svg>"""


@pytest.mark.parametrize(("limb", "x", "y", "fits", "clear"), [
    pytest.param("10,10 20,20", 80, 100, True, True, id="clear"),
    pytest.param("80,60 80,140", 80, 100, True, False, id="on-a-limb"),
    pytest.param("10,10 20,20", 138, 100, False, False, id="across-the-divider"),
    pytest.param("10,10 20,20", 40, 160, True, False, id="on-a-mirrored-filled-shape"),
    pytest.param("10,10 20,20", 34, 100, False, True, id="at-the-edge"),
])
def test_the_word_measures_catch_overlaps(limb: str, x: float, y: float, fits: bool,
                                          clear: bool) -> None:
    """The measuring behind the word tests finds a word on a stroke, on a filled shape
    (through a mirroring transform), across the divider or at the picture's edge."""
    root = ET.fromstring(SAMPLE.format(limb=limb, x=x, y=y))
    shapes, found = shapes_and_words(root)
    (word,) = found
    assert word.frame == 0
    inside = word.box[0] >= EDGE_MARGIN and word.box[2] <= WIDTH / 2 - EDGE_MARGIN
    assert inside == fits
    assert all(gap(shape, word.box) >= CLEARANCE for shape in shapes) == clear
