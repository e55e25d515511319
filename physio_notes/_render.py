"""The one rendering pipeline every document goes through (handout, note, referral letter).

A document is a :class:`Document`: its template, stylesheet, formats, and a ``build`` function
that turns a plan into the document's content — plain data (text, numbers, lists, mappings),
built once, in one place. :func:`render_document` checks the options, builds the content,
renders it with Jinja2 (autoescaped, ``StrictUndefined``; a clinic's templates first in a
``ChoiceLoader`` and run in an immutable sandbox) to self-contained HTML with the images inlined as
``data:`` URIs, and for a PDF hands that HTML to WeasyPrint — imported here only, and only
when a PDF is asked for — with a URL fetcher that serves only the images this render inlined
and the bundled font files. Markdown (the note) goes through the same content, escaped.

Any exception while rendering a template, bundled or clinic, becomes a
:class:`~physio_notes.exceptions.RenderError` naming the template file and line.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import threading
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any, Final
from urllib.parse import unquote, urlsplit

import attrs
import fontpkg_atkinson_hyperlegible
import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from ._clinic import Clinic
from ._common import md_fence, md_tree, plain_data_problem
from ._engine import CarePlan
from ._paths import templates_dir
from ._pdfua import finish_pdf_ua
from ._vocab import PAGE_SIZES, DocumentFormat
from .exceptions import RenderError

__all__ = [
    "Assets",
    "Document",
    "document_html",
    "environment",
    "html_to_pdf",
    "render_document",
]

log = logging.getLogger("physio_notes")

Build = Callable[[CarePlan, Mapping[str, Any], "Assets"], dict[str, Any]]
#: The bundled font family every document (and every picture label) is set in.
FONT_FAMILY: Final = "Atkinson Hyperlegible"
_FONT_FILES: Final = (
    (400, "normal", "AtkinsonHyperlegible-Regular.ttf"),
    (700, "normal", "AtkinsonHyperlegible-Bold.ttf"),
    (400, "italic", "AtkinsonHyperlegible-Italic.ttf"),
    (700, "italic", "AtkinsonHyperlegible-BoldItalic.ttf"),
)


@attrs.frozen
class Document:
    """One kind of document and how it is made.

    Attributes:
        template: The HTML template (``handout.html.j2``).
        stylesheet: Its stylesheet under ``templates/css``.
        formats: The formats it can be rendered to.
        build: ``build(plan, clinic, assets)`` → the template's content as plain data;
            ``clinic`` is the clinic's settings as plain data.
        markdown_template: The Markdown template, for documents that have one.
        verbatim: Content keys kept verbatim in Markdown, as fenced blocks.
    """

    template: str
    stylesheet: str
    formats: tuple[DocumentFormat, ...]
    build: Build
    markdown_template: str | None = None
    verbatim: frozenset[str] = frozenset()


#: Large print: body text at 16 pt for readers with low vision (headings scale with it).
LARGE_PRINT_CSS: Final = ("html { font-size: 16pt; } .exercise { font-size: 1rem; "
                          "grid-template-columns: 56mm minmax(0, 1fr); } "
                          ".exercise img { width: 56mm; }")


def render_document(
    document: Document,
    plan: CarePlan,
    *,
    format: str,
    page_size: str = "A4",
    clinic: Clinic | None = None,
    large_print: bool = False,
) -> str | bytes:
    """Render ``document`` for ``plan``: HTML or Markdown text, or PDF bytes.

    Raises:
        RenderError: for a format the document does not have, an unknown page size, or any
            failure inside a template (naming its file and line) or in the PDF engine.
    """
    if format not in document.formats:
        raise RenderError(f"format must be {_one_of(document.formats)} (got {format!r})")
    if page_size not in PAGE_SIZES:
        raise RenderError(f"page_size must be {_one_of(list(PAGE_SIZES))} (got {page_size!r})")
    clinic = clinic if clinic is not None else Clinic()
    if format == "markdown":
        content = _content(document, plan, clinic, Assets())
        assert document.markdown_template is not None  # formats lists markdown only then
        return _render(document.markdown_template, _markdown(content, document.verbatim),
                       clinic.templates)
    html, assets = document_html(document, plan, page_size=page_size, clinic=clinic,
                                 for_pdf=format == "pdf", large_print=large_print)
    return html if format == "html" else html_to_pdf(html, assets)


def document_html(
    document: Document,
    plan: CarePlan,
    *,
    page_size: str = "A4",
    clinic: Clinic,
    for_pdf: bool,
    large_print: bool = False,
) -> tuple[str, Assets]:
    """The document as self-contained HTML, and the assets a PDF render may fetch.

    ``for_pdf`` adds the bundled fonts' ``@font-face`` rules (served only to WeasyPrint).
    """
    assets = Assets()
    content = _content(document, plan, clinic, assets)
    logo = None if clinic.logo_data is None or clinic.logo_media_type is None else (
        assets.inline(clinic.logo_data, clinic.logo_media_type))
    css = _css(document.stylesheet, clinic.accent_colour, page_size, for_pdf=for_pdf)
    if large_print:
        css += "\n" + LARGE_PRINT_CSS
    html = _render(document.template, {
        **content,
        "clinic": clinic_data(clinic),
        "logo": logo,
        "css": Markup(css),  # noqa: S704 - bundled CSS and validated values only
    }, clinic.templates)
    return html, assets


def _content(document: Document, plan: CarePlan, clinic: Clinic, assets: Assets) -> dict[str, Any]:
    """The document's content, checked to be plain data."""
    content = document.build(plan, clinic_data(clinic), assets)
    problem = plain_data_problem(content)
    if problem is not None:
        raise RenderError(f"{document.template}: {problem}")
    return content


def _one_of(choices: Sequence[str]) -> str:
    quoted = [f"'{choice}'" for choice in choices]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def clinic_data(clinic: Clinic) -> dict[str, str | None]:
    """The clinic's settings a template may show, as plain text (no paths)."""
    return {
        "name": clinic.name,
        "address": clinic.address,
        "phone": clinic.phone,
        "website": clinic.website,
        "emergency_number": clinic.emergency_number,
        "accent_colour": clinic.accent_colour,
    }


def _markdown(content: Mapping[str, Any], verbatim: frozenset[str]) -> dict[str, Any]:
    """Content escaped for Markdown; ``verbatim`` keys become fenced blocks (or ``None``)."""
    escaped: dict[str, Any] = md_tree({k: v for k, v in content.items() if k not in verbatim})
    for key in verbatim:
        escaped[key] = None if content[key] is None else md_fence(content[key])
    return escaped


# --- templates -------------------------------------------------------------------------------


@cache
def environment(overrides: Path | None = None) -> jinja2.Environment:
    """The Jinja2 environment: built once per override folder (building one costs ~10 ms)."""
    bundled = jinja2.FileSystemLoader(templates_dir())
    options: dict[str, Any] = {
        # HTML is escaped; Markdown (``*.md.j2``) is not: its content is escaped for Markdown.
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
        _ConfinedLoader(overrides),
        jinja2.PrefixLoader({"physio_notes": bundled}),
        bundled,
    ])
    return ImmutableSandboxedEnvironment(loader=loader, **options)


class _ConfinedLoader(jinja2.FileSystemLoader):
    """Loads a clinic's templates, refusing any file that resolves outside its folder (a
    symbolic link to elsewhere, for example)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.root = folder.resolve()

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        if not Path(filename).resolve().is_relative_to(self.root):
            raise SecurityError(f"clinic template {template!r} resolves outside the clinic "
                                "templates folder")
        return source, filename, uptodate


def _render(name: str, context: Mapping[str, Any], overrides: Path | None) -> str:
    """Render one template; any failure is a RenderError naming the template file and line."""
    try:
        return environment(overrides).get_template(name).render(**context)
    except Exception as exc:  # a template may fail in any way: all are reported
        where = _where(exc, overrides) or f"template {name}"
        raise RenderError(f"{where} failed: {type(exc).__name__}: {exc}") from exc


def _where(exc: Exception, overrides: Path | None) -> str | None:
    """"clinic template handout.html.j2, line 3" for the template line that failed."""
    found: tuple[str, int] | None = None
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        found = (exc.filename, exc.lineno)
    tb: TracebackType | None = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    if found is None:
        return None
    path = Path(found[0])
    for kind, folder in (("clinic", overrides), ("bundled", templates_dir())):
        if folder is not None and path.is_relative_to(folder):
            return f"{kind} template {path.relative_to(folder)}, line {found[1]}"
    return f"template {path.name}, line {found[1]}"


# --- assets and styles -----------------------------------------------------------------------


class Assets:
    """The images one document inlines, remembered so the PDF fetcher serves only them."""

    def __init__(self) -> None:
        self.served: dict[str, tuple[bytes, str]] = {}

    def data_uri(self, path: Path, media_type: str | None = None) -> str:
        """Inline a file as a ``data:`` URI and allow the PDF fetcher to serve it."""
        body, kind = _read_asset(path, media_type)
        return self._serve(body, kind)

    def bundled(self, name: str) -> str:
        """A bundled image, by its path under ``templates/img``."""
        folder = templates_dir() / "img"
        path = (folder / name).resolve()
        if not path.is_relative_to(folder):
            raise RenderError(f"asset {name!r} is outside the bundled images")
        return self.data_uri(path)

    def inline(self, body: bytes, media_type: str) -> str:
        """Inline bytes already in memory (a clinic's checked logo)."""
        return self._serve(body, media_type)

    def svg_text(self, text: str) -> str:
        """Inline SVG markup made at render time (for example the highlighted body map)."""
        return self._serve(text.encode("utf-8"), "image/svg+xml")

    def _serve(self, body: bytes, kind: str) -> str:
        uri = f"data:{kind};base64,{base64.b64encode(body).decode('ascii')}"
        self.served[uri] = (body, kind)
        return uri


@cache
def _read_asset(path: Path, media_type: str | None) -> tuple[bytes, str]:
    kind = media_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    try:
        return path.read_bytes(), kind
    except OSError as exc:
        raise RenderError(f"cannot read asset {path.name}: {exc.strerror}") from None


@cache
def _stylesheet(name: str) -> str:
    return (templates_dir() / "css" / name).read_text(encoding="utf-8")


def _css(name: str, accent: str, page_size: str, *, for_pdf: bool) -> str:
    """The trusted CSS: bundled fonts (PDF only), accent colour, page size, stylesheets."""
    return "\n".join([
        _font_faces() if for_pdf else "",
        f":root {{ --accent: {accent}; }}",
        f"@page {{ size: {PAGE_SIZES[page_size]}; }}",
        _stylesheet("base.css"),
        _stylesheet(name),
    ])


def _font_faces() -> str:
    """``@font-face`` rules for the pinned font files (PDF only: same glyphs everywhere)."""
    folder = _font_folder()
    return "\n".join(
        f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {weight}; '
        f'font-style: {style};'
        f' src: url("{(folder / file).as_uri()}"); }}'
        for weight, style, file in _FONT_FILES
    )


@cache
def _font_folder() -> Path:
    return (Path(fontpkg_atkinson_hyperlegible.__file__).parent / "files").resolve()


# --- PDF -------------------------------------------------------------------------------------


#: WeasyPrint (through Pango) is not thread-safe: two PDFs laid out at once in one process can
#: crash it (seen here: a segfault in Pango's ``get_first_line`` with a thread pool of two). So
#: one process makes one PDF at a time; processes still render in parallel.
_ONE_PDF_AT_A_TIME: Final = threading.Lock()


def html_to_pdf(html: str, assets: Assets) -> bytes:
    """Turn self-contained HTML into a tagged (PDF/UA-1), reproducible PDF."""
    import weasyprint  # deferred: keeps WeasyPrint out of `import physio_notes`

    try:
        with _ONE_PDF_AT_A_TIME:
            document = weasyprint.HTML(string=html, url_fetcher=_fetcher(assets), base_url=None)
            return bytes(document.write_pdf(pdf_variant="pdf/ua-1", font_config=_font_config(),
                                            finisher=finish_pdf_ua))
    except Exception as exc:  # any engine failure is reported the same way
        raise RenderError(f"the PDF could not be made: {type(exc).__name__}: {exc}") from exc


@cache
def _font_config() -> Any:
    from weasyprint.text.fonts import FontConfiguration  # deferred: see html_to_pdf

    return FontConfiguration()


def _fetcher(assets: Assets) -> Any:
    """A WeasyPrint URL fetcher that serves only this document's images and the font files."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # deferred: see html_to_pdf

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
