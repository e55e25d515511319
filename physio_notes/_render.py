"""Rendering: one machinery for every document (handout, note, referral letter).

Jinja2 renders HTML from the templates (autoescaped, ``StrictUndefined``; clinic overrides
first in a ``ChoiceLoader`` and run sandboxed). Images are inlined as ``data:`` URIs, so the
HTML is self-contained. For a PDF the same HTML goes to WeasyPrint — imported here only, and
only when a PDF is asked for — with a URL fetcher that serves the images this render inlined
and the bundled font files, and refuses everything else.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import unquote, urlsplit

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ._clinic import Clinic
from ._paths import templates_dir
from .exceptions import RenderError

__all__ = [
    "PAGE_SIZES",
    "Assets",
    "environment",
    "html_to_pdf",
    "render_template",
    "render_text",
]

log = logging.getLogger("physio_notes")

PageSize = Literal["A4", "Letter"]
PAGE_SIZES: Final[Mapping[str, str]] = {"A4": "A4", "Letter": "letter"}


@cache
def environment(overrides: Path | None = None) -> jinja2.Environment:
    """The Jinja2 environment: built once per override folder (building one costs ~10 ms)."""
    bundled = jinja2.FileSystemLoader(templates_dir())
    options: dict[str, Any] = {
        # HTML is escaped; Markdown (``*.md.j2``) is not: its context is escaped for Markdown.
        "autoescape": jinja2.select_autoescape(
            enabled_extensions=("html.j2", "html"),
            disabled_extensions=("md.j2",),
            default_for_string=True,
            default=True,
        ),
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
    }
    if overrides is None:
        return jinja2.Environment(loader=bundled, **options)  # noqa: S701 - autoescape on but *.md.j2
    # A clinic template named like a bundled one replaces it, and can still extend the
    # bundled original as "physio_notes/<name>" to override just the blocks it wants.
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(overrides),
        jinja2.PrefixLoader({"physio_notes": bundled}),
        bundled,
    ])
    return SandboxedEnvironment(loader=loader, **options)


class Assets:
    """The images one document inlines, remembered so the PDF fetcher serves only them."""

    def __init__(self) -> None:
        self.served: dict[str, tuple[bytes, str]] = {}

    def data_uri(self, path: Path, media_type: str | None = None) -> str:
        """Inline a file as a ``data:`` URI and allow the PDF fetcher to serve it."""
        body, kind = _read_asset(path, media_type)
        uri = f"data:{kind};base64,{base64.b64encode(body).decode('ascii')}"
        self.served[uri] = (body, kind)
        return uri

    def bundled(self, name: str) -> str:
        """A bundled image, by its path under ``templates/img``."""
        folder = templates_dir() / "img"
        path = (folder / name).resolve()
        if not path.is_relative_to(folder):
            raise RenderError(f"asset {name!r} is outside the bundled images")
        return self.data_uri(path)

    def svg_text(self, text: str) -> str:
        """Inline SVG markup made at render time (for example the highlighted body map)."""
        body = text.encode("utf-8")
        uri = f"data:image/svg+xml;base64,{base64.b64encode(body).decode('ascii')}"
        self.served[uri] = (body, "image/svg+xml")
        return uri


@cache
def _read_asset(path: Path, media_type: str | None) -> tuple[bytes, str]:
    kind = media_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    try:
        return path.read_bytes(), kind
    except OSError as exc:
        raise RenderError(f"cannot read asset {path.name}: {exc.strerror}") from None


@cache
def _css(name: str) -> str:
    return (templates_dir() / "css" / name).read_text(encoding="utf-8")


def _font_faces() -> str:
    """``@font-face`` rules for the pinned Lato files (PDF only: same glyphs everywhere)."""
    folder = _font_folder()
    rules = []
    for weight, style, file in ((400, "normal", "Lato-Regular.ttf"),
                                (700, "normal", "Lato-Bold.ttf"),
                                (400, "italic", "Lato-Italic.ttf")):
        rules.append(
            f'@font-face {{ font-family: "Lato"; font-weight: {weight}; font-style: {style};'
            f' src: url("{(folder / file).as_uri()}"); }}'
        )
    return "\n".join(rules)


@cache
def _font_folder() -> Path:
    import font_lato

    return Path(font_lato.font_directory).resolve()


def render_template(
    name: str,
    context: Mapping[str, Any],
    *,
    clinic: Clinic,
    assets: Assets,
    page_size: str = "A4",
    for_pdf: bool,
    stylesheet: str,
) -> str:
    """Render one document template to self-contained HTML.

    The trusted CSS (bundled stylesheet, validated accent colour and page size) is passed in
    as markup; everything from the presentation goes through autoescaping.
    """
    if page_size not in PAGE_SIZES:
        raise RenderError(f"page_size must be one of {list(PAGE_SIZES)} (got {page_size!r})")
    css = "\n".join([
        _font_faces() if for_pdf else "",
        f":root {{ --accent: {clinic.accent_colour}; }}",
        f"@page {{ size: {PAGE_SIZES[page_size]}; }}",
        _css("base.css"),
        _css(stylesheet),
    ])
    logo = None if clinic.logo is None else assets.data_uri(clinic.logo, clinic.logo_media_type)
    try:
        template = environment(clinic.templates).get_template(name)
        return template.render(
            **context,
            clinic=clinic,
            logo=logo,
            css=Markup(css),  # noqa: S704 - bundled CSS and validated values only
            asset=assets.bundled,
        )
    except jinja2.TemplateError as exc:  # includes the sandbox's SecurityError
        raise RenderError(f"template {name!r} failed: {exc}") from exc


def render_text(name: str, context: Mapping[str, Any], clinic: Clinic) -> str:
    """Render a plain-text template (``*.md.j2``: no autoescape, no CSS, no images).

    The caller escapes ``context`` for the target format; a clinic override of the template
    runs in the same sandbox as the HTML ones.
    """
    try:
        return environment(clinic.templates).get_template(name).render(**context)
    except jinja2.TemplateError as exc:  # includes the sandbox's SecurityError
        raise RenderError(f"template {name!r} failed: {exc}") from exc


def html_to_pdf(html: str, assets: Assets) -> bytes:
    """Turn self-contained HTML into a tagged (PDF/UA-1), reproducible PDF."""
    import weasyprint

    document = weasyprint.HTML(string=html, url_fetcher=_fetcher(assets), base_url=None)
    return bytes(document.write_pdf(pdf_variant="pdf/ua-1", font_config=_font_config()))


@cache
def _font_config() -> Any:
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def _fetcher(assets: Assets) -> Any:
    """A WeasyPrint URL fetcher that serves only this document's images and the font files."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    fonts = _font_folder()

    class AllowListFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            if url in assets.served:
                body, kind = assets.served[url]
                return URLFetcherResponse(url, body, {"Content-Type": kind})
            parts = urlsplit(url)
            if parts.scheme == "file" and not parts.netloc:
                path = Path(unquote(parts.path)).resolve()
                if path.is_relative_to(fonts) and path.suffix == ".ttf" and path.is_file():
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": "font/ttf"})
            log.warning("refused to fetch a resource (scheme %r)", parts.scheme)
            raise ValueError("physio_notes serves only its own assets")

    return AllowListFetcher(allowed_protocols=("data", "file"), allow_redirects=False)

