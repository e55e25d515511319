"""Helpers that look inside real PDFs: text, structure, metadata."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache

import pikepdf
import pypdf

from physio_notes import CarePlan, Clinic, render_handout
from physio_notes._vocab import PageSize

from .conftest import plan_for

DEMO_CLINIC = Clinic(name="Harbour Physiotherapy", phone="091 555 010")


def text_of(pdf: bytes) -> str:
    """All the text a reader (or a screen reader) gets from the PDF, pages joined."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [page.extract_text() for page in reader.pages]


def open_pdf(pdf: bytes) -> pikepdf.Pdf:
    """The PDF's object structure."""
    return pikepdf.open(io.BytesIO(pdf))


@contextmanager
def logged_errors() -> Iterator[list[str]]:
    """Collect ERROR records WeasyPrint logs (PDF/UA problems are logged, not raised)."""
    found: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            found.append(record.getMessage())

    handler = Collect(level=logging.ERROR)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield found
    finally:
        logger.removeHandler(handler)


def checked(render: Callable[[], bytes]) -> bytes:
    """Render, failing on any ERROR WeasyPrint logged while doing it."""
    with logged_errors() as errors:
        pdf = render()
    assert errors == [], errors
    return pdf


@cache
def example_handout(name: str, page_size: PageSize = "A4") -> bytes:
    """The handout PDF of an example, rendered once per test run."""
    plan = plan_for(name)
    return checked(lambda: render_handout(plan, page_size=page_size, clinic=DEMO_CLINIC))


def assert_tagged_without_patient(pdf: bytes, title: str, plan: CarePlan) -> None:
    """PDF/UA-1 (marked, structure tree, en-GB, UA id in XMP), the given title, and no
    patient name or id anywhere in the document information or XMP metadata."""
    patient = plan.presentation.patient
    with open_pdf(pdf) as doc:
        assert doc.Root.MarkInfo.Marked
        assert "/StructTreeRoot" in doc.Root
        assert str(doc.Root.Lang) == "en-GB"
        assert doc.Root.ViewerPreferences.DisplayDocTitle
        assert "pdfuaid:part" in str(doc.open_metadata())
        assert str(doc.docinfo["/Title"]) == title
        meta = " ".join(str(v) for v in doc.docinfo.values()) + str(doc.open_metadata())
    for value in (patient.name, patient.id) if patient else ():
        if value:
            assert value not in meta
