"""The clinical facts the clinician's documents (the note and the letter) both state.

Each function reads the plan and the knowledge base it carries and returns plain data:
the history label by label, the assessment, the red-flag screen, the STarT Back group, the
advice the patient was given and what happens next.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._common import NOT_RECORDED, format_date, join_words
from ._engine import CarePlan, Referral
from ._model import Cause, Symptom

__all__ = [
    "advice_given",
    "assessment_facts",
    "exercise_lines",
    "follow_up",
    "handout_summary",
    "history_facts",
    "medicine_prompt",
    "referral_lines",
    "screen_summary",
    "start_back_text",
    "urgency_line",
]


def _yes_no(value: bool | None) -> str:
    return NOT_RECORDED if value is None else ("yes" if value else "no")


def history_facts(plan: CarePlan) -> list[tuple[str, str]]:
    """The subjective history, label by label ("not recorded" where nothing was given)."""
    p, kb = plan.presentation, plan.knowledge
    return [
        ("Region", kb.label("region", p.region)),
        ("Encounter date", format_date(p.encounter_date)),
        ("Each episode lasts", kb.label("duration", p.duration) if p.duration else NOT_RECORDED),
        ("Recurrent", _yes_no(p.recurrent)),
        ("Eased by heat and positioning", _yes_no(p.eased_by_heat_and_positioning)),
        ("Symptoms", ", ".join(kb.label("symptom", s) for s in p.symptoms) or NOT_RECORDED),
        ("Pain score", NOT_RECORDED if p.pain_score is None else f"{p.pain_score}/10"),
    ]


def _causes(plan: CarePlan) -> str:
    p, kb = plan.presentation, plan.knowledge
    words = []
    for cause in p.causes:
        word = kb.label("cause", cause)
        if cause is Cause.NEUROLOGICAL and p.neurological_condition is not None:
            word += f" ({kb.label('neurological_condition', p.neurological_condition)})"
        words.append(word)
    return ", ".join(words) or NOT_RECORDED


def assessment_facts(plan: CarePlan) -> list[tuple[str, str]]:
    """Spasm type, causes and the working diagnosis."""
    p = plan.presentation
    return [
        ("Spasm type", plan.knowledge.label("spasm_type", p.spasm_type)),
        ("Causes", _causes(plan)),
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


def urgency_line(plan: CarePlan, referral: Referral) -> str:
    """How urgently a referral is wanted, as the letter and the note say it."""
    return plan.knowledge.urgency_text[referral.urgency]["letter"]


def referral_lines(plan: CarePlan) -> list[str]:
    """One line per referral: to whom, from which pathway, how urgently."""
    return [f"{r.name} ({r.pathway}): {urgency_line(plan, r)}" for r in plan.destinations]


#: From this pain score (0-10) muscle-relaxing medicine may be raised with the GP.
SEVERE_PAIN = 7


def medicine_prompt(plan: CarePlan) -> bool:
    """Whether the handout asks the patient to discuss muscle-relaxing medicine with the GP:
    only for severe pain (7/10 or more, or "severe pain" recorded), never with a red flag,
    never with a disc problem (nothing that could contradict NICE NG59)."""
    p = plan.presentation
    severe = (p.pain_score is not None and p.pain_score >= SEVERE_PAIN) or (
        Symptom.SEVERE_PAIN in p.symptoms)
    return severe and plan.urgency is None and Cause.DISC_DISORDER not in p.causes


def _gentle_only(plan: CarePlan) -> bool:
    return any(plan.knowledge.pathways[pid].exercises == "gentle" for pid in plan.pathway_ids)


def _fill(text: str, plan: CarePlan, emergency_number: str) -> str:
    return text.format(
        emergency_number=emergency_number,
        recipients=join_words([r.name for r in plan.destinations]),
        exercises=", ".join(e.name for e in plan.exercises),
    )


def advice_given(plan: CarePlan, emergency_number: str) -> list[str]:
    """What the patient was advised to do until they are seen (as the handout says it)."""
    words = plan.knowledge.clinician_text
    if plan.urgency is not None:
        lines = list(words.advice[plan.urgency])
    else:
        exercises = "gentle_exercises" if _gentle_only(plan) else "exercises"
        lines = [words.pathway_advice[pid] for pid in plan.pathway_ids
                 if pid in words.pathway_advice]
        for key in ("home_care", "medicine", exercises, "safety_net"):
            if (key != exercises or plan.exercises) and (key != "medicine"
                                                         or medicine_prompt(plan)):
                lines.extend(words.advice[key])
    return [_fill(line, plan, emergency_number) for line in lines]


def exercise_lines(plan: CarePlan) -> str:
    """The exercises given, each with its dose, in one line ("none" when there are none)."""
    parts = []
    for e in plan.exercises:
        dose = [f"hold {e.hold}"] if e.hold else []
        dose += [f"{e.repetitions} times"] if e.repetitions > 1 else []
        dose += [f"{e.sets} sets"] if e.sets > 1 else []
        parts.append(f"{e.name} ({', '.join([*dose, e.how_often])})")
    return "; ".join(parts) or "none"


def _by_urgency(plan: CarePlan, words: Mapping[str, str], otherwise: str) -> str:
    """The words for the plan's red-flag urgency, else ``otherwise``'s, filled in."""
    return _fill(words[plan.urgency if plan.urgency is not None else otherwise], plan, "")


def follow_up(plan: CarePlan) -> str:
    """The follow-up line, from the most urgent part of the plan."""
    return _by_urgency(plan, plan.knowledge.clinician_text.follow_up,
                       "referred" if plan.destinations else "routine")


def handout_summary(plan: CarePlan) -> str:
    """What the patient handout of this plan covers, in one line."""
    summary = _by_urgency(plan, plan.knowledge.clinician_text.handout_summary,
                          "with_exercises" if plan.exercises else "routine")
    title = plan.knowledge.patient_text.handout_title
    return f"“{title}”: {summary}"
