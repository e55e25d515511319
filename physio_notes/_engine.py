"""The pathway engine: presentation in, care plan out.

:func:`select_pathways` is pure and deterministic: the same presentation and knowledge base
always give the same plan. It runs every rule, groups the rules that fired by pathway, and
orders the pathways by priority, so a red flag always leads and a plan is never empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import attrs

from ._knowledge import PLACEHOLDERS, KnowledgeBase, Rule, load_knowledge
from ._model import Presentation, RedFlag

__all__ = ["CarePlan", "Pathway", "RedFlagFinding", "RedFlagScreen", "select_pathways"]

ScreenStatus = Literal["none_found", "positive", "not_screened"]
_URGENCY_ORDER = {"emergency": 0, "urgent": 1}


@attrs.frozen
class Pathway:
    """A pathway chosen for this patient.

    Attributes:
        id: Public pathway id, e.g. ``"disc-core-pilates"``.
        title: Human title.
        rationale: Why it applies to this patient (one sentence per rule that fired).
        rules: Ids of the rules that fired.
        sources: Citations of those rules, de-duplicated, in rule order.
        refers_to: Who a referral letter goes to (``"GP"``, ``"neurologist"``,
            ``"emergency department"``), or ``""`` when the pathway refers nobody.
    """

    id: str
    title: str
    rationale: str
    rules: tuple[str, ...]
    sources: tuple[str, ...]
    refers_to: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The design's JSON shape: id, title, rationale, rules, sources."""
        return {
            "id": self.id,
            "title": self.title,
            "rationale": self.rationale,
            "rules": list(self.rules),
            "sources": list(self.sources),
        }


@attrs.frozen
class RedFlagFinding:
    """One red flag found, with what it suggests and how urgent it is."""

    flag: RedFlag
    label: str
    suspected: str
    urgency: str
    patient: str


@attrs.frozen
class RedFlagScreen:
    """The red-flag screen: none found, positive (which, how urgent) or not screened."""

    status: ScreenStatus
    findings: tuple[RedFlagFinding, ...] = ()

    @property
    def urgency(self) -> str | None:
        """``"emergency"``, ``"urgent"`` or ``None`` when no red flag was found."""
        if not self.findings:
            return None
        return min((f.urgency for f in self.findings), key=_URGENCY_ORDER.__getitem__)

    def to_dict(self) -> dict[str, Any]:
        """JSON: status, urgency and the findings."""
        return {
            "status": self.status,
            "urgency": self.urgency,
            "findings": [
                {"id": f.flag.value, "label": f.label, "suspected": f.suspected,
                 "urgency": f.urgency}
                for f in self.findings
            ],
        }


@attrs.frozen
class CarePlan:
    """The care plan for one presentation: pathways (highest priority first, never empty),
    the red-flag screen, the STarT Back risk group and the knowledge-base version."""

    presentation: Presentation
    pathways: tuple[Pathway, ...]
    red_flag_screen: RedFlagScreen
    start_back_risk: str | None
    knowledge_version: str

    @property
    def pathway_ids(self) -> tuple[str, ...]:
        """The ids of the chosen pathways, in plan order."""
        return tuple(p.id for p in self.pathways)

    @property
    def urgency(self) -> str | None:
        """The red-flag urgency (``"emergency"`` / ``"urgent"``) or ``None``."""
        return self.red_flag_screen.urgency

    @property
    def referrals(self) -> tuple[Pathway, ...]:
        """The pathways that refer the patient on, most urgent first."""
        return tuple(p for p in self.pathways if p.refers_to)

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON: ``{"pathways": [...], "red_flag_screen": ..., ...}``."""
        start_back = self.presentation.start_back
        return {
            "pathways": [p.to_dict() for p in self.pathways],
            "red_flag_screen": self.red_flag_screen.to_dict(),
            "start_back": None if start_back is None else {
                "total": start_back.total,
                "distress": start_back.distress,
                "risk": self.start_back_risk,
            },
            "knowledge_base_version": self.knowledge_version,
            "presentation": self.presentation.to_dict(),
        }


def select_pathways(
    presentation: Presentation, *, knowledge: KnowledgeBase | None = None
) -> CarePlan:
    """Choose the treatment pathways for a presentation.

    Args:
        presentation: A validated presentation.
        knowledge: The knowledge base to use; the bundled one by default.

    Returns:
        A :class:`CarePlan` whose pathways are ordered by priority (red flags first) and
        never empty.
    """
    kb = knowledge if knowledge is not None else load_knowledge()
    fired = [rule for rule in kb.rules if not rule.fallback and rule.test(presentation)]
    if not fired:
        fired = [kb.fallback]
    context = _Context(presentation, kb)
    by_pathway: dict[str, list[Rule]] = {}
    for rule in fired:
        by_pathway.setdefault(rule.pathway.id, []).append(rule)
    pathways = tuple(
        _pathway(by_pathway[pid], context) for pid in kb.pathways if pid in by_pathway
    )
    return CarePlan(
        presentation=presentation,
        pathways=pathways,
        red_flag_screen=_screen(presentation, kb),
        start_back_risk=presentation.start_back.risk if presentation.start_back else None,
        knowledge_version=kb.version,
    )


def _pathway(rules: list[Rule], context: _Context) -> Pathway:
    definition = rules[0].pathway
    sources: dict[str, None] = {}
    for rule in rules:
        sources.update((str(source), None) for source in rule.sources)
    return Pathway(
        id=definition.id,
        title=definition.title,
        rationale=" ".join(
            rule.rationale.format_map(context) if rule.uses_context else rule.rationale
            for rule in rules
        ),
        rules=tuple(rule.id for rule in rules),
        sources=tuple(sources),
        refers_to=definition.refers_to,
    )


def _screen(presentation: Presentation, kb: KnowledgeBase) -> RedFlagScreen:
    if presentation.red_flags is None:
        return RedFlagScreen("not_screened")
    if not presentation.red_flags:
        return RedFlagScreen("none_found")
    flags = dict.fromkeys(presentation.red_flags)  # de-duplicated, input order
    findings = sorted(
        (kb.red_flags[flag] for flag in flags),
        key=lambda d: _URGENCY_ORDER[d.urgency],
    )
    return RedFlagScreen(
        "positive",
        tuple(
            RedFlagFinding(d.flag, d.label, d.suspected, d.urgency, d.patient) for d in findings
        ),
    )


class _Context(Mapping[str, str]):
    """Rationale placeholders for one presentation, computed only when a rule asks."""

    def __init__(self, presentation: Presentation, kb: KnowledgeBase) -> None:
        self._p = presentation
        self._kb = kb

    def __getitem__(self, key: str) -> str:
        p, kb = self._p, self._kb
        match key:
            case "region":
                return kb.label("region", p.region)
            case "duration":
                return kb.label("duration", p.duration) if p.duration else "an unrecorded time"
            case "spasm_type":
                return kb.label("spasm_type", p.spasm_type)
            case "neurological_condition":
                if p.neurological_condition is None:
                    return "not named"
                return kb.label("neurological_condition", p.neurological_condition)
            case "causes":
                return ", ".join(kb.label("cause", c) for c in p.causes) or "none recorded"
            case "red_flags":
                return ", ".join(kb.red_flags[f].label for f in p.red_flags or ()) or "none"
        raise KeyError(key)

    def __iter__(self) -> Any:
        return iter(sorted(PLACEHOLDERS))

    def __len__(self) -> int:
        return len(PLACEHOLDERS)
