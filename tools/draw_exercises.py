"""Draw the exercise pictures and the body map used in patient handouts.

Run from the repository root to (re)write ``templates/img/exercises/<id>.svg`` and
``templates/img/body-map.svg``::

    .venv/bin/python tools/draw_exercises.py

Every picture is a plain line drawing in one house style: a stick figure with a round head
and thick rounded limbs, a light grey floor or mat, props in mid grey, movement arrows in
darker grey with a drawn arrowhead. Where a movement has a start and an end, the picture
has two panels marked "1" and "2". Nothing relies on colour: the drawings must read when
printed in greyscale. The limb on the far side of the body is drawn lighter so the eye can
tell the two sides apart. Files contain no scripts, links, fonts or images.

Poses are given as joint angles (degrees; 0 points right, 90 points down, as in SVG) and
turned into joint positions by forward kinematics, so limb lengths stay the same in every
picture. The text (title and description) comes from ``physio_notes/knowledge/exercises.toml``.
"""

from __future__ import annotations

import math
import sys
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "templates" / "img" / "exercises"
BODY_MAP = ROOT / "templates" / "img" / "body-map.svg"
DATA = ROOT / "physio_notes" / "knowledge" / "exercises.toml"

INK = "#1a1a1a"  # body
FAR = "#8c8c8c"  # the limb on the far side of the body
PROP = "#6e6e6e"  # chairs, walls, towels, balls
FLOOR = "#bdbdbd"  # floor, mat, table
ARROW = "#555"  # movement arrows

# Segment lengths at scale 1.
NECK, HEAD_R, TORSO = 5.0, 11.0, 50.0
UPPER_ARM, FOREARM = 27.0, 25.0
THIGH, SHIN, FOOT = 38.0, 36.0, 11.0

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


def line(points: Iterable[Point], color: str = INK, width: float = 7) -> str:
    """A thick rounded polyline (a limb or the torso)."""
    pts = " ".join(pt(p) for p in points)
    stroke = "" if color == INK else f' stroke="{color}"'
    w = "" if width == 7 else f' stroke-width="{f(width)}"'
    return f'<polyline points="{pts}"{stroke}{w}/>'


def curve(a: Point, ctrl: Point, b: Point, color: str = INK) -> str:
    """A thick rounded quadratic curve (a rounded or dipped back)."""
    stroke = "" if color == INK else f' stroke="{color}"'
    return f'<path d="M{pt(a)} Q{pt(ctrl)} {pt(b)}"{stroke}/>'


def head(c: Point, r: float = HEAD_R, hollow: bool = False) -> str:
    """The head: a filled circle, or a white one with an outline for close-ups."""
    fill = "#fff" if hollow else INK
    return f'<circle cx="{f(c[0])}" cy="{f(c[1])}" r="{f(r)}" fill="{fill}"/>'


def _head(tip: Point, direction: float) -> str:
    """A filled arrowhead whose point is at ``tip``."""
    a = move(tip, direction + 150, 10)
    b = move(tip, direction - 150, 10)
    return f'<path d="M{pt(tip)} L{pt(a)} L{pt(b)} z" fill="{ARROW}" stroke="none"/>'


def _shaft(d: str) -> str:
    return f'<path d="{d}" stroke="{ARROW}" stroke-width="3"/>'


def arrow(d: str) -> str:
    """A movement arrow with an arrowhead at its end.

    ``d`` is one of ``Mx,y Hx``, ``Mx,y Vy`` or ``Mx,y Qcx,cy x,y``. The arrowhead is a
    drawn triangle, not an SVG marker, so the file needs no ``url(...)`` reference.
    """
    cmd = d.split()
    x0, y0 = (float(v) for v in cmd[0][1:].split(","))
    if cmd[1][0] in "HV":
        v = float(cmd[1][1:])
        ctrl: Point = (x0, y0)
        end: Point = (v, y0) if cmd[1][0] == "H" else (x0, v)
    else:
        cx, cy = (float(v) for v in cmd[1][1:].split(","))
        ex, ey = (float(v) for v in cmd[2].split(","))
        ctrl, end = (cx, cy), (ex, ey)
    direction = angle_to(ctrl, end)
    stop = move(end, direction, -6)
    if cmd[1][0] in "HV":
        shaft = f"M{pt((x0, y0))} L{pt(stop)}"
    else:
        shaft = f"M{pt((x0, y0))} Q{pt(ctrl)} {pt(stop)}"
    return _shaft(shaft) + _head(end, direction)


def arc_arrow(c: Point, r: float, start: float, end: float) -> str:
    """A circular-arc arrow around ``c`` from angle ``start`` to ``end`` (degrees)."""
    sign = 1 if end > start else -1
    stop_angle = end - sign * math.degrees(6 / r)
    a, b = move(c, start, r), move(c, stop_angle, r)
    sweep = 1 if sign > 0 else 0
    large = 1 if abs(stop_angle - start) > 180 else 0
    tip = move(c, end, r)
    return _shaft(f"M{pt(a)} A{f(r)},{f(r)} 0 {large} {sweep} {pt(b)}") + _head(
        tip, end + sign * 90
    )


def mat(x1: float, x2: float, y: float) -> str:
    """A floor mat whose top edge is at ``y``."""
    return (
        f'<rect x="{f(x1)}" y="{f(y)}" width="{f(x2 - x1)}" height="7" rx="3" fill="{FLOOR}" '
        'stroke="none"/>'
    )


def floor(x1: float, x2: float, y: float) -> str:
    """A plain floor line at ``y``."""
    return (
        f'<line x1="{f(x1)}" y1="{f(y)}" x2="{f(x2)}" y2="{f(y)}" stroke="{FLOOR}" '
        'stroke-width="5"/>'
    )


def prop(d: str, width: float = 4, fill: str = "none") -> str:
    """A piece of furniture or kit (chair, wall, towel) drawn in mid grey."""
    return f'<path d="{d}" stroke="{PROP}" stroke-width="{f(width)}" fill="{fill}"/>'


class Figure:
    """A side-view stick figure built from joint angles.

    ``hip`` is where the torso meets the legs. ``torso`` is the direction from the hip to the
    shoulder. Arms are ``(upper, fore)`` angles; legs are ``(thigh, shin, foot)`` angles.
    The first arm and leg are the near ones, drawn dark; the second are the far ones.
    """

    def __init__(self, hip: Point, torso: float, *, scale: float = 1.0,
                 head_dir: float | None = None, back_bend: float = 0.0,
                 bend_at: float = 0.5) -> None:
        self.s = scale
        self.hip = hip
        self.torso_dir = torso
        self.shoulder = move(hip, torso, TORSO * scale)
        hd = torso if head_dir is None else head_dir
        self.neck_end = move(self.shoulder, hd, NECK * scale)
        self.head_c = move(self.shoulder, hd, (NECK + HEAD_R) * scale)
        self.back_bend = back_bend
        self.bend_at = bend_at
        self.parts_far: list[str] = []
        self.parts_near: list[str] = []
        self.hands: list[Point] = []
        self.knees: list[Point] = []
        self.ankles: list[Point] = []

    def arm(self, upper: float, fore: float, far: bool = False) -> Point:
        """Add an arm by angles; return the hand position."""
        elbow = move(self.shoulder, upper, UPPER_ARM * self.s)
        hand = move(elbow, fore, FOREARM * self.s)
        self._add([self.shoulder, elbow, hand], far)
        self.hands.append(hand)
        return hand

    def arm_to(self, target: Point, bend: str, far: bool = False) -> Point:
        """Add an arm whose hand reaches ``target``; ``bend`` says where the elbow goes."""
        elbow, hand = ik(self.shoulder, target, UPPER_ARM * self.s, FOREARM * self.s, bend)
        self._add([self.shoulder, elbow, hand], far)
        self.hands.append(hand)
        return hand

    def leg(self, thigh: float, shin: float, foot: float, far: bool = False) -> Point:
        """Add a leg by angles; return the ankle position."""
        knee = move(self.hip, thigh, THIGH * self.s)
        ankle = move(knee, shin, SHIN * self.s)
        toe = move(ankle, foot, FOOT * self.s)
        self._add([self.hip, knee, ankle, toe], far)
        self.knees.append(knee)
        self.ankles.append(ankle)
        return ankle

    def leg_to(self, ankle: Point, bend: str, foot: float, far: bool = False) -> Point:
        """Add a leg whose ankle reaches ``ankle``; ``bend`` says where the knee goes."""
        knee, end = ik(self.hip, ankle, THIGH * self.s, SHIN * self.s, bend)
        toe = move(end, foot, FOOT * self.s)
        self._add([self.hip, knee, end, toe], far)
        self.knees.append(knee)
        self.ankles.append(end)
        return knee

    def _add(self, points: list[Point], far: bool) -> None:
        if far:
            self.parts_far.append(line(points, FAR))
        else:
            self.parts_near.append(line(points))

    def svg(self) -> str:
        """The figure as SVG elements: far limbs, torso and head, near limbs."""
        if self.back_bend:
            t = self.bend_at
            mid = (self.hip[0] + t * (self.shoulder[0] - self.hip[0]),
                   self.hip[1] + t * (self.shoulder[1] - self.hip[1]))
            ctrl = move(mid, self.torso_dir - 90, self.back_bend * self.s)
            trunk = curve(self.hip, ctrl, self.shoulder)
        else:
            trunk = line([self.hip, self.shoulder])
        neck = line([self.shoulder, self.neck_end])
        return "".join(
            [*self.parts_far, trunk, neck, head(self.head_c, HEAD_R * self.s), *self.parts_near]
        )


def hand_shape(wrist: Point, direction: float, spread: float, curl: bool = False,
               size: float = 1.0) -> str:
    """A close-up hand seen from the back: palm and five fingers (or a fist)."""
    palm_c = move(wrist, direction, 24 * size)
    parts = [line([wrist, move(wrist, direction, 14 * size)], width=16 * size)]
    parts.append(
        f'<circle cx="{f(palm_c[0])}" cy="{f(palm_c[1])}" r="{f(17 * size)}" '
        f'fill="#fff" stroke-width="{f(5 * size)}"/>'
    )
    if curl:
        for i in range(4):
            off = (i - 1.5) * 8 * size
            k = move(move(palm_c, direction, 15 * size), direction + 90, off)
            parts.append(
                f'<circle cx="{f(k[0])}" cy="{f(k[1])}" r="{f(5 * size)}" fill="#fff" '
                f'stroke-width="{f(4 * size)}"/>'
            )
        thumb = move(palm_c, direction - 90, 14 * size)
        parts.append(line([thumb, move(thumb, direction + 40, 13 * size)], width=6 * size))
        return "".join(parts)
    lengths = [26, 30, 28, 22]
    for i, length in enumerate(lengths):
        off = (i - 1.5) * 8 * size
        base = move(move(palm_c, direction, 13 * size), direction + 90, off)
        ang = direction + (i - 1.5) * spread
        parts.append(line([base, move(base, ang, length * size)], width=6 * size))
    tb = move(palm_c, direction - 100, 13 * size)
    parts.append(line([tb, move(tb, direction - 45 - spread, 20 * size)], width=6 * size))
    return "".join(parts)


def label(x: float, text: str) -> str:
    """A panel number."""
    return (
        f'<text x="{f(x)}" y="26" font-family="Atkinson Hyperlegible, sans-serif" '
        f'font-size="16" fill="{INK}" stroke="none">{text}</text>'
    )


def two_panels(left: str, right: str) -> str:
    """Two panels side by side, numbered 1 and 2, with a thin divider."""
    return (
        f'<line x1="160" y1="12" x2="160" y2="188" stroke="{FLOOR}" stroke-width="1"/>'
        f"{label(10, '1')}{label(170, '2')}<g>{left}</g><g>{right}</g>"
    )


def svg_doc(title: str, desc: str, body: str, *, width: int = 320, height: int = 200) -> str:
    """Wrap drawing elements in the house SVG document."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
        f'<g fill="none" stroke="{INK}" stroke-width="7" stroke-linecap="round" '
        'stroke-linejoin="round">'
        f"{body}</g>"
        "</svg>\n"
    )


# ---------------------------------------------------------------------------------------
# Exercises. Each function returns the drawing body; the floor's top edge is given per picture.


def lying(x: float, y: float, scale: float, *, head_up: float = 6, **kw: float) -> Figure:
    """Lying on the back, head to the left, hip at ``(x, y)``."""
    return Figure((x, y), 180, scale=scale, head_dir=180 + head_up, **kw)


def hook_legs(fig: Figure, *, far: bool = True) -> None:
    """Knees bent, feet flat on the floor (both legs, the far one hidden behind)."""
    ankle = (fig.hip[0] + 56 * fig.s, fig.hip[1] + 0.5)
    if far:
        fig.leg_to(ankle, "up", 0, far=True)
    fig.leg_to(ankle, "up", 0)


def position_of_ease() -> str:
    """Lying on the back, head on a pillow, lower legs resting on a chair seat."""
    s = 1.25
    y = 166.0
    fig = lying(175, y, s, head_up=30)
    knee = move(fig.hip, -88, THIGH * s)
    ankle = move(knee, 0, SHIN * s)
    fig.parts_near.append(line([fig.hip, knee, ankle, move(ankle, -75, FOOT * s)]))
    seat = knee[1] + 6
    x0, x1 = knee[0] - 2, ankle[0] + 14
    chair = (f"M{f(x0)},{f(seat)} H{f(x1)} M{f(x0 + 5)},{f(seat)} V170 "
             f"M{f(x1 - 4)},{f(seat)} V170 M{f(x1)},{f(seat + 1)} V{f(seat - 52)}")
    pil = fig.head_c
    pillow = (f'<rect x="{f(pil[0] - 26)}" y="158" width="48" height="14" rx="6" '
              f'fill="{FLOOR}" stroke="{PROP}" stroke-width="2"/>')
    return mat(30, 300, 170) + pillow + prop(chair) + fig.svg()


def knee_to_chest() -> str:
    """Lying with knees bent; then one knee hugged towards the chest."""
    y = 156.0
    left = lying(84, y, 1.0)
    hook_legs(left)
    right = lying(238, y, 1.0)
    right.leg_to((right.hip[0] + 56, y + 0.5), "up", 0, far=True)
    knee = move(right.hip, -122, THIGH)
    ankle = move(knee, 22, SHIN)
    right.parts_near.append(line([right.hip, knee, ankle, move(ankle, -70, FOOT)]))
    right.arm_to(move(knee, 22, 9), "down")
    arr = arrow("M262,92 Q246,74 222,84")
    return two_panels(mat(6, 154, 160) + left.svg(), mat(166, 314, 160) + right.svg() + arr)


def pelvic_tilt() -> str:
    """Lying with knees bent and a small hollow under the lower back; then the back flat."""
    y = 154.0
    left = lying(84, y, 1.0, back_bend=-12, bend_at=0.3)
    hook_legs(left)
    right = lying(244, y, 1.0)
    hook_legs(right)
    arr = arrow("M226,108 V140")
    return two_panels(mat(6, 154, 158) + left.svg(),
                      mat(166, 314, 158) + right.svg() + arr)


def from_feet(cx: float, tilt: float) -> str:
    """A person lying on the back, seen from beyond the feet and a little above.

    The head is furthest away (top), the knees nearest (bottom), bent up; ``tilt`` rolls the
    knees towards the right by that many degrees.
    """
    hips_y, sh_y = 128.0, 86.0
    parts = [
        f'<rect x="{f(cx - 66)}" y="38" width="132" height="138" rx="8" fill="#e6e6e6" '
        f'stroke="{FLOOR}" stroke-width="3"/>',
        line([(cx, hips_y), (cx, sh_y)]),
        line([(cx - 26, sh_y), (cx + 26, sh_y)]),
        line([(cx - 26, sh_y), (cx - 40, sh_y + 30), (cx - 44, sh_y + 56)], FAR),
        line([(cx + 26, sh_y), (cx + 40, sh_y + 30), (cx + 44, sh_y + 56)], FAR),
        line([(cx - 12, hips_y), (cx + 12, hips_y)]),
        f'<circle cx="{f(cx)}" cy="{f(sh_y - 22)}" r="15" fill="{INK}" stroke="none"/>',
    ]
    for dx in (-11, 11):
        hip = (cx + dx, hips_y)
        foot = (cx + dx * 0.9, 166.0)
        knee = move((cx + dx, 150.0), -90 + tilt, 40)
        parts.append(line([hip, knee, foot], width=9))
    return "".join(parts)


def knee_rolls() -> str:
    """Seen from beyond the feet: knees up, then rolled gently to one side."""
    arr = arc_arrow((240, 150), 62, -86, -48)
    return two_panels(from_feet(80, 0), from_feet(240, 52) + arr)


def all_fours(x: float, floor_y: float, *, back_bend: float = 0.0, head_dir: float = -8,
              scale: float = 1.0) -> Figure:
    """On hands and knees, facing right: the hip is above the knee."""
    hip = (x, floor_y - 3.5 - THIGH * scale)
    return Figure(hip, -10, scale=scale, back_bend=back_bend, head_dir=head_dir)


def kneeling_limbs(fig: Figure, floor_y: float, *, near_arm: bool = True,
                   far_leg: bool = True) -> None:
    """Add the arms and legs an all-fours figure stands on."""
    y = floor_y - 3.5
    s = fig.s
    fig.arm_to((fig.shoulder[0] + 4, y), "left", far=True)
    if far_leg:
        knee = (fig.hip[0] + 3, y)
        fig.parts_far.append(line([fig.hip, knee, move(knee, 180, SHIN * s)], FAR))
    if near_arm:
        fig.arm_to((fig.shoulder[0], y), "left")
    knee = (fig.hip[0], y)
    fig.parts_near.append(line([fig.hip, knee, move(knee, 180, SHIN * s)]))


def cat_camel() -> str:
    """On hands and knees: back rounded up, then gently dipped."""
    fl = 160.0
    left = all_fours(62, fl, back_bend=16, head_dir=95)
    kneeling_limbs(left, fl)
    right = all_fours(222, fl, back_bend=-9, head_dir=-35)
    kneeling_limbs(right, fl)
    a1 = arrow("M86,82 V62")
    a2 = arrow("M246,72 V92")
    return two_panels(mat(6, 154, fl) + left.svg() + a1, mat(166, 314, fl) + right.svg() + a2)


def childs_pose() -> str:
    """On hands and knees; then sitting back towards the heels, arms reaching forward."""
    fl = 160.0
    left = all_fours(62, fl)
    kneeling_limbs(left, fl)
    y = fl - 3.5
    knee = (214.0, y)
    hip = (knee[0] - math.sqrt(THIGH**2 - 30**2), y - 30)
    heel = move(knee, 180, SHIN)
    right = Figure(hip, 12, head_dir=45, back_bend=12)
    right.parts_near.append(line([hip, knee, heel, move(heel, -100, 5)]))
    right.arm_to((right.shoulder[0] + 48, y), "up", far=True)
    right.arm_to((right.shoulder[0] + 50, y), "up")
    arr = arrow(f"M{f(hip[0] + 30)},{f(hip[1] - 36)} Q{f(hip[0] + 2)},{f(hip[1] - 46)} "
                f"{f(hip[0] - 8)},{f(hip[1] - 18)}")
    return two_panels(mat(6, 154, fl) + left.svg(), mat(166, 314, fl) + right.svg() + arr)


def abdominal_bracing() -> str:
    """Lying with knees bent, hands on the tummy; arrows show the tummy drawing gently in."""
    s = 1.3
    y = 164.0
    fig = lying(185, y, s)
    hook_legs(fig)
    arrows = arrow("M150,104 V128") + arrow("M168,104 V128")
    return mat(40, 290, 168) + fig.svg() + arrows


def dead_bug() -> str:
    """Lying, knees and arms up; then one arm reaches back as the other leg reaches out."""
    s = 0.85
    y = 156.0
    left = lying(100, y, s)
    left.leg(-90, 0, -50, far=True)
    left.arm(-90, -90, far=True)
    left.leg(-92, 0, -50)
    left.arm(-92, -92)
    right = lying(250, y, s)
    right.leg(-8, -8, -60, far=True)
    right.arm(-90, -90, far=True)
    right.leg(-92, 0, -50)
    right.arm(-174, -176)
    a1 = arrow("M212,92 Q190,96 184,130")
    a2 = arrow("M300,106 Q310,120 310,134")
    return two_panels(mat(6, 154, 160) + left.svg(), mat(166, 314, 160) + right.svg() + a1 + a2)


def bird_dog() -> str:
    """On hands and knees; then one arm reaches forward as the other leg reaches back."""
    fl = 160.0
    s = 0.85
    left = all_fours(66, fl, scale=s)
    kneeling_limbs(left, fl)
    right = all_fours(230, fl, head_dir=-18, scale=s)
    kneeling_limbs(right, fl, near_arm=False, far_leg=False)
    right.leg(178, 178, 90, far=True)
    right.arm(-6, -6)
    a1 = arrow("M282,86 H300")
    a2 = arrow("M196,96 H178")
    return two_panels(mat(6, 154, fl) + left.svg(), mat(166, 314, fl) + right.svg() + a1 + a2)


def bridge() -> str:
    """Lying with knees bent; then the hips lifted so shoulders, hips and knees line up."""
    y = 156.0
    left = lying(84, y, 1.0)
    hook_legs(left)
    left.arm(2, 0)
    shoulder = (190.0, y)
    hip = move(shoulder, -30, TORSO)
    fig = Figure(hip, 150, head_dir=186)
    ankle = (hip[0] + 36, y + 0.5)
    fig.leg_to(ankle, "up", 0, far=True)
    fig.leg_to(ankle, "up", 0)
    fig.arm(1, 0)
    arr = arrow("M226,100 V76")
    return two_panels(mat(6, 154, 160) + left.svg(), mat(166, 314, 160) + fig.svg() + arr)


def face_side(c: Point, r: float, tilt: float = 0.0) -> str:
    """Eye, nose and ear of a head seen from the side, facing right; ``tilt`` turns it."""
    eye = move(c, tilt - 28, r * 0.55)
    nose_a = move(c, tilt - 14, r)
    nose_tip = move(c, tilt + 4, r * 1.22)
    nose_b = move(c, tilt + 16, r)
    return (
        f'<path d="M{pt(nose_a)} L{pt(nose_tip)} L{pt(nose_b)} z" fill="#fff" stroke-width="4"/>'
        f'<circle cx="{f(c[0])}" cy="{f(c[1])}" r="{f(r)}" fill="#fff" stroke-width="5"/>'
        f'<circle cx="{f(eye[0])}" cy="{f(eye[1])}" r="3.2" fill="{INK}" stroke="none"/>'
    )


def bust_side(cx: float, *, neck_dx: float = 0.0, tilt: float = 0.0) -> str:
    """Close-up of a seated person from the side, facing right: chair back, torso, head."""
    shoulder = (cx, 108.0)
    neck_top = (cx + neck_dx, 84.0)
    r = 22.0
    c = (neck_top[0] + 4, neck_top[1] - r + 2)
    elbow = (cx + 6, 164.0)
    hand = (cx + 50, 176.0)
    return "".join([
        prop(f"M{f(cx - 30)},120 V200", width=6),
        line([(cx, 200), shoulder], width=12),
        line([shoulder, neck_top], width=12),
        face_side(c, r, tilt),
        line([shoulder, elbow, hand], width=10),
    ])


def chin_tuck() -> str:
    """Sitting tall: chin poking forward, then the head slid straight back."""
    arr = arrow("M300,68 H276")
    return two_panels(bust_side(70, neck_dx=22, tilt=-12), bust_side(226) + arr)


def face_front(c: Point, r: float, *, tilt: float = 0.0, turned: bool = False) -> str:
    """A head from the front (eyes, mouth) or turned to its right (side face)."""
    parts = [f'<circle cx="{f(c[0])}" cy="{f(c[1])}" r="{f(r)}" fill="#fff" stroke-width="5"/>']
    if turned:
        nose_a = move(c, -14, r)
        nose_tip = move(c, 4, r * 1.22)
        nose_b = move(c, 16, r)
        eye = move(c, -28, r * 0.55)
        parts.insert(0, f'<path d="M{pt(nose_a)} L{pt(nose_tip)} L{pt(nose_b)} z" fill="#fff" '
                        'stroke-width="4"/>')
        parts.append(f'<circle cx="{f(eye[0])}" cy="{f(eye[1])}" r="3" fill="{INK}" '
                     'stroke="none"/>')
        return "".join(parts)
    for side in (-1, 1):
        e = move(move(c, tilt, side * r * 0.38), tilt - 90, r * 0.18)
        parts.append(f'<circle cx="{f(e[0])}" cy="{f(e[1])}" r="3" fill="{INK}" stroke="none"/>')
    m = move(c, tilt + 90, r * 0.45)
    parts.append(line([move(m, tilt, -r * 0.25), move(m, tilt, r * 0.25)], width=3))
    return "".join(parts)


def bust_front(cx: float, *, tilt: float = 0.0, turned: bool = False,
               arms: bool = True) -> str:
    """Close-up of a person from the front: shoulders, neck and head."""
    sh_y = 120.0
    parts = [line([(cx - 44, sh_y + 8), (cx, sh_y), (cx + 44, sh_y + 8)], width=9),
             line([(cx, sh_y), (cx, 200)], width=9)]
    if arms:
        for side in (-1, 1):
            parts.append(line([(cx + side * 44, sh_y + 8), (cx + side * 52, 200)], width=9))
    neck_top = move((cx, sh_y), -90 + tilt, 16)
    parts.append(line([(cx, sh_y), neck_top], width=11))
    parts.append(face_front(move((cx, sh_y), -90 + tilt, 38), 24, tilt=tilt, turned=turned))
    return "".join(parts)


def neck_side_bend() -> str:
    """From the front: head upright, then one ear tipped towards the shoulder."""
    arr = arc_arrow((240, 120), 74, -96, -62)
    return two_panels(bust_front(80), bust_front(240, tilt=30) + arr)


def neck_turn() -> str:
    """From the front: facing forward, then the head turned to look over one shoulder."""
    arr = arrow("M214,48 Q240,30 268,48")
    return two_panels(bust_front(80), bust_front(240, turned=True) + arr)


def shoulder_rolls() -> str:
    """From the side: the shoulder circles up, back and down (one panel, circular arrow)."""
    arr = arc_arrow((160, 116), 27, 40, -250)
    return bust_side(160) + arr


def seated(x: float, *, lean: float = -90, scale: float = 1.0, head_dir: float | None = None,
           back_bend: float = 0.0, floor_y: float = 170.0) -> Figure:
    """Seated facing right: thighs level, shins straight down, feet flat."""
    s = scale
    y = floor_y - 3.5 - SHIN * s
    fig = Figure((x, y), lean, scale=s, head_dir=head_dir, back_bend=back_bend)
    knee = move((x, y), 0, THIGH * s)
    ankle = (knee[0], floor_y - 3.5)
    fig.parts_near.append(line([(x, y), knee, ankle, move(ankle, 0, FOOT * s)]))
    return fig


def chair_side(x: float, seat_y: float, back_top: float, floor_y: float = 170.0) -> str:
    """A chair seen from the side, its back on the left of the seat."""
    return prop(
        f"M{f(x - 14)},{f(seat_y)} H{f(x + 30)} M{f(x - 10)},{f(seat_y)} V{f(floor_y)} "
        f"M{f(x + 26)},{f(seat_y)} V{f(floor_y)} M{f(x - 14)},{f(seat_y)} V{f(back_top)}"
    )


def chair_back_extension() -> str:
    """Seated, hands behind the head; then leaning back over the top of the chair back."""
    s = 1.1
    left = seated(64, scale=s)
    left.arm(-25, 200)
    seat = left.hip[1] + 5
    right = seated(224, scale=s, lean=-120, head_dir=-145, back_bend=10)
    right.arm(-120 + 65, -120 - 70)
    arr = arc_arrow(right.hip, 98, -90, -118)
    return two_panels(
        floor(10, 150, 170) + chair_side(64, seat, seat - 34) + left.svg(),
        floor(170, 310, 170) + chair_side(224, seat, seat - 34) + right.svg() + arr,
    )


def front_seated(cx: float, *, turned: bool) -> str:
    """From the front: sitting on a stool, arms crossed; optionally turned to one side."""
    seat_y = 132.0
    parts = [prop(f"M{f(cx - 32)},{f(seat_y + 5)} H{f(cx + 32)} M{f(cx - 26)},{f(seat_y + 5)} "
                  f"V170 M{f(cx + 26)},{f(seat_y + 5)} V170")]
    for side in (-1, 1):
        parts.append(line([(cx + side * 14, seat_y), (cx + side * 20, seat_y + 8),
                           (cx + side * 20, 166.5), (cx + side * 27, 166.5)]))
    parts.append(line([(cx - 14, seat_y), (cx + 14, seat_y)]))
    sh_y = 70.0
    if turned:
        ls, rs = (cx - 12, sh_y), (cx + 22, sh_y + 2)
    else:
        ls, rs = (cx - 30, sh_y), (cx + 30, sh_y)
    top = ((ls[0] + rs[0]) / 2, sh_y)
    parts.append(line([(cx, seat_y), top]))
    parts.append(line([ls, rs]))
    # Arms crossed: each hand on the opposite shoulder.
    parts.append(line([rs, (rs[0] + 2, sh_y + 24), (ls[0] + 6, sh_y + 8)], FAR))
    parts.append(line([ls, (ls[0] - 2, sh_y + 28), (rs[0] - 6, sh_y + 12)]))
    parts.append(line([top, (top[0], sh_y - 10)], width=9))
    parts.append(face_front((top[0], sh_y - 28), 19, turned=turned))
    return "".join(parts)


def seated_twist() -> str:
    """From the front: sitting tall with arms crossed, then turning the upper body."""
    arr = arrow("M208,112 Q240,126 274,110")
    return two_panels(
        floor(10, 150, 170) + front_seated(80, turned=False),
        floor(170, 310, 170) + front_seated(240, turned=True) + arr,
    )


def finger_stretch() -> str:
    """A hand flat on a table: fingers together, then spread wide."""
    table = "".join(
        f'<rect x="{x}" y="140" width="144" height="40" rx="4" fill="{FLOOR}" stroke="none"/>'
        for x in (8, 168)
    )
    left = hand_shape((80, 190), -90, 2, size=1.5)
    right = hand_shape((240, 190), -90, 14, size=1.5)
    arrs = arrow("M204,62 Q194,76 194,92") + arrow("M278,58 Q290,70 292,86")
    return two_panels(table + left, right + arrs)


def wrist_stretch() -> str:
    """From the front: palms together at the chest, then lowered so the wrists bend."""
    def body(cx: float, hand_y: float, elbow_out: float, elbow_y: float) -> str:
        parts = [bust_front(cx, arms=False)]
        for side in (-1, 1):
            sh = (cx + side * 44, 128.0)
            el = (cx + side * elbow_out, elbow_y)
            wrist = (cx + side * 6, hand_y)
            parts.append(line([sh, el, wrist], width=9))
        parts.append(
            f'<rect x="{f(cx - 9)}" y="{f(hand_y - 40)}" width="18" height="42" rx="9" '
            f'fill="#fff" stroke-width="5"/>'
        )
        return "".join(parts)

    arr = arrow("M262,128 V152")
    return two_panels(body(80, 150, 50, 170), body(240, 180, 62, 168) + arr)


def fist(c: Point) -> str:
    """A loose fist seen from the back of the hand."""
    x, y = c
    return (
        line([(x, y + 30), (x, 186)], width=18)
        + f'<rect x="{f(x - 27)}" y="{f(y - 26)}" width="54" height="56" rx="18" fill="#fff" '
        'stroke-width="5"/>'
        + "".join(line([(x + dx, y - 24), (x + dx, y - 10)], width=4) for dx in (-12, 0, 12))
        + line([(x - 26, y + 8), (x - 8, y + 2)], width=7)
    )


def hand_open_close() -> str:
    """A hand: a loose fist, then opened with the fingers stretched out."""
    right = hand_shape((240, 190), -90, 12, size=1.5)
    arr = arrow("M186,128 Q176,104 192,84")
    return two_panels(fist((80, 130)), right + arr)


def wall_calf_stretch() -> str:
    """Facing a wall, hands on it, back leg straight with the heel down, front knee bent."""
    wall = f'<rect x="262" y="14" width="20" height="159" fill="{FLOOR}" stroke="none"/>'
    y = 166.5
    hip = (170.0, y - 62)
    back_ankle = (hip[0] - math.sqrt((THIGH + SHIN) ** 2 - 62**2), y)
    fig = Figure(hip, -68, head_dir=-58)
    fig.leg_to((hip[0] + 38, y), "right", 0, far=True)
    back_knee = move(hip, angle_to(hip, back_ankle), THIGH)
    fig.parts_near.append(line([hip, back_knee, back_ankle, move(back_ankle, 0, FOOT)]))
    fig.arm_to((259, fig.shoulder[1] + 4), "down", far=True)
    fig.arm_to((259, fig.shoulder[1] + 10), "down")
    return floor(20, 262, 170) + wall + fig.svg()


def towel_calf_stretch() -> str:
    """Sitting on the floor, legs straight, a towel round one foot, pulling the toes back."""
    s = 1.2
    y = 160.0
    hip = (80.0, y)
    fig = Figure(hip, -78, scale=s, head_dir=-76)
    fig.leg(0, 0, -92, far=True)
    fig.leg(-1, 0, -108)
    toe = move(fig.ankles[1], -108, FOOT * s)
    hand = (fig.shoulder[0] + 34, fig.shoulder[1] + 30)
    fig.arm_to(hand, "down", far=True)
    fig.arm_to((hand[0] - 2, hand[1] + 3), "down")
    towel = prop(f"M{pt(hand)} L{pt(move(toe, -20, 3))} L{pt(move(fig.ankles[1], 20, 6))} "
                 f"L{f(hand[0] - 2)},{f(hand[1] + 3)}", width=5)
    arr = arrow(f"M{f(hand[0] + 34)},{f(hand[1] - 20)} H{f(hand[0] + 6)}")
    return mat(30, 300, 164) + fig.svg() + towel + arr


def lower_leg(cx: float, foot_angle: float) -> str:
    """Close-up of a lower leg lying along the floor with the foot at ``foot_angle``."""
    knee = (cx - 72, 140.0)
    ankle = (cx + 16, 140.0)
    heel = move(ankle, 120, 13)
    toe = move(heel, foot_angle, 50)
    return line([knee, ankle], width=14) + line([ankle, heel, toe], width=11)


def ankle_pumps() -> str:
    """Close-up, leg out straight: toes pulled up towards you, then let down gently."""
    arr1 = arc_arrow((90, 151), 60, -42, -80)
    arr2 = arc_arrow((250, 151), 60, -72, -36)
    return two_panels(
        mat(6, 154, 152) + lower_leg(80, -82) + arr1,
        mat(166, 314, 152) + lower_leg(240, -32) + arr2,
    )


def foot_close(cx: float, *, toes_up: bool) -> str:
    """Close-up of a foot from the inner side, with a hand holding the toes."""
    ankle = (cx - 30, 96.0)
    ball = (cx + 26, 132.0)
    outline = (f"M{f(cx - 40)},{f(100)} Q{f(cx - 52)},{f(132)} {f(cx - 40)},{f(136)} "
               f"L{pt(ball)} L{f(cx + 20)},{f(114)} Q{f(cx - 4)},{f(104)} {f(cx - 20)},{f(96)} Z")
    toe_angle = -58.0 if toes_up else 0.0
    toe_tip = move(ball, toe_angle, 26)
    top = move(ball, toe_angle - 90, 2)
    parts = [
        line([(cx - 38, 44), ankle], width=18),
        f'<path d="{outline}" fill="#fff" stroke-width="5"/>',
        line([move(ball, toe_angle - 90, 8), move(toe_tip, toe_angle - 90, 6)], width=16),
    ]
    hand_c = move(top, toe_angle - 90, 20)
    hand_c = move(hand_c, toe_angle, 14)
    arm_end = move(hand_c, -32, 64)
    parts.append(line([hand_c, arm_end], width=16))
    parts.append(
        f'<rect x="{f(hand_c[0] - 16)}" y="{f(hand_c[1] - 13)}" width="32" height="26" rx="11" '
        f'fill="#fff" stroke-width="5" transform="rotate({f(toe_angle)} {pt(hand_c)})"/>'
    )
    return "".join(parts)


def toe_sole_stretch() -> str:
    """Close-up: a hand holds the toes, then gently bends them back towards the shin."""
    arr = arc_arrow((252, 132), 58, -4, -48)
    return two_panels(foot_close(68, toes_up=False), foot_close(226, toes_up=True) + arr)


def foot_roll() -> str:
    """Sitting on a chair: a small ball under one foot, rolled from heel to toes and back."""
    s = 1.2
    fl = 170.0
    ball_r = 9.0
    ankle_y = fl - 2 * ball_r - 5
    y = ankle_y - SHIN * s
    x = 120.0
    fig = Figure((x, y), -90, scale=s)
    knee = move((x, y), 0, THIGH * s)
    ankle = (knee[0], ankle_y)
    fig.parts_near.append(line([(x, y), knee, ankle, move(ankle, 0, FOOT * s + 4)]))
    fig.arm_to((x + 34, y - 4), "right")
    ball = (f'<circle cx="{f(ankle[0] + 6)}" cy="{f(fl - ball_r)}" r="{f(ball_r)}" fill="{FLOOR}" '
            f'stroke="{PROP}" stroke-width="3"/>')
    arr = arrow(f"M{f(ankle[0] + 12)},{f(ankle_y - 16)} H{f(ankle[0] + 56)}") + arrow(
        f"M{f(ankle[0] + 56)},{f(ankle_y - 16)} H{f(ankle[0] + 12)}")
    return floor(40, 290, fl) + chair_side(x, y + 5, y - 40) + ball + fig.svg() + arr


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


DRAWINGS: dict[str, Callable[[], str]] = {
    "position-of-ease": position_of_ease,
    "knee-to-chest": knee_to_chest,
    "pelvic-tilt": pelvic_tilt,
    "knee-rolls": knee_rolls,
    "cat-camel": cat_camel,
    "childs-pose": childs_pose,
    "abdominal-bracing": abdominal_bracing,
    "dead-bug": dead_bug,
    "bird-dog": bird_dog,
    "bridge": bridge,
    "chin-tuck": chin_tuck,
    "neck-side-bend": neck_side_bend,
    "neck-turn": neck_turn,
    "shoulder-rolls": shoulder_rolls,
    "chair-back-extension": chair_back_extension,
    "seated-twist": seated_twist,
    "finger-stretch": finger_stretch,
    "wrist-stretch": wrist_stretch,
    "hand-open-close": hand_open_close,
    "wall-calf-stretch": wall_calf_stretch,
    "towel-calf-stretch": towel_calf_stretch,
    "ankle-pumps": ankle_pumps,
    "toe-sole-stretch": toe_sole_stretch,
    "foot-roll": foot_roll,
}


def main() -> int:
    """Write every exercise picture and the body map."""
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    ids = [ex["id"] for ex in data["exercise"]]
    missing = sorted(set(ids) - set(DRAWINGS))
    if missing:
        print(f"no drawing for: {', '.join(missing)}", file=sys.stderr)
        return 1
    for ex in data["exercise"]:
        doc = svg_doc(ex["name"], ex["picture_alt"], DRAWINGS[ex["id"]]())
        (OUT_DIR / f"{ex['id']}.svg").write_text(doc, encoding="utf-8")
    BODY_MAP.write_text(body_map(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
