"""How full each printed page is, read from WeasyPrint's own layout (not from timing).

``page_fill(html, assets)`` lays the document out exactly as ``html_to_pdf`` would and reports,
for every page, the share of the page's content area that content reaches down to, and the
text of the last line on the page (to spot a heading left alone at the foot).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from physio_notes._render import Assets, _fetcher, _font_config

HEADINGS = frozenset({"h1", "h2", "h3"})


@attrs.frozen
class Page:
    """One laid-out page: how full it is, and what ends it."""

    fill: float
    last_tag: str | None
    last_text: str
    text: str


def page_fill(html: str, assets: Assets) -> list[Page]:
    """Lay ``html`` out as the PDF would be and measure each page."""
    return [_measure(page._page_box) for page in _layout(html, assets).pages]


def pictures(html: str, assets: Assets) -> list[tuple[int, str, float]]:
    """(page index, alt text, printed width in mm) of every image on every page."""
    from weasyprint.formatting_structure import boxes

    found = []
    for number, page in enumerate(_layout(html, assets).pages):
        for box, _ in _boxes(page._page_box, None):
            if isinstance(box, boxes.ReplacedBox) and box.element_tag == "img":
                found.append((number, box.element.get("alt", ""), box.width * 25.4 / 96))
    return found


def _layout(html: str, assets: Assets) -> Any:
    import weasyprint

    return weasyprint.HTML(string=html, url_fetcher=_fetcher(assets), base_url=None).render(
        font_config=_font_config())


def _measure(page_box: Any) -> Page:
    from weasyprint.formatting_structure import boxes

    top = page_box.content_box_y()
    height = page_box.height
    bottom = top
    last_tag: str | None = None
    last_text = ""
    words = []
    for box, tag in _boxes(page_box, None):
        if isinstance(box, boxes.MarginBox):
            continue
        if box.element_tag in ("html", "body"):
            continue
        if isinstance(box, boxes.TextBox):
            words.append(box.text)
        if not isinstance(box, (boxes.LineBox, boxes.ReplacedBox, boxes.TableRowBox)):
            continue  # containers may stretch to the page's foot; ink does not
        end = box.border_box_y() + box.border_height()
        if end >= bottom - 0.5:
            last_tag = tag
            last_text = "".join(t.text for t, _ in _boxes(box, tag) if isinstance(t, boxes.TextBox))
        bottom = max(bottom, end)
    return Page(fill=(bottom - top) / height, last_tag=last_tag, last_text=last_text.strip(),
                text=" ".join(" ".join(words).split()))


def _boxes(box: Any, tag: str | None) -> Iterator[tuple[Any, str | None]]:
    """Every box under ``box`` with the nearest enclosing element's tag (headings win)."""
    own = box.element_tag if getattr(box, "element_tag", None) else tag
    here = tag if tag in HEADINGS else own
    yield box, here
    if box.__class__.__name__ == "MarginBox":
        return
    for child in getattr(box, "children", ()):
        yield from _boxes(child, here)
