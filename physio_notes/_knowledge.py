"""The knowledge base: pathways and their roles, rules, red flags, recipients, sources, labels,
the documents' words and the exercise library — loaded from TOML data and validated.

Rules are data with ids and sources; their conditions come from the closed vocabulary in
:mod:`physio_notes._conditions`. The loader checks everything the engine and the documents will
need, and the safety invariants they rely on: every red flag refers (first, before anything
else), the neurological cause refers to a neurologist, every known cause has a rule, and
exactly one fallback rule exists, so a plan is never empty. A gap is a
:class:`~physio_notes.exceptions.KnowledgeBaseError` naming the file and the entry.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final, cast

import attrs

from ._conditions import CONDITION_NAMES, Bad, Predicate, all_of, make_condition
from ._datafile import DataFile
from ._exercises import Exercise, load_exercises
from ._model import Cause, Duration, NeurologicalCondition, RedFlag, Region, SpasmType, Symptom
from ._texts import ClinicianText, PatientText, load_clinician_text, load_patient_text
from ._vocab import (
    EXERCISE_ALLOWANCES,
    RED_FLAG_URGENCIES,
    REFERRAL_URGENCIES,
    ExerciseAllowance,
    PathwayId,
    RedFlagUrgency,
    ReferralUrgency,
)
from .exceptions import KnowledgeBaseError

__all__ = [
    "CONDITION_NAMES",
    "PLACEHOLDERS",
    "KnowledgeBase",
    "PathwayDef",
    "Recipient",
    "RedFlagDef",
    "ReferralRole",
    "Rule",
    "Source",
    "load_knowledge",
]

PLACEHOLDERS: Final = frozenset(
    {"region", "duration", "causes", "neurological_condition", "spasm_type", "red_flags"}
)
#: The sentinel of ``referral = "red-flags"`` in pathways.toml.
FROM_RED_FLAGS: Final = "red-flags"
_LETTER_PLACEHOLDERS: Final = ("urgency", "suspected")
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
class Recipient:
    """Someone a patient is sent to: named in letters, addressed, and told to the patient."""

    id: str
    name: str
    address: tuple[str, ...]
    patient: str


@attrs.frozen
class ReferralRole:
    """Whom a pathway refers to and how urgently; ``None`` for both means "as the most
    urgent red flag says" (the red-flag pathway)."""

    to: str | None
    urgency: ReferralUrgency | None

    @property
    def from_red_flags(self) -> bool:
        """True for the red-flag pathway, whose recipient comes from the flags found."""
        return self.to is None


@attrs.frozen
class PathwayDef:
    """A treatment pathway a plan may hold, and its roles (``pathways.toml``)."""

    id: str
    priority: int
    title: str
    summary: str
    exercises: ExerciseAllowance
    referral: ReferralRole | None = None
    letter_subject: str | None = None


@attrs.frozen
class RedFlagDef:
    """What a red flag suggests, how urgent it is, where the patient goes, and how to say it."""

    flag: RedFlag
    label: str
    suspected: str
    urgency: RedFlagUrgency
    destination: str
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
    """Everything the engine and the documents know, validated and ready to use.

    A plan carries the knowledge base that made it (``plan.knowledge``); every document takes
    its labels, words, exercises and recipients from there.
    """

    version: str
    pathways: Mapping[str, PathwayDef]
    rules: tuple[Rule, ...]
    red_flags: Mapping[RedFlag, RedFlagDef]
    sources: Mapping[str, Source]
    labels: Mapping[str, Mapping[str, str]]
    recipients: Mapping[str, Recipient]
    urgency_text: Mapping[str, Mapping[str, str]]
    patient_text: PatientText
    clinician_text: ClinicianText
    exercises: tuple[Exercise, ...]

    def label(self, kind: str, value: enum.Enum | str) -> str:
        """Clinician-facing words for a contract value: ``label("cause", "neurological")``."""
        key = value.value if isinstance(value, enum.Enum) else value
        return self.labels[kind][key]

    @property
    def fallback(self) -> Rule:
        """The rule that fires when no other does."""
        return next(rule for rule in self.rules if rule.fallback)


# --- loading -----------------------------------------------------------------------------

_FILES: Final = ("sources.toml", "pathways.toml", "referrals.toml", "red_flags.toml",
                 "vocabulary.toml", "rules.toml", "patient_text.toml", "clinician_text.toml",
                 "exercises.toml")


@cache
def _load_default() -> KnowledgeBase:
    return _load(files("physio_notes") / "knowledge")


def load_knowledge(folder: str | os.PathLike[str] | Traversable | None = None) -> KnowledgeBase:
    """Load and validate a knowledge base.

    Args:
        folder: A folder (a path, as text or path-like, or a ``Traversable`` from
            :mod:`importlib.resources`) holding the files of ``physio_notes/knowledge``:
            ``sources.toml``, ``pathways.toml``, ``referrals.toml``, ``red_flags.toml``,
            ``vocabulary.toml``, ``rules.toml``, ``patient_text.toml``, ``clinician_text.toml``
            and ``exercises.toml``. ``None`` (the default, cached) loads the bundled one.

    Raises:
        KnowledgeBaseError: naming the file and the entry that is wrong.
    """
    if folder is None:
        return _load_default()
    if isinstance(folder, str | os.PathLike):
        folder = Path(folder)
    if not isinstance(folder, Traversable | Path):
        raise KnowledgeBaseError(
            f"knowledge folder must be a path or a Traversable (got {type(folder).__name__})"
        )
    if not folder.is_dir():
        raise KnowledgeBaseError(f"knowledge folder {str(folder)!r} is not a folder; it must "
                                 f"hold {', '.join(_FILES)}")
    return _load(folder)


def _load(folder: Traversable | Path) -> KnowledgeBase:
    sources = _load_sources(DataFile(folder, "sources.toml"))
    pathways_file = DataFile(folder, "pathways.toml")
    pathways = _load_pathways(pathways_file)
    referrals = DataFile(folder, "referrals.toml")
    recipients = _load_recipients(referrals)
    urgency_text = _load_urgency_text(referrals)
    _check_pathway_roles(pathways_file, pathways, recipients)
    red_flags = _load_red_flags(DataFile(folder, "red_flags.toml"), sources, recipients)
    labels = _load_labels(DataFile(folder, "vocabulary.toml"))
    rules_file = DataFile(folder, "rules.toml")
    rules = tuple(
        _load_rule(rules_file, i, raw, pathways, sources)
        for i, raw in enumerate(rules_file.table("rule"))
    )
    _check_invariants(rules_file, rules, pathways)
    return KnowledgeBase(
        version=str(rules_file.table("version")),
        pathways=pathways,
        rules=rules,
        red_flags=red_flags,
        sources=sources,
        labels=labels,
        recipients=recipients,
        urgency_text=urgency_text,
        patient_text=load_patient_text(DataFile(folder, "patient_text.toml"), list(pathways),
                                       [r.id for r in rules], list(sources)),
        clinician_text=load_clinician_text(DataFile(folder, "clinician_text.toml"),
                                           list(pathways)),
        exercises=load_exercises(
            folder / "exercises.toml",
            pathways=[pid for pid, p in pathways.items() if p.exercises != "none"],
            sources=list(sources),
        ),
    )


def _load_sources(file: DataFile) -> dict[str, Source]:
    out = {}
    for key, raw in file.table("source").items():
        entry = file.entry(f"source {key!r}", raw, ("citation", "section"))
        out[key] = Source(id=key, citation=entry["citation"], section=entry["section"])
    return out


def _cite(
    file: DataFile, where: str, ids: object, sources: Mapping[str, Source]
) -> tuple[Source, ...]:
    if not isinstance(ids, list) or not ids:
        raise file.error(where, "sources must be a non-empty list of source ids")
    unknown = [i for i in ids if i not in sources]
    if unknown:
        raise file.error(where, f"unknown sources {unknown}; known: {sorted(sources)}")
    return tuple(sources[i] for i in ids)


def _load_pathways(file: DataFile) -> dict[str, PathwayDef]:
    found = []
    for i, raw in enumerate(file.table("pathway")):
        where = f"pathway #{i + 1}"
        entry = file.entry(where, raw, ("id", "priority", "title", "summary", "exercises"),
                           ("referral", "letter_subject"))
        found.append(PathwayDef(
            id=entry["id"],
            priority=entry["priority"],
            title=file.text(f"{where} title", entry["title"]),
            summary=file.text(f"{where} summary", entry["summary"]),
            exercises=cast(ExerciseAllowance, file.choice(
                f"{where} exercises", entry["exercises"], EXERCISE_ALLOWANCES)),
            referral=_referral_role(file, where, entry.get("referral")),
            letter_subject=None if "letter_subject" not in entry else file.text(
                f"{where} letter_subject", entry["letter_subject"], _LETTER_PLACEHOLDERS),
        ))
    found.sort(key=lambda p: p.priority)
    ids = [p.id for p in found]
    if len(set(ids)) != len(ids) or len({p.priority for p in found}) != len(found):
        raise file.error("pathway", "ids and priorities must be unique")
    if set(ids) != {p.value for p in PathwayId}:
        raise file.error("pathway", f"ids must be exactly {sorted(p.value for p in PathwayId)} "
                                    f"(got {sorted(ids)})")
    return {p.id: p for p in found}


def _referral_role(file: DataFile, where: str, raw: object) -> ReferralRole | None:
    if raw is None:
        return None
    if raw == FROM_RED_FLAGS:
        return ReferralRole(None, None)
    entry = file.entry(f"{where} referral", raw, ("to", "urgency"))
    urgency = file.choice(f"{where} referral urgency", entry["urgency"], REFERRAL_URGENCIES)
    return ReferralRole(file.text(f"{where} referral to", entry["to"]),
                        cast(ReferralUrgency, urgency))


def _check_pathway_roles(
    file: DataFile, pathways: Mapping[str, PathwayDef], recipients: Mapping[str, Recipient]
) -> None:
    flagged = [p for p in pathways.values() if p.referral and p.referral.from_red_flags]
    if len(flagged) != 1 or flagged[0] is not next(iter(pathways.values())):
        raise file.error("pathway", 'exactly one pathway, the first by priority, must have '
                                    'referral = "red-flags" (red flags lead every plan)')
    if flagged[0].exercises != "none":
        raise file.error(f"pathway {flagged[0].id!r}", 'a red flag allows no exercise: '
                                                       'exercises must be "none"')
    for pathway in pathways.values():
        where = f"pathway {pathway.id!r}"
        if (pathway.referral is None) != (pathway.letter_subject is None):
            raise file.error(where, "a pathway that refers needs a letter_subject, and only "
                                    "one that refers may have one")
        to = pathway.referral.to if pathway.referral else None
        if to is not None and to not in recipients:
            raise file.error(where, f"refers to unknown recipient {to!r}; "
                                    f"known: {sorted(recipients)}")


def _load_recipients(file: DataFile) -> dict[str, Recipient]:
    out = {}
    for key, raw in file.table("recipient").items():
        where = f"[recipient.{key}]"
        entry = file.entry(where, raw, ("name", "address", "patient"))
        out[key] = Recipient(id=key, name=file.text(f"{where} name", entry["name"]),
                             address=file.texts(f"{where} address", entry["address"]),
                             patient=file.text(f"{where} patient", entry["patient"]))
    return out


def _load_urgency_text(file: DataFile) -> dict[str, dict[str, str]]:
    table = file.keys_exactly("[urgency]", file.table("urgency"), REFERRAL_URGENCIES)
    out: dict[str, dict[str, str]] = {}
    for key in REFERRAL_URGENCIES:
        entry = file.entry(f"[urgency.{key}]", table[key], ("subject", "letter"))
        out[key] = {k: file.text(f"[urgency.{key}] {k}", v) for k, v in entry.items()}
    return out


def _load_red_flags(
    file: DataFile, sources: Mapping[str, Source], recipients: Mapping[str, Recipient]
) -> dict[RedFlag, RedFlagDef]:
    table = file.table("red_flag")
    missing = [f.value for f in RedFlag if f.value not in table]
    unknown = [k for k in table if k not in RedFlag._value2member_map_]
    if missing or unknown:
        raise file.error("red_flag", f"missing {missing}, unknown {unknown}")
    out = {}
    for key, raw in table.items():
        where = f"red flag {key!r}"
        entry = file.entry(where, raw, ("label", "suspected", "urgency", "destination",
                                        "sources", "patient"))
        urgency = file.choice(f"{where} urgency", entry["urgency"], RED_FLAG_URGENCIES)
        flag = RedFlag(key)
        out[flag] = RedFlagDef(
            flag=flag,
            label=file.text(f"{where} label", entry["label"]),
            suspected=file.text(f"{where} suspected", entry["suspected"]),
            urgency=cast(RedFlagUrgency, urgency),
            destination=file.choice(f"{where} destination", entry["destination"], recipients),
            patient=file.text(f"{where} patient", entry["patient"]),
            sources=_cite(file, where, entry["sources"], sources),
        )
    return {flag: out[flag] for flag in RedFlag}


def _load_labels(file: DataFile) -> dict[str, dict[str, str]]:
    out = {}
    for kind, enum_type in _LABEL_KINDS.items():
        table = file.table(kind)
        wanted = [m.value for m in enum_type]
        if sorted(table) != sorted(wanted):
            raise file.error(f"[{kind}]", f"must label exactly {wanted}")
        out[kind] = {value: table[value] for value in wanted}
    return out


def _load_rule(
    file: DataFile,
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
        try:
            tests.append(make_condition(name, value))
        except Bad as exc:
            message = f"unknown condition {name!r}; known: {list(CONDITION_NAMES)}" if (
                name not in CONDITION_NAMES) else f"condition {name!r} {exc}"
            raise file.error(where, message) from None
    rationale = file.text(f"{where} rationale", entry["rationale"], PLACEHOLDERS)
    return Rule(
        id=entry["id"],
        pathway=pathway,
        when=when,
        rationale=rationale,
        sources=_cite(file, where, entry["sources"], sources),
        test=all_of(tuple(tests)),
        fallback="fallback" in when,
        uses_context="{" in rationale or "}" in rationale,
    )


def _check_invariants(
    file: DataFile, rules: tuple[Rule, ...], pathways: Mapping[str, PathwayDef]
) -> None:
    """The safety properties the engine relies on, checked on the data itself."""
    ids = [r.id for r in rules]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise file.error("rule", f"duplicate ids {duplicates}")
    fallbacks = [r.id for r in rules if r.fallback]
    if len(fallbacks) != 1:
        raise file.error("rule", f"exactly one rule must have fallback = true (found {fallbacks})")
    for flag in RedFlag:
        if not any(_refers_on_red_flags(r.pathway) and flag in _listed(r, "red_flag_any")
                   for r in rules):
            raise file.error("rule", f"red flag {flag.value!r} has no rule for the pathway "
                                     "that refers on red flags")
    for cause in Cause:
        if cause is not Cause.UNKNOWN and not any(cause in _listed(r, "cause_any") for r in rules):
            raise file.error("rule", f"cause {cause.value!r} has no rule")
    neurologist = pathways[PathwayId.NEUROLOGIST_REFERRAL]
    if neurologist.referral is None or not any(
        r.pathway is neurologist and Cause.NEUROLOGICAL in _listed(r, "cause_any")
        for r in rules
    ):
        raise file.error("rule", "the neurological cause must refer to a neurologist")


def _refers_on_red_flags(pathway: PathwayDef) -> bool:
    return pathway.referral is not None and pathway.referral.from_red_flags


def _listed(rule: Rule, condition: str) -> tuple[Any, ...]:
    """The values a rule's list condition names (empty when it has no such condition)."""
    value = rule.when.get(condition, ())
    return tuple(value) if isinstance(value, list) else ()
