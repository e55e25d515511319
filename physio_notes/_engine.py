"""The pathway engine: presentation in, care plan out.

:func:`select_pathways` is pure and deterministic: the same presentation and knowledge base
always give the same plan. It runs every rule, groups the rules that fired by pathway, and
orders the pathways by priority, so a red flag always leads and a plan is never empty. It then
chooses the plan's exercises and its main referral from the pathways' roles (data in the
knowledge base), and the plan carries that knowledge base to every document rendered from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal

import attrs

from ._edit import Change, apply_edits, exercise_to_dict
from ._exercises import Exercise
from ._knowledge import PLACEHOLDERS, KnowledgeBase, PathwayDef, Rule, load_knowledge
from ._model import Presentation, RedFlag
from ._vocab import (
    EXERCISE_ALLOWANCES,
    RED_FLAG_URGENCIES,
    ExerciseAllowance,
    RedFlagUrgency,
    ReferralUrgency,
)
from .exceptions import PlanEditError, PresentationError

__all__ = [
    "CarePlan",
    "Pathway",
    "RedFlagFinding",
    "RedFlagScreen",
    "Referral",
    "select_exercises",
    "select_pathways",
]

ScreenStatus = Literal["none_found", "positive", "not_screened"]
_URGENCY_ORDER = {urgency: rank for rank, urgency in enumerate(RED_FLAG_URGENCIES)}
#: The most exercises a plan offers (a clinician may add more). Few exercises are done better
#: than many (Henry, Rosemond and Eckert 1999: 2 done better than 8), and 4 keep the handout,
#: diary included, on 3 pages.
MAX_EXERCISES = 4
#: The source of a pathway the clinician added.
CLINICIAN_SOURCE: Final = "The treating clinician's judgement (added to what the rules chose)."


@attrs.frozen
class Pathway:
    """A pathway chosen for this patient.

    Attributes:
        id: Public pathway id, e.g. ``"disc-core-pilates"``.
        title: Human title.
        rationale: Why it applies to this patient (one sentence per rule that fired).
        rules: Ids of the rules that fired.
        sources: Citations of those rules, de-duplicated, in rule order.
        refers_to: The name of whom it refers the patient to (``"GP"``, ``"neurologist"``,
            ``"Emergency Department"``), or ``""`` when the pathway refers nobody.
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
    urgency: RedFlagUrgency
    patient: str
    destination: str = ""


@attrs.frozen
class RedFlagScreen:
    """The red-flag screen: none found, positive (which, how urgent) or not screened."""

    status: ScreenStatus
    findings: tuple[RedFlagFinding, ...] = ()

    @property
    def urgency(self) -> RedFlagUrgency | None:
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
class Referral:
    """Where the plan sends the patient: one recipient, one urgency, from one pathway.

    Attributes:
        recipient: The recipient's id in the knowledge base (``"gp"``, ``"neurologist"``,
            ``"emergency-department"``).
        name: The recipient in clinical prose (``"GP"``).
        address: The letter's address lines.
        patient: The place in the patient's words (``"your GP (family doctor)"``).
        urgency: ``"emergency"``, ``"urgent"`` or ``"soon"``.
        pathway: The id of the pathway that refers.
    """

    recipient: str
    name: str
    address: tuple[str, ...]
    patient: str
    urgency: ReferralUrgency
    pathway: str

    def to_dict(self) -> dict[str, Any]:
        """JSON: ``recipient``, ``urgency`` and ``pathway``."""
        return {"recipient": self.recipient, "urgency": self.urgency, "pathway": self.pathway}


@attrs.frozen
class CarePlan:
    """The care plan for one presentation.

    Attributes:
        presentation: What the plan was made for.
        pathways: Highest priority first, never empty.
        red_flag_screen: None found, positive (which, how urgent) or not screened.
        start_back_risk: The STarT Back risk group, when it was scored.
        knowledge: The knowledge base that made the plan; every document rendered from the
            plan takes its words, labels, exercises and recipients from it.
        exercises: The exercises the handout shows, in order, with their doses.
        destinations: Where each referring pathway sends the patient, most urgent first.
        clinician_reason: Why the clinician changed what the rules chose, if they did.
        changes: What the clinician changed against what the rules chose (the audit trail).
    """

    presentation: Presentation
    pathways: tuple[Pathway, ...]
    red_flag_screen: RedFlagScreen
    start_back_risk: str | None
    knowledge: KnowledgeBase = attrs.field(eq=False, repr=False)
    exercises: tuple[Exercise, ...] = ()
    destinations: tuple[Referral, ...] = ()
    clinician_reason: str | None = None
    changes: tuple[Change, ...] = ()

    @property
    def knowledge_version(self) -> str:
        """The version of the knowledge base that made the plan."""
        return self.knowledge.version

    @property
    def pathway_ids(self) -> tuple[str, ...]:
        """The ids of the chosen pathways, in plan order."""
        return tuple(p.id for p in self.pathways)

    @property
    def urgency(self) -> RedFlagUrgency | None:
        """The red-flag urgency (``"emergency"`` / ``"urgent"``) or ``None``."""
        return self.red_flag_screen.urgency

    @property
    def referrals(self) -> tuple[Pathway, ...]:
        """The pathways that refer the patient on, most urgent first."""
        return tuple(p for p in self.pathways if p.refers_to)

    @property
    def referral(self) -> Referral | None:
        """Where the plan sends the patient first (the letter's addressee), or ``None``."""
        return self.destinations[0] if self.destinations else None

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON: ``{"pathways": [...], "red_flag_screen": ..., ...}``."""
        start_back = self.presentation.start_back
        return {
            "pathways": [p.to_dict() for p in self.pathways],
            "red_flag_screen": self.red_flag_screen.to_dict(),
            "referral": None if self.referral is None else self.referral.to_dict(),
            "start_back": None if start_back is None else {
                "total": start_back.total,
                "distress": start_back.distress,
                "risk": self.start_back_risk,
            },
            "exercises": [exercise_to_dict(e) for e in self.exercises],
            "clinician_reason": self.clinician_reason,
            "changes": [c.to_dict() for c in self.changes],
            "knowledge_base_version": self.knowledge_version,
            "presentation": self.presentation.to_dict(),
        }

    @classmethod
    def from_dict(
        cls,
        data: object,
        *,
        knowledge: KnowledgeBase | None = None,
        library: Sequence[Exercise] = (),
    ) -> CarePlan:
        """Read a plan as :meth:`to_dict` prints it, perhaps edited by a clinician.

        The presentation is validated as usual and planned again; then the edits — pathways
        added or removed by id, exercises removed, reordered or added by id (from the
        knowledge base's library or ``library``, a clinic's own), doses changed, a
        ``clinician_reason`` — are checked against the safety rules and recorded in
        :attr:`changes`. ``red_flag_screen``, ``referral``, ``start_back``,
        ``knowledge_base_version`` and ``changes`` are worked out again, never read.

        Raises:
            PresentationError: the presentation inside the plan breaks the contract (paths
                start ``$.presentation``).
            PlanEditError: an edit breaks a safety rule (named), or names an unknown pathway
                or exercise, or an impossible dose.
        """
        if not isinstance(data, dict):
            raise PlanEditError("a plan must be a JSON object (as `plan --json` prints it)")
        unknown = sorted(set(data) - _PLAN_KEYS - _DERIVED_KEYS)
        if unknown:
            raise PlanEditError(f"$: unknown plan fields {unknown}; a plan holds "
                                f"{', '.join(sorted(_PLAN_KEYS | _DERIVED_KEYS))}")
        presentation = _presentation(data.get("presentation"))
        kb = knowledge if knowledge is not None else load_knowledge()
        by_pathway = _fired(presentation, kb)
        rules_plan = _assemble(presentation, kb, by_pathway, tuple(by_pathway))
        region = presentation.region.value
        resting = _resting_helps(presentation)
        edited = apply_edits(
            kb, presentation, rules_plan.pathway_ids, rules_plan.exercises, data,
            library=library,
            suggest=lambda ids: select_exercises(kb, ids, region, resting_positions=resting),
        )
        return _assemble(presentation, kb, by_pathway, edited.pathway_ids, edited.exercises,
                         reason=edited.reason, changes=edited.changes)

    def revise(
        self,
        *,
        pathways: Sequence[str] | None = None,
        exercises: Sequence[str | Mapping[str, Any]] | None = None,
        clinician_reason: str | None = None,
        library: Sequence[Exercise] = (),
    ) -> CarePlan:
        """A new plan with the clinician's changes, checked like :meth:`from_dict`.

        Args:
            pathways: The pathway ids the plan should hold (any order: plans are ordered by
                priority).
            exercises: The exercises, in order: ids, or mappings with an ``id`` and dose
                fields (``hold``, ``repetitions``, ``sets``, ``how_often``).
            clinician_reason: Why; recorded in the note and the FHIR CarePlan.
            library: A clinic's own exercises that may be added by id.

        Raises:
            PlanEditError: as :meth:`from_dict`.
        """
        data = self.to_dict()
        if pathways is not None:
            data["pathways"] = [{"id": pid} for pid in pathways]
        if exercises is not None:
            data["exercises"] = [{"id": e} if isinstance(e, str) else dict(e) for e in exercises]
        if clinician_reason is not None:
            data["clinician_reason"] = clinician_reason
        return CarePlan.from_dict(data, knowledge=self.knowledge, library=library)


_PLAN_KEYS: Final = frozenset({"presentation", "pathways", "exercises", "clinician_reason"})
_DERIVED_KEYS: Final = frozenset({"red_flag_screen", "referral", "start_back",
                                  "knowledge_base_version", "changes"})


def _presentation(data: object) -> Presentation:
    """The presentation inside a plan, its problems' paths under ``$.presentation``."""
    try:
        return Presentation.from_dict(data)
    except PresentationError as exc:
        raise PresentationError(
            attrs.evolve(p, path="$.presentation" + p.path[1:]) for p in exc.problems
        ) from None


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
    by_pathway = _fired(presentation, kb)
    return _assemble(presentation, kb, by_pathway, tuple(by_pathway))


def _fired(presentation: Presentation, kb: KnowledgeBase) -> dict[str, list[Rule]]:
    """The rules that fire, by pathway id, pathways in priority order (never empty)."""
    fired = [rule for rule in kb.rules if not rule.fallback and rule.test(presentation)]
    if not fired:
        fired = [kb.fallback]
    by_pathway: dict[str, list[Rule]] = {}
    for rule in fired:
        by_pathway.setdefault(rule.pathway.id, []).append(rule)
    return {pid: by_pathway[pid] for pid in kb.pathways if pid in by_pathway}


def _assemble(
    presentation: Presentation,
    kb: KnowledgeBase,
    by_pathway: Mapping[str, list[Rule]],
    ids: Sequence[str],
    exercises: Sequence[Exercise] | None = None,
    *,
    reason: str | None = None,
    changes: tuple[Change, ...] = (),
) -> CarePlan:
    """The plan holding pathways ``ids`` (by priority), with their referrals and exercises."""
    screen = _screen(presentation, kb)
    referrals = tuple(
        referral for pid in ids
        if (referral := _referral(kb.pathways[pid], screen, kb)) is not None
    )
    names = {r.pathway: r.name for r in referrals}
    context = _Context(presentation, kb)
    pathways = tuple(
        _pathway(by_pathway[pid], context, names.get(pid, "")) if pid in by_pathway
        else _added(kb.pathways[pid], names.get(pid, ""))
        for pid in ids
    )
    return CarePlan(
        presentation=presentation,
        pathways=pathways,
        red_flag_screen=screen,
        start_back_risk=presentation.start_back.risk if presentation.start_back else None,
        knowledge=kb,
        exercises=tuple(exercises) if exercises is not None else select_exercises(
            kb, ids, presentation.region.value,
            resting_positions=_resting_helps(presentation)),
        destinations=referrals,
        clinician_reason=reason,
        changes=changes,
    )


def _added(definition: PathwayDef, refers_to: str) -> Pathway:
    """A pathway the clinician added: no rule chose it; their judgement is the source."""
    return Pathway(id=definition.id, title=definition.title,
                   rationale="Added by the clinician (see the clinician's reason).",
                   rules=(), sources=(CLINICIAN_SOURCE,), refers_to=refers_to)


def _referral(
    definition: PathwayDef, screen: RedFlagScreen, kb: KnowledgeBase
) -> Referral | None:
    """Where a pathway sends the patient: its own recipient, or the most urgent red flag's."""
    role = definition.referral
    if role is None:
        return None
    if role.to is not None and role.urgency is not None:
        to, urgency = role.to, role.urgency
    elif screen.findings:  # the red-flag pathway: where the most urgent flag sends
        to, urgency = screen.findings[0].destination, screen.findings[0].urgency
    else:
        return None
    recipient = kb.recipients[to]
    return Referral(recipient=recipient.id, name=recipient.name, address=recipient.address,
                    patient=recipient.patient, urgency=urgency, pathway=definition.id)


def _pathway(rules: list[Rule], context: _Context, refers_to: str) -> Pathway:
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
        refers_to=refers_to,
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
            RedFlagFinding(d.flag, d.label, d.suspected, d.urgency, d.patient, d.destination)
            for d in findings
        ),
    )


def _resting_helps(presentation: Presentation) -> bool:
    """Whether a resting position may be offered: not when heat and positioning have already
    failed to ease the spasm (unknown counts as may)."""
    return presentation.eased_by_heat_and_positioning is not False


def select_exercises(
    kb: KnowledgeBase,
    pathway_ids: Sequence[str],
    region: str,
    *,
    limit: int = MAX_EXERCISES,
    resting_positions: bool = True,
) -> tuple[Exercise, ...]:
    """Choose the exercises for a plan's pathways, by the pathways' roles.

    Args:
        kb: The knowledge base whose exercise library and pathway roles to use.
        pathway_ids: The plan's pathway ids, by priority. When more exercises match than
            ``limit``, each pathway in this order takes its next one in turn, so every
            pathway that offers exercises has at least one (a disc plan keeps its core work).
        region: The presentation's body region.
        limit: The most exercises to return.
        resting_positions: Offer exercises that are a resting position (``positioning`` in
            the library); a plan passes ``False`` when heat and positioning have not eased
            the spasm, so the handout does not offer what has not helped.

    Returns:
        Exercises in library order, without duplicates, at most ``limit``, whose region matches
        and that one of the pathways offers and none rules out (``avoid_with``): none at all
        when a pathway allows none (a red flag), only gentle ones when a pathway allows only
        gentle movement (a review or referral is pending).

    Raises:
        TypeError: ``pathway_ids`` is a bare string rather than a sequence of ids.
        ValueError: an unknown pathway id or region, or a negative ``limit``.
    """
    if isinstance(pathway_ids, str):
        raise TypeError("pathway_ids must be a sequence of pathway ids, not a string")
    unknown = [pid for pid in pathway_ids if pid not in kb.pathways]
    if unknown:
        raise ValueError(f"unknown pathway ids {unknown}; allowed: {list(kb.pathways)}")
    if region not in kb.labels["region"]:
        raise ValueError(f"unknown region {region!r}; allowed: {list(kb.labels['region'])}")
    if limit < 0:
        raise ValueError(f"limit must be 0 or more (got {limit})")
    wanted = frozenset(pathway_ids)
    allowed = _allowance(kb.pathways[pid].exercises for pid in wanted)
    if allowed == "none":
        return ()
    candidates = [
        exercise for exercise in kb.exercises
        if region in exercise.regions
        and not wanted.isdisjoint(exercise.pathways)
        and wanted.isdisjoint(exercise.avoid_with)
        and (allowed == "programme" or exercise.is_gentle)
        and (resting_positions or not exercise.positioning)
    ]
    return tuple(_take_in_turn(candidates, list(dict.fromkeys(pathway_ids)), limit))


def _take_in_turn(candidates: list[Exercise], pathway_ids: list[str],
                  limit: int) -> list[Exercise]:
    """At most ``limit`` of ``candidates``: each pathway, in priority order, takes its next
    candidate in turn; returned in library (``candidates``) order."""
    if len(candidates) <= limit:
        return candidates
    queues = [[e for e in candidates if pid in e.pathways] for pid in pathway_ids]
    chosen: set[str] = set()
    while len(chosen) < limit:
        before = len(chosen)
        for queue in queues:
            while queue and queue[0].id in chosen:
                queue.pop(0)
            if queue and len(chosen) < limit:
                chosen.add(queue.pop(0).id)
        if len(chosen) == before:
            break
    return [e for e in candidates if e.id in chosen]


def _allowance(allowances: Iterable[ExerciseAllowance]) -> ExerciseAllowance:
    """The most restrictive of the pathways' exercise allowances (no pathway: a programme)."""
    return min(allowances, key=EXERCISE_ALLOWANCES.index, default="programme")


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
