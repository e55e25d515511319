"""The patient handout: what the plan means for the patient, in plain words."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any, Final, Literal, overload

from ._clinic import Clinic
from ._engine import CarePlan
from ._exercises import Exercise, select_exercises
from ._paths import templates_dir
from ._render import Assets, PageSize, html_to_pdf, render_template

__all__ = ["format_date", "render_handout"]

MAX_STEPS: Final = 3
_MONTHS: Final = ("January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December")


def format_date(value: dt.date) -> str:
    """A date as people in Ireland and the UK write it (``24 November 2026``), in any locale."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


@cache
def patient_text() -> Mapping[str, Any]:
    """The handout's plain-language text (``knowledge/patient_text.toml``)."""
    raw = (files("physio_notes") / "knowledge" / "patient_text.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


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
        plan: From :func:`~physio_notes.select_pathways`.
        format: ``"pdf"`` (tagged PDF/UA-1 bytes) or ``"html"`` (self-contained HTML text).
        page_size: ``"A4"`` or ``"Letter"``.
        clinic: Branding and emergency number; defaults to an unbranded handout.

    Returns:
        PDF bytes or HTML text. Nothing is written to disk.

    Raises:
        RenderError: for an unknown format or page size, or a failing clinic template.
    """
    from .exceptions import RenderError

    if format not in ("pdf", "html"):
        raise RenderError(f"format must be 'pdf' or 'html' (got {format!r})")
    clinic = clinic if clinic is not None else Clinic()
    assets = Assets()
    html = render_template(
        "handout.html.j2",
        handout_context(plan, clinic, assets),
        clinic=clinic,
        assets=assets,
        page_size=page_size,
        for_pdf=format == "pdf",
        stylesheet="handout.css",
    )
    return html if format == "html" else html_to_pdf(html, assets)


def handout_context(plan: CarePlan, clinic: Clinic, assets: Assets) -> dict[str, Any]:
    """Everything the handout template shows, worked out from the plan."""
    text = patient_text()
    p = plan.presentation
    urgency = plan.urgency
    shown = [pw for pw in plan.pathways if pw.id != "urgent-referral"]
    exercises = select_exercises(plan.pathway_ids, p.region.value, urgency)
    return {
        "title": "Your muscle spasm plan",
        "patient_name": p.patient.name if p.patient else None,
        "clinician": p.clinician,
        "date_text": format_date(p.encounter_date),
        "date_iso": p.encounter_date.isoformat(),
        "urgency": urgency,
        "red_flags": [f.patient for f in plan.red_flag_screen.findings],
        "region_text": text["region"][p.region.value],
        "spasm_text": text["spasm_type"][p.spasm_type.value],
        "diagnosis": p.diagnosis,
        "body_map": assets.svg_text(body_map_svg(p.region.value, clinic.accent_colour)),
        "steps": [text["pathway"][pw.id]["step"] for pw in plan.pathways][:MAX_STEPS],
        "sections": [_section(pw.id, pw.rules, text) for pw in shown],
        "home_care": [
            item["text"] for item in text["home_care"] if urgency is None or item["comfort"]
        ],
        "exercises": [_exercise(e, assets) for e in exercises],
        "see_doctor": text["safety_net"]["see_doctor"],
        "call_now": _safety_flags(plan, "call_now"),
        "see_today": _safety_flags(plan, "see_today"),
    }


def _section(pathway_id: str, rules: tuple[str, ...], text: Mapping[str, Any]) -> dict[str, Any]:
    entry = text["pathway"][pathway_id]
    reasons = [text["reason"][r] for r in rules if r in text["reason"]]
    return {
        "id": pathway_id,
        "title": entry["title"],
        "what": entry["what"].format(reasons=_join(reasons)),
        "you_do": entry["you_do"],
        "we_do": entry["we_do"],
    }


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _exercise(exercise: Exercise, assets: Assets) -> dict[str, Any]:
    return {"ex": exercise, "picture": assets.bundled(f"exercises/{exercise.picture}")}


def _safety_flags(plan: CarePlan, group: str) -> list[str]:
    """The red-flag symptoms to watch for, in plain words (neck-only ones for the neck)."""
    net = patient_text()["safety_net"]
    neck = plan.presentation.region.value == "neck"
    return [text for flag, text in net[group].items() if neck or flag not in net["neck_only"]]


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
