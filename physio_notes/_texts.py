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
from ._model import Cause, NeurologicalCondition, RedFlag, Region, Symptom

__all__ = [
    "ClinicianText",
    "HomeCareItem",
    "PathwayText",
    "PatientText",
    "RegionText",
    "SafetyNetEntry",
    "load_clinician_text",
    "load_patient_text",
]

_ADVICE_PLACEHOLDERS: Final = ("emergency_number", "recipients", "exercises")


@attrs.frozen
class RegionText:
    """A body part in the patient's words: ``name`` ("calves"), ``one`` limb ("calf") or
    ``None`` for a part of the spine, and whether the patient knows a spasm there as a cramp."""

    name: str
    one: str | None
    cramp: bool


@attrs.frozen
class PathwayText:
    """What the handout says about one pathway (``what_by_rule``: a sentence said before
    ``what`` for each rule that chose the pathway)."""

    title: str
    step: str
    what: str
    what_by_rule: Mapping[str, str]
    you_do: tuple[str, ...]
    we_do: tuple[str, ...]


@attrs.frozen
class HomeCareItem:
    """One home-care line, and when it applies (empty filters match every plan)."""

    text: str
    comfort: bool = False
    heat: bool = False
    caution: bool = False
    not_eased: bool = False
    positioning: bool = False
    pathways: frozenset[str] = frozenset()
    causes: frozenset[str] = frozenset()
    conditions: frozenset[str] = frozenset()
    flags: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    symptoms: frozenset[str] = frozenset()


@attrs.frozen
class SafetyNetEntry:
    """When to get help: what to watch for, what it may mean, what to do and how fast."""

    id: str
    urgency: str
    watch: tuple[str, ...]
    means: str
    sources: tuple[str, ...]
    action: str | None = None
    regions: frozenset[str] = frozenset()
    or_causes: frozenset[str] = frozenset()
    causes: frozenset[str] = frozenset()
    conditions: frozenset[str] = frozenset()
    not_conditions: frozenset[str] = frozenset()
    pathways: frozenset[str] = frozenset()
    not_pathways: frozenset[str] = frozenset()


@attrs.frozen
class PatientText:
    """Everything the handout says, validated (``patient_text.toml``)."""

    handout: Mapping[str, str]
    regions: Mapping[str, RegionText]
    causes: Mapping[str, str]
    conditions: Mapping[str, str]
    spasm_type: Mapping[str, str]
    expect: Mapping[str, str]
    reasons: Mapping[str, str]
    pathways: Mapping[str, PathwayText]
    home_care: tuple[HomeCareItem, ...]
    no_heat_flags: frozenset[str]
    medicine_title: str
    medicine: tuple[str, ...]
    red_flag_sheet: Mapping[str, tuple[str, ...]]
    feared: Mapping[str, str]
    worse: Mapping[str, tuple[str, ...]]
    worse_means: Mapping[str, str]
    actions: Mapping[str, str]
    safety_net: tuple[SafetyNetEntry, ...]

    @property
    def handout_title(self) -> str:
        """The title of a handout without a red flag."""
        return self.handout["title"]


@attrs.frozen
class ClinicianText:
    """How the note and the letter record advice and follow-up (``clinician_text.toml``)."""

    advice: Mapping[str, tuple[str, ...]]
    pathway_advice: Mapping[str, str]
    follow_up: Mapping[str, str]
    handout_summary: Mapping[str, str]


#: The names a handout text may use, by where it appears.
_HANDOUT_WORDS: Final = {
    "title": (), "emergency_title": (), "urgent_title": (), "spasm": ("where",),
    "cramp": ("where",), "told": (), "letter": ("place",), "see_safety": (),
    "body_map": ("where",), "diary_title": (), "diary_how": (), "diary_pain": (),
    "cramp_harmless": (), "exercise_side": ("where", "side"), "gp_closed": (), "exercise_dizzy": (),
}
_EXPECT_WORDS: Final = {"short": (), "long": (), "neurological": (), "settle": (),
                        "review": ("review_date",),
                        "no_review": ()}
_SAFETY_URGENCIES: Final = ("emergency", "today", "soon")


@attrs.frozen
class _Known:
    """The contract values and knowledge-base ids the words may refer to."""

    pathways: Collection[str]
    rules: Collection[str]
    sources: Collection[str]


def load_patient_text(
    file: DataFile,
    pathway_ids: Collection[str],
    rule_ids: Collection[str],
    source_ids: Collection[str] = (),
) -> PatientText:
    """Read and check the handout's words against the pathways, rules and sources."""
    known = _Known(pathway_ids, rule_ids, source_ids)
    handout = file.keys_exactly("[handout]", file.table("handout"), _HANDOUT_WORDS)
    expect = file.keys_exactly("[expect]", file.table("expect"), _EXPECT_WORDS)
    medicine = file.entry("[medicine]", file.table("medicine"), ("title", "text"))
    worse, worse_means = _worsening(file)
    return PatientText(
        handout={k: file.text(f"[handout] {k}", v, _HANDOUT_WORDS[k]) for k, v in handout.items()},
        regions=_regions(file),
        causes=_words(file, "cause", [c.value for c in Cause]),
        conditions=_words(file, "condition", [c.value for c in NeurologicalCondition]),
        spasm_type=_words(file, "spasm_type", ["primary", "secondary"]),
        expect={k: file.text(f"[expect] {k}", v, _EXPECT_WORDS[k]) for k, v in expect.items()},
        reasons=_reasons(file, known),
        pathways=_pathway_texts(file, known),
        home_care=_home_care(file, known),
        no_heat_flags=_values(file, "no_heat_flags", file.table("no_heat_flags"), _FLAGS),
        medicine_title=file.text("[medicine] title", medicine["title"]),
        medicine=file.texts("[medicine] text", medicine["text"]),
        red_flag_sheet=_red_flag_sheet(file),
        feared=_feared(file),
        worse=worse,
        worse_means=worse_means,
        actions={k: file.text(f"[action] {k}", v, ("emergency_number",)) for k, v in
                 file.keys_exactly("[action]", file.table("action"), _SAFETY_URGENCIES).items()},
        safety_net=_safety_net(file, known),
    )


_FLAGS: Final = frozenset(f.value for f in RedFlag)
_FILTERS: Final = {
    "regions": frozenset(r.value for r in Region),
    "causes": frozenset(c.value for c in Cause),
    "or_causes": frozenset(c.value for c in Cause),
    "conditions": frozenset(c.value for c in NeurologicalCondition),
    "not_conditions": frozenset(c.value for c in NeurologicalCondition),
    "flags": _FLAGS,
}


def _words(file: DataFile, table: str, keys: list[str]) -> dict[str, str]:
    found = file.keys_exactly(f"[{table}]", file.table(table), keys)
    return {k: file.text(f"[{table}] {k}", v) for k, v in found.items()}


def _values(file: DataFile, where: str, value: object, allowed: Collection[str]) -> frozenset[str]:
    if not isinstance(value, list) or any(v not in allowed for v in value):
        raise file.error(where, f"must list values from {sorted(allowed)} (got {value!r:.80})")
    return frozenset(value)


def _regions(file: DataFile) -> dict[str, RegionText]:
    table = file.keys_exactly("[region]", file.table("region"), [r.value for r in Region])
    out = {}
    for key, raw in table.items():
        where = f"[region.{key}]"
        entry = file.entry(where, raw, ("name",), ("one", "cramp"))
        cramp = entry.get("cramp", False)
        if not isinstance(cramp, bool):
            raise file.error(f"{where} cramp", "must be true or false")
        one = entry.get("one")
        out[key] = RegionText(file.text(f"{where} name", entry["name"]),
                              None if one is None else file.text(f"{where} one", one), cramp)
    return out


def _reasons(file: DataFile, known: _Known) -> dict[str, str]:
    reasons = file.table("reason")
    if not isinstance(reasons, dict) or set(reasons) - set(known.rules):
        unknown = sorted(set(reasons) - set(known.rules)) if isinstance(reasons, dict) else reasons
        raise file.error("[reason]", f"keys must be rule ids (unknown: {unknown})")
    return {k: file.text(f"[reason] {k!r}", v) for k, v in reasons.items()}


def _pathway_texts(file: DataFile, known: _Known) -> dict[str, PathwayText]:
    table = file.keys_exactly("[pathway]", file.table("pathway"), known.pathways)
    words = ("reasons", "where")
    out = {}
    for pid in known.pathways:
        where = f"[pathway.{pid}]"
        entry = file.entry(where, table[pid], ("title", "step", "what", "you_do", "we_do"),
                           ("what_by_rule",))
        by_rule = entry.get("what_by_rule", {})
        if not isinstance(by_rule, dict) or set(by_rule) - set(known.rules):
            raise file.error(f"{where} what_by_rule", "keys must be rule ids")
        out[pid] = PathwayText(
            title=file.text(f"{where} title", entry["title"]),
            step=file.text(f"{where} step", entry["step"], words),
            what=file.text(f"{where} what", entry["what"], words),
            what_by_rule={k: file.text(f"{where} what_by_rule {k!r}", v, words)
                          for k, v in by_rule.items()},
            you_do=file.texts(f"{where} you_do", entry["you_do"], words, may_be_empty=True),
            we_do=file.texts(f"{where} we_do", entry["we_do"], words, may_be_empty=True),
        )
    return out


def _flag(file: DataFile, where: str, entry: Mapping[str, object], key: str) -> bool:
    value = entry.get(key, False)
    if not isinstance(value, bool):
        raise file.error(f"{where} {key}", "must be true or false")
    return value


def _home_care(file: DataFile, known: _Known) -> tuple[HomeCareItem, ...]:
    items = file.table("home_care")
    if not isinstance(items, list) or not items:
        raise file.error("[[home_care]]", "must list at least one item")
    filters = {"pathways": frozenset(known.pathways), "causes": _FILTERS["causes"],
               "conditions": _FILTERS["conditions"], "flags": _FLAGS,
               "regions": _FILTERS["regions"], "symptoms": frozenset(s.value for s in Symptom)}
    out = []
    for i, raw in enumerate(items):
        where = f"[[home_care]] #{i + 1}"
        entry = file.entry(where, raw, ("text",),
                           ("comfort", "heat", "caution", "not_eased", "positioning",
                            *filters))
        out.append(HomeCareItem(
            text=file.text(where, entry["text"]),
            comfort=_flag(file, where, entry, "comfort"),
            heat=_flag(file, where, entry, "heat"),
            caution=_flag(file, where, entry, "caution"),
            not_eased=_flag(file, where, entry, "not_eased"),
            positioning=_flag(file, where, entry, "positioning"),
            **{key: _values(file, f"{where} {key}", entry.get(key, []), allowed)
               for key, allowed in filters.items()},
        ))
    return tuple(out)


def _red_flag_sheet(file: DataFile) -> dict[str, tuple[str, ...]]:
    sheet = file.keys_exactly("[red_flag_sheet]", file.table("red_flag_sheet"),
                              ("emergency", "urgent", "all"))
    words = ("emergency_number", "place")
    out = {}
    for urgency in ("emergency", "urgent"):
        entry = file.entry(f"[red_flag_sheet.{urgency}]", sheet[urgency], ("do",))
        out[f"{urgency}_do"] = file.texts(f"[red_flag_sheet.{urgency}] do", entry["do"], words)
    common = file.entry("[red_flag_sheet.all]", sheet["all"], ("told", "worried", "take", "say"))
    for key in ("take", "say"):
        out[key] = file.texts(f"[red_flag_sheet.all] {key}", common[key], words)
    for key in ("told", "worried"):
        out[key] = (file.text(f"[red_flag_sheet.all] {key}", common[key]),)
    return out


def _feared(file: DataFile) -> dict[str, str]:
    table = file.keys_exactly("[red_flag]", file.table("red_flag"), sorted(_FLAGS))
    out = {}
    for flag, raw in table.items():
        entry = file.entry(f"[red_flag.{flag}]", raw, ("feared",), ("worse", "worse_means"))
        if ("worse" in entry) != ("worse_means" in entry):
            raise file.error(f"[red_flag.{flag}]", "worse and worse_means go together: the "
                             "signs of getting worse, and what they may mean")
        out[flag] = file.text(f"[red_flag.{flag}] feared", entry["feared"])
    return out


def _worsening(file: DataFile) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Per red flag, the signs that it is getting worse (call the emergency number) and what
    they may mean (:func:`_feared` checks that the two come together)."""
    table = {flag: raw for flag, raw in file.table("red_flag").items() if "worse" in raw}
    return ({flag: file.texts(f"[red_flag.{flag}] worse", raw["worse"])
             for flag, raw in table.items()},
            {flag: file.text(f"[red_flag.{flag}] worse_means", raw["worse_means"])
             for flag, raw in table.items()})


def _safety_net(file: DataFile, known: _Known) -> tuple[SafetyNetEntry, ...]:
    entries = file.table("safety_net")
    if not isinstance(entries, list) or not entries:
        raise file.error("[[safety_net]]", "must list at least one entry")
    filters = {**{k: v for k, v in _FILTERS.items() if k != "flags"},
               "pathways": frozenset(known.pathways), "not_pathways": frozenset(known.pathways)}
    out = []
    for i, raw in enumerate(entries):
        name = raw.get("id", f"#{i + 1}") if isinstance(raw, dict) else f"#{i + 1}"
        where = f"[[safety_net]] {name!r}"
        entry = file.entry(where, raw, ("id", "urgency", "watch", "means", "sources"),
                           ("action", *filters))
        sources = entry["sources"]
        if known.sources and (not isinstance(sources, list) or not sources
                              or set(sources) - set(known.sources)):
            raise file.error(f"{where} sources",
                             f"must list source ids from {sorted(known.sources)}")
        out.append(SafetyNetEntry(
            id=file.text(f"{where} id", entry["id"]),
            urgency=file.choice(f"{where} urgency", entry["urgency"], _SAFETY_URGENCIES),
            watch=file.texts(f"{where} watch", entry["watch"]),
            means=file.text(f"{where} means", entry["means"]),
            sources=tuple(sources),
            action=None if "action" not in entry else file.text(
                f"{where} action", entry["action"], ("emergency_number",)),
            **{key: _values(file, f"{where} {key}", entry.get(key, []), allowed)
               for key, allowed in filters.items()},
        ))
    return tuple(out)


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
