"""The clinician's SOAP note: the encounter as a record, in Markdown, HTML or PDF.

One context feeds every format. HTML and PDF go through the shared machinery of
:mod:`physio_notes._render` (autoescaped templates, PDF/UA-1). Markdown is written for pasting
into an EHR text box: the template is not autoescaped, so :func:`markdown_context` escapes every
string of the context first — inline values on one line with Markdown's special characters
backslash-escaped, and the clinician's notes verbatim inside a fenced block whose fence is longer
than any run of backticks in them.

The helpers that describe the presentation, the red-flag screen, the advice given and the
referrals are shared with the referral letter (:mod:`physio_notes._referral`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, Literal, overload

import attrs

from ._clinic import Clinic
from ._engine import CarePlan, Pathway
from ._exercises import REFERRAL_PATHWAYS, select_exercises
from ._handout import format_date
from ._knowledge import KnowledgeBase, load_knowledge
from ._model import Cause
from ._render import Assets, html_to_pdf, render_template, render_text
from .exceptions import RenderError

__all__ = [
    "NOT_RECORDED",
    "Referral",
    "advice_meanwhile",
    "markdown_context",
    "md_fence",
    "md_inline",
    "note_context",
    "presentation_facts",
    "referrals",
    "render_note",
    "screen_summary",
]

NOT_RECORDED: Final = "not recorded"
NOTE_TITLE: Final = "Clinical note (SOAP)"
HANDOUT_TITLE: Final = "Your muscle spasm plan"
NoteFormat = Literal["markdown", "html", "pdf"]

#: Who a referring pathway's ``refers_to`` means: the name used in text, and the address lines.
RECIPIENTS: Final[Mapping[str, tuple[str, tuple[str, ...]]]] = {
    "emergency department": ("Emergency Department", ("The Duty Doctor", "Emergency Department")),
    "neurologist": ("neurologist", ("The Consultant Neurologist", "Neurology Department")),
    "GP": ("GP", ("The patient's General Practitioner (GP)",)),
}
ROUTINE_SOON: Final = "Routine (soon): please see at the next available appointment"


# --- Markdown escaping ---------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")


def md_inline(text: str) -> str:
    """One line of untrusted text made inert in Markdown.

    Line breaks collapse to spaces (so nothing can start a heading, list or fence), and the
    characters that open emphasis, code, links, images, HTML, headings, tables or entities
    are backslash-escaped; what a reader sees is the text as typed.
    """
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def md_fence(text: str, info: str = "text") -> str:
    """Untrusted multi-line text verbatim in a fenced code block that it cannot close."""
    body = "\n".join(text.splitlines())
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def _md_tree(value: Any) -> Any:
    """Every string inside dicts, lists and tuples escaped with :func:`md_inline`."""
    if isinstance(value, str):
        return md_inline(value)
    if isinstance(value, Mapping):
        return {key: _md_tree(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_md_tree(item) for item in value)
    return value


def markdown_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """The note context escaped for Markdown; the notes become a fenced block (or ``None``)."""
    notes = context["notes"]
    escaped: dict[str, Any] = _md_tree({k: v for k, v in context.items() if k != "notes"})
    escaped["notes"] = None if notes is None else md_fence(notes)
    return escaped


# --- what the note and the letter say --------------------------------------------------------


@attrs.frozen
class Referral:
    """A referring pathway: to whom (name in text, address lines) and how urgently."""

    pathway: Pathway
    to: str
    address: tuple[str, ...]
    urgency: str


def referrals(plan: CarePlan) -> tuple[Referral, ...]:
    """The plan's referrals, most urgent first (plan order)."""
    found = []
    for pathway in plan.referrals:
        to, address = RECIPIENTS.get(pathway.refers_to, (pathway.refers_to, (pathway.refers_to,)))
        found.append(Referral(pathway, to, address, _urgency(plan, pathway)))
    return tuple(found)


def _urgency(plan: CarePlan, pathway: Pathway) -> str:
    if pathway.id != "urgent-referral":
        return ROUTINE_SOON
    if plan.urgency == "emergency":
        return "Please assess today — emergency"
    return "Urgent: same-day assessment"


def _yes_no(value: bool | None) -> str:
    return NOT_RECORDED if value is None else ("yes" if value else "no")


def _causes(plan: CarePlan, kb: KnowledgeBase) -> str:
    p = plan.presentation
    words = []
    for cause in p.causes:
        word = kb.label("cause", cause)
        if cause is Cause.NEUROLOGICAL and p.neurological_condition is not None:
            word += f" ({kb.label('neurological_condition', p.neurological_condition)})"
        words.append(word)
    return ", ".join(words) or NOT_RECORDED


def presentation_facts(plan: CarePlan, kb: KnowledgeBase) -> list[tuple[str, str]]:
    """The subjective history, label by label ("not recorded" where nothing was given)."""
    p = plan.presentation
    return [
        ("Region", kb.label("region", p.region)),
        ("Encounter date", format_date(p.encounter_date)),
        ("Each episode lasts", kb.label("duration", p.duration) if p.duration else NOT_RECORDED),
        ("Recurrent", _yes_no(p.recurrent)),
        ("Eased by heat and positioning", _yes_no(p.eased_by_heat_and_positioning)),
        ("Symptoms", ", ".join(kb.label("symptom", s) for s in p.symptoms) or NOT_RECORDED),
        ("Pain score", NOT_RECORDED if p.pain_score is None else f"{p.pain_score}/10"),
    ]


def assessment_facts(plan: CarePlan, kb: KnowledgeBase) -> list[tuple[str, str]]:
    """Spasm type, causes and the working diagnosis."""
    p = plan.presentation
    return [
        ("Spasm type", kb.label("spasm_type", p.spasm_type)),
        ("Causes", _causes(plan, kb)),
        ("Working diagnosis", p.diagnosis or NOT_RECORDED),
    ]


def screen_summary(plan: CarePlan) -> dict[str, Any]:
    """The red-flag screen, stated explicitly: a headline and one line per finding."""
    screen = plan.red_flag_screen
    headline = {
        "none_found": "none found",
        "not_screened": "NOT SCREENED: red flags were not recorded at this encounter",
        "positive": f"POSITIVE ({(screen.urgency or '').upper()})",
    }[screen.status]
    findings = [f"{f.label}: suspected {f.suspected} ({f.urgency})" for f in screen.findings]
    return {"status": screen.status, "headline": headline, "findings": findings}


def start_back_text(plan: CarePlan) -> str:
    """The STarT Back risk group with its total and distress score, or "not recorded"."""
    scored = plan.presentation.start_back
    if scored is None or plan.start_back_risk is None:
        return NOT_RECORDED
    return (f"{plan.start_back_risk} risk (total {scored.total}/9, "
            f"distress {scored.distress}/5)")


def _exercise_names(plan: CarePlan) -> list[str]:
    chosen = select_exercises(plan.pathway_ids, plan.presentation.region.value, plan.urgency)
    return [exercise.name for exercise in chosen]


def handout_summary(plan: CarePlan) -> str:
    """What the patient handout of this plan covers, in one line."""
    if plan.urgency == "emergency":
        return f"“{HANDOUT_TITLE}”: emergency advice only (what to do now, what to tell doctors)"
    if plan.urgency == "urgent":
        return (f"“{HANDOUT_TITLE}”: see a doctor today; comfort measures only; "
                "no exercise programme")
    names = _exercise_names(plan)
    exercises = f"; exercises: {', '.join(names)}" if names else ""
    return f"“{HANDOUT_TITLE}”: plan, home care and safety-net advice{exercises}"


def advice_meanwhile(plan: CarePlan, clinic: Clinic) -> list[str]:
    """What the patient was advised to do until they are seen (as the handout says it)."""
    number = clinic.emergency_number
    if plan.urgency == "emergency":
        return [f"To call {number} or go to the nearest emergency department now, "
                "and not to drive themselves.",
                "No treatment or exercise for the spasm until they have been assessed."]
    if plan.urgency == "urgent":
        return ["To be seen by a doctor today, or to attend an emergency department if no "
                f"same-day appointment is available; to call {number} if worse.",
                "Comfort measures only: a position of ease and heat.",
                "No exercise programme until a doctor has seen them."]
    return _routine_advice(plan, number)


def _routine_advice(plan: CarePlan, number: str) -> list[str]:
    ids = set(plan.pathway_ids)
    advice = []
    if "neurologist-referral" in ids:
        advice.append("Gentle movement each day, within comfort, and a record of when each "
                      "spasm starts and how long it lasts.")
    advice.append("Home care: a position of ease, heat, short rest (not bed rest), finding and "
                  "avoiding the trigger, keeping the rest of the body moving.")
    advice.append("To ask their doctor or pharmacist early about muscle-relaxing medication "
                  "if the pain is severe (no drug or dose named by us).")
    names = _exercise_names(plan)
    if names:
        gentle = " (gentle only, pending review)" if ids & REFERRAL_PATHWAYS else ""
        advice.append(f"Exercises{gentle}: {', '.join(names)}.")
    advice.append(f"Safety net: when to see their GP, and to call {number} at once for "
                  "red-flag symptoms.")
    return advice


def follow_up(plan: CarePlan) -> str:
    """The follow-up line, from the most urgent part of the plan."""
    sent = referrals(plan)
    if plan.urgency == "emergency":
        return "Physiotherapy on hold until the patient has been assessed as an emergency."
    if plan.urgency == "urgent":
        return "No exercise programme until a doctor has seen the patient (today); review after."
    if sent:
        to = " and ".join(r.to for r in sent)
        return f"Review after the {to} assessment; continue the gentle plan meanwhile."
    return "Review at the next visit; sooner if the safety-net signs appear."


def person(plan: CarePlan) -> dict[str, str]:
    """Patient and clinician details for headers ("not recorded" where absent)."""
    patient, clinician = plan.presentation.patient, plan.presentation.clinician
    born = patient.date_of_birth if patient else None
    return {
        "name": (patient.name if patient else None) or NOT_RECORDED,
        "id": (patient.id if patient else None) or NOT_RECORDED,
        "date_of_birth": format_date(born) if born else NOT_RECORDED,
        "clinician": (clinician.name if clinician else None) or NOT_RECORDED,
        "role": (clinician.role if clinician else None) or NOT_RECORDED,
    }


def note_context(plan: CarePlan, clinic: Clinic) -> dict[str, Any]:
    """Everything the note shows, as plain (unescaped) values."""
    kb = load_knowledge()
    p = plan.presentation
    return {
        "title": NOTE_TITLE,
        "date_iso": p.encounter_date.isoformat(),
        "date_text": format_date(p.encounter_date),
        "clinic_name": clinic.name,
        "who": person(plan),
        "subjective": presentation_facts(plan, kb),
        "notes": p.notes,
        "assessment": assessment_facts(plan, kb),
        "screen": screen_summary(plan),
        "start_back": start_back_text(plan),
        "pathways": [pw.to_dict() for pw in plan.pathways],
        "referrals": [f"{r.to} ({r.pathway.id}): {r.urgency}" for r in referrals(plan)],
        "plan_lines": [
            ("Patient handout given", handout_summary(plan)),
            ("Follow-up", follow_up(plan)),
            ("Knowledge base", f"version {plan.knowledge_version}"),
        ],
    }


# --- rendering -------------------------------------------------------------------------------


@overload
def render_note(
    plan: CarePlan, *, format: Literal["markdown", "html"] = ..., clinic: Clinic | None = ...,
) -> str: ...
@overload
def render_note(
    plan: CarePlan, *, format: Literal["pdf"], clinic: Clinic | None = ...,
) -> bytes: ...


def render_note(
    plan: CarePlan,
    *,
    format: NoteFormat = "markdown",
    clinic: Clinic | None = None,
) -> str | bytes:
    """Render the clinician's SOAP note for a care plan.

    Args:
        plan: From :func:`~physio_notes.select_pathways`.
        format: ``"markdown"`` (plain text for an EHR box), ``"html"`` (self-contained) or
            ``"pdf"`` (tagged PDF/UA-1 bytes).
        clinic: The clinic named in the header; defaults to an unbranded note.

    Returns:
        Markdown or HTML text, or PDF bytes. Nothing is written to disk.

    Raises:
        RenderError: for an unknown format or a failing clinic template.
    """
    if format not in ("markdown", "html", "pdf"):
        raise RenderError(f"format must be 'markdown', 'html' or 'pdf' (got {format!r})")
    clinic = clinic if clinic is not None else Clinic()
    context = note_context(plan, clinic)
    if format == "markdown":
        return render_text("note.md.j2", markdown_context(context), clinic)
    assets = Assets()
    html = render_template("note.html.j2", context, clinic=clinic, assets=assets,
                           for_pdf=format == "pdf", stylesheet="note.css")
    return html if format == "html" else html_to_pdf(html, assets)
