"""The referral letter: to whoever the plan's most urgent referral names.

The letter is addressed to the plan's main referral (:attr:`CarePlan.referral`: the recipient
of the most urgent referring pathway, from the knowledge base the plan carries) and mentions
the others. Its content is built here, once, as plain data and rendered by the shared pipeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any, Final, Literal, overload

import attrs

from ._clinic import Clinic
from ._common import format_date, join_words, person
from ._engine import CarePlan, Referral
from ._facts import (
    advice_given,
    assessment_facts,
    history_facts,
    screen_summary,
    start_back_text,
    urgency_line,
)
from ._model import bad_character
from ._render import Assets, Document, render_document
from ._vocab import PageSize
from .exceptions import NoReferralError, PresentationError, Problem

__all__ = ["LETTER", "letter_content", "main_referral", "render_referral"]

LETTER_TITLE: Final = "Referral letter"


def _referral(plan: CarePlan, referral: Referral) -> dict[str, Any]:
    pathway = next(p for p in plan.pathways if p.id == referral.pathway)
    return {
        "to": referral.name,
        "address": list(referral.address),
        "urgency": urgency_line(plan, referral),
        "pathway": pathway.to_dict(),
    }


def _subject(plan: CarePlan, referral: Referral) -> str:
    template = plan.knowledge.pathways[referral.pathway].letter_subject or ""
    suspected = dict.fromkeys(f.suspected for f in plan.red_flag_screen.findings)
    return template.format(
        urgency=plan.knowledge.urgency_text[referral.urgency]["subject"],
        suspected=join_words(list(suspected), "or"),
    )


def main_referral(plan: CarePlan) -> Referral:
    """The referral the letter is addressed to.

    Raises:
        NoReferralError: when no pathway of the plan refers the patient.
    """
    if plan.referral is None:
        referring = [p.id for p in plan.knowledge.pathways.values() if p.referral is not None]
        raise NoReferralError(
            f"no referral letter: none of this plan's pathways ({', '.join(plan.pathway_ids)}) "
            f"refers the patient on ({join_words(referring, 'or')} do)"
        )
    return plan.referral


def letter_content(
    plan: CarePlan, clinic: Mapping[str, Any], assets: Assets, *, recipient: str | None = None
) -> dict[str, Any]:
    """Everything the letter shows, as plain (unescaped) data.

    Raises:
        NoReferralError: when no pathway of the plan refers the patient.
    """
    main = main_referral(plan)
    p = plan.presentation
    sent = [_referral(plan, r) for r in plan.destinations]
    if recipient:
        sent[0]["address"] = [recipient, *sent[0]["address"]]
    return {
        "title": LETTER_TITLE,
        "date_iso": p.encounter_date.isoformat(),
        "date_text": format_date(p.encounter_date),
        "who": person(plan),
        "patient_name": (p.patient.name if p.patient else None) or "this patient",
        "region": plan.knowledge.label("region", p.region),
        "main": sent[0],
        "emergency": main.urgency == "emergency",
        "subject": _subject(plan, main),
        "others": sent[1:],
        "facts": history_facts(plan)[2:] + assessment_facts(plan),
        "notes": p.notes,
        "screen": screen_summary(plan),
        "start_back": start_back_text(plan),
        "advice": advice_given(plan, str(clinic["emergency_number"])),
        "basis": [r["pathway"] for r in sent],
    }


LETTER: Final = Document(
    template="referral.html.j2",
    stylesheet="referral.css",
    formats=("pdf", "html"),
    build=letter_content,
)


@overload
def render_referral(
    plan: CarePlan, *, format: Literal["pdf"] = ..., page_size: PageSize = ...,
    clinic: Clinic | None = ..., recipient: str | None = ...,
) -> bytes: ...
@overload
def render_referral(
    plan: CarePlan, *, format: Literal["html"], page_size: PageSize = ...,
    clinic: Clinic | None = ..., recipient: str | None = ...,
) -> str: ...


def render_referral(
    plan: CarePlan,
    *,
    format: Literal["pdf", "html"] = "pdf",
    page_size: PageSize = "A4",
    clinic: Clinic | None = None,
    recipient: str | None = None,
) -> bytes | str:
    """Render the referral letter for a plan that refers the patient on.

    Args:
        plan: From :func:`~physio_notes.select_pathways`.
        format: ``"pdf"`` (tagged PDF/UA-1 bytes) or ``"html"`` (self-contained HTML text).
        page_size: ``"A4"`` or ``"Letter"``.
        clinic: Letterhead and signature details; defaults to an unbranded letter.
        recipient: The person the letter is for ("Dr Aoife Kelly"), above the department's
            address lines.

    Returns:
        PDF bytes or HTML text. Nothing is written to disk.

    Raises:
        NoReferralError: when no pathway of the plan refers the patient (checked first).
        RenderError: for an unknown format or page size, or a failing template.
    """
    main_referral(plan)  # NoReferralError before any other check
    document = LETTER if recipient is None else attrs.evolve(
        LETTER, build=partial(letter_content, recipient=_recipient(recipient)))
    return render_document(document, plan, format=format, page_size=page_size, clinic=clinic)


def _recipient(text: str) -> str:
    """A named recipient: one line of printable text."""
    if (not isinstance(text, str) or not text.strip() or len(text) > 200
            or bad_character(text, multiline=False) is not None):
        raise PresentationError([Problem("recipient", "must be one line of text of at most "
                                                      "200 characters", repr(text)[:60])])
    return text.strip()
