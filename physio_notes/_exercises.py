"""The exercise library: ``exercises.toml`` of the knowledge base, loaded and checked.

Each exercise says which body regions it suits, which pathways may offer it and whether it
is ``gentle`` (safe while a doctor's review or a referral is still to come) or part of a
``programme``. The loader checks every name against the knowledge base it belongs to (its
pathways and sources); which exercises a plan shows is the engine's choice
(:func:`physio_notes._engine.select_exercises`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping, Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Final

import attrs

from ._images import IMAGE_TYPES, check_image
from ._model import Region
from ._paths import templates_dir
from .exceptions import ClinicError, KnowledgeBaseError

__all__ = ["INTENSITIES", "REGIONS", "Exercise", "load_exercises", "pictures_dir"]

REGIONS: Final = tuple(r.value for r in Region)
INTENSITIES: Final = ("gentle", "programme")

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_STR_FIELDS: Final = ("id", "name", "intensity", "picture_alt", "hold", "how_often", "feel",
                      "stop_if", "source")
_LIST_FIELDS: Final = ("regions", "pathways", "steps")
_INT_FIELDS: Final = ("repetitions", "sets")
_FIELDS: Final = frozenset((*_STR_FIELDS, *_LIST_FIELDS, *_INT_FIELDS))
_MAY_BE_EMPTY: Final = frozenset({"hold"})
_OPTIONAL_LISTS: Final = ("avoid_with",)
_OPTIONAL: Final = frozenset({*_OPTIONAL_LISTS, "one_sided", "positioning", "dizzying"})
SIDE_SLOT: Final = "{side}"
PICTURE_SIDES: Final = ("left", "right")
_MIN_STEPS, _MAX_STEPS = 3, 5


@attrs.frozen
class Exercise:
    """One exercise in the library, with the text a patient handout shows.

    Attributes:
        id: Kebab-case id; also the picture's file name without ``.svg``.
        name: Short name shown as the heading.
        regions: Body regions it suits (see :data:`REGIONS`).
        pathways: Pathways that may offer it (ids from the knowledge base).
        intensity: ``"gentle"`` or ``"programme"``.
        picture_alt: One sentence describing the picture (its alternative text).
        steps: 3 to 5 short steps, written to the patient; a one-sided exercise's steps may
            name the side to start on as ``{side}`` (see :meth:`steps_for`).
        hold: How long to hold each time, or ``""`` for a movement.
        repetitions: How many times in one set.
        sets: How many sets.
        how_often: How often to do it, in words.
        feel: What the patient should feel.
        stop_if: When to stop.
        source: Where it comes from (a source id, or ``"physio-practice"``).
        avoid_with: Pathways that rule it out even when another pathway offers it (for
            example deep lower-back bending with a disc problem).
        positioning: A resting position rather than a movement; not offered when heat and
            positioning have not eased the spasm.
        dizzying: It may make the patient dizzy (neck movements, looking up). Its ``stop_if``
            says to stop when dizzy; the handout says once, above the exercises, what to do
            if the dizziness does not pass.
        one_sided: Worked one limb or one direction at a time. Its bundled picture comes in
            two files, ``<id>-left.svg`` and ``<id>-right.svg``, each showing and naming that
            side, and ``picture_alt`` holds ``{side}`` once where the side's name goes.
        picture: The picture's file name: ``<id>.svg`` in ``templates/img/exercises`` for the
            bundled library (``<id>-left.svg`` for a one-sided exercise; see
            :meth:`picture_for`), or the file a clinic's library names beside its TOML.
        picture_data: A clinic exercise's picture, read and checked once (``None`` for the
            bundled library, whose pictures ship with the package).
        picture_type: The media type of ``picture_data``.
    """

    id: str
    name: str
    regions: tuple[str, ...]
    pathways: tuple[str, ...]
    intensity: str
    picture_alt: str
    steps: tuple[str, ...]
    hold: str
    repetitions: int
    sets: int
    how_often: str
    feel: str
    stop_if: str
    source: str
    avoid_with: tuple[str, ...] = ()
    positioning: bool = False
    one_sided: bool = False
    dizzying: bool = False
    picture: str = attrs.field(
        default=attrs.Factory(lambda self: _picture_name(self.id, self.one_sided, "left"),
                              takes_self=True)
    )
    picture_data: bytes | None = attrs.field(default=None, eq=False, repr=False)
    picture_type: str | None = None

    def picture_for(self, side: str | None) -> str:
        """The picture file to show a patient whose spasm is on ``side``.

        A one-sided bundled exercise shows the patient's own side (``left`` or ``right``),
        so the picture and "start with your left side" agree; any other side (``both``,
        ``central``, none) shows the left one. Other exercises have one picture (a clinic's
        library, whose picture is its own, has no one-sided exercises).
        """
        if not self.one_sided:
            return self.picture
        return _picture_name(self.id, True, _shown(side))

    def alt_for(self, side: str | None) -> str:
        """The picture's alternative text, with the side it shows filled in."""
        return _fill(self.picture_alt, side) if self.one_sided else self.picture_alt

    def steps_for(self, side: str | None) -> tuple[str, ...]:
        """The steps for a patient whose spasm is on ``side``: a one-sided exercise starts on
        that side (``{side}`` in a step), the same side its picture shows."""
        if not self.one_sided:
            return self.steps
        return tuple(_fill(step, side) for step in self.steps)

    @property
    def is_gentle(self) -> bool:
        """True when the exercise is safe while a review or referral is pending."""
        return self.intensity == "gentle"


def _shown(side: str | None) -> str:
    """The side a one-sided exercise shows: the patient's, else the left."""
    return side if side in PICTURE_SIDES else "left"


def _fill(text: str, side: str | None) -> str:
    return text.replace(SIDE_SLOT, _shown(side))


def _picture_name(exercise_id: str, one_sided: bool, side: str) -> str:
    return f"{exercise_id}-{side}.svg" if one_sided else f"{exercise_id}.svg"


def pictures_dir() -> Path:
    """The folder holding the exercise pictures (``templates/img/exercises``)."""
    return templates_dir() / "img" / "exercises"


def load_exercises(
    path: Traversable | Path,
    *,
    pathways: Collection[str],
    sources: Collection[str],
    own_pictures: bool = False,
) -> tuple[Exercise, ...]:
    """Load and validate an exercise library.

    Args:
        path: The TOML file (``exercises.toml`` of a knowledge base, or a clinic's own).
        pathways: The pathway ids an exercise may name (in ``pathways`` and ``avoid_with``).
        sources: The source ids an exercise may cite.
        own_pictures: A clinic's library: every exercise names its ``picture`` (a PNG, JPEG
            or SVG file beside the TOML), which is read and checked now.

    Raises:
        KnowledgeBaseError: The file cannot be parsed, or an exercise has an unknown or
            missing key, a value of the wrong type, an unknown region, pathway, intensity or
            source, a duplicate id, or no picture (or an unsafe one).
    """
    return _load(path, tuple(pathways), tuple(sources), own_pictures)


def _load(
    path: Traversable | Path, pathways: Sequence[str], sources: Sequence[str],
    own_pictures: bool = False,
) -> tuple[Exercise, ...]:
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeBaseError(f"{where}: cannot read the exercise library: {exc}") from exc
    unknown_top = sorted(set(data) - {"exercise"})
    if unknown_top:
        raise KnowledgeBaseError(f"{where}: unknown top-level keys {unknown_top}; "
                                 "only [[exercise]] tables are allowed")
    raw = data.get("exercise")
    if not isinstance(raw, list) or not raw:
        raise KnowledgeBaseError(f"{where}: no [[exercise]] tables found")
    pictures = pictures_dir()
    seen: set[str] = set()
    exercises: list[Exercise] = []
    for number, table in enumerate(raw, start=1):
        label = _label(table, number)
        if not isinstance(table, Mapping):
            raise KnowledgeBaseError(f"{where}: {label}: must be a table")
        picture = table.get("picture") if own_pictures else None
        body = {k: v for k, v in table.items() if k != "picture"} if own_pictures else table
        exercise = _parse(body, f"{where}: {label}", pathways, sources)
        if exercise.id in seen:
            raise KnowledgeBaseError(f"{where}: {label}: duplicate id")
        seen.add(exercise.id)
        if own_pictures:
            if exercise.one_sided:
                raise KnowledgeBaseError(f"{where}: {label}: one_sided is only for the bundled "
                                         "library's paired pictures; remove it")
            exercises.append(_with_picture(exercise, picture, path, f"{where}: {label}"))
            continue
        for name in dict.fromkeys(exercise.picture_for(side) for side in PICTURE_SIDES):
            if not (pictures / name).is_file():
                raise KnowledgeBaseError(
                    f"{where}: {label}: picture {name!r} not found in {pictures}"
                )
        exercises.append(exercise)
    return tuple(exercises)


def _with_picture(exercise: Exercise, name: object, path: Traversable | Path, where: str
                  ) -> Exercise:
    """A clinic exercise with its own picture, read from beside the TOML and checked."""
    if not isinstance(name, str) or not name or Path(name).name != name:
        raise KnowledgeBaseError(f"{where}: picture must name a PNG, JPEG or SVG file beside "
                                 f"the library (got {name!r:.60})")
    kind = IMAGE_TYPES.get(Path(name).suffix.lower())
    if kind is None:
        raise KnowledgeBaseError(f"{where}: picture {name!r} must be a "
                                 f"{', '.join(IMAGE_TYPES)} file")
    folder = Path(str(path)).parent
    file = folder / name
    if not file.is_file() or not file.resolve().is_relative_to(folder.resolve()):
        raise KnowledgeBaseError(f"{where}: picture {name!r} not found beside {path}")
    data = file.read_bytes()
    try:
        check_image(f"picture {name!r}", data, kind)
    except ClinicError as exc:
        raise KnowledgeBaseError(f"{where}: {exc}") from None
    return attrs.evolve(exercise, picture=name, picture_data=data, picture_type=kind)


def _label(table: object, number: int) -> str:
    if isinstance(table, Mapping) and isinstance(table.get("id"), str):
        return f"exercise {table['id']!r}"
    return f"exercise number {number}"


def _parse(
    table: Mapping[str, object], where: str, pathways: Sequence[str], sources: Sequence[str]
) -> Exercise:
    _check_keys(table, where)
    text = {key: _text(table[key], where, key) for key in _STR_FIELDS}
    lists = {key: _list(table[key], where, key) for key in _LIST_FIELDS}
    numbers = {key: _count(table[key], where, key) for key in _INT_FIELDS}
    avoid = table.get("avoid_with", [])
    if not isinstance(avoid, list) or not all(isinstance(item, str) for item in avoid):
        raise KnowledgeBaseError(f"{where}: avoid_with must be a list of pathway ids")
    if not _ID.fullmatch(text["id"]):
        raise KnowledgeBaseError(f"{where}: id must be kebab-case (got {text['id']!r})")
    one_sided, positioning, dizzying = (
        _flag(table, key, where) for key in ("one_sided", "positioning", "dizzying"))
    slots = text["picture_alt"].count(SIDE_SLOT)
    if slots != (1 if one_sided else 0) or text["picture_alt"].count("{") != slots:
        wanted = "once, where the side's name goes" if one_sided else "nowhere (not one_sided)"
        raise KnowledgeBaseError(f"{where}: picture_alt must hold {SIDE_SLOT} {wanted} "
                                 f"(got {text['picture_alt']!r:.80})")
    for step in lists["steps"]:
        if step.count("{") != (step.count(SIDE_SLOT) if one_sided else 0):
            allowed = f"only {SIDE_SLOT}" if one_sided else "no {...} (not one_sided)"
            raise KnowledgeBaseError(f"{where}: steps may hold {allowed} (got {step!r:.80})")
    _check_choices(where, "avoid_with", avoid, pathways)
    _check_choices(where, "regions", lists["regions"], REGIONS)
    _check_choices(where, "pathways", lists["pathways"], pathways)
    _check_choices(where, "intensity", (text["intensity"],), INTENSITIES)
    _check_choices(where, "source", (text["source"],), sources)
    if not _MIN_STEPS <= len(lists["steps"]) <= _MAX_STEPS:
        raise KnowledgeBaseError(f"{where}: steps must hold {_MIN_STEPS} to {_MAX_STEPS} "
                                 f"items (got {len(lists['steps'])})")
    return Exercise(
        id=text["id"], name=text["name"], regions=lists["regions"], pathways=lists["pathways"],
        intensity=text["intensity"], picture_alt=text["picture_alt"], steps=lists["steps"],
        hold=text["hold"], repetitions=numbers["repetitions"], sets=numbers["sets"],
        how_often=text["how_often"], feel=text["feel"], stop_if=text["stop_if"],
        source=text["source"], avoid_with=tuple(avoid), one_sided=one_sided,
        positioning=positioning, dizzying=dizzying,
    )


def _flag(table: Mapping[str, object], key: str, where: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise KnowledgeBaseError(f"{where}: {key} must be true or false (got {value!r})")
    return value


def _check_keys(table: Mapping[str, object], where: str) -> None:
    keys = set(table)
    unknown = sorted(keys - _FIELDS - _OPTIONAL)
    if unknown:
        raise KnowledgeBaseError(f"{where}: unknown keys {unknown}; "
                                 f"allowed: {sorted(_FIELDS | _OPTIONAL)}")
    missing = sorted(_FIELDS - keys)
    if missing:
        raise KnowledgeBaseError(f"{where}: missing keys {missing}")


def _text(value: object, where: str, key: str) -> str:
    if not isinstance(value, str):
        raise KnowledgeBaseError(f"{where}: {key} must be a string (got {value!r})")
    if key not in _MAY_BE_EMPTY and not value.strip():
        raise KnowledgeBaseError(f"{where}: {key} must not be empty")
    return value.strip()


def _list(value: object, where: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(
        isinstance(item, str) and item.strip() for item in value
    ):
        raise KnowledgeBaseError(
            f"{where}: {key} must be a non-empty list of non-empty strings (got {value!r})"
        )
    if len(set(value)) != len(value):
        raise KnowledgeBaseError(f"{where}: {key} lists an item twice")
    return tuple(item.strip() for item in value)


def _count(value: object, where: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise KnowledgeBaseError(f"{where}: {key} must be a whole number of 1 or more "
                                 f"(got {value!r})")
    return value


def _check_choices(where: str, key: str, values: Sequence[str], allowed: Sequence[str]) -> None:
    bad = [value for value in values if value not in allowed]
    if bad:
        raise KnowledgeBaseError(
            f"{where}: unknown {key} value {bad[0]!r}; allowed: {', '.join(allowed)}"
        )
