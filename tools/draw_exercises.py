"""Draw the exercise pictures and the body map used in patient handouts.

Run from the repository root to (re)write the pictures in ``templates/img/exercises`` and
``templates/img/body-map.svg``::

    .venv/bin/python tools/draw_exercises.py

House style. Every exercise picture has a 320 x 200 viewBox (the handout prints it 45 to
50 mm wide) and is a pictogram, not a stick figure:

- The figure has a solid filled head, a thick solid torso (a 17-unit rounded stroke, or a
  filled rounded shape when seen from the front) and limbs drawn as 12-unit rounded
  strokes (18 and 13 units for the largest figures, drawn at 1.4 times the usual size or
  more). Close-ups of a hand or a foot draw it larger in the same filled style.
- Limbs on the far side of the body are light grey; near limbs are dark, with a thin white
  edge where they cross the body. Floors, mats and tables are light grey, furniture and kit
  mid grey, movement arrows dark grey with a drawn triangular head (no SVG markers). No
  meaning is carried by colour alone: the pictures read in greyscale.
- A movement from one position to another gets two frames, labelled "Start" (left) and
  "Finish" (right), each with the figure as large as the frame allows. A movement done in
  place (a circle, a brace) or a resting position gets one frame and no labels. Every
  picture with movement has at least one arrow.
- One-sided exercises (``one_sided = true`` in exercises.toml) get two files,
  ``<id>-left.svg`` and ``<id>-right.svg``. Every drawing below shows the patient's RIGHT
  side working: lying on the back seen from the side with the head to the left, or sitting,
  standing or kneeling seen from the side facing right, the near (dark) limbs are the right
  ones; seen from the front (or, lying, from the feet end), the patient's right is on the
  viewer's left; a right hand flat on a table seen from above has its thumb on the left; a
  close-up of the right foot shows its inner side. The left file mirrors each frame's
  drawing with a transform. A word label, "Left" or "Right", sits next to the working limb
  (or on the side of the turn, tilt or roll) in the Finish frame; it is placed after
  mirroring, so it is never mirrored.
- Words are Atkinson Hyperlegible at 24 units (over 9 pt at 45 mm wide): "Start", "Finish",
  "Left" and "Right" only. Each sits on white paper: wholly inside its own frame, 4 units or
  more from the picture's edges and the divider, and clear of everything drawn (the tests
  measure each word's box at 0.58 em a character and 0.72 em above the baseline against
  every shape in the file). As the labels stay put when a drawing is mirrored, a one-sided
  drawing keeps both top corners of its frames free.
- Nothing drawn in one frame crosses the divider into the other. A close-up may crop a limb:
  it runs off the bottom edge, or is cut square at the frame's side (:func:`cut_limb`).
- Structure for tests: each frame is ``<g class="frame" data-label="Start">`` or
  ``data-label="Finish"`` (a single frame has no data-label), the figure is in
  ``<g class="body">``, each arrow in ``<g class="arrow">``, the side label is
  ``<text class="side">``. Files hold no scripts, links, style elements, images or fonts.

Poses are given as joint angles (degrees; 0 points right, 90 points down, as in SVG) and
turned into joint positions by forward kinematics (or two-link inverse kinematics to put a
hand or foot on a target), so limb lengths stay the same in every picture. The title and
description (alt text, with ``{side}`` filled in) come from
``physio_notes/knowledge/exercises.toml``. :func:`render_exercises` returns every file's text,
so a test can check that the committed files are what this tool draws.
"""

from __future__ import annotations

import math
import sys
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "templates" / "img" / "exercises"
BODY_MAP = ROOT / "templates" / "img" / "body-map.svg"
DATA = ROOT / "physio_notes" / "knowledge" / "exercises.toml"

INK = "#1a1a1a"  # body
FAR = "#8c8c8c"  # limbs on the far side of the body
PROP = "#6e6e6e"  # chairs, walls, towels, balls
FLOOR = "#bdbdbd"  # floor, mat, table edge
TOP = "#e4e4e4"  # a surface seen from above (table top, mat)
ARROW = "#555"  # movement arrows
WHITE = "#fff"
FONT = "Atkinson Hyperlegible, sans-serif"
TEXT_SIZE = 24  # viewBox units: over 9 pt when the picture is printed 45 mm wide
WIDTH, HEIGHT = 320, 200
GROUND = 186.0  # top edge of the floor or mat in most frames

# Segment lengths at scale 1.
TORSO, NECK, HEAD_R = 50.0, 8.0, 12.5
UPPER_ARM, FOREARM = 28.0, 26.0
THIGH, SHIN, FOOT = 40.0, 38.0, 13.0
LIMB_W, TORSO_W, BIG_LIMB_W, BIG_TORSO_W = 12.0, 17.0, 13.0, 18.0
HALO = 3.0  # white edge around a near limb

Point = tuple[float, float]


def f(v: float) -> str:
    """Format a coordinate compactly."""
    return f"{v:.1f}".rstrip("0").rstrip(".")


def pt(p: Point) -> str:
    """Format a point as ``x,y``."""
    return f"{f(p[0])},{f(p[1])}"


def move(p: Point, angle: float, length: float) -> Point:
    """Return the point ``length`` away from ``p`` in direction ``angle`` (degrees)."""
    a = math.radians(angle)
    return (p[0] + length * math.cos(a), p[1] + length * math.sin(a))


def angle_to(a: Point, b: Point) -> float:
    """Direction from ``a`` to ``b`` in degrees."""
    return math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))


def ik(root: Point, target: Point, l1: float, l2: float, bend: str) -> tuple[Point, Point]:
    """Two-link inverse kinematics: the middle joint (elbow, knee) and the reached end point.

    ``bend`` says where the middle joint goes: "up", "down", "left" or "right".
    """
    d = math.dist(root, target)
    d = min(max(d, abs(l1 - l2) + 0.01), l1 + l2 - 0.01)
    base = angle_to(root, target)
    cos_a = (l1 * l1 + d * d - l2 * l2) / (2 * l1 * d)
    a = math.degrees(math.acos(max(-1.0, min(1.0, cos_a))))
    mids = [move(root, base + a, l1), move(root, base - a, l1)]
    key: dict[str, Callable[[Point], float]] = {
        "up": lambda m: m[1], "down": lambda m: -m[1],
        "left": lambda m: m[0], "right": lambda m: -m[0],
    }
    mid = min(mids, key=key[bend])
    end = move(root, base, d)
    return mid, end


def line(points: Iterable[Point], color: str = INK, width: float = LIMB_W) -> str:
    """A thick rounded polyline (a limb); the picture's default stroke is a dark limb."""
    pts = " ".join(pt(p) for p in points)
    stroke = "" if color == INK else f' stroke="{color}"'
    w = "" if width == LIMB_W else f' stroke-width="{f(width)}"'
    return f'<polyline points="{pts}"{stroke}{w}/>'


def haloed(points: list[Point], width: float) -> str:
    """A near limb: a white edge (not at the joint it hangs from), then the dark limb."""
    first = points[0]
    trim = min(0.45 * math.dist(first, points[1]), 10.0)
    start = move(first, angle_to(first, points[1]), trim)
    return line([start, *points[1:]], WHITE, width + 2 * HALO) + line(points, INK, width)


def circle(c: Point, r: float, fill: str = INK, extra: str = ' stroke="none"') -> str:
    """A filled circle."""
    return f'<circle cx="{f(c[0])}" cy="{f(c[1])}" r="{f(r)}" fill="{fill}"{extra}/>'


def path(d: str, *, stroke: str = INK, width: float = LIMB_W, fill: str = "none") -> str:
    """A path with the given stroke and fill."""
    s = "" if stroke == INK else f' stroke="{stroke}"'
    w = "" if width == LIMB_W else f' stroke-width="{f(width)}"'
    fl = "" if fill == "none" else f' fill="{fill}"'
    return f'<path d="{d}"{s}{w}{fl}/>'


def _arrow_head(tip: Point, direction: float) -> str:
    """A filled arrowhead whose point is at ``tip``, on a thin white edge."""
    a = move(tip, direction + 152, 17)
    b = move(tip, direction - 152, 17)
    d = f"M{pt(tip)} L{pt(a)} L{pt(b)} z"
    return (f'<path d="{d}" fill="{WHITE}" stroke="{WHITE}" stroke-width="5"/>'
            f'<path d="{d}" fill="{ARROW}" stroke="none"/>')


def _shaft(d: str) -> str:
    """An arrow's shaft, on a white edge so it shows where it crosses the figure."""
    return (f'<path d="{d}" stroke="{WHITE}" stroke-width="9"/>'
            f'<path d="{d}" stroke="{ARROW}" stroke-width="4.5"/>')


def arrow(start: Point, end: Point, ctrl: Point | None = None) -> str:
    """A straight (or, with ``ctrl``, quadratic curved) arrow from ``start`` to ``end``.

    The arrowhead is a drawn triangle, not an SVG marker, so the file needs no ``url()``.
    """
    direction = angle_to(ctrl or start, end)
    stop = move(end, direction, -12)
    bend = "L" if ctrl is None else f"Q{pt(ctrl)} "
    return _shaft(f"M{pt(start)} {bend}{pt(stop)}") + _arrow_head(end, direction)


def arc_arrow(c: Point, r: float, start: float, end: float) -> str:
    """A circular-arc arrow around ``c`` from angle ``start`` to ``end`` (degrees)."""
    sign = 1 if end > start else -1
    stop_angle = end - sign * math.degrees(12 / r)
    a, b = move(c, start, r), move(c, stop_angle, r)
    sweep = 1 if sign > 0 else 0
    large = 1 if abs(stop_angle - start) > 180 else 0
    tip = move(c, end, r)
    head_dir = end + sign * 90 - sign * math.degrees(8 / r)
    return _shaft(f"M{pt(a)} A{f(r)},{f(r)} 0 {large} {sweep} {pt(b)}") + _arrow_head(
        tip, head_dir
    )


def mat(x1: float, x2: float, y: float = GROUND) -> str:
    """A floor mat seen from the side, its top edge at ``y``."""
    return (f'<rect x="{f(x1)}" y="{f(y)}" width="{f(x2 - x1)}" height="8" rx="4" '
            f'fill="{FLOOR}" stroke="none"/>')


def floor(x1: float, x2: float, y: float = GROUND) -> str:
    """A plain floor line, its top edge at ``y``."""
    return (f'<line x1="{f(x1)}" y1="{f(y + 3)}" x2="{f(x2)}" y2="{f(y + 3)}" '
            f'stroke="{FLOOR}" stroke-width="6"/>')


def prop(d: str, width: float = 5, fill: str = "none") -> str:
    """A piece of furniture or kit (chair, wall, towel) drawn in mid grey."""
    return path(d, stroke=PROP, width=width, fill=fill)


class Figure:
    """A side-view pictogram figure built from joint angles.

    ``hip`` is where the torso meets the legs; ``torso`` is the direction from the hip to the
    shoulder. Arms are ``(upper, fore)`` angles; legs are ``(thigh, shin, foot)`` angles.
    ``far`` limbs are drawn grey behind the torso, near ones dark in front of it, in the
    order they are added. ``nose`` (a direction) draws a nose to show where the face looks;
    ``head_front`` draws the head over the near limbs. ``hollow`` (lying on the back only)
    lifts the lower back that many units off the floor, the torso's underside arched and its
    top only a little raised, so a white gap shows under it.
    """

    def __init__(self, hip: Point, torso: float, *, scale: float = 1.0,
                 head_dir: float | None = None, back_bend: float = 0.0,
                 bend_at: float = 0.5, nose: float | None = None,
                 head_front: bool = False, hollow: float = 0.0) -> None:
        self.s = scale
        self.hollow = hollow
        self.head_front = head_front
        big = scale >= 1.4
        self.limb_w = BIG_LIMB_W if big else LIMB_W
        self.torso_w = BIG_TORSO_W if big else TORSO_W
        self.hip = hip
        self.torso_dir = torso
        self.shoulder = move(hip, torso, TORSO * scale)
        self.head_r = HEAD_R * scale
        self.head_dir = torso if head_dir is None else head_dir
        self.head_c = move(self.shoulder, self.head_dir, NECK * scale + self.head_r)
        self.back_bend = back_bend
        self.bend_at = bend_at
        self.nose = nose
        self.far: list[str] = []
        self.near: list[str] = []
        self.hands: list[Point] = []
        self.knees: list[Point] = []
        self.ankles: list[Point] = []

    def arm(self, upper: float, fore: float, far: bool = False) -> Point:
        """Add an arm by angles; return the hand position."""
        elbow = move(self.shoulder, upper, UPPER_ARM * self.s)
        hand = move(elbow, fore, FOREARM * self.s)
        self.limb([self.shoulder, elbow, hand], far)
        self.hands.append(hand)
        return hand

    def arm_to(self, target: Point, bend: str, far: bool = False) -> Point:
        """Add an arm whose hand reaches ``target``; ``bend`` says where the elbow goes."""
        elbow, hand = ik(self.shoulder, target, UPPER_ARM * self.s, FOREARM * self.s, bend)
        self.limb([self.shoulder, elbow, hand], far)
        self.hands.append(hand)
        return elbow

    def leg(self, thigh: float, shin: float, foot: float, far: bool = False) -> Point:
        """Add a leg by angles; return the ankle position."""
        knee = move(self.hip, thigh, THIGH * self.s)
        ankle = move(knee, shin, SHIN * self.s)
        self.limb([self.hip, knee, ankle, move(ankle, foot, FOOT * self.s)], far)
        self.knees.append(knee)
        self.ankles.append(ankle)
        return ankle

    def leg_to(self, ankle: Point, bend: str, foot: float, far: bool = False) -> Point:
        """Add a leg whose ankle reaches ``ankle``; ``bend`` says where the knee goes."""
        knee, end = ik(self.hip, ankle, THIGH * self.s, SHIN * self.s, bend)
        self.limb([self.hip, knee, end, move(end, foot, FOOT * self.s)], far)
        self.knees.append(knee)
        self.ankles.append(end)
        return knee

    def limb(self, points: list[Point], far: bool = False) -> None:
        """Add a limb through ``points`` (grey behind the torso, or dark in front)."""
        if far:
            self.far.append(line(points, FAR, self.limb_w))
        else:
            self.near.append(haloed(points, self.limb_w))

    def _hollow_trunk(self) -> str:
        """A lying torso with a hollow under the lower back (see ``hollow``)."""
        half = self.torso_w / 2
        (hx, hy), (sx, sy) = self.hip, self.shoulder
        cx = hx + self.bend_at * (sx - hx)
        d = (f"M{f(sx)},{f(sy - half)} Q{f(cx)},{f(sy - half - 0.9 * self.hollow)} "
             f"{f(hx)},{f(hy - half)} L{f(hx)},{f(hy + half)} "
             f"Q{f(cx)},{f(hy + half - 2 * self.hollow)} {f(sx)},{f(sy + half)} Z")
        return (path(d, stroke="none", width=0, fill=INK)
                + circle(self.hip, half) + circle(self.shoulder, half))

    def svg(self) -> str:
        """The figure: far limbs, torso, neck and head, near limbs."""
        w = f(self.torso_w)
        if self.hollow:
            trunk = self._hollow_trunk()
        elif self.back_bend:
            t = self.bend_at
            mid = (self.hip[0] + t * (self.shoulder[0] - self.hip[0]),
                   self.hip[1] + t * (self.shoulder[1] - self.hip[1]))
            ctrl = move(mid, self.torso_dir - 90, self.back_bend * self.s)
            trunk = (f'<path d="M{pt(self.hip)} Q{pt(ctrl)} {pt(self.shoulder)}" '
                     f'stroke-width="{w}"/>')
        else:
            trunk = f'<polyline points="{pt(self.hip)} {pt(self.shoulder)}" stroke-width="{w}"/>'
        neck = line([self.shoulder, self.head_c], INK, self.limb_w - 1)
        face = [circle(self.head_c, self.head_r)]
        if self.nose is not None:
            face.append(nose(self.head_c, self.head_r, self.nose))
        if self.head_front:  # the head drawn over the near arm (hands behind the head)
            return "".join([*self.far, trunk, neck, *self.near, *face])
        return "".join([*self.far, trunk, neck, *face, *self.near])


def nose(c: Point, r: float, direction: float) -> str:
    """A small nose on a filled head, showing which way the face looks."""
    a = move(c, direction - 30, r * 0.9)
    b = move(c, direction + 22, r * 0.9)
    tip = move(c, direction + 4, r * 1.32)
    return f'<path d="M{pt(a)} L{pt(tip)} L{pt(b)} z" fill="{INK}" stroke="none"/>'


@dataclass
class Panel:
    """One frame's drawing, in the frame's own coordinates (x from 0 to its width).

    ``side_at`` is where the "Left"/"Right" label is centred, as drawn (the right side
    working); mirroring moves it.
    """

    back: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    front: list[str] = field(default_factory=list)
    arrows: list[str] = field(default_factory=list)
    side_at: Point | None = None

    def svg(self) -> str:
        """The frame's drawing: props behind, the figure, props in front, arrows."""
        arrows = "".join(f'<g class="arrow">{a}</g>' for a in self.arrows)
        return (f'{"".join(self.back)}<g class="body">{"".join(self.body)}</g>'
                f'{"".join(self.front)}{arrows}')


def words(x: float, y: float, text: str, cls: str, *, anchor: str = "start",
          bold: bool = False) -> str:
    """A word in the house font, large enough to read at print size."""
    weight = ' font-weight="bold"' if bold else ""
    a = "" if anchor == "start" else f' text-anchor="{anchor}"'
    return (f'<text class="{cls}" x="{f(x)}" y="{f(y)}" font-family="{FONT}" '
            f'font-size="{TEXT_SIZE}"{weight}{a} fill="{INK}" stroke="none">{text}</text>')


def picture(title: str, desc: str, panels: list[Panel], *, side: str | None = None,
            mirror: bool = False) -> str:
    """The SVG document: one frame, or Start and Finish frames side by side.

    ``side`` ("left" or "right") labels the working side in every panel with a ``side_at``;
    ``mirror`` flips each frame's drawing left to right (the labels are placed after).
    """
    width = WIDTH / len(panels)
    out = []
    if len(panels) == 2:
        out.append(f'<line x1="160" y1="6" x2="160" y2="194" stroke="{FLOOR}" '
                   'stroke-width="2"/>')
    for i, panel in enumerate(panels):
        label = ("Start", "Finish")[i] if len(panels) == 2 else None
        attrs = ' class="frame"' + (f' data-label="{label}"' if label else "")
        if i:
            attrs += f' transform="translate({f(i * width)} 0)"'
        drawing = panel.svg()
        if mirror:
            drawing = f'<g transform="matrix(-1 0 0 1 {f(width)} 0)">{drawing}</g>'
        text = words(8, 30, label, "label") if label else ""
        if side is not None and panel.side_at is not None:
            x, y = panel.side_at
            text += words(width - x if mirror else x, y, side.title(), "side",
                          anchor="middle", bold=True)
        out.append(f"<g{attrs}>{drawing}{text}</g>")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
        f'<g fill="none" stroke="{INK}" stroke-width="{f(LIMB_W)}" stroke-linecap="round" '
        'stroke-linejoin="round">'
        f"{''.join(out)}</g></svg>\n"
    )


# ---------------------------------------------------------------------------------------
# Figures in common positions. Frames are 160 wide (or 320 for a single frame); the floor's
# top edge is GROUND unless a picture says otherwise.


def lying(x: float, s: float, *, ground: float = GROUND, lift: float = 0.0,
          back_bend: float = 0.0, bend_at: float = 0.5, hollow: float = 0.0) -> Figure:
    """On the back, head to the left, hip at ``x``; torso and head rest on the floor (the
    head ``lift`` higher, on a pillow)."""
    torso_w = BIG_TORSO_W if s >= 1.4 else TORSO_W
    hip = (x, ground - torso_w / 2)
    r = HEAD_R * s
    dy = (ground - r - lift) - hip[1]
    head_dir = 180 - math.degrees(math.asin(max(-1.0, min(1.0, dy / (NECK * s + r)))))
    return Figure(hip, 180, scale=s, head_dir=head_dir, back_bend=back_bend, bend_at=bend_at,
                  hollow=hollow)


def hook(fig: Figure, *, ground: float = GROUND, reach: float = 52, far: bool = True,
         near: bool = True) -> None:
    """Knees bent, feet flat on the floor (the far leg hidden behind the near one)."""
    ankle = (fig.hip[0] + reach * fig.s, ground - fig.limb_w / 2)
    if far:
        fig.leg_to(ankle, "up", 0, far=True)
    if near:
        fig.leg_to(ankle, "up", 0)


def arms_down(fig: Figure) -> None:
    """Lying: the arms rest on the floor along the body (seen side-on, they merge with it)."""
    hand = move(fig.shoulder, 2, (UPPER_ARM + FOREARM) * fig.s)
    fig.near.append(line([(fig.shoulder[0], fig.shoulder[1] + 2), hand], INK, fig.limb_w))


def all_fours(x: float, s: float, *, ground: float = GROUND, back_bend: float = 0.0,
              head_dir: float = 10.0) -> Figure:
    """On hands and knees, facing right: hip above the knee, shoulder above the hand."""
    limb_w = BIG_LIMB_W if s >= 1.4 else LIMB_W
    low = ground - limb_w / 2
    hip = (x, low - THIGH * s)
    rise = (UPPER_ARM + FOREARM - THIGH) * s
    torso = -math.degrees(math.asin(rise / (TORSO * s)))
    return Figure(hip, torso, scale=s, back_bend=back_bend, head_dir=head_dir)


def kneel_legs(fig: Figure, *, ground: float = GROUND, far: bool = True,
               near: bool = True) -> None:
    """Knees under the hips, shins and feet flat on the floor behind."""
    low = ground - fig.limb_w / 2
    knee = (fig.hip[0], low)
    foot = move(knee, 180, (SHIN + FOOT * 0.6) * fig.s)
    if far:
        fig.limb([fig.hip, (knee[0] + 4, low), (foot[0] + 4, low)], far=True)
    if near:
        fig.limb([fig.hip, knee, foot])


def hands_down(fig: Figure, *, ground: float = GROUND, far: bool = True,
               near: bool = True) -> None:
    """Straight arms, hands flat on the floor under the shoulders."""
    low = ground - fig.limb_w / 2
    if far:
        fig.arm_to((fig.shoulder[0] + 4, low), "right", far=True)
    if near:
        fig.arm_to((fig.shoulder[0], low), "right")


def seated(x: float, s: float, *, ground: float = GROUND, torso: float = -90,
           head_dir: float | None = None, nose: float | None = None, back_bend: float = 0.0,
           legs: bool = True) -> Figure:
    """Sitting on a chair, facing right: thighs level, shins down, feet flat."""
    limb_w = BIG_LIMB_W if s >= 1.4 else LIMB_W
    low = ground - limb_w / 2
    hip = (x, low - SHIN * s)
    fig = Figure(hip, torso, scale=s, head_dir=head_dir, nose=nose, back_bend=back_bend)
    if legs:
        for far in (True, False):
            dx = 3 if far else 0
            knee = (hip[0] + THIGH * s + dx, hip[1])
            ankle = (knee[0], low)
            fig.limb([hip, knee, ankle, move(ankle, 0, FOOT * s)], far)
    return fig


def chair(x: float, seat_y: float, back_top: float, *, ground: float = GROUND,
          depth: float = 46) -> str:
    """A chair seen from the side: seat from ``x`` forward, its back rising at ``x``."""
    g = ground + 3
    return prop(f"M{f(x)},{f(back_top)} V{f(g)} M{f(x)},{f(seat_y)} H{f(x + depth)} "
                f"V{f(g)}", width=6)


def seat_under(fig: Figure, *, back: float = 40, ground: float = GROUND) -> str:
    """The chair a :func:`seated` figure sits on; its back ``back`` units high."""
    x = fig.hip[0] - fig.torso_w / 2 - 4
    seat = fig.hip[1] + fig.torso_w / 2 + 3
    return chair(x, seat, seat - back * fig.s, ground=ground, depth=THIGH * fig.s)


# ---------------------------------------------------------------------------------------
# Exercises. Each function returns its frames (one or two Panels), drawn for the right side.


def position_of_ease() -> list[Panel]:
    """Lying on the back, head on a pillow, lower legs resting on a chair seat."""
    s = 1.8
    p = Panel()
    fig = lying(196, s, lift=12)
    knee = move(fig.hip, -94, THIGH * s)
    ankle = move(knee, 0, SHIN * s)
    fig.limb([fig.hip, knee, ankle, move(ankle, -80, FOOT * s)], far=True)
    fig.limb([fig.hip, knee, ankle, move(ankle, -80, FOOT * s)])
    arms_down(fig)
    seat = knee[1] + fig.limb_w / 2 + 3
    x0, x1 = knee[0] + 6, ankle[0] + 22
    g = GROUND
    p.back += [mat(6, 314),
               f'<rect x="{f(fig.head_c[0] - 30)}" y="{f(g - 14)}" width="62" height="16" '
               f'rx="7" fill="{FLOOR}" stroke="{PROP}" stroke-width="3"/>',
               prop(f"M{f(x0)},{f(seat)} H{f(x1)} V{f(g)} M{f(x0 + 6)},{f(seat)} V{f(g)} "
                    f"M{f(x1)},{f(seat)} V{f(seat - 70)}", width=6)]
    p.body.append(fig.svg())
    return [p]


def knee_to_chest() -> list[Panel]:
    """Lying with knees bent; then one knee hugged towards the chest with both hands, the
    other leg still bent with its foot on the mat.

    In Finish the hugged thigh points up towards the chest and its shin up towards the
    ceiling, so the hugged leg, the arms reaching up to its knee and the other leg (lower,
    further along the mat) stand apart with white between them.
    """
    s, x, reach = 1.1, 94.0, 34.0
    start = Panel(back=[mat(4, 156)])
    a = lying(x, s)
    hook(a, reach=reach)
    arms_down(a)
    start.body.append(a.svg())
    end = Panel(back=[mat(4, 156)])
    b = lying(x, s)
    hook(b, reach=reach, near=False)
    knee = move(b.hip, -128, THIGH * s)
    ankle = move(knee, -38, SHIN * s)
    b.limb([b.hip, knee, ankle, move(ankle, -112, FOOT * s)])
    # Both hands cup the front of the knee; the arms, elbows out to the sides, look straight
    # from here, the far one hidden behind the near one.
    b.limb([b.shoulder, move(knee, 196, 7 * s)])
    end.body.append(b.svg())
    end.arrows.append(arc_arrow(b.hip, THIGH * s + 30, -104, -134))
    end.side_at = (116, 56)
    return [start, end]


def pelvic_tilt() -> list[Panel]:
    """Lying with knees bent and a small hollow under the lower back; then the back flat.

    The arms are folded on the chest (not along the body, where the near arm would hide the
    hollow), so the white gap between the lower back and the mat shows in Start.
    """
    s = 1.0
    out = []
    for hollow in (10.0, 0.0):
        p = Panel(back=[mat(4, 156)])
        fig = lying(86, s, hollow=hollow, bend_at=0.36)
        hook(fig)
        sh, top = fig.shoulder, fig.shoulder[1] - fig.torso_w / 2
        fig.limb([sh, (sh[0] + 6 * s, top - 8 * s), (sh[0] + 26 * s, top - 2)])
        p.body.append(fig.svg())
        out.append(p)
    x = 86 - 16
    out[1].arrows.append(arrow((x, GROUND - 62), (x, GROUND - 22)))
    return out


KNEE_ROLL = 58.0  # degrees the knees roll over in Finish
KNEE_ROLL_ARROW = 66.0  # radius of the roll's arrow round the knees' pivot


def knee_rolls() -> list[Panel]:
    """Seen from the feet end and a little above: lying on the back on a mat, knees bent up
    and together; then both knees rolled over to the patient's right (the viewer's left).

    From the feet end the mat is a floor in perspective under the whole body, the head rests
    on a pillow at its far end and the arms lie out on it, so the figure cannot read as
    standing; the knees stand up in front of the face in Start and lie over to one side in
    Finish.
    """
    start, _ = _knee_roll(0)
    end, pivot = _knee_roll(KNEE_ROLL)
    end.arrows.append(arc_arrow(pivot, KNEE_ROLL_ARROW, -104, -92 - KNEE_ROLL))
    end.side_at = (40.0, 56.0)
    return [start, end]


@dataclass(frozen=True)
class Camera:
    """A perspective view of a figure lying on a mat, seen from the feet end.

    3D points are ``(x, y, z)``: x across the mat (towards the viewer's right, which is the
    patient's left), y up from the mat, z along the mat away from the viewer (the heels at
    0). The camera looks at ``target`` from ``distance`` away and ``elevation`` degrees above
    the mat; ``target`` lands on the page at ``centre``, where a unit is drawn ``scale``
    long.
    """

    elevation: float
    distance: float
    target: tuple[float, float, float]
    centre: Point
    scale: float

    def _view(self, q: tuple[float, float, float]) -> tuple[float, float, float]:
        """A point as (across, up, depth) from the camera."""
        e = math.radians(self.elevation)
        vy = q[1] - self.target[1] - self.distance * math.sin(e)
        vz = q[2] - self.target[2] + self.distance * math.cos(e)
        return (q[0] - self.target[0], vy * math.cos(e) + vz * math.sin(e),
                -vy * math.sin(e) + vz * math.cos(e))

    def __call__(self, x: float, y: float, z: float) -> Point:
        """Where a 3D point lands on the page."""
        across, up, depth = self._view((x, y, z))
        k = self.scale * self.distance / depth
        return (self.centre[0] + k * across, self.centre[1] - k * up)

    def width(self, w: float, x: float, y: float, z: float) -> float:
        """How wide a stroke ``w`` units across looks at a 3D point."""
        return w * self.scale * self.distance / self._view((x, y, z))[2]


def _knee_roll(roll: float) -> tuple[Panel, Point]:
    """Lying on a mat seen from the feet end (see :class:`Camera`), knees rolled ``roll``
    degrees to the patient's right. Returns the frame and, on the page, the line the knees
    roll about (under the knees, level with the hips)."""
    cam = Camera(elevation=24, distance=260, target=(0, 10, 60), centre=(80, 126),
                 scale=1.15)

    def poly(points: list[tuple[float, float, float]]) -> str:
        return "M" + " L".join(pt(cam(*q)) for q in points) + " Z"

    panel = Panel()
    near, far, half = -14.0, 150.0, 50.0
    panel.back += [
        path(poly([(-half, 0, near), (half, 0, near), (half, -6, near), (-half, -6, near)]),
             stroke=FLOOR, width=3, fill=FLOOR),
        path(poly([(-half, 0, near), (half, 0, near), (half, 0, far), (-half, 0, far)]),
             stroke=FLOOR, width=3, fill=TOP),
        path(poly([(-24, 0, 118), (24, 0, 118), (24, 0, 146), (-24, 0, 146)]),
             stroke=PROP, width=2, fill=FLOOR),
    ]
    body = []
    head = (0.0, HEAD_R + 3, 132.0)
    shoulder = {d: (d * 20, 8.0, 104.0) for d in (-1, 1)}
    hip = {d: (d * 12, 8.0, 56.0) for d in (-1, 1)}
    for d in (-1, 1):
        arm = [shoulder[d], (d * 36, 5.0, 96.0), (d * 46, 5.0, 78.0)]
        body.append(line([cam(*q) for q in arm], INK, cam.width(LIMB_W, *arm[1])))
    body.append(line([cam(0, 8, 104), cam(*head)], INK, cam.width(LIMB_W - 1, 0, 8, 110)))
    body.append(circle(cam(*head), cam.width(HEAD_R, *head)))
    body.append(path(poly([hip[-1], shoulder[-1], shoulder[1], hip[1]]),
                     width=cam.width(10, 0, 8, 80), fill=INK))
    # Knees together above the feet; rolling turns them about the line from hips to heels.
    a = math.radians(roll)
    pivot_y = 8.0
    legs = []
    for d in (-1, 1):
        kx, ky = d * 6.0, 37.0 - pivot_y
        knee = (kx * math.cos(a) - ky * math.sin(a), kx * math.sin(a) + ky * math.cos(a)
                + pivot_y, 28.0)
        legs.append([(d * 9, 8.0, 56.0), knee, (d * 7, 7.0, 6.0), (d * 7, 5.0, -12.0)])
    legs.sort(key=lambda leg: leg[1][1])  # the lower knee first, the one on top after
    for leg in legs:
        w = cam.width(LIMB_W, *leg[1])
        body.append(haloed([cam(*leg[0]), cam(*leg[1])], w))
    for leg in legs:
        w = cam.width(LIMB_W, *leg[2])
        body.append(haloed([cam(*q) for q in leg[1:3]], w))
        body.append(line([cam(*leg[2]), cam(*leg[3])], INK, cam.width(16, *leg[3])))
    panel.body.append("".join(body))
    return panel, cam(0, pivot_y, 28)


def cat_camel() -> list[Panel]:
    """On hands and knees: back rounded up, then gently dipped."""
    s = 1.1
    x = 60.0
    start = Panel(back=[mat(4, 156)])
    a = all_fours(x, s, back_bend=22, head_dir=62)
    a.head_front = True
    kneel_legs(a)
    hands_down(a)
    start.body.append(a.svg())
    mid = (x + 24 * s, a.hip[1] - 34)
    start.arrows.append(arrow((mid[0], mid[1] - 2), (mid[0], mid[1] - 34)))
    end = Panel(back=[mat(4, 156)])
    b = all_fours(x, s, back_bend=-14, head_dir=-30)
    kneel_legs(b)
    hands_down(b)
    end.body.append(b.svg())
    end.arrows.append(arrow((mid[0], mid[1] - 30), (mid[0], mid[1] + 4)))
    return [start, end]


def childs_pose() -> list[Panel]:
    """On hands and knees; then sitting back towards the heels, hands left on the floor."""
    s = 1.05
    x = 62.0
    start = Panel(back=[mat(4, 156)])
    a = all_fours(x, s)
    kneel_legs(a)
    hands_down(a)
    start.body.append(a.svg())
    end = Panel(back=[mat(4, 156)])
    low = GROUND - LIMB_W / 2
    knee = (x, low)
    hip = (x - 30 * s, low - 26 * s)
    b = Figure(hip, 9, scale=s, head_dir=34, back_bend=6, head_front=True)
    foot = move(knee, 180, (SHIN + FOOT * 0.6) * s)
    b.limb([hip, (knee[0] + 4, low), (foot[0] + 4, low)], far=True)
    b.limb([hip, knee, foot])
    b.arm_to((b.shoulder[0] + 53 * s, low), "up", far=True)
    b.arm_to((b.shoulder[0] + 53 * s, low), "up")
    end.body.append(b.svg())
    top = a.hip
    end.arrows.append(arrow((top[0] + 20, top[1] - 26), (hip[0] - 8, hip[1] - 22),
                            (top[0] - 12, top[1] - 40)))
    return [start, end]


def abdominal_bracing() -> list[Panel]:
    """Lying with knees bent, hands on the tummy; arrows show the tummy drawing gently in."""
    s = 1.75
    p = Panel(back=[mat(6, 314)])
    fig = lying(190, s)
    hook(fig)
    sh = fig.shoulder
    belly = (sh[0] + 40 * s, sh[1] - fig.torso_w / 2)
    fig.limb([sh, (sh[0] + 26 * s, sh[1] + 3), (belly[0] + 4, belly[1] - 2)], far=True)
    fig.limb([sh, (sh[0] + 24 * s, sh[1] + 4), belly])
    p.body.append(fig.svg())
    for dx in (-14.0, 22.0):
        x = belly[0] + dx
        p.arrows.append(arrow((x, GROUND - 100), (x, GROUND - 44)))
    return [p]


def dead_bug() -> list[Panel]:
    """Lying, knees and arms up; then one arm reaches back as the other leg reaches out."""
    s = 0.8
    x = 80.0
    start = Panel(back=[mat(4, 156)])
    a = lying(x, s)
    a.leg(-88, 0, -60, far=True)
    a.arm(-86, -86, far=True)
    a.leg(-92, 2, -60)
    a.arm(-93, -93)
    start.body.append(a.svg())
    end = Panel(back=[mat(4, 156)])
    b = lying(x, s)
    b.leg(-20, -20, -50, far=True)
    b.arm(-86, -86, far=True)
    b.leg(-92, 2, -60)
    b.arm(-134, -134)
    end.body.append(b.svg())
    end.arrows.append(arc_arrow(b.shoulder, 64 * s, -98, -130))
    end.arrows.append(arc_arrow(b.hip, 86 * s, -66, -30))
    end.side_at = (44, 96)
    return [start, end]


def bird_dog() -> list[Panel]:
    """On hands and knees; then one arm reaches forward as the other leg reaches back."""
    s = 0.8
    x = 70.0
    start = Panel(back=[mat(4, 156)])
    a = all_fours(x, s, head_dir=14)
    kneel_legs(a)
    hands_down(a)
    start.body.append(a.svg())
    end = Panel(back=[mat(4, 156)])
    b = all_fours(x, s, head_dir=24)
    b.leg(182, 182, 90, far=True)
    kneel_legs(b, far=False)
    hands_down(b, near=False)
    hand = b.arm(-13, -13)
    end.body.append(b.svg())
    end.arrows.append(arrow((hand[0] - 40, hand[1] - 20), (hand[0] - 4, hand[1] - 20)))
    foot = b.ankles[0]
    end.arrows.append(arrow((foot[0] + 40, foot[1] - 20), (foot[0] + 4, foot[1] - 20)))
    end.side_at = (114, hand[1] - 40)
    return [start, end]


def bridge() -> list[Panel]:
    """Lying with knees bent; then the hips lifted so shoulders, hips and knees line up."""
    s = 1.0
    x = 86.0
    start = Panel(back=[mat(4, 156)])
    a = lying(x, s)
    hook(a)
    arms_down(a)
    start.body.append(a.svg())
    end = Panel(back=[mat(4, 156)])
    shoulder = (x - TORSO * s, a.hip[1])
    lift = -30.0
    hip = move(shoulder, lift, TORSO * s)
    b = Figure(hip, lift + 180, scale=s, head_dir=a.head_dir)
    b.head_c = a.head_c
    knee = move(hip, lift, THIGH * s)
    low = GROUND - LIMB_W / 2
    shin = math.degrees(math.asin(min(1.0, (low - knee[1]) / (SHIN * s))))
    ankle = move(knee, shin, SHIN * s)
    for far in (True, False):
        b.limb([hip, knee, ankle, move(ankle, 0, FOOT * s)], far)
    b.near.insert(0, line([shoulder, move(shoulder, 0, (UPPER_ARM + FOREARM) * s)]))
    end.body.append(b.svg())
    end.arrows.append(arrow((hip[0], hip[1] - 16), (hip[0], hip[1] - 52)))
    return [start, end]


def chin_tuck() -> list[Panel]:
    """Sitting tall: chin poking forward, then the head slid straight back."""
    s = 1.45
    ground = 214.0
    out = []
    heads: list[Point] = []
    for head_dir in (-50.0, -90.0):
        p = Panel()
        fig = seated(66, s, ground=ground, head_dir=head_dir, nose=0)
        fig.arm(96, 30, far=True)
        fig.arm(94, 28)
        p.back.append(seat_under(fig, back=62, ground=ground))
        p.body.append(fig.svg())
        out.append(p)
        heads.append(fig.head_c)
    x, y = heads[1]
    out[1].arrows.append(arrow((x + 72, y + 4), (x + 29, y + 4)))
    return out


def seated_front(cx: float, s: float, *, ground: float = 214.0, tilt: float = 0.0,
                 look: float | None = None, twist: float = 0.0, arms: str = "hang",
                 hands_y: float = 0.0) -> tuple[str, str, dict[str, Point]]:
    """Sitting on a stool seen from the front: (stool, body, key points).

    ``tilt`` leans the head towards the viewer's left (the patient's right); ``look`` is the
    direction the face turns (a nose on that side); ``twist`` (0 to 1) turns the shoulders
    towards the viewer's left; ``arms`` is "hang", "crossed" or "palms" (palms together in
    front of the body, the wrists ``hands_y`` below the chest).
    """
    low = ground - LIMB_W / 2
    knee_y = low - SHIN * s
    hip_y = knee_y - 7 * s
    sh_y = hip_y - TORSO * s
    half = 21 * s
    left_sh = (cx - half * (1 - 0.55 * twist), sh_y + 2 * s * twist)
    right_sh = (cx + half * (1 - 0.2 * twist), sh_y)
    neck = ((left_sh[0] + right_sh[0]) / 2, sh_y)
    r = HEAD_R * s
    head_c = move(neck, -90 - tilt, NECK * s + r)
    hip_l, hip_r = (cx - 13 * s, hip_y), (cx + 13 * s, hip_y)
    torso = (f"M{pt(hip_l)} L{pt((left_sh[0] + 3, left_sh[1] + 2))} "
             f"L{pt((right_sh[0] - 3, right_sh[1] + 2))} L{pt(hip_r)} Z")
    stool = prop(f"M{f(cx - 36 * s)},{f(knee_y + 10)} H{f(cx + 36 * s)} "
                 f"M{f(cx - 31 * s)},{f(knee_y + 10)} V{f(ground)} "
                 f"M{f(cx + 31 * s)},{f(knee_y + 10)} V{f(ground)}", width=6)
    parts = []
    for side in (-1, 1):
        hip = (cx + side * 10 * s, hip_y)
        knee = (cx + side * 17 * s, knee_y)
        ankle = (cx + side * 18 * s, low)
        parts.append(line([hip, knee, ankle, (ankle[0] + side * 4 * s, low)]))
    parts.append(path(torso, width=10, fill=INK))
    parts.append(line([neck, head_c], INK, LIMB_W - 1))
    parts.append(circle(head_c, r))
    if look is not None:
        parts.append(nose(head_c, r, look))
    shoulders = (left_sh, right_sh)
    if arms == "hang":
        for side, sh in zip((-1, 1), shoulders, strict=True):
            parts.append(haloed([sh, (sh[0] + side * 5 * s, sh_y + 27 * s),
                                 (sh[0] + side * 6 * s, hip_y + 4 * s)], LIMB_W))
    elif arms == "crossed":
        for side, sh in zip((-1, 1), shoulders, strict=True):
            other = shoulders[1 if side < 0 else 0]
            parts.append(haloed([sh, (sh[0] + side * 2 * s, sh_y + 28 * s),
                                 (other[0] - side * 6 * s, sh_y + 9 * s)], LIMB_W))
    else:
        wrist_y = sh_y + 22 * s + hands_y
        for side, sh in zip((-1, 1), shoulders, strict=True):
            elbow_out = 27 + hands_y * 0.22
            elbow = (cx + side * elbow_out * s, min(wrist_y + 8 * s, hip_y))
            parts.append(haloed([sh, elbow, (cx + side * 5, wrist_y)], LIMB_W))
        parts.append(haloed([(cx, wrist_y), (cx, wrist_y - 24 * s)], 13))
    points = {"head": head_c, "neck": neck, "left_sh": left_sh, "right_sh": right_sh,
              "hip": (cx, hip_y)}
    return stool, "".join(parts), points


FRONT_S = 1.1  # one-sided front views: the figure centred in Start ...
FRONT_X = (80.0, 116.0)  # ... and moved over in Finish, for the side label on its left
FRONT_GROUND = 208.0  # neck exercises: the head large, the stool's feet off the bottom edge
FRONT_SIDE_AT = (40.0, 126.0)  # beside the upper arm on the patient's right


def neck_side_bend() -> list[Panel]:
    """From the front: head upright, then the right ear tipped towards the right shoulder."""
    out = []
    for cx, tilt in zip(FRONT_X, (0.0, 32.0), strict=True):
        stool, body, pts = seated_front(cx, FRONT_S, ground=FRONT_GROUND, tilt=tilt)
        out.append(Panel(back=[stool], body=[body]))
    out[1].arrows.append(arc_arrow(pts["neck"], 54, -78, -130))
    out[1].side_at = FRONT_SIDE_AT
    return out


def neck_turn() -> list[Panel]:
    """From the front: facing forward, then the head turned to look over the right shoulder."""
    out = []
    for cx, look in zip(FRONT_X, (None, 180.0), strict=True):
        stool, body, pts = seated_front(cx, FRONT_S, ground=FRONT_GROUND, look=look)
        out.append(Panel(back=[stool], body=[body]))
    x, y = pts["head"]
    out[1].arrows.append(arrow((x + 22, y - 22), (x - 24, y - 24), (x, y - 44)))
    out[1].side_at = FRONT_SIDE_AT
    return out


def shoulder_rolls() -> list[Panel]:
    """From the side, sitting: the shoulders circle up, back and down (one frame)."""
    s = 1.4
    ground = 192.0
    p = Panel()
    fig = seated(140, s, nose=0, ground=ground)
    fig.arm(82, 78, far=True)
    fig.arm(80, 76)
    p.back += [floor(50, 270, ground), seat_under(fig, back=40, ground=ground)]
    p.body.append(fig.svg())
    c = fig.shoulder
    p.arrows.append(arc_arrow((c[0] + 2, c[1] + 8), 27, 56, -236))
    return [p]


def chair_back_extension() -> list[Panel]:
    """Sitting, hands behind the head; then leaning back over the top of the chair back."""
    s = 1.05
    x = 86.0
    out = []
    heads: list[Point] = []
    for torso, bend in ((-90.0, 0.0), (-120.0, -16.0)):
        p = Panel()
        turn = torso + 90
        fig = seated(x, s, torso=torso, head_dir=torso - 14 * (turn < 0), back_bend=bend,
                     nose=turn - 10 * (turn < 0))
        fig.head_front = True
        c, r = fig.head_c, fig.head_r
        for far, (dx, dy) in ((True, (4.0, -3.0)), (False, (0.0, 0.0))):
            elbow = move(move(c, turn, r + 9 + dx), turn + 90, 7 + dy)
            hand = move(move(c, turn, -r + 4), turn + 90, 2)
            fig.limb([fig.shoulder, elbow, hand], far)
        p.back += [floor(4, 156), seat_under(fig, back=28)]
        p.body.append(fig.svg())
        out.append(p)
        heads.append(fig.head_c)
    hip = (x, GROUND - LIMB_W / 2 - SHIN * s)
    r = math.dist(hip, heads[0]) + 12
    out[1].arrows.append(arc_arrow(hip, r, -78, -112))
    return out


TWIST_GROUND = 192.0  # the feet flat on the floor in view, as the steps ask


def seated_twist() -> list[Panel]:
    """From the front: sitting tall with arms crossed, then the upper body turned right; the
    arrow sweeps round in front of the shoulders, well above the hips that stay still."""
    out = []
    for cx, twist, look in zip(FRONT_X, (0.0, 1.0), (None, 180.0), strict=True):
        stool, body, pts = seated_front(cx, FRONT_S, ground=TWIST_GROUND, twist=twist,
                                        look=look, arms="crossed")
        out.append(Panel(back=[floor(4, 156, TWIST_GROUND), stool], body=[body]))
    cx, y = FRONT_X[1], pts["right_sh"][1]
    out[1].arrows.append(arrow((cx + 38, y - 12), (cx - 38, y - 10), (cx, y + 20)))
    out[1].side_at = FRONT_SIDE_AT
    return out


def hand_top(wrist: Point, s: float, spread: float, thumb: float) -> str:
    """A right hand lying flat, seen from above, fingers pointing up the picture.

    ``spread`` fans the fingers out (degrees between neighbours); ``thumb`` is the thumb's
    angle away from the index finger.
    """
    parts = [line([(wrist[0], wrist[1] + 80 * s), wrist], INK, 27 * s)]
    palm_c = (wrist[0], wrist[1] - 22 * s)
    parts.append(f'<rect x="{f(palm_c[0] - 25 * s)}" y="{f(palm_c[1] - 22 * s)}" '
                 f'width="{f(50 * s)}" height="{f(46 * s)}" rx="{f(14 * s)}" fill="{INK}" '
                 'stroke="none"/>')
    lengths = (38, 43, 40, 31)
    for i, length in enumerate(lengths):
        base = (palm_c[0] + (i - 1.5) * 13 * s, palm_c[1] - 12 * s)
        ang = -90 + (i - 1.5) * spread
        parts.append(haloed([base, move(base, ang, length * s)], 11 * s))
    tb = (palm_c[0] - 20 * s, palm_c[1] + 8 * s)
    parts.append(haloed([tb, move(tb, -110 - thumb, 34 * s)], 12 * s))
    return "".join(parts)


def finger_stretch() -> list[Panel]:
    """A right hand flat on a table, seen from above: fingers together, then spread wide.

    The hand sits left of centre and the table stops short of the bottom edge, leaving the
    corner on the little-finger side free for the side label, beside the forearm.
    """
    s = 1.0
    wrist = (64.0, 140.0)
    out = []
    table = (f'<rect x="4" y="36" width="152" height="114" rx="6" fill="{TOP}" '
             f'stroke="{FLOOR}" stroke-width="4"/>')
    for spread, thumb in ((0.0, -6.0), (15.0, 36.0)):
        out.append(Panel(back=[table], body=[hand_top(wrist, s, spread, thumb)]))
    x, y = wrist
    out[1].arrows.append(arrow((x - 14, y - 92), (x - 46, y - 78), (x - 32, y - 100)))
    out[1].arrows.append(arrow((x + 16, y - 92), (x + 48, y - 78), (x + 34, y - 100)))
    out[1].side_at = (118, 184)
    return out


def wrist_stretch() -> list[Panel]:
    """From the front: palms together at the chest, then lowered so the wrists bend."""
    s = 1.2
    out = []
    for drop in (0.0, 32.0):
        stool, body, pts = seated_front(80, s, arms="palms", hands_y=drop)
        out.append(Panel(back=[stool], body=[body]))
    y = pts["hip"][1]
    out[1].arrows.append(arrow((134, y - 62), (134, y - 22)))
    return out


def hand_front(wrist: Point, s: float, *, fist: bool) -> str:
    """A hand held up, palm towards the viewer, forearm down to the elbow on a table."""
    parts = [line([(wrist[0], 174), wrist], INK, 26 * s)]
    palm_c = (wrist[0], wrist[1] - 24 * s)
    if fist:
        parts.append(f'<rect x="{f(palm_c[0] - 27 * s)}" y="{f(palm_c[1] - 30 * s)}" '
                     f'width="{f(54 * s)}" height="{f(56 * s)}" rx="{f(18 * s)}" fill="{INK}" '
                     'stroke="none"/>')
        for i in range(3):
            x = palm_c[0] + (i - 1) * 13 * s
            parts.append(line([(x, palm_c[1] - 24 * s), (x, palm_c[1] - 8 * s)], WHITE, 3))
        parts.append(line([(palm_c[0] - 24 * s, palm_c[1] + 6 * s),
                           (palm_c[0] + 4 * s, palm_c[1] + 2 * s)], WHITE, 3))
        return "".join(parts)
    parts.append(f'<rect x="{f(palm_c[0] - 25 * s)}" y="{f(palm_c[1] - 22 * s)}" '
                 f'width="{f(50 * s)}" height="{f(46 * s)}" rx="{f(14 * s)}" fill="{INK}" '
                 'stroke="none"/>')
    for i, length in enumerate((38, 43, 40, 31)):
        base = (palm_c[0] + (1.5 - i) * 13 * s, palm_c[1] - 12 * s)
        parts.append(haloed([base, move(base, -90 - (i - 1.5) * 12, length * s)], 11 * s))
    tb = (palm_c[0] + 20 * s, palm_c[1] + 8 * s)
    parts.append(haloed([tb, move(tb, -40, 32 * s)], 12 * s))
    return "".join(parts)


def hand_open_close() -> list[Panel]:
    """Elbow on a table, hand up: a loose fist, then opened with the fingers stretched out."""
    s = 1.1
    table = f'<rect x="4" y="176" width="152" height="18" rx="4" fill="{FLOOR}" stroke="none"/>'
    out = [Panel(back=[table], body=[hand_front((80, 134), s, fist=fist)])
           for fist in (True, False)]
    out[1].arrows.append(arrow((40, 104), (30, 58), (28, 82)))
    out[1].arrows.append(arrow((120, 104), (132, 60), (136, 82)))
    return out


def wall_calf_stretch() -> list[Panel]:
    """Facing a wall, hands on it, the right leg stepped back straight; then the front knee
    bends and the body leans towards the wall."""
    s = 0.9
    low = GROUND - LIMB_W / 2
    wall_x = 140.0
    out = []
    for lean, bend in ((0.0, False), (1.0, True)):
        p = Panel(back=[floor(4, wall_x), f'<rect x="{f(wall_x)}" y="48" width="18" '
                        f'height="{f(GROUND - 45)}" fill="{FLOOR}" stroke="none"/>'])
        hip = (76 + 12 * lean, low - (THIGH + SHIN) * s * (0.93 if bend else 0.985))
        torso = -78 + 12 * lean
        fig = Figure(hip, torso, scale=s, head_dir=torso - 4, nose=torso + 90)
        front = (hip[0] + 26, low)
        fig.leg_to(front, "right", 0, far=True)
        back_ankle = (hip[0] - math.sqrt(max(((THIGH + SHIN) * s - 0.5) ** 2
                                             - (low - hip[1]) ** 2, 0)), low)
        reach = wall_x - fig.shoulder[0] - 1 - LIMB_W / 2
        fig.arm_to((fig.shoulder[0] + reach, fig.shoulder[1] + 4), "down", far=True)
        fig.limb([hip, move(hip, angle_to(hip, back_ankle), THIGH * s), back_ankle,
                  move(back_ankle, 0, FOOT * s)])
        fig.arm_to((fig.shoulder[0] + reach, fig.shoulder[1] + 8), "down")
        p.body.append(fig.svg())
        out.append(p)
        if bend:
            sh = fig.shoulder
            p.arrows.append(arrow((sh[0] - 42, sh[1] + 4), (sh[0] - 12, sh[1] + 4)))
            p.side_at = (40, 108)
    return out


def towel_calf_stretch() -> list[Panel]:
    """Sitting on the floor, legs straight, a towel round the right foot; then pulling the
    toes back."""
    s = 1.12
    low = GROUND - LIMB_W / 2
    out = []
    for pull in (0.0, 1.0):
        p = Panel(back=[mat(4, 156)])
        hip = (26.0, GROUND - TORSO_W / 2)
        torso = -80 - 6 * pull
        fig = Figure(hip, torso, scale=s, head_dir=torso + 8, nose=torso + 90)
        fig.leg(0, 0, -82, far=True)
        knee = move(hip, 0, THIGH * s)
        ankle = (knee[0] + SHIN * s, low)
        toe_dir = -80 - 28 * pull
        toe = move(ankle, toe_dir, FOOT * s)
        hands = (fig.shoulder[0] + 42 - 18 * pull, fig.shoulder[1] + 26 + 4 * pull)
        fig.arm_to(hands, "down", far=True)
        fig.limb([hip, knee, ankle, toe])
        fig.arm_to((hands[0] - 1, hands[1] + 3), "down")
        p.body.append(fig.svg())
        loop = move(toe, toe_dir + 90, 8)
        p.front.append(prop(f"M{pt(hands)} L{pt(move(toe, toe_dir, 4))} "
                            f"L{pt(loop)} L{f(hands[0] - 1)},{f(hands[1] + 5)}", width=5))
        out.append(p)
        if pull:
            p.arrows.append(arrow((hands[0] + 34, hands[1] - 22), (hands[0] + 2, hands[1] - 22)))
            p.side_at = (118, 112)
    return out


def ankle_pumps() -> list[Panel]:
    """Sitting with the legs out straight: toes pulled up towards you, then let down."""
    s = 1.25
    low = GROUND - LIMB_W / 2
    hip = (22.0, GROUND - TORSO_W / 2)
    ankle = (hip[0] + (THIGH + SHIN) * s, low - 1)
    out = []
    for foot in (-104.0, -62.0):  # Finish: the foot relaxed down, not pointed (step 4)
        p = Panel(back=[mat(4, 156)])
        fig = Figure(hip, -70, scale=s, head_dir=-74, nose=20)
        fig.arm_to((hip[0] - 10, low), "left", far=True)
        fig.limb([hip, (ankle[0], ankle[1] - 3), move((ankle[0], ankle[1] - 3), foot, 20)],
                 far=True)
        heel = move(ankle, foot + 90, 3)
        fig.limb([hip, ankle, heel, move(heel, foot, FOOT * 1.5 * s)])
        fig.arm_to((hip[0] - 14, low), "left")
        p.body.append(fig.svg())
        out.append(p)
    out[0].arrows.append(arc_arrow(ankle, 44, -44, -100))
    out[1].arrows.append(arc_arrow(ankle, 44, -100, -62))
    return out


TOE_K = 1.4  # the toe-stretch close-up: the foot drawn this many times its usual size
TOE_ANKLE = (124.0, 112.0)  # the right ankle, resting across the left knee
TOE_TILT = 14.0  # the toes point this many degrees above the horizontal
TOE_SHIN = TOE_TILT - 70.0  # the right shin, from the ankle (the ankle relaxed, 110 degrees)
TOE_BEND = 50.0  # degrees the toes bend back in Finish


def foot_inner(ankle: Point, k: float, tilt: float, toes: float) -> tuple[str, Point]:
    """A big right foot seen from its inner side, toes to the left (``tilt`` degrees up)
    and heel to the right, with the arch of the sole showing; the toes bent back ``toes``
    degrees (up, towards the shin).

    Returns the drawing and the toe joint (at the ball of the foot). Shape points are in
    units of the usual figure's foot: x from the ankle towards the toes, y towards the sole.
    """
    along = 180 + tilt

    def at(x: float, y: float) -> Point:
        return move(move(ankle, along, x * k), along - 90, y * k)

    outline = (f"M{pt(at(-9, -10))} L{pt(at(8, -10))} Q{pt(at(24, -7))} {pt(at(40, -1))} "
               f"Q{pt(at(47, 3))} {pt(at(44, 10))} Q{pt(at(41, 14))} {pt(at(34, 14))} "
               f"Q{pt(at(20, 5))} {pt(at(2, 14))} Q{pt(at(-15, 16))} {pt(at(-15, 3))} Z")
    joint = at(40, 6)
    tip = move(joint, along + toes, 17 * k)
    return path(outline, width=3, fill=INK) + line([joint, tip], INK, 10 * k), joint


def cut_limb(start: Point, direction: float, width: float, x_edge: float,
             color: str = INK, halo: bool = False) -> str:
    """A limb from ``start`` running out of the frame: a band round at ``start`` and cut
    square at the frame's side ``x_edge``, as a close-up crops it."""
    slope = math.tan(math.radians(direction))
    out = []
    for w, c in ([(width + 2 * HALO, WHITE)] if halo else []) + [(width, color)]:
        a1, a2 = move(start, direction + 90, w / 2), move(start, direction - 90, w / 2)
        b1 = (x_edge, a1[1] + (x_edge - a1[0]) * slope)
        b2 = (x_edge, a2[1] + (x_edge - a2[0]) * slope)
        out.append(path(f"M{pt(a1)} L{pt(b1)} L{pt(b2)} L{pt(a2)} Z", stroke="none", width=0,
                        fill=c) + circle(start, w / 2, c))
    return "".join(out)


def toe_stretch(toes: float) -> tuple[Panel, Point]:
    """Close-up, sitting with the right ankle across the left knee, seen from the inner side
    of the right foot: the right shin rises from the ankle and runs out of the frame's side,
    the left knee (grey, the other side) is under the ankle, and a hand (grey) under the
    toes holds them, bent back ``toes`` degrees. Nothing reaches the top of the frame, so
    the words there stay clear in the mirrored picture too. Returns the frame and the toe
    joint."""
    k = TOE_K
    ankle = TOE_ANKLE
    foot, joint = foot_inner(ankle, k, TOE_TILT, toes)
    knee = (ankle[0] + 6, ankle[1] + 32)
    other = (cut_limb(knee, 0, 30, 159, FAR) + line([knee, (knee[0] - 4, 214)], FAR, 30))
    shin = cut_limb(move(ankle, TOE_SHIN, 2), TOE_SHIN, 15 * k, 159, halo=True)
    # The hand: a fist closed round the toes, the forearm running off the bottom edge.
    toe_dir = 180 + TOE_TILT + toes

    def at(u: float, v: float) -> Point:
        return move(move(joint, toe_dir, u * k), toe_dir - 90, v * k)

    fist = [at(13, -10), at(29, -10), at(29, 16), at(13, 16)]
    wrist = at(21, 22)
    hand = (line([(wrist[0] - 2, 214), wrist], FAR, 15 * k)
            + path("M" + " L".join(pt(q) for q in fist) + " Z", stroke=FAR, width=10 * k,
                   fill=FAR))
    creases = "".join(line([at(u, -13), at(u, -3)], WHITE, 2.5) for u in (16, 21, 26))
    body = [other, shin, foot, hand + creases]
    return Panel(body=["".join(body)]), joint


def toe_sole_stretch() -> list[Panel]:
    """Close-up, sitting: the right foot across the left knee, a hand holding the toes;
    then the toes gently bent back towards the shin."""
    start, _ = toe_stretch(0)
    end, joint = toe_stretch(TOE_BEND)
    end.arrows.append(arc_arrow(joint, 41 * TOE_K, 184, 252))
    end.side_at = (74, 188)
    return [start, end]


def foot_roll() -> list[Panel]:
    """Sitting on a chair: a small ball under the right foot, from the heel to the toes."""
    s = 1.2
    ball_r = 9.0
    low = GROUND - LIMB_W / 2
    out = []
    for shift in (0.0, 1.0):
        p = Panel(back=[floor(4, 156)])
        fig = seated(40, s, nose=10, legs=False)
        knee = (fig.hip[0] + THIGH * s + 3, fig.hip[1])
        ankle = (knee[0], low)
        fig.limb([fig.hip, knee, ankle, move(ankle, 0, FOOT * s)], far=True)
        fig.arm(86, 60, far=True)
        foot_y = GROUND - 2 * ball_r - LIMB_W / 2
        ankle = (fig.hip[0] + 54 * s, foot_y)
        knee = ik(fig.hip, ankle, THIGH * s, SHIN * s, "up")[0]
        toe = move(ankle, 0, (FOOT + 10) * s)
        fig.limb([fig.hip, knee, ankle, toe])
        fig.arm(84, 58)
        p.back.append(seat_under(fig, back=40))
        p.body.append(fig.svg())
        bx = ankle[0] + 2 + (toe[0] - ankle[0] - 6) * shift
        p.front.append(circle((bx, GROUND - ball_r), ball_r, FLOOR,
                              f' stroke="{PROP}" stroke-width="3"'))
        out.append(p)
        if shift:
            p.arrows.append(arrow((ankle[0] - 4, foot_y - 22), (toe[0] + 10, foot_y - 22)))
            p.side_at = (118, 92)
    return out


def body_map() -> str:
    """A person from the front and from the back, with fill-able regions.

    The silhouette is drawn twice (dark and slightly thicker, then white on top), so only
    its outer outline shows. Each region is a closed shape (or a group of them) with
    ``fill="none"`` and ``class="region"``; the handout fills one with CSS such as
    ``#region-neck { fill: ...; }``.
    """
    def silhouette(cx: float, dark: bool) -> str:
        extra = 3.0 if dark else 0.0
        limb_stroke = "" if dark else ' stroke="#fff"'
        limbs = [
            ([(cx - 36, 68), (cx - 44, 112), (cx - 50, 150)], 13.0),
            ([(cx + 36, 68), (cx + 44, 112), (cx + 50, 150)], 13.0),
            ([(cx - 15, 160), (cx - 17, 214), (cx - 16, 266)], 18.0),
            ([(cx + 15, 160), (cx + 17, 214), (cx + 16, 266)], 18.0),
        ]
        parts = [
            f'<path d="M{f(cx - 28)},58 Q{f(cx - 40)},60 {f(cx - 40)},72 L{f(cx - 33)},128 '
            f'Q{f(cx - 36)},150 {f(cx - 31)},166 L{f(cx + 31)},166 Q{f(cx + 36)},150 '
            f'{f(cx + 33)},128 L{f(cx + 40)},72 Q{f(cx + 40)},60 {f(cx + 28)},58 Z"/>',
            f'<rect x="{f(cx - 8)}" y="40" width="16" height="22"/>',
            f'<ellipse cx="{f(cx)}" cy="26" rx="15" ry="18"/>',
        ]
        for side in (-1, 1):
            parts.append(f'<ellipse cx="{f(cx + side * 51)}" cy="162" rx="7" ry="12"/>')
            parts.append(f'<ellipse cx="{f(cx + side * 18)}" cy="276" rx="9" ry="9"/>')
        for pts, width in limbs:
            parts.append(
                f'<polyline points="{" ".join(pt(q) for q in pts)}" fill="none"{limb_stroke} '
                f'stroke-width="{f(width + extra)}"/>'
            )
        return "".join(parts)

    front, back = 80.0, 240.0
    out = [
        f'<g fill="{INK}" stroke="{INK}" stroke-width="3" stroke-linecap="round" '
        f'stroke-linejoin="round">{silhouette(front, True)}{silhouette(back, True)}</g>',
        '<g fill="#fff" stroke="none" stroke-linecap="round" stroke-linejoin="round">'
        f"{silhouette(front, False)}{silhouette(back, False)}</g>",
    ]
    # Face on the front view; a faint spine line on the back view.
    out.append(f'<circle cx="{f(front - 5)}" cy="24" r="2" fill="{INK}"/>'
               f'<circle cx="{f(front + 5)}" cy="24" r="2" fill="{INK}"/>'
               f'<path d="M{f(front - 4)},33 H{f(front + 4)}" stroke="{INK}" stroke-width="1.5"/>')
    out.append(f'<path d="M{f(back)},62 V160" stroke="{FLOOR}" stroke-width="1.5"/>')
    # Regions, each split by the patient's side so the handout can shade one side only. On
    # the back view the patient's left is on the viewer's left; on the front view, the right.
    region = 'class="region" fill="none" stroke="none"'

    def halves(left: str, right: str) -> str:
        return f'<g class="side-left">{left}</g><g class="side-right">{right}</g>'

    b = back
    out.append(f'<g id="region-neck" {region}>' + halves(
        f'<rect x="{f(b - 8)}" y="42" width="8" height="18"/>',
        f'<rect x="{f(b)}" y="42" width="8" height="18"/>') + "</g>")
    out.append(f'<g id="region-mid_back" {region}>' + halves(
        f'<path d="M{f(b - 34)},66 H{f(b)} V112 H{f(b - 31)} Z"/>',
        f'<path d="M{f(b)},66 H{f(b + 34)} L{f(b + 31)},112 H{f(b)} Z"/>') + "</g>")
    out.append(f'<g id="region-lower_back" {region}>' + halves(
        f'<path d="M{f(b - 31)},114 H{f(b)} V160 H{f(b - 30)} Q{f(b - 33)},140 '
        f'{f(b - 31)},114 Z"/>',
        f'<path d="M{f(b)},114 H{f(b + 31)} Q{f(b + 33)},140 {f(b + 30)},160 H{f(b)} Z"/>')
        + "</g>")

    def pair(shape: Callable[[float], str], offset: float, views: tuple[float, ...]) -> str:
        """Shapes for the patient's left and right limb, on the given views."""
        left = "".join(shape(c - offset if c == back else c + offset) for c in views)
        right = "".join(shape(c + offset if c == back else c - offset) for c in views)
        return halves(left, right)

    out.append(f'<g id="region-calves" {region}>' + pair(
        lambda x: f'<ellipse cx="{f(x)}" cy="238" rx="7" ry="20"/>', 16.5, (back,)) + "</g>")
    out.append(f'<g id="region-hands" {region}>' + pair(
        lambda x: f'<ellipse cx="{f(x)}" cy="162" rx="7" ry="12"/>', 51, (front, back))
        + "</g>")
    out.append(f'<g id="region-feet" {region}>' + pair(
        lambda x: f'<ellipse cx="{f(x)}" cy="276" rx="9" ry="9"/>', 18, (front, back))
        + "</g>")
    # Labels large enough to read at print size (about 10 pt at 50 mm wide).
    text = (f'font-family="Atkinson Hyperlegible, sans-serif" font-size="24" fill="{INK}" '
            'text-anchor="middle"')
    out.append(f'<text x="{f(front)}" y="318" {text}>Front</text>'
               f'<text x="{f(back)}" y="318" {text}>Back</text>')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 324" width="320" '
        'height="324" role="img"><title>Body map</title>'
        "<desc>Outline of a person seen from the front and from the back. The part of the "
        "body with the spasm is shaded.</desc>" + "".join(out) + "</svg>\n"
    )



@dataclass(frozen=True)
class Drawing:
    """How to draw an exercise: its frames, and whether it has a left and a right file."""

    draw: Callable[[], list[Panel]]
    one_sided: bool = False


DRAWINGS: dict[str, Drawing] = {
    "position-of-ease": Drawing(position_of_ease),
    "knee-to-chest": Drawing(knee_to_chest, one_sided=True),
    "pelvic-tilt": Drawing(pelvic_tilt),
    "knee-rolls": Drawing(knee_rolls, one_sided=True),
    "cat-camel": Drawing(cat_camel),
    "childs-pose": Drawing(childs_pose),
    "abdominal-bracing": Drawing(abdominal_bracing),
    "dead-bug": Drawing(dead_bug, one_sided=True),
    "bird-dog": Drawing(bird_dog, one_sided=True),
    "bridge": Drawing(bridge),
    "chin-tuck": Drawing(chin_tuck),
    "neck-side-bend": Drawing(neck_side_bend, one_sided=True),
    "neck-turn": Drawing(neck_turn, one_sided=True),
    "shoulder-rolls": Drawing(shoulder_rolls),
    "chair-back-extension": Drawing(chair_back_extension),
    "seated-twist": Drawing(seated_twist, one_sided=True),
    "finger-stretch": Drawing(finger_stretch, one_sided=True),
    "wrist-stretch": Drawing(wrist_stretch),
    "hand-open-close": Drawing(hand_open_close),
    "wall-calf-stretch": Drawing(wall_calf_stretch, one_sided=True),
    "towel-calf-stretch": Drawing(towel_calf_stretch, one_sided=True),
    "ankle-pumps": Drawing(ankle_pumps),
    "toe-sole-stretch": Drawing(toe_sole_stretch, one_sided=True),
    "foot-roll": Drawing(foot_roll, one_sided=True),
}
SIDES = ("left", "right")


def render_exercises(library: Path = DATA) -> dict[str, str]:
    """Every exercise picture: file name (``<id>.svg``, or ``<id>-left.svg`` and
    ``<id>-right.svg`` when one-sided) to SVG text.

    Raises:
        ValueError: an exercise has no drawing, or its ``one_sided`` flag disagrees with
            the drawing's.
    """
    data = tomllib.loads(library.read_text(encoding="utf-8"))
    files: dict[str, str] = {}
    for ex in data["exercise"]:
        drawing = DRAWINGS.get(ex["id"])
        if drawing is None:
            raise ValueError(f"no drawing for {ex['id']}")
        if bool(ex.get("one_sided", False)) != drawing.one_sided:
            raise ValueError(f"{ex['id']}: one_sided in exercises.toml must be "
                             f"{str(drawing.one_sided).lower()} to match its drawing")
        alt = ex["picture_alt"]
        if not drawing.one_sided:
            files[f"{ex['id']}.svg"] = picture(ex["name"], alt, drawing.draw())
            continue
        for side in SIDES:
            files[f"{ex['id']}-{side}.svg"] = picture(
                ex["name"], alt.replace("{side}", side), drawing.draw(), side=side,
                mirror=side == "left")
    return files


def main() -> int:
    """Write every exercise picture and the body map; remove pictures no longer drawn."""
    try:
        files = render_exercises()
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (OUT_DIR / name).write_text(text, encoding="utf-8")
    for old in OUT_DIR.glob("*.svg"):
        if old.name not in files:
            old.unlink()
    BODY_MAP.write_text(body_map(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
