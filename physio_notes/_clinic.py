"""Clinic branding and settings: name, contact details, emergency number, logo, colour,
and an optional folder of template overrides."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Final

import attrs

from .exceptions import ClinicError

__all__ = ["Clinic"]

DEFAULT_EMERGENCY_NUMBER: Final = "112 or 999"
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_LOGO_TYPES: Final = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                      ".svg": "image/svg+xml"}
_LOGO_MAX_BYTES: Final = 2_000_000
_TEXT_MAX: Final = 300


def _text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, str) or len(value) > _TEXT_MAX or "\x00" in value:
        raise ClinicError(f"clinic {attribute.name} must be text of at most {_TEXT_MAX} "
                          f"characters (got {value!r:.60})")


def _path(value: object) -> object:
    return Path(value) if isinstance(value, str | os.PathLike) else value


@attrs.frozen(kw_only=True)
class Clinic:
    """A clinic's branding and settings for the documents it prints.

    Attributes:
        name: Shown at the top of every document.
        address, phone, website: Contact details for the footer and letters.
        emergency_number: What the handout tells a patient to call in an emergency.
        logo: A PNG, JPEG or SVG file (at most 2 MB), embedded in the documents.
        accent_colour: ``#rrggbb``; headings and rules use it.
        templates: A folder of Jinja2 templates whose blocks override the bundled ones;
            they run in a sandbox with autoescaping.
    """

    name: str | None = attrs.field(default=None, validator=_text)
    address: str | None = attrs.field(default=None, validator=_text)
    phone: str | None = attrs.field(default=None, validator=_text)
    website: str | None = attrs.field(default=None, validator=_text)
    emergency_number: str = attrs.field(default=DEFAULT_EMERGENCY_NUMBER, validator=_text)
    logo: Path | None = attrs.field(default=None, converter=_path)
    accent_colour: str = attrs.field(default="#1d5b79")
    templates: Path | None = attrs.field(default=None, converter=_path)

    @accent_colour.validator
    def _check_colour(self, _: attrs.Attribute[str], value: object) -> None:
        if not isinstance(value, str) or not _COLOUR.fullmatch(value):
            raise ClinicError(f"clinic accent_colour must look like '#1d5b79' (got {value!r})")

    @logo.validator
    def _check_logo(self, _: attrs.Attribute[Path | None], value: object) -> None:
        if value is None:
            return
        if not isinstance(value, Path) or value.suffix.lower() not in _LOGO_TYPES:
            raise ClinicError(f"clinic logo must be a {', '.join(_LOGO_TYPES)} file "
                              f"(got {value!r})")
        if not value.is_file():
            raise ClinicError(f"clinic logo {value} does not exist")
        if value.stat().st_size > _LOGO_MAX_BYTES:
            raise ClinicError(f"clinic logo {value} is larger than {_LOGO_MAX_BYTES} bytes")

    @templates.validator
    def _check_templates(self, _: attrs.Attribute[Path | None], value: object) -> None:
        if value is not None and not (isinstance(value, Path) and value.is_dir()):
            raise ClinicError(f"clinic templates must be an existing folder (got {value!r})")

    @property
    def logo_media_type(self) -> str | None:
        """The logo's media type, or ``None`` without a logo."""
        return None if self.logo is None else _LOGO_TYPES[self.logo.suffix.lower()]

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
        data = data.get("clinic", data)
        known = {f.name for f in attrs.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ClinicError(f"{file}: unknown keys {unknown}; allowed: {sorted(known)}")
        for key in ("logo", "templates"):
            if isinstance(data.get(key), str):
                data[key] = (file.parent / data[key]).resolve()
        try:
            return cls(**data)
        except ClinicError as exc:
            raise ClinicError(f"{file}: {exc}") from None
