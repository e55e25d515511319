"""The patient handout: what the plan means for the patient, in plain words.

Its content is built here, once, as plain data from the plan and the knowledge base the plan
carries (the patient's words in ``patient_text.toml``, the plan's exercises, the referral's
recipient), then rendered by the shared pipeline.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any, Final, Literal, overload

from ._clinic import Clinic
from ._common import format_date, join_words
from ._engine import CarePlan, Pathway
from ._exercises import Exercise
from ._paths import templates_dir
from ._render import Assets, Document, render_document
from ._texts import PatientText
from ._vocab import PageSize

__all__ = ["HANDOUT", "body_map_svg", "handout_content", "render_handout"]

MAX_STEPS: Final = 3


@overload
def render_handout(
    plan: CarePlan, *, format: Literal["pdf"] = ..., page_size: PageSize = ...,
    clinic: Clinic | None = ...,
) -> bytes: ...
@overload
def render_handout(
    plan: CarePlan, *, format: Literal["html"], page_size: PageSize = ...,
    clinic: Clinic | None = ...,
) -> str: ...


def render_handout(
    plan: CarePlan,
    *,
    format: Literal["pdf", "html"] = "pdf",
    page_size: PageSize = "A4",
    clinic: Clinic | None = None,
) -> bytes | str:
    """Render the patient handout for a care plan.

    Args:
        plan: From :func:`~physio_notes.select_pathways`; its knowledge base supplies the words.
        format: ``"pdf"`` (tagged PDF/UA-1 bytes) or ``"html"`` (self-contained HTML text).
        page_size: ``"A4"`` or ``"Letter"``.
        clinic: Branding and emergency number; defaults to an unbranded handout.

    Returns:
        PDF bytes or HTML text. Nothing is written to disk.

    Raises:
        RenderError: for an unknown format or page size, or a failing template.
    """
    return render_document(HANDOUT, plan, format=format, page_size=page_size, clinic=clinic)


def handout_content(
    plan: CarePlan, clinic: Mapping[str, Any], assets: Assets
) -> dict[str, Any]:
    """Everything the handout template shows, worked out from the plan, as plain data."""
    text = plan.knowledge.patient_text
    p = plan.presentation
    clinician = p.clinician
    return {
        "title": text.handout_title,
        "patient_name": p.patient.name if p.patient else None,
        "clinician": {"name": clinician.name if clinician else None,
                      "role": clinician.role if clinician else None},
        "date_text": format_date(p.encounter_date),
        "date_iso": p.encounter_date.isoformat(),
        "urgency": plan.urgency,
        "red_flags": [f.patient for f in plan.red_flag_screen.findings],
        "region_text": text.region[p.region.value],
        "spasm_text": text.spasm_type[p.spasm_type.value],
        "diagnosis": p.diagnosis,
        "body_map": assets.svg_text(body_map_svg(p.region.value, str(clinic["accent_colour"]))),
        "steps": [text.pathways[pw.id].step for pw in plan.pathways][:MAX_STEPS],
        "sections": [_section(pw, text) for pw in plan.pathways
                     if not _refers_on_red_flags(plan, pw)],
        "home_care": [item.text for item in text.home_care
                      if plan.urgency is None or item.comfort],
        "exercises": [_exercise(e, assets) for e in plan.exercises],
        "see_doctor": list(text.see_doctor),
        "call_now": _safety_flags(plan, text.call_now),
        "see_today": _safety_flags(plan, text.see_today),
    }


def _refers_on_red_flags(plan: CarePlan, pathway: Pathway) -> bool:
    role = plan.knowledge.pathways[pathway.id].referral
    return role is not None and role.from_red_flags


def _section(pathway: Pathway, text: PatientText) -> dict[str, Any]:
    entry = text.pathways[pathway.id]
    reasons = [text.reasons[r] for r in pathway.rules if r in text.reasons]
    return {
        "id": pathway.id,
        "title": entry.title,
        "what": entry.what.format(reasons=join_words(reasons)),
        "you_do": list(entry.you_do),
        "we_do": list(entry.we_do),
    }


def _exercise(exercise: Exercise, assets: Assets) -> dict[str, Any]:
    return {
        "id": exercise.id,
        "name": exercise.name,
        "picture": assets.bundled(f"exercises/{exercise.picture}"),
        "picture_alt": exercise.picture_alt,
        "steps": list(exercise.steps),
        "hold": exercise.hold,
        "repetitions": exercise.repetitions,
        "sets": exercise.sets,
        "how_often": exercise.how_often,
        "feel": exercise.feel,
        "stop_if": exercise.stop_if,
    }


def _safety_flags(plan: CarePlan, group: Mapping[str, str]) -> list[str]:
    """The red-flag symptoms to watch for, in plain words (neck-only ones for the neck)."""
    neck = plan.presentation.region.value == "neck"
    neck_only = plan.knowledge.patient_text.neck_only
    return [words for flag, words in group.items() if neck or flag not in neck_only]


@cache
def _body_map_source() -> str:
    return (templates_dir() / "img" / "body-map.svg").read_text(encoding="utf-8")


def body_map_svg(region: str, colour: str) -> str:
    """The body map with the patient's region filled in (``colour`` is validated ``#rrggbb``)."""
    if not re.fullmatch(r"[a-z_]+", region) or not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        raise ValueError("region and colour must be contract values")
    style = (f"<style>#region-{region}, #region-{region} * {{ fill: {colour}; "
             f"fill-opacity: 0.9; stroke: #1a1a1a; }}</style>")
    source = _body_map_source()
    head_end = source.index(">", source.index("<svg")) + 1
    return source[:head_end] + style + source[head_end:]


HANDOUT: Final = Document(
    template="handout.html.j2",
    stylesheet="handout.css",
    formats=("pdf", "html"),
    build=handout_content,
)
