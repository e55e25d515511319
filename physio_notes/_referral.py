"""The referral letter: to the emergency department, a neurologist or the GP.

The letter is addressed by the plan's most urgent referring pathway (plan order) and mentions
the others. It goes through the same machinery as the handout and the note: an autoescaped
template extending ``base.html.j2``, the clinic's branding, and a tagged PDF/UA-1 file.
"""

from __future__ import annotations

from typing import Any, Final, Literal, overload

from ._clinic import Clinic
from ._engine import CarePlan
from ._handout import format_date
from ._knowledge import load_knowledge
from ._note import (
    Referral,
    advice_meanwhile,
    assessment_facts,
    person,
    presentation_facts,
    referrals,
    screen_summary,
    start_back_text,
)
from ._render import Assets, html_to_pdf, render_template
from .exceptions import NoReferralError, RenderError

__all__ = ["letter_context", "render_referral"]

LETTER_TITLE: Final = "Referral letter"
_SUBJECTS: Final = {
    "neurologist-referral": "Referral for neurological assessment",
    "medical-review": "Request for a medical review",
}


@overload
def render_referral(
    plan: CarePlan, *, format: Literal["pdf"] = ..., clinic: Clinic | None = ...,
) -> bytes: ...
@overload
def render_referral(
    plan: CarePlan, *, format: Literal["html"], clinic: Clinic | None = ...,
) -> str: ...


def render_referral(
    plan: CarePlan,
    *,
    format: Literal["pdf", "html"] = "pdf",
    clinic: Clinic | None = None,
) -> bytes | str:
    """Render the referral letter for a plan that refers the patient on.

    Args:
        plan: From :func:`~physio_notes.select_pathways`.
        format: ``"pdf"`` (tagged PDF/UA-1 bytes) or ``"html"`` (self-contained HTML text).
        clinic: Letterhead and signature details; defaults to an unbranded letter.

    Returns:
        PDF bytes or HTML text. Nothing is written to disk.

    Raises:
        NoReferralError: when no pathway of the plan refers the patient (checked first).
        RenderError: for an unknown format or a failing clinic template.
    """
    if format not in ("pdf", "html"):
        raise RenderError(f"format must be 'pdf' or 'html' (got {format!r})")
    sent = referrals(plan)
    if not sent:
        raise NoReferralError(
            f"no referral letter: none of this plan's pathways ({', '.join(plan.pathway_ids)}) "
            "refers the patient on (urgent-referral, neurologist-referral or medical-review do)"
        )
    clinic = clinic if clinic is not None else Clinic()
    assets = Assets()
    html = render_template("referral.html.j2", letter_context(plan, sent, clinic), clinic=clinic,
                           assets=assets, for_pdf=format == "pdf", stylesheet="referral.css")
    return html if format == "html" else html_to_pdf(html, assets)


def _subject(plan: CarePlan, main: Referral) -> str:
    if main.pathway.id == "urgent-referral":
        suspected = dict.fromkeys(f.suspected for f in plan.red_flag_screen.findings)
        kind = "Emergency referral" if plan.urgency == "emergency" else "Urgent referral"
        return f"{kind}: suspected {' or '.join(suspected)}"
    return _SUBJECTS.get(main.pathway.id, main.pathway.title)


def letter_context(
    plan: CarePlan, sent: tuple[Referral, ...], clinic: Clinic
) -> dict[str, Any]:
    """Everything the letter shows, as plain (unescaped) values; ``sent`` is not empty."""
    kb = load_knowledge()
    p = plan.presentation
    main = sent[0]
    return {
        "title": LETTER_TITLE,
        "date_iso": p.encounter_date.isoformat(),
        "date_text": format_date(p.encounter_date),
        "who": person(plan),
        "patient_name": (p.patient.name if p.patient else None) or "this patient",
        "region": kb.label("region", p.region),
        "main": main,
        "emergency": main.pathway.id == "urgent-referral" and plan.urgency == "emergency",
        "subject": _subject(plan, main),
        "others": sent[1:],
        "facts": presentation_facts(plan, kb)[2:] + assessment_facts(plan, kb),
        "notes": p.notes,
        "screen": screen_summary(plan),
        "start_back": start_back_text(plan),
        "advice": advice_meanwhile(plan, clinic),
        "basis": [r.pathway for r in sent],
    }
