"""The clinician's SOAP note: the encounter as a record, in Markdown, HTML or PDF.

Its content is built here, once, as plain data (from the plan, the knowledge base it carries,
and the facts in :mod:`physio_notes._facts`), and every format renders that same content
through the shared pipeline. Markdown is written for pasting into an EHR text box: the
pipeline escapes every string for Markdown, and keeps the clinician's notes verbatim inside a
fenced block whose fence is longer than any run of backticks in them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal, overload

from ._clinic import Clinic
from ._common import format_date, person
from ._engine import CarePlan
from ._facts import (
    assessment_facts,
    exercise_lines,
    follow_up,
    handout_summary,
    history_facts,
    referral_lines,
    screen_summary,
    start_back_text,
)
from ._render import Assets, Document, render_document
from ._vocab import PageSize

__all__ = ["NOTE", "note_content", "render_note"]

NOTE_TITLE: Final = "Clinical note (SOAP)"
NoteFormat = Literal["markdown", "html", "pdf"]


def note_content(plan: CarePlan, clinic: Mapping[str, Any], assets: Assets) -> dict[str, Any]:
    """Everything the note shows, as plain (unescaped) data."""
    p = plan.presentation
    return {
        "title": NOTE_TITLE,
        "date_iso": p.encounter_date.isoformat(),
        "date_text": format_date(p.encounter_date),
        "clinic_name": clinic["name"],
        "who": person(plan),
        "subjective": history_facts(plan),
        "notes": p.notes,
        "assessment": assessment_facts(plan),
        "screen": screen_summary(plan),
        "start_back": start_back_text(plan),
        "pathways": [pw.to_dict() for pw in plan.pathways],
        "referrals": referral_lines(plan),
        "changes": [str(change) for change in plan.changes],
        "clinician_reason": plan.clinician_reason,
        "plan_lines": [
            ("Patient handout given", handout_summary(plan)),
            ("Exercises and doses", exercise_lines(plan)),
            ("Follow-up", follow_up(plan)),
            ("Knowledge base", f"version {plan.knowledge_version}"),
        ],
    }


NOTE: Final = Document(
    template="note.html.j2",
    stylesheet="note.css",
    formats=("markdown", "html", "pdf"),
    build=note_content,
    markdown_template="note.md.j2",
    verbatim=frozenset({"notes"}),
)


@overload
def render_note(
    plan: CarePlan, *, format: Literal["markdown", "html"] = ..., page_size: PageSize = ...,
    clinic: Clinic | None = ...,
) -> str: ...
@overload
def render_note(
    plan: CarePlan, *, format: Literal["pdf"], page_size: PageSize = ...,
    clinic: Clinic | None = ...,
) -> bytes: ...


def render_note(
    plan: CarePlan,
    *,
    format: NoteFormat = "markdown",
    page_size: PageSize = "A4",
    clinic: Clinic | None = None,
) -> str | bytes:
    """Render the clinician's SOAP note for a care plan.

    Args:
        plan: From :func:`~physio_notes.select_pathways`.
        format: ``"markdown"`` (plain text for an EHR box), ``"html"`` (self-contained) or
            ``"pdf"`` (tagged PDF/UA-1 bytes).
        page_size: ``"A4"`` or ``"Letter"`` (HTML and PDF).
        clinic: The clinic named in the header; defaults to an unbranded note.

    Returns:
        Markdown or HTML text, or PDF bytes. Nothing is written to disk.

    Raises:
        RenderError: for an unknown format or page size, or a failing template.
    """
    return render_document(NOTE, plan, format=format, page_size=page_size, clinic=clinic)
