"""Untrusted text cannot inject markup, fetch files or hide content; the fetcher is the gate."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import pytest

from physio_notes import (
    Clinic,
    Clinician,
    Patient,
    Presentation,
    render_handout,
    select_pathways,
)
from physio_notes._render import Assets, html_to_pdf

from .pdfcheck import checked, open_pdf, text_of

SECRET_TEXT = "PHYSIO-NOTES-SECRET-4f1c9a"
SECRET_FILE = Path(tempfile.gettempdir()) / "physio-notes-secret.txt"
SECRET_FILE.write_text(SECRET_TEXT + "\n", encoding="utf-8")
HOSTILE = (
    f'<img src="file://{SECRET_FILE}">'
    f'<link rel="attachment" href="file://{SECRET_FILE}">'
    "<style>body{display:none}</style>"
)


def _hostile_presentation() -> Presentation:
    return Presentation(
        region="lower_back",
        date="2026-11-24",
        causes=["disc_disorder"],
        red_flags=[],
        patient=Patient(name="Name " + HOSTILE, id="ID " + HOSTILE),
        clinician=Clinician(name="Clin " + HOSTILE, role="Role " + HOSTILE),
        diagnosis="Dx " + HOSTILE,
        plain_diagnosis="Told " + HOSTILE,
        notes="Notes " + HOSTILE,
    )


def _embedded_files(pdf: bytes) -> int:
    with open_pdf(pdf) as doc:
        names = doc.Root.get("/Names")
        count = len(doc.attachments)
        return count + (1 if names is not None and "/EmbeddedFiles" in names else 0)


def _no_fetches(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]


@pytest.mark.hazard("HAZ-10")
@pytest.mark.hazard("HAZ-11")
def test_free_text_is_shown_literally_and_fetches_nothing(caplog: pytest.LogCaptureFixture) -> None:
    """Markup in every free-text field prints as text; nothing is fetched or attached."""
    caplog.set_level(logging.WARNING)
    clinic = Clinic(name="Clinic " + HOSTILE[:200], phone="01 <b>555</b>")
    plan = select_pathways(_hostile_presentation())
    pdf = checked(lambda: render_handout(plan, clinic=clinic))
    text = text_of(pdf).replace("\n", "")
    assert f'Name <img src="file://{SECRET_FILE}">' in text
    assert "Told <img" in text
    assert "Dx <img" not in text, "the clinician's diagnosis is never on the handout"
    assert "<style>body{display:none}</style>" in text
    assert "01 <b>555</b>" in text
    assert _embedded_files(pdf) == 0
    assert SECRET_TEXT not in text
    assert _no_fetches(caplog) == []
    html = render_handout(plan, format="html", clinic=clinic)
    assert "<img src=\"file:" not in html
    assert "&lt;img src=" in html


@pytest.mark.hazard("HAZ-11")
def test_fetcher_refuses_files_and_attachments(caplog: pytest.LogCaptureFixture) -> None:
    """Even markup that reaches WeasyPrint cannot read a local file or attach it."""
    caplog.set_level(logging.WARNING)
    html = (
        '<!DOCTYPE html><html lang="en-GB"><head><title>t</title>'
        f'<link rel="stylesheet" href="file://{SECRET_FILE}">'
        f'<link rel="attachment" href="file://{SECRET_FILE}"></head>'
        f'<body><p>x</p><img src="file://{SECRET_FILE}" alt="x">'
        '<img src="http://169.254.169.254/latest" alt="y"></body></html>'
    )
    pdf = html_to_pdf(html, Assets())
    assert _embedded_files(pdf) == 0
    assert SECRET_TEXT.encode() not in pdf
    assert SECRET_TEXT not in text_of(pdf)
    assert len(_no_fetches(caplog)) >= 3


@pytest.mark.hazard("HAZ-11")
def test_fetcher_serves_only_this_documents_images() -> None:
    """A data: URI not inlined by this render is refused (nothing outside the allow-list)."""
    assets = Assets()
    allowed = assets.svg_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')
    foreign = "data:text/plain;base64,aGVsbG8="
    html = (f'<!DOCTYPE html><html lang="en-GB"><head><title>t</title>'
            f'<link rel="attachment" href="{foreign}"></head>'
            f'<body><img src="{allowed}" alt="ok"></body></html>')
    pdf = html_to_pdf(html, assets)
    assert _embedded_files(pdf) == 0
    with open_pdf(pdf) as doc:
        assert len(doc.pages) == 1


@pytest.mark.hazard("HAZ-11")
def test_clinic_colour_cannot_inject_css() -> None:
    """The accent colour must be #rrggbb: anything else is refused before rendering."""
    from physio_notes import ClinicError

    with pytest.raises(ClinicError, match="accent_colour"):
        Clinic(accent_colour="red; } body { display: none")


@pytest.mark.hazard("HAZ-10")
def test_no_patient_data_in_any_log_record(caplog: pytest.LogCaptureFixture) -> None:
    """Every log record written while planning and rendering every document is free of
    the patient's name, id, diagnosis and notes (all loggers, DEBUG and up)."""
    from physio_notes import render_note, render_referral

    caplog.set_level(logging.DEBUG)
    presentation = Presentation(
        region="lower_back", date="2026-11-24", causes=["disc_disorder"],
        red_flags=["saddle_anaesthesia"],
        patient=Patient(name="Zoë Secretname", id="PATIENT-ID-93127"),
        diagnosis="DIAGNOSIS-TEXT-5521", notes="NOTES-TEXT-8830",
    )
    plan = select_pathways(presentation)
    render_handout(plan)
    render_note(plan, format="pdf")
    render_note(plan)
    render_referral(plan)
    messages = [r.getMessage() for r in caplog.records]
    for secret in ("Secretname", "PATIENT-ID-93127", "DIAGNOSIS-TEXT-5521", "NOTES-TEXT-8830"):
        assert not any(secret in message for message in messages), secret
