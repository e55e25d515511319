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
from ._facts import medicine_prompt
from ._model import Cause, Duration, SpasmType
from ._paths import templates_dir
from ._render import Assets, Document, render_document
from ._texts import HomeCareItem, PatientText, RegionText, SafetyNetEntry
from ._vocab import PageSize

__all__ = [
    "HANDOUT",
    "body_map_svg",
    "handout_content",
    "render_handout",
    "sentence",
    "where_phrase",
]

MAX_STEPS: Final = 3
_SAFETY_ORDER: Final = ("emergency", "today", "soon")


@overload
def render_handout(
    plan: CarePlan, *, format: Literal["pdf"] = ..., page_size: PageSize = ...,
    clinic: Clinic | None = ..., large_print: bool = ...,
) -> bytes: ...
@overload
def render_handout(
    plan: CarePlan, *, format: Literal["html"], page_size: PageSize = ...,
    clinic: Clinic | None = ..., large_print: bool = ...,
) -> str: ...


def render_handout(
    plan: CarePlan,
    *,
    format: Literal["pdf", "html"] = "pdf",
    page_size: PageSize = "A4",
    clinic: Clinic | None = None,
    large_print: bool = False,
) -> bytes | str:
    """Render the patient handout for a care plan.

    Args:
        plan: From :func:`~physio_notes.select_pathways`; its knowledge base supplies the words.
        format: ``"pdf"`` (tagged PDF/UA-1 bytes) or ``"html"`` (self-contained HTML text).
        page_size: ``"A4"`` or ``"Letter"``.
        clinic: Branding and emergency number; defaults to an unbranded handout.
        large_print: Body text at 16 pt for readers with low vision; the same content.

    Returns:
        PDF bytes or HTML text. Nothing is written to disk.

    Raises:
        RenderError: for an unknown format or page size, or a failing template.
    """
    return render_document(HANDOUT, plan, format=format, page_size=page_size, clinic=clinic,
                           large_print=large_print)


def handout_content(
    plan: CarePlan, clinic: Mapping[str, Any], assets: Assets
) -> dict[str, Any]:
    """Everything the handout template shows, composed from the plan, as plain data."""
    text = plan.knowledge.patient_text
    p = plan.presentation
    clinician = p.clinician
    words = _Words(plan, str(clinic["emergency_number"]))
    routine = plan.urgency is None
    home_care = _home_care(plan)
    side = None if p.side is None else p.side.value
    return {
        "title": _title(plan, text),
        "patient_name": p.patient.name if p.patient else None,
        "clinician": {"name": clinician.name if clinician else None,
                      "role": clinician.role if clinician else None},
        "date_text": format_date(p.encounter_date),
        "date_iso": p.encounter_date.isoformat(),
        "urgency": plan.urgency,
        "sheet": None if routine else _red_flag_sheet(plan, words),
        "where": words.where,
        "region_name": text.regions[p.region.value].name,
        "body_map": assets.svg_text(body_map_svg(p.region.value, str(clinic["accent_colour"]),
                                                 side)),
        "body_map_caption": text.handout["body_map"].format(where=words.where),
        "steps": [words.fill(text.pathways[pw.id].step) for pw in plan.pathways][:MAX_STEPS]
        if routine else [],
        "see_safety": text.handout["see_safety"] if routine else None,
        "about": _about(plan, words) if routine else [],
        "told": p.plain_diagnosis if routine else None,
        "told_label": text.handout["told"],
        "expect": _expect(plan) if routine else [],
        "letter": _letter(plan) if routine else None,
        "sections": [_section(pw, words) for pw in plan.pathways] if routine else [],
        **_home_care_lists(home_care),
        "medicine": _medicine(plan),
        "exercises": [_exercise(e, assets, side) for e in plan.exercises],
        "diary": _diary(plan),
        "exercise_side": words.fill(text.handout["exercise_side"], side=side)
        if plan.exercises and side in ("left", "right") else None,
        "exercise_dizzy": text.handout["exercise_dizzy"]
        if any(e.dizzying for e in plan.exercises) else None,
        "safety_net": _safety_net(plan, words),
    }


class _Words:
    """Fills the placeholders of patient text for one plan."""

    def __init__(self, plan: CarePlan, emergency_number: str) -> None:
        self.plan = plan
        self.emergency_number = emergency_number
        p = plan.presentation
        self.where = where_phrase(plan.knowledge.patient_text.regions[p.region.value],
                                  None if p.side is None else p.side.value)
        self.place = plan.referral.patient if plan.referral else ""

    def fill(self, template: str, **extra: str) -> str:
        return template.format_map({
            "where": self.where, "place": self.place, "emergency_number": self.emergency_number,
            "reasons": "", "review_date": "", **extra,
        })


def sentence(words: str) -> str:
    """Words made into a sentence: a capital first letter and a full stop."""
    words = words.strip()
    return words[:1].upper() + words[1:] + ("" if words.endswith((".", "?", "!")) else ".")


def where_phrase(region: RegionText, side: str | None) -> str:
    """The body part with its side, as the patient reads it: "your left calf"."""
    if region.one is None:  # a part of the spine
        return {
            "left": f"the left side of your {region.name}",
            "right": f"the right side of your {region.name}",
            "both": f"both sides of your {region.name}",
            "central": f"the middle of your {region.name}",
        }.get(side or "", f"your {region.name}")
    return {
        "left": f"your left {region.one}",
        "right": f"your right {region.one}",
        "both": f"both your {region.name}",
    }.get(side or "", f"your {region.name}")


def _title(plan: CarePlan, text: PatientText) -> str:
    if plan.urgency == "emergency":
        return text.handout["emergency_title"]
    if plan.urgency == "urgent":
        return text.handout["urgent_title"]
    return text.handout_title


def _condition(plan: CarePlan) -> str | None:
    """The neurological condition, "other" when the cause is neurological but unnamed."""
    p = plan.presentation
    if p.neurological_condition is not None:
        return p.neurological_condition.value
    return "other" if Cause.NEUROLOGICAL in p.causes else None


def _about(plan: CarePlan, words: _Words) -> list[str]:
    """What is happening: the spasm (or cramp) where it is, what set it off, its kind."""
    text = plan.knowledge.patient_text
    p = plan.presentation
    region = text.regions[p.region.value]
    lines = [words.fill(text.handout["cramp" if region.cramp else "spasm"])]
    known = [c for c in p.causes if c is not Cause.UNKNOWN]
    for cause in known:
        lines.append(text.causes[cause.value])
        condition = _condition(plan)
        if cause is Cause.NEUROLOGICAL and condition is not None:
            lines.append(text.conditions[condition])
    if not known:
        lines.append(text.causes[Cause.UNKNOWN.value])
    if region.cramp:
        lines.append(text.handout["cramp_harmless"])
    elif p.spasm_type.value in text.spasm_type and Cause.NEUROLOGICAL not in p.causes and not (
        p.spasm_type is SpasmType.PRIMARY and Cause.PROTECTIVE_RESPONSE in p.causes
    ):  # a protective spasm is already said to guard an injury
        lines.append(text.spasm_type[p.spasm_type.value])
    return lines


def _expect(plan: CarePlan) -> list[str]:
    """What to expect: how long a spasm lasts, that most settle, and the next visit."""
    expect = plan.knowledge.patient_text.expect
    p = plan.presentation
    long = p.duration in (Duration.HOURS, Duration.DAYS)
    if Cause.NEUROLOGICAL in p.causes:
        lines = [expect["long" if long else "short"], expect["neurological"]]
    else:
        lines = [expect["long" if long else "short"], expect["settle"]]
    if p.review_date is not None:
        lines.append(expect["review"].format(review_date=format_date(p.review_date)))
    else:
        lines.append(expect["no_review"])
    return lines


def _letter(plan: CarePlan) -> str | None:
    if plan.referral is None:
        return None
    return plan.knowledge.patient_text.handout["letter"].format(place=plan.referral.patient)


def _section(pathway: Pathway, words: _Words) -> dict[str, Any]:
    text = words.plan.knowledge.patient_text
    entry = text.pathways[pathway.id]
    reasons = join_words([text.reasons[r] for r in pathway.rules if r in text.reasons])
    intros = [entry.what_by_rule[r] for r in pathway.rules if r in entry.what_by_rule]
    return {
        "id": pathway.id,
        "title": entry.title,
        "what": " ".join(words.fill(what, reasons=reasons)
                         for what in dict.fromkeys([*intros, entry.what])),
        "you_do": [words.fill(line) for line in entry.you_do],
        "we_do": [words.fill(line) for line in entry.we_do],
    }


def _home_care(plan: CarePlan) -> list[HomeCareItem]:
    """Easing the spasm at home: all of it without a red flag, comfort only when urgent, none
    in an emergency; no heat when a clot is possible or heat has not helped."""
    if plan.urgency == "emergency":
        return []
    text = plan.knowledge.patient_text
    p = plan.presentation
    not_eased = p.eased_by_heat_and_positioning is False
    no_heat = not_eased or bool({f.value for f in p.red_flags or ()} & text.no_heat_flags)
    return [
        item for item in text.home_care
        if (plan.urgency is None or item.comfort)
        and not (item.heat and no_heat)
        and not (item.positioning and not_eased)
        and (not item.not_eased or not_eased)
        and _matches(item, plan)
    ]


def _home_care_lists(home_care: list[HomeCareItem]) -> dict[str, Any]:
    """Home care split once into what the template shows: the checklist with each heat caution
    under the first heat step (``care_items``), so a page break never parts "never heat numb
    skin" from the step it qualifies; the cautions that belong to no step (``other_cautions``);
    the lines that are not tasks (``home_care_notes``); and the flat ``home_care`` and
    ``cautions`` lists for templates written before ``care_items``."""
    tasks = [item for item in home_care if not (item.caution or item.not_eased)]
    cautions = [item for item in home_care if item.caution]
    first_heat = next((item for item in tasks if item.heat), None)
    attached = [item for item in cautions if item.heat] if first_heat else []
    return {
        "home_care": [item.text for item in tasks],
        "home_care_notes": [item.text for item in home_care if item.not_eased],
        "cautions": [item.text for item in cautions],
        "care_items": [{"text": item.text,
                        "cautions": [c.text for c in attached] if item is first_heat else []}
                       for item in tasks],
        "other_cautions": [item.text for item in cautions if item not in attached],
    }


def _matches(item: HomeCareItem, plan: CarePlan) -> bool:
    """Whether every filter an item has names something in this plan."""
    p = plan.presentation
    found = {
        "pathways": set(plan.pathway_ids),
        "causes": {c.value for c in p.causes},
        "conditions": {_condition(plan)} - {None},
        "flags": {f.value for f in p.red_flags or ()},
        "regions": {p.region.value},
        "symptoms": {s.value for s in p.symptoms},
    }
    return all(not getattr(item, key) or getattr(item, key) & values
               for key, values in found.items())


def _medicine(plan: CarePlan) -> dict[str, Any] | None:
    """The muscle-relaxing medicine prompt, once, when :func:`medicine_prompt` allows it."""
    if not medicine_prompt(plan):
        return None
    text = plan.knowledge.patient_text
    return {"title": text.medicine_title, "lines": list(text.medicine)}


def _applies(entry: SafetyNetEntry, plan: CarePlan) -> bool:
    p = plan.presentation
    causes = {c.value for c in p.causes}
    ids = set(plan.pathway_ids)
    condition = _condition(plan)
    if (entry.regions or entry.or_causes) and not (
        p.region.value in entry.regions or entry.or_causes & causes
    ):
        return False
    if entry.causes and not entry.causes & causes:
        return False
    if entry.conditions and condition not in entry.conditions:
        return False
    if condition in entry.not_conditions:
        return False
    return (not entry.pathways or bool(entry.pathways & ids)) and not entry.not_pathways & ids


def _safety_net(plan: CarePlan, words: _Words) -> list[dict[str, Any]]:
    """When to get help, most urgent first: on an urgent sheet only the call-now signs, on an
    emergency sheet none (the sheet itself says what to do)."""
    if plan.urgency == "emergency":
        return []
    text = plan.knowledge.patient_text
    entries = [e for e in text.safety_net if _applies(e, plan)]
    if plan.urgency is not None:
        entries = [e for e in entries if e.urgency == "emergency"]
    entries.sort(key=lambda e: _SAFETY_ORDER.index(e.urgency))
    groups: dict[str, dict[str, Any]] = {}
    if plan.urgency is not None:  # the red flags' own signs of getting worse come first,
        # each flag's with what they may mean
        signs = [{"watch": [sentence(w) for w in text.worse[f.flag.value]],
                  "means": text.worse_means[f.flag.value]}
                 for f in plan.red_flag_screen.findings if text.worse.get(f.flag.value)]
        if signs:
            action = words.fill(text.actions["emergency"])
            groups[action] = {"id": "red-flag-worse", "urgency": "emergency", "action": action,
                              "signs": signs, "closed": None}
    for entry in entries:  # one group per action, so no heading is said twice; each set of
        # signs keeps its own "what it may mean"
        action = words.fill(entry.action or text.actions[entry.urgency])
        group = groups.setdefault(action, {
            "id": entry.id, "urgency": entry.urgency, "action": action, "signs": [],
            # a same-day GP visit needs a way when the practice is closed
            "closed": text.handout["gp_closed"] if entry.urgency == "today" else None})
        watch = [sentence(item) for item in entry.watch]
        same = [shown for shown in group["signs"] if shown["means"] == entry.means]
        if same:  # signs that mean the same thing share one list and one "may mean"
            same[0]["watch"].extend(w for w in watch if w not in same[0]["watch"])
        else:
            group["signs"].append({"watch": watch, "means": entry.means})
    return list(groups.values())


def _red_flag_sheet(plan: CarePlan, words: _Words) -> dict[str, Any]:
    """What to do now, how fast and where; what is feared; what to take and to say."""
    text = plan.knowledge.patient_text
    sheet = text.red_flag_sheet
    findings = plan.red_flag_screen.findings
    urgency = plan.urgency or "urgent"
    return {
        "heading": text.handout[f"{urgency}_title"],
        "do": [words.fill(line) for line in sheet[f"{urgency}_do"]],
        "told_heading": sheet["told"][0],
        "told": [sentence(f.patient) for f in findings],
        "worried_heading": sheet["worried"][0],
        "worried": list(dict.fromkeys(text.feared[f.flag.value] for f in findings)),
        "take": [words.fill(line) for line in sheet["take"]],
        "say": [words.fill(line) for line in sheet["say"]],
    }


def _diary(plan: CarePlan) -> dict[str, Any] | None:
    """A printable week of the patient's exercises, with a pain score for each day."""
    if not plan.exercises:
        return None
    text = plan.knowledge.patient_text.handout
    return {"title": text["diary_title"], "how": text["diary_how"],
            "days": [f"Day {n}" for n in range(1, 8)],
            "rows": [e.name for e in plan.exercises], "pain": text["diary_pain"]}


def _exercise(exercise: Exercise, assets: Assets, side: str | None) -> dict[str, Any]:
    """One exercise card; a one-sided exercise's picture shows the patient's own side."""
    return {
        "id": exercise.id,
        "name": exercise.name,
        "picture": assets.bundled(f"exercises/{exercise.picture_for(side)}")
        if exercise.picture_data is None or exercise.picture_type is None
        else assets.inline(exercise.picture_data, exercise.picture_type),
        "picture_alt": exercise.alt_for(side),
        "steps": list(exercise.steps_for(side)),
        "hold": exercise.hold,
        "repetitions": exercise.repetitions,
        "each_side": exercise.one_sided,
        "sets": exercise.sets,
        "how_often": exercise.how_often,
        "feel": exercise.feel,
        "stop_if": exercise.stop_if,
    }


@cache
def _body_map_source() -> str:
    return (templates_dir() / "img" / "body-map.svg").read_text(encoding="utf-8")


def body_map_svg(region: str, colour: str, side: str | None = None) -> str:
    """The body map with the patient's region filled in: one side of it for ``left`` or
    ``right``, all of it otherwise (``colour`` is validated ``#rrggbb``)."""
    if not re.fullmatch(r"[a-z_]+", region) or not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        raise ValueError("region and colour must be contract values")
    part = f" .side-{side}" if side in ("left", "right") else ""
    style = (f"<style>#region-{region}{part}, #region-{region}{part} * {{ fill: {colour}; "
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
