"""The words the documents use, loaded from the knowledge base and checked at load time.

:class:`PatientText` (``patient_text.toml``) is what the handout says to the patient;
:class:`ClinicianText` (``clinician_text.toml``) is how the note and the letter record the
advice given and what happens next. Every key the documents need is checked here, so a gap
is a :class:`~physio_notes.exceptions.KnowledgeBaseError` naming file and key, never a
``KeyError`` while rendering.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Final

import attrs

from ._datafile import DataFile
from ._model import RedFlag, Region, SpasmType

__all__ = ["ClinicianText", "PathwayText", "PatientText", "load_clinician_text",
           "load_patient_text"]

_ADVICE_PLACEHOLDERS: Final = ("emergency_number", "recipients", "exercises")


@attrs.frozen
class PathwayText:
    """What the handout says about one pathway."""

    title: str
    step: str
    what: str
    you_do: tuple[str, ...]
    we_do: tuple[str, ...]


@attrs.frozen
class HomeCareItem:
    """One home-care line; ``comfort`` items stay on an urgent red-flag sheet."""

    text: str
    comfort: bool


@attrs.frozen
class PatientText:
    """Everything the handout says, validated (``patient_text.toml``)."""

    handout_title: str
    spasm_type: Mapping[str, str]
    region: Mapping[str, str]
    reasons: Mapping[str, str]
    pathways: Mapping[str, PathwayText]
    home_care: tuple[HomeCareItem, ...]
    see_doctor: tuple[str, ...]
    neck_only: frozenset[str]
    call_now: Mapping[str, str]
    see_today: Mapping[str, str]


@attrs.frozen
class ClinicianText:
    """How the note and the letter record advice and follow-up (``clinician_text.toml``)."""

    advice: Mapping[str, tuple[str, ...]]
    pathway_advice: Mapping[str, str]
    follow_up: Mapping[str, str]
    handout_summary: Mapping[str, str]


def load_patient_text(
    file: DataFile, pathway_ids: Collection[str], rule_ids: Collection[str]
) -> PatientText:
    """Read and check the handout's words against the pathways and rules they describe."""
    spasm = file.keys_exactly("[spasm_type]", file.table("spasm_type"),
                              [m.value for m in SpasmType])
    region = file.keys_exactly("[region]", file.table("region"), [m.value for m in Region])
    reasons = file.table("reason")
    if not isinstance(reasons, dict) or set(reasons) - set(rule_ids):
        unknown = sorted(set(reasons) - set(rule_ids)) if isinstance(reasons, dict) else reasons
        raise file.error("[reason]", f"keys must be rule ids (unknown: {unknown})")
    handout = file.entry("[handout]", file.table("handout"), ("title",))
    see_doctor, neck_only, call_now, see_today = _safety_net(file)
    return PatientText(
        handout_title=file.text("[handout] title", handout["title"]),
        spasm_type={k: file.text(f"[spasm_type] {k}", v) for k, v in spasm.items()},
        region={k: file.text(f"[region] {k}", v) for k, v in region.items()},
        reasons={k: file.text(f"[reason] {k!r}", v) for k, v in reasons.items()},
        pathways=_pathway_texts(file, pathway_ids),
        home_care=_home_care(file),
        see_doctor=see_doctor,
        neck_only=neck_only,
        call_now=call_now,
        see_today=see_today,
    )


def _pathway_texts(file: DataFile, pathway_ids: Collection[str]) -> dict[str, PathwayText]:
    table = file.keys_exactly("[pathway]", file.table("pathway"), pathway_ids)
    out = {}
    for pid in pathway_ids:
        where = f"[pathway.{pid}]"
        entry = file.entry(where, table[pid], ("title", "step", "what", "you_do", "we_do"))
        out[pid] = PathwayText(
            title=file.text(f"{where} title", entry["title"]),
            step=file.text(f"{where} step", entry["step"]),
            what=file.text(f"{where} what", entry["what"], ("reasons",)),
            you_do=file.texts(f"{where} you_do", entry["you_do"], may_be_empty=True),
            we_do=file.texts(f"{where} we_do", entry["we_do"], may_be_empty=True),
        )
    return out


def _home_care(file: DataFile) -> tuple[HomeCareItem, ...]:
    items = file.table("home_care")
    if not isinstance(items, list) or not items:
        raise file.error("[[home_care]]", "must list at least one item")
    out = []
    for i, raw in enumerate(items):
        entry = file.entry(f"[[home_care]] #{i + 1}", raw, ("text", "comfort"))
        if not isinstance(entry["comfort"], bool):
            raise file.error(f"[[home_care]] #{i + 1}", "comfort must be true or false")
        out.append(HomeCareItem(file.text(f"[[home_care]] #{i + 1}", entry["text"]),
                                entry["comfort"]))
    return tuple(out)


def _safety_net(
    file: DataFile,
) -> tuple[tuple[str, ...], frozenset[str], dict[str, str], dict[str, str]]:
    where = "[safety_net]"
    net = file.entry(where, file.table("safety_net"),
                     ("see_doctor", "neck_only", "call_now", "see_today"))
    flags = {f.value for f in RedFlag}
    groups: dict[str, dict[str, str]] = {}
    for group in ("call_now", "see_today"):
        table = net[group]
        if not isinstance(table, dict) or not table or set(table) - flags:
            raise file.error(f"[safety_net.{group}]",
                             f"keys must be red-flag ids from {sorted(flags)}")
        groups[group] = {k: file.text(f"[safety_net.{group}] {k}", v) for k, v in table.items()}
    neck_only = net["neck_only"]
    if not isinstance(neck_only, list) or set(neck_only) - flags:
        raise file.error(f"{where} neck_only", "must list red-flag ids")
    return (file.texts(f"{where} see_doctor", net["see_doctor"]), frozenset(neck_only),
            groups["call_now"], groups["see_today"])


def load_clinician_text(file: DataFile, pathway_ids: Collection[str]) -> ClinicianText:
    """Read and check the note's and letter's words."""
    advice_keys = ("emergency", "urgent", "home_care", "medicine", "exercises",
                   "gentle_exercises", "safety_net", "pathway")
    advice = dict(file.keys_exactly("[advice]", file.table("advice"), advice_keys))
    by_pathway = advice.pop("pathway")
    if not isinstance(by_pathway, dict) or set(by_pathway) - set(pathway_ids):
        raise file.error("[advice.pathway]", f"keys must be pathway ids from {sorted(pathway_ids)}")
    follow = file.keys_exactly("[follow_up]", file.table("follow_up"),
                               ("emergency", "urgent", "referred", "routine"))
    summary = file.keys_exactly("[handout_summary]", file.table("handout_summary"),
                                ("emergency", "urgent", "routine", "with_exercises"))
    return ClinicianText(
        advice={
            key: (file.texts(f"[advice] {key}", value, _ADVICE_PLACEHOLDERS)
                  if isinstance(value, list)
                  else (file.text(f"[advice] {key}", value, _ADVICE_PLACEHOLDERS),))
            for key, value in advice.items()
        },
        pathway_advice={k: file.text(f"[advice.pathway] {k}", v, _ADVICE_PLACEHOLDERS)
                        for k, v in by_pathway.items()},
        follow_up={k: file.text(f"[follow_up] {k}", v, _ADVICE_PLACEHOLDERS)
                   for k, v in follow.items()},
        handout_summary={k: file.text(f"[handout_summary] {k}", v, _ADVICE_PLACEHOLDERS)
                         for k, v in summary.items()},
    )
