"""Clinic branding and settings: name, contact details, emergency number, logo, colour,
and an optional folder of template overrides.

Settings are checked when the clinic is made: text fields are short, printable text; the
emergency number is not empty; the logo is read once, into memory, and checked
(:mod:`physio_notes._images`); the templates folder exists. Nothing later reads the logo file
again, so what was checked is what is printed.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Final

import attrs

from ._exercises import Exercise, load_exercises
from ._images import IMAGE_TYPES, check_logo
from ._knowledge import load_knowledge
from ._model import bad_character
from .exceptions import ClinicError, KnowledgeBaseError

__all__ = ["Clinic"]

DEFAULT_EMERGENCY_NUMBER: Final = "112 or 999"
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_TEXT_MAX: Final = 300


def _text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if (not isinstance(value, str) or len(value) > _TEXT_MAX
            or bad_character(value, multiline=False) is not None):
        raise ClinicError(f"clinic {attribute.name} must be one line of text of at most "
                          f"{_TEXT_MAX} characters (got {value!r:.60})")


def _number(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _text(instance, attribute, value)
    if not isinstance(value, str) or not value.strip():
        raise ClinicError("clinic emergency_number must not be empty: the handout tells the "
                          "patient to call it")


def _path(value: object) -> object:
    return Path(value) if isinstance(value, str | os.PathLike) else value


@attrs.frozen(kw_only=True)
class Clinic:
    """A clinic's branding and settings for the documents it prints.

    Attributes:
        name: Shown at the top of every document.
        address, phone, website: Contact details for the footer and letters.
        emergency_number: What the handout tells a patient to call in an emergency.
        logo: A PNG, JPEG or SVG file (at most 2 MB; an SVG at most 100 kB of plain drawing),
            read and checked once when the clinic is made, then embedded in the documents.
        accent_colour: ``#rrggbb``; headings and rules use it.
        templates: A folder of Jinja2 templates whose blocks override the bundled ones;
            they run in an immutable sandbox with autoescaping, and may not reach any file
            outside the folder (symbolic links included).
        exercises_file: The clinic's own exercise library (``exercises = "FILE.toml"`` in the
            settings): the bundled format plus ``picture``, a PNG, JPEG or SVG beside it.
        logo_data: The logo's bytes, as checked (not a setting: read from ``logo``).
        exercises: The clinic's own exercises, loaded and checked from ``exercises_file``
            against the bundled knowledge base; they may be added to a plan by id.
    """

    name: str | None = attrs.field(default=None, validator=_text)
    address: str | None = attrs.field(default=None, validator=_text)
    phone: str | None = attrs.field(default=None, validator=_text)
    website: str | None = attrs.field(default=None, validator=_text)
    emergency_number: str = attrs.field(default=DEFAULT_EMERGENCY_NUMBER, validator=_number)
    logo: Path | None = attrs.field(default=None, converter=_path)
    accent_colour: str = attrs.field(default="#1d5b79")
    templates: Path | None = attrs.field(default=None, converter=_path)
    exercises_file: Path | None = attrs.field(default=None, converter=_path)
    logo_data: bytes | None = attrs.field(init=False, default=None, eq=False, repr=False)
    exercises: tuple[Exercise, ...] = attrs.field(init=False, default=(), eq=False, repr=False)

    @accent_colour.validator
    def _check_colour(self, _: attrs.Attribute[str], value: object) -> None:
        if not isinstance(value, str) or not _COLOUR.fullmatch(value):
            raise ClinicError(f"clinic accent_colour must look like '#1d5b79' (got {value!r})")

    @logo.validator
    def _check_logo(self, _: attrs.Attribute[Path | None], value: object) -> None:
        if value is None:
            return
        if not isinstance(value, Path) or value.suffix.lower() not in IMAGE_TYPES:
            raise ClinicError(f"clinic logo must be a {', '.join(IMAGE_TYPES)} file "
                              f"(got {value!r})")
        if not value.is_file():
            raise ClinicError(f"clinic logo {value} does not exist")
        try:
            data = value.read_bytes()
        except OSError as exc:
            raise ClinicError(f"clinic logo {value} cannot be read: {exc.strerror}") from None
        check_logo(value.name, data, IMAGE_TYPES[value.suffix.lower()])
        object.__setattr__(self, "logo_data", data)

    @templates.validator
    def _check_templates(self, _: attrs.Attribute[Path | None], value: object) -> None:
        if value is not None and not (isinstance(value, Path) and value.is_dir()):
            raise ClinicError(f"clinic templates must be an existing folder (got {value!r})")
        if value is not None:
            root = value.resolve()
            outside = [p.name for p in value.rglob("*") if not p.resolve().is_relative_to(root)]
            if outside:
                raise ClinicError(f"clinic templates folder {value} holds links to files "
                                  f"outside it: {sorted(outside)}")

    @exercises_file.validator
    def _check_exercises(self, _: attrs.Attribute[Path | None], value: object) -> None:
        if value is None:
            return
        if not isinstance(value, Path) or not value.is_file():
            raise ClinicError(f"clinic exercises must be an existing TOML file (got {value!r})")
        kb = load_knowledge()
        allowed = [pid for pid, p in kb.pathways.items() if p.exercises != "none"]
        try:
            library = load_exercises(value, pathways=allowed, sources=list(kb.sources),
                                     own_pictures=True)
        except KnowledgeBaseError as exc:
            raise ClinicError(f"clinic exercises: {exc}") from None
        clashes = sorted({e.id for e in library} & {e.id for e in kb.exercises})
        if clashes:
            raise ClinicError(f"clinic exercises {value}: ids {clashes} are already in the "
                              "bundled library; give the clinic's own exercises other ids")
        object.__setattr__(self, "exercises", library)

    @property
    def logo_media_type(self) -> str | None:
        """The logo's media type, or ``None`` without a logo."""
        return None if self.logo is None else IMAGE_TYPES[self.logo.suffix.lower()]

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> Clinic:
        """Read clinic settings from a TOML file; relative paths are relative to the file.

        Raises:
            ClinicError: for an unreadable file, an unknown key, or a bad value.
        """
        file = Path(path)
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ClinicError(f"{file}: cannot be read: {exc}") from None
        if "clinic" in data:
            extra = sorted(set(data) - {"clinic"})
            if extra:
                raise ClinicError(f"{file}: unknown keys or tables {extra} beside [clinic]")
            data = data["clinic"]
        if not isinstance(data, dict):
            raise ClinicError(f"{file}: [clinic] must be a table of settings "
                              f"(got {type(data).__name__})")
        known = {f.name for f in attrs.fields(cls) if f.init} - {"exercises_file"} | {"exercises"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ClinicError(f"{file}: unknown keys {unknown}; allowed: {sorted(known)}")
        if "exercises" in data:  # the settings key names the file
            data["exercises_file"] = data.pop("exercises")
        for key in ("logo", "templates", "exercises_file"):
            if isinstance(data.get(key), str):
                data[key] = (file.parent / data[key]).resolve()
            elif data.get(key) is not None:
                raise ClinicError(f"{file}: {key} must be a path, as text "
                                  f"(got {type(data[key]).__name__})")
        try:
            return cls(**data)
        except ClinicError as exc:
            raise ClinicError(f"{file}: {exc}") from None
