"""Images from outside the package (a clinic's logo, its own exercise pictures), read once into
memory and checked before anything renders them.

A PNG or JPEG must carry its format's signature; an SVG must be a small, self-contained
drawing: no DOCTYPE or entities, no scripts, links, images, filters or ``<use>``, a bounded
number of elements and of path data, and no references outside itself. A logo that breaks a
rule is a :class:`~physio_notes.exceptions.ClinicError` when the clinic is loaded, so an SVG
that would take minutes to draw never reaches the PDF engine.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Final

from .exceptions import ClinicError

__all__ = [
    "IMAGE_TYPES",
    "LOGO_MAX_BYTES",
    "SVG_MAX_BYTES",
    "check_image",
    "check_logo",
]

IMAGE_TYPES: Final = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                      ".svg": "image/svg+xml"}
LOGO_MAX_BYTES: Final = 2_000_000
SVG_MAX_BYTES: Final = 100_000
SVG_MAX_ELEMENTS: Final = 500
SVG_MAX_PATH_DATA: Final = 50_000
_SIGNATURES: Final = {"image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",)}
_SVG = "{http://www.w3.org/2000/svg}"
#: The drawing elements a logo may use: shapes, text, groups and gradients.
_SVG_ELEMENTS: Final = frozenset({
    "svg", "g", "title", "desc", "defs", "path", "rect", "circle", "ellipse", "line", "polyline",
    "polygon", "text", "tspan", "linearGradient", "radialGradient", "stop", "clipPath", "style",
})
_URL = re.compile(r"url\(\s*['\"]?(?!#)", re.IGNORECASE)


def check_logo(name: str, data: bytes, media_type: str) -> None:
    """Refuse a logo whose bytes are not what its name says, or an SVG that is not safe to draw.

    Raises:
        ClinicError: naming the logo and the rule it breaks.
    """
    check_image(f"clinic logo {name}", data, media_type)


def check_image(what: str, data: bytes, media_type: str) -> None:
    """Refuse an image whose bytes are not what its name says, or an unsafe SVG.

    Args:
        what: How to name the image in a message ("clinic logo logo.svg").

    Raises:
        ClinicError: naming the image and the rule it breaks.
    """
    if len(data) > LOGO_MAX_BYTES:
        raise ClinicError(f"{what} is larger than {LOGO_MAX_BYTES} bytes")
    if media_type == "image/svg+xml":
        _check_svg(what, data)
    elif not data.startswith(_SIGNATURES[media_type]):
        raise ClinicError(f"{what} is not a {media_type} file")


def _check_svg(what: str, data: bytes) -> None:
    def refuse(why: str) -> ClinicError:
        return ClinicError(f"{what}: {why}")

    if len(data) > SVG_MAX_BYTES:
        raise refuse(f"an SVG may be at most {SVG_MAX_BYTES} bytes (got {len(data)})")
    text = data.decode("utf-8", errors="replace")
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise refuse("an SVG may not have a DOCTYPE or entities")
    try:
        root = ET.fromstring(data)  # noqa: S314 - no DOCTYPE or entities reach the parser
    except ET.ParseError as exc:
        raise refuse(f"not a readable SVG ({exc})") from None
    elements = list(root.iter())
    if root.tag != f"{_SVG}svg":
        raise refuse("the root element must be <svg> in the SVG namespace")
    if len(elements) > SVG_MAX_ELEMENTS:
        raise refuse(f"an SVG may have at most {SVG_MAX_ELEMENTS} elements "
                     f"(got {len(elements)})")
    path_data = 0
    for element in elements:
        tag = element.tag.removeprefix(_SVG)
        if tag not in _SVG_ELEMENTS:
            raise refuse(f"<{tag}> is not allowed in an SVG here; allowed: "
                         f"{', '.join(sorted(_SVG_ELEMENTS))}")
        for attribute, value in element.attrib.items():
            if attribute.endswith("href") or attribute.lower().startswith("on"):
                raise refuse(f"the attribute {attribute.split('}')[-1]!r} is not allowed")
            if _URL.search(value):
                raise refuse("references outside the image (url(...)) are not allowed")
        style = element.text or "" if tag == "style" else ""
        if _URL.search(style) or "@import" in style:
            raise refuse("a <style> may not import or reference anything")
        path_data += len(element.get("d", "")) + len(element.get("points", ""))
    if path_data > SVG_MAX_PATH_DATA:
        raise refuse(f"an SVG may have at most {SVG_MAX_PATH_DATA} characters of path data")
