"""The knowledge base: pathways, rules, red flags, sources and labels, loaded from TOML data.

Rules are data with ids and sources. Their conditions come from a small closed vocabulary
(``_CONDITIONS``), each mapped to a Python predicate: there is no ``eval`` and no code in
the data. The loader validates everything and checks the safety invariants the engine relies
on — every red flag refers urgently, every known cause has a rule, and there is exactly one
fallback rule, so a plan is never empty.
"""

from __future__ import annotations

import enum
import string
import tomllib
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final

import attrs

from ._model import (
    Cause,
    Duration,
    NeurologicalCondition,
    Presentation,
    RedFlag,
    Region,
    SpasmType,
    Symptom,
)
from .exceptions import KnowledgeBaseError

__all__ = [
    "KnowledgeBase",
    "PathwayDef",
    "RedFlagDef",
    "Rule",
    "Source",
    "load_knowledge",
]

Predicate = Callable[[Presentation], bool]

PLACEHOLDERS: Final = frozenset(
    {"region", "duration", "causes", "neurological_condition", "spasm_type", "red_flags"}
)
URGENCIES: Final = ("emergency", "urgent")
_LABEL_KINDS: Final[Mapping[str, type[enum.Enum]]] = {
    "region": Region,
    "spasm_type": SpasmType,
    "cause": Cause,
    "neurological_condition": NeurologicalCondition,
    "symptom": Symptom,
    "duration": Duration,
}


@attrs.frozen
class Source:
    """A citable source: the article's section, a guideline or a paper."""

    id: str
    citation: str
    section: str

    def __str__(self) -> str:
        return f"{self.citation} Section: {self.section}."


@attrs.frozen
class PathwayDef:
    """A treatment pathway a plan may hold (``pathways.toml``)."""

    id: str
    priority: int
    title: str
    summary: str
    refers_to: str


@attrs.frozen
class RedFlagDef:
    """What a red flag suggests, how urgent it is, and how to say it to the patient."""

    flag: RedFlag
    label: str
    suspected: str
    urgency: str
    patient: str
    sources: tuple[Source, ...]


@attrs.frozen
class Rule:
    """One rule: when ``test`` holds for a presentation, ``pathway`` joins the plan."""

    id: str
    pathway: PathwayDef
    when: Mapping[str, object] = attrs.field(eq=False)
    rationale: str
    sources: tuple[Source, ...]
    test: Predicate = attrs.field(eq=False, repr=False)
    fallback: bool = False
    uses_context: bool = False


@attrs.frozen
class KnowledgeBase:
    """Everything the engine and the documents know, validated and ready to use."""

    version: str
    pathways: Mapping[str, PathwayDef]
    rules: tuple[Rule, ...]
    red_flags: Mapping[RedFlag, RedFlagDef]
    sources: Mapping[str, Source]
    labels: Mapping[str, Mapping[str, str]]

    def label(self, kind: str, value: enum.Enum | str) -> str:
        """Clinician-facing words for a contract value: ``label("cause", "neurological")``."""
        key = value.value if isinstance(value, enum.Enum) else value
        return self.labels[kind][key]

    @property
    def fallback(self) -> Rule:
        """The rule that fires when no other does."""
        return next(rule for rule in self.rules if rule.fallback)


# --- the closed vocabulary of conditions --------------------------------------------------


class _Bad(Exception):
    """A condition's value is not allowed (message says what is)."""


def _values(kind: type[enum.Enum], raw: object) -> frozenset[Any]:
    allowed = ", ".join(repr(m.value) for m in kind)
    if not isinstance(raw, list) or not raw:
        raise _Bad(f"must be a non-empty list of {allowed}")
    try:
        return frozenset(kind(v) for v in raw)
    except ValueError:
        raise _Bad(f"must list only {allowed} (got {raw!r})") from None


def _flag(raw: object) -> bool:
    if not isinstance(raw, bool):
        raise _Bad(f"must be true or false (got {raw!r})")
    return raw


def _red_flag_any(raw: object) -> Predicate:
    wanted = _values(RedFlag, raw)
    return lambda p: bool(p.red_flags) and not wanted.isdisjoint(p.red_flags or ())


def _cause_any(raw: object) -> Predicate:
    wanted = _values(Cause, raw)
    return lambda p: not wanted.isdisjoint(p.causes)


def _no_cause_among(raw: object) -> Predicate:
    wanted = _values(Cause, raw)
    return lambda p: wanted.isdisjoint(p.causes)


def _region_in(raw: object) -> Predicate:
    wanted = _values(Region, raw)
    return lambda p: p.region in wanted


def _duration_in(raw: object) -> Predicate:
    wanted = _values(Duration, raw)
    return lambda p: p.duration in wanted


def _recurrent(raw: object) -> Predicate:
    wanted = _flag(raw)
    return lambda p: p.recurrent is wanted


def _eased(raw: object) -> Predicate:
    wanted = _flag(raw)
    return lambda p: p.eased_by_heat_and_positioning is wanted


def _spasm_type(raw: object) -> Predicate:
    if not isinstance(raw, str):
        raise _Bad(f"must be one of {[m.value for m in SpasmType]} (got {raw!r})")
    (wanted,) = _values(SpasmType, [raw])
    return lambda p: p.spasm_type is wanted


def _cause_known(raw: object) -> Predicate:
    wanted = _flag(raw)
    return lambda p: any(c is not Cause.UNKNOWN for c in p.causes) is wanted


def _fallback(raw: object) -> Predicate:
    if raw is not True:
        raise _Bad("must be true")
    return lambda p: True


_CONDITIONS: Final[Mapping[str, Callable[[object], Predicate]]] = {
    "red_flag_any": _red_flag_any,
    "cause_any": _cause_any,
    "no_cause_among": _no_cause_among,
    "region_in": _region_in,
    "duration_in": _duration_in,
    "recurrent": _recurrent,
    "eased_by_heat_and_positioning": _eased,
    "spasm_type": _spasm_type,
    "cause_known": _cause_known,
    "fallback": _fallback,
}
CONDITION_NAMES: Final = tuple(_CONDITIONS)


def _all(tests: tuple[Predicate, ...]) -> Predicate:
    if len(tests) == 1:
        return tests[0]
    return lambda p: all(test(p) for test in tests)


# --- loading -----------------------------------------------------------------------------


def _default_folder() -> Traversable:
    return files("physio_notes") / "knowledge"


@cache
def _load_default() -> KnowledgeBase:
    return _load(_default_folder())


def load_knowledge(folder: Traversable | Path | None = None) -> KnowledgeBase:
    """Load and validate the knowledge base.

    Args:
        folder: A folder holding ``pathways.toml``, ``rules.toml``, ``red_flags.toml``,
            ``sources.toml`` and ``vocabulary.toml``. ``None`` (the default, cached) loads the
            one shipped with the package.

    Raises:
        KnowledgeBaseError: naming the file and the entry that is wrong.
    """
    return _load_default() if folder is None else _load(folder)


class _File:
    """One TOML file of the knowledge base, for error messages that name it."""

    def __init__(self, folder: Traversable | Path, name: str) -> None:
        self.name = name
        try:
            self.data = tomllib.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise KnowledgeBaseError(f"{name}: cannot be read: {exc}") from None

    def error(self, where: str, message: str) -> KnowledgeBaseError:
        return KnowledgeBaseError(f"{self.name}: {where}: {message}")

    def table(self, key: str) -> Any:
        value = self.data.get(key)
        if value is None:
            raise KnowledgeBaseError(f"{self.name}: missing [{key}]")
        return value

    def entry(self, where: str, raw: object, required: Iterable[str]) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self.error(where, "must be a table")
        required = tuple(required)
        unknown = sorted(set(raw) - set(required))
        missing = [k for k in required if k not in raw]
        if unknown:
            raise self.error(where, f"unknown keys {unknown}; allowed: {list(required)}")
        if missing:
            raise self.error(where, f"missing keys {missing}")
        return raw


def _load(folder: Traversable | Path) -> KnowledgeBase:
    sources = _load_sources(_File(folder, "sources.toml"))
    pathways = _load_pathways(_File(folder, "pathways.toml"))
    red_flags = _load_red_flags(_File(folder, "red_flags.toml"), sources)
    labels = _load_labels(_File(folder, "vocabulary.toml"))
    rules_file = _File(folder, "rules.toml")
    version = rules_file.table("version")
    rules = tuple(
        _load_rule(rules_file, i, raw, pathways, sources)
        for i, raw in enumerate(rules_file.table("rule"))
    )
    _check_invariants(rules_file, rules)
    return KnowledgeBase(
        version=str(version),
        pathways=pathways,
        rules=rules,
        red_flags=red_flags,
        sources=sources,
        labels=labels,
    )


def _load_sources(file: _File) -> dict[str, Source]:
    out = {}
    for key, raw in file.table("source").items():
        entry = file.entry(f"source {key!r}", raw, ("citation", "section"))
        out[key] = Source(id=key, citation=entry["citation"], section=entry["section"])
    return out


def _cite(
    file: _File, where: str, ids: object, sources: Mapping[str, Source]
) -> tuple[Source, ...]:
    if not isinstance(ids, list) or not ids:
        raise file.error(where, "sources must be a non-empty list of source ids")
    unknown = [i for i in ids if i not in sources]
    if unknown:
        raise file.error(where, f"unknown sources {unknown}; known: {sorted(sources)}")
    return tuple(sources[i] for i in ids)


def _load_pathways(file: _File) -> dict[str, PathwayDef]:
    keys = ("id", "priority", "title", "summary", "refers_to")
    found = [
        PathwayDef(**file.entry(f"pathway #{i + 1}", raw, keys))
        for i, raw in enumerate(file.table("pathway"))
    ]
    found.sort(key=lambda p: p.priority)
    ids = [p.id for p in found]
    if len(set(ids)) != len(ids) or len({p.priority for p in found}) != len(found):
        raise file.error("pathway", "ids and priorities must be unique")
    return {p.id: p for p in found}


def _load_red_flags(file: _File, sources: Mapping[str, Source]) -> dict[RedFlag, RedFlagDef]:
    table = file.table("red_flag")
    missing = [f.value for f in RedFlag if f.value not in table]
    unknown = [k for k in table if k not in RedFlag._value2member_map_]
    if missing or unknown:
        raise file.error("red_flag", f"missing {missing}, unknown {unknown}")
    out = {}
    for key, raw in table.items():
        where = f"red flag {key!r}"
        entry = file.entry(where, raw, ("label", "suspected", "urgency", "sources", "patient"))
        if entry["urgency"] not in URGENCIES:
            raise file.error(where, f"urgency must be one of {URGENCIES}")
        flag = RedFlag(key)
        cited = _cite(file, where, entry.pop("sources"), sources)
        out[flag] = RedFlagDef(flag=flag, sources=cited, **entry)
    return {flag: out[flag] for flag in RedFlag}


def _load_labels(file: _File) -> dict[str, dict[str, str]]:
    out = {}
    for kind, enum_type in _LABEL_KINDS.items():
        table = file.table(kind)
        wanted = [m.value for m in enum_type]
        if sorted(table) != sorted(wanted):
            raise file.error(f"[{kind}]", f"must label exactly {wanted}")
        out[kind] = {value: table[value] for value in wanted}
    return out


def _load_rule(
    file: _File,
    index: int,
    raw: object,
    pathways: Mapping[str, PathwayDef],
    sources: Mapping[str, Source],
) -> Rule:
    rid = raw.get("id", f"#{index + 1}") if isinstance(raw, dict) else f"#{index + 1}"
    where = f"rule {rid!r}"
    entry = file.entry(where, raw, ("id", "pathway", "when", "rationale", "sources"))
    pathway = pathways.get(entry["pathway"])
    if pathway is None:
        raise file.error(where, f"unknown pathway {entry['pathway']!r}; known: {list(pathways)}")
    when = entry["when"]
    if not isinstance(when, dict) or not when:
        raise file.error(where, "when must be a non-empty table of conditions")
    tests = []
    for name, value in when.items():
        make = _CONDITIONS.get(name)
        if make is None:
            raise file.error(where, f"unknown condition {name!r}; known: {list(_CONDITIONS)}")
        try:
            tests.append(make(value))
        except _Bad as exc:
            raise file.error(where, f"condition {name!r} {exc}") from None
    fields = _placeholders(file, where, entry["rationale"])
    if fields - PLACEHOLDERS:
        raise file.error(
            where,
            f"unknown placeholders {sorted(fields - PLACEHOLDERS)}; "
            f"allowed: {sorted(PLACEHOLDERS)}",
        )
    return Rule(
        id=entry["id"],
        pathway=pathway,
        when=when,
        rationale=entry["rationale"],
        sources=_cite(file, where, entry["sources"], sources),
        test=_all(tuple(tests)),
        fallback="fallback" in when,
        uses_context="{" in entry["rationale"] or "}" in entry["rationale"],
    )


def _placeholders(file: _File, where: str, rationale: object) -> set[str]:
    """The placeholders a rationale uses; it must format with any label put in them."""
    if not isinstance(rationale, str) or not rationale.strip():
        raise file.error(where, "rationale must be non-empty text")
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(rationale) if f is not None}
        if fields <= PLACEHOLDERS:
            rationale.format_map(dict.fromkeys(PLACEHOLDERS, "label"))
    except (ValueError, IndexError, KeyError) as exc:
        raise file.error(where, f"rationale cannot be formatted: {exc}") from None
    return fields


def _check_invariants(file: _File, rules: tuple[Rule, ...]) -> None:
    """The safety properties the engine relies on, checked on the data itself."""
    ids = [r.id for r in rules]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise file.error("rule", f"duplicate ids {duplicates}")
    fallbacks = [r.id for r in rules if r.fallback]
    if len(fallbacks) != 1:
        raise file.error("rule", f"exactly one rule must have fallback = true (found {fallbacks})")
    for flag in RedFlag:
        if not any(r.pathway.id == "urgent-referral" and flag in _listed(r, "red_flag_any")
                   for r in rules):
            raise file.error("rule", f"red flag {flag.value!r} has no urgent-referral rule")
    for cause in Cause:
        if cause is not Cause.UNKNOWN and not any(cause in _listed(r, "cause_any") for r in rules):
            raise file.error("rule", f"cause {cause.value!r} has no rule")
    if not any(r.pathway.id == "neurologist-referral" and Cause.NEUROLOGICAL in _listed(
            r, "cause_any") for r in rules):
        raise file.error("rule", "the neurological cause must refer to a neurologist")


def _listed(rule: Rule, condition: str) -> tuple[object, ...]:
    """The values a rule's list condition names (empty when it has no such condition)."""
    value = rule.when.get(condition, ())
    return tuple(value) if isinstance(value, list) else ()
