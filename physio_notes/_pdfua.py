"""Running headers, footers and page numbers as PDF artifacts (PDF/UA-1, ISO 14289-1 7.8),
and annotations that print (7.18.1).

WeasyPrint 70 marks the text of page-margin boxes (our running footer and "Page X of Y") as
``/Span`` marked content with an MCID, and maps each MCID in the ParentTree to a structure
element that hangs from no parent: the structure tree never reaches it. A screen reader that
follows the content then reads the footer on every page, and PDF/UA checkers see content that
is neither real content nor an artifact.

:func:`mark_running_artifacts` is handed to WeasyPrint's documented ``finisher`` hook, which
runs on the finished ``pydyf.PDF`` objects just before the file is written. For every MCID
whose structure element the tree never reaches, it turns the marked-content sequence into
``/Artifact <</Type /Pagination>>``, sets the ParentTree entry to ``null`` and empties the
orphan element. Nothing else is touched, and a PDF without such orphans is left as it was.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["finish_pdf_ua", "mark_running_artifacts", "print_annotations"]

_BDC: Final = b"BDC"
_NULL: Final = b"null"
_PRINT: Final = 4  # annotation flag bit 3
_PAGINATION: Final = b"<</Type /Pagination>>"  # written as it is: pydyf passes bytes through


def finish_pdf_ua(document: Any, pdf: Any) -> None:
    """WeasyPrint finisher: running text as artifacts, and annotations that print."""
    mark_running_artifacts(document, pdf)
    print_annotations(pdf)


def print_annotations(pdf: Any) -> None:
    """Give every annotation WeasyPrint wrote (an in-document link, such as the page number
    of "When to get help") the Print flag, so paper and screen agree (PDF/UA-1 7.18.1)."""
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Type") == "/Annot" and "F" not in obj:
            obj["F"] = _PRINT


def mark_running_artifacts(document: Any, pdf: Any) -> None:
    """WeasyPrint finisher: make margin-box text (running footers, page numbers) artifacts.

    Args:
        document: The WeasyPrint document (unused; the hook's first argument).
        pdf: The ``pydyf.PDF`` about to be written; changed in place.
    """
    del document
    objects = pdf.objects
    if "StructTreeRoot" not in pdf.catalog:
        return  # an untagged PDF has no structure to repair
    root = _deref(objects, pdf.catalog["StructTreeRoot"])
    reachable = _reachable(objects, root)
    nums = _deref(objects, root["ParentTree"])["Nums"]
    pages = pdf.page_references
    for key, value in zip(nums[::2], nums[1::2], strict=True):
        if not isinstance(value, list) or not isinstance(key, int) or key >= len(pages):
            continue  # an annotation's entry, not a page's MCID array
        orphans = {}
        for mcid, reference in enumerate(value):
            if reference == _NULL:
                continue
            element = _deref(objects, reference)
            if element.number not in reachable:
                orphans[mcid] = element
        if not orphans:
            continue
        page = _deref(objects, pages[key])
        found = _to_artifacts(_deref(objects, page["Contents"]).stream, set(orphans))
        for mcid in found:
            value[mcid] = _NULL
            orphans[mcid].clear()


def _deref(objects: list[Any], reference: Any) -> Any:
    """The object an indirect reference (``b"12 0 R"``) names; anything else as it is."""
    if isinstance(reference, bytes) and reference.endswith(b" R"):
        return objects[int(reference.split()[0])]
    return reference


def _reachable(objects: list[Any], root: Any) -> set[int]:
    """Numbers of every structure element the tree reaches from its root."""
    seen: set[int] = set()
    todo = list(root.get("K", ()))
    while todo:
        item = _deref(objects, todo.pop())
        number = getattr(item, "number", None)
        if not isinstance(item, dict) or number is None or number in seen:
            continue
        if item.get("Type") == "/StructElem":
            seen.add(number)
            kids = item.get("K", ())
            todo.extend(kids if isinstance(kids, list) else [kids])
    return seen


def _to_artifacts(stream: list[Any], mcids: set[int]) -> set[int]:
    """Rewrite ``/Tag <</MCID n>> BDC`` for each ``n`` in ``mcids`` as a pagination artifact;
    return the MCIDs rewritten."""
    done: set[int] = set()
    for i in range(1, len(stream) - 1):
        props = stream[i]
        if (stream[i + 1] == _BDC and isinstance(props, dict) and props.get("MCID") in mcids
                and isinstance(stream[i - 1], str) and stream[i - 1].startswith("/")):
            done.add(props["MCID"])
            stream[i - 1] = "/Artifact"
            stream[i] = _PAGINATION
    return done
