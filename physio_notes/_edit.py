"""Clinician edits to a plan: read them, hold them to the safety rules, and record them.

A clinician (or clinic software) edits the JSON a plan prints — pathways added or removed by
id, exercises removed, reordered or added by id, doses changed, a ``clinician_reason`` — and the
edited plan is read back with :meth:`physio_notes.CarePlan.from_dict`. This module does the
checking on plain values, so the engine can use it without an import cycle:

* the edit must keep every safety rule (each refusal is a :class:`PlanEditError` naming it):
  a plan is never empty; a red flag keeps its referral pathway (first, by priority); a
  neurological cause keeps the neurologist referral; exercise ids must be known; no exercise
  while a pathway allows none; no strengthening programme while a review or referral is
  pending; no exercise that a pathway of the plan rules out;
* what changed against what the rules chose is recorded as :class:`Change` values: the note
  and the FHIR CarePlan show them with the clinician's reason.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

import attrs

from ._exercises import Exercise
from ._knowledge import KnowledgeBase
from ._model import Cause, Presentation, bad_character
from ._vocab import EXERCISE_ALLOWANCES, PathwayId
from .exceptions import PlanEditError

__all__ = [
    "DOSE_FIELDS",
    "Change",
    "EditedPlan",
    "apply_edits",
    "exercise_to_dict",
]

ChangeKind = Literal["pathway_added", "pathway_removed", "exercise_added",
                     "exercise_removed", "dose_changed"]
#: The dose fields a clinician may change, as JSON names.
DOSE_FIELDS: Final = ("hold", "repetitions", "sets", "how_often")
_MAX_REASON: Final = 2_000
_MAX_COUNT: Final = 100


@attrs.frozen
class Change:
    """One difference between the edited plan and what the rules chose.

    Attributes:
        kind: ``pathway_added``, ``pathway_removed``, ``exercise_added``,
            ``exercise_removed`` or ``dose_changed``.
        subject: The pathway id, or the exercise's name.
        detail: For a dose, what changed: ``"hold: was 20 to 30 seconds, now 10 seconds"``.
    """

    kind: ChangeKind
    subject: str
    detail: str = ""

    def __str__(self) -> str:
        words = {
            "pathway_added": "Pathway added", "pathway_removed": "Pathway removed",
            "exercise_added": "Exercise added", "exercise_removed": "Exercise removed",
            "dose_changed": "Dose changed",
        }[self.kind]
        return f"{words}: {self.subject}" + (f" ({self.detail})" if self.detail else "")

    def to_dict(self) -> dict[str, str]:
        """JSON: kind, subject and detail."""
        return {"kind": self.kind, "subject": self.subject, "detail": self.detail}


@attrs.frozen
class EditedPlan:
    """The checked result of an edit: pathway ids (by priority), exercises, changes."""

    pathway_ids: tuple[str, ...]
    exercises: tuple[Exercise, ...]
    changes: tuple[Change, ...]
    reason: str | None


def exercise_to_dict(exercise: Exercise) -> dict[str, Any]:
    """An exercise of a plan as JSON: its id, name and dose."""
    return {"id": exercise.id, "name": exercise.name, "hold": exercise.hold,
            "repetitions": exercise.repetitions, "sets": exercise.sets,
            "how_often": exercise.how_often}


def apply_edits(
    kb: KnowledgeBase,
    presentation: Presentation,
    chosen: Sequence[str],
    chosen_exercises: Sequence[Exercise],
    edits: Mapping[str, Any],
    *,
    library: Sequence[Exercise] = (),
    suggest: Any = None,
) -> EditedPlan:
    """Check an edit of a plan against the safety rules and record what changed.

    Args:
        kb: The knowledge base (pathways, roles, the bundled exercise library).
        presentation: The presentation the plan is for.
        chosen: The pathway ids the rules chose, by priority.
        chosen_exercises: The exercises the rules chose.
        edits: ``pathways`` (a list of ``{"id": ...}``), optionally ``exercises`` (a list of
            ``{"id": ..., dose fields}``; absent: the rules' choice for the edited pathways)
            and ``clinician_reason``.
        library: More exercises that may be added by id (a clinic's own library).
        suggest: ``suggest(pathway_ids)`` → the exercises the rules would choose for those
            pathways (used when ``exercises`` is absent).

    Raises:
        PlanEditError: naming the safety rule or the field an edit breaks.
    """
    ids = _pathway_ids(kb, edits.get("pathways"))
    _check_safety(kb, presentation, ids)
    by_id = {e.id: e for e in (*kb.exercises, *library)}
    if "exercises" in edits:
        exercises = _exercises(edits["exercises"], by_id)
    else:
        exercises = tuple(suggest(ids)) if suggest is not None else tuple(chosen_exercises)
    _check_exercises(kb, ids, exercises)
    reason = _reason(edits.get("clinician_reason"))
    changes = _pathway_changes(chosen, ids) + _exercise_changes(chosen_exercises, exercises)
    return EditedPlan(ids, exercises, changes, reason)


def _pathway_ids(kb: KnowledgeBase, raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise PlanEditError("$.pathways: must be a list of {\"id\": ...} objects")
    ids: list[str] = []
    for index, item in enumerate(raw):
        pid = item.get("id") if isinstance(item, dict) else item
        if not isinstance(pid, str) or pid not in kb.pathways:
            raise PlanEditError(f"$.pathways[{index}].id: unknown pathway {pid!r:.60}; known: "
                                f"{', '.join(kb.pathways)}")
        if pid in ids:
            raise PlanEditError(f"$.pathways[{index}].id: {pid!r} is listed twice")
        ids.append(pid)
    return tuple(sorted(ids, key=lambda pid: kb.pathways[pid].priority))


def _check_safety(kb: KnowledgeBase, presentation: Presentation, ids: tuple[str, ...]) -> None:
    """The safety rules no edit may break, each named in its refusal."""
    if not ids:
        raise PlanEditError("safety rule 'plan-never-empty': a plan must hold at least one "
                            "pathway")
    red_flag_pathway = next(p.id for p in kb.pathways.values()
                            if p.referral is not None and p.referral.from_red_flags)
    if presentation.red_flags and red_flag_pathway not in ids:
        raise PlanEditError(f"safety rule 'red-flag-leads': a red flag was found, so "
                            f"{red_flag_pathway!r} must stay, first in the plan")
    if Cause.NEUROLOGICAL in presentation.causes and PathwayId.NEUROLOGIST_REFERRAL not in ids:
        raise PlanEditError(f"safety rule 'neurological-cause-refers': the cause is "
                            f"neurological, so {PathwayId.NEUROLOGIST_REFERRAL.value!r} "
                            "must stay")


def _exercises(raw: object, by_id: Mapping[str, Exercise]) -> tuple[Exercise, ...]:
    if not isinstance(raw, list):
        raise PlanEditError("$.exercises: must be a list of {\"id\": ...} objects")
    chosen: list[Exercise] = []
    for index, item in enumerate(raw):
        where = f"$.exercises[{index}]"
        if not isinstance(item, dict):
            raise PlanEditError(f"{where}: must be an object with an \"id\"")
        unknown = sorted(set(item) - {"id", "name", *DOSE_FIELDS})
        if unknown:
            raise PlanEditError(f"{where}: unknown fields {unknown}; allowed: id, name, "
                                f"{', '.join(DOSE_FIELDS)}")
        exercise = by_id.get(item.get("id"))  # type: ignore[arg-type]
        if exercise is None:
            raise PlanEditError(f"{where}.id: unknown exercise {item.get('id')!r:.60}; known: "
                                f"{', '.join(sorted(by_id))}")
        if exercise.id in {e.id for e in chosen}:
            raise PlanEditError(f"{where}.id: {exercise.id!r} is listed twice")
        chosen.append(attrs.evolve(exercise, **_dose(item, where)))
    return tuple(chosen)


def _dose(item: Mapping[str, Any], where: str) -> dict[str, Any]:
    dose: dict[str, Any] = {}
    for key in ("repetitions", "sets"):
        if key in item:
            value = item[key]
            if isinstance(value, bool) or not isinstance(value, int) or not (
                    1 <= value <= _MAX_COUNT):
                raise PlanEditError(f"{where}.{key}: must be a whole number from 1 to "
                                    f"{_MAX_COUNT} (got {value!r:.40})")
            dose[key] = value
    for key in ("hold", "how_often"):
        if key in item:
            value = item[key]
            if not isinstance(value, str) or len(value) > 200 or bad_character(
                    value, multiline=False) is not None or (
                    key == "how_often" and not value.strip()):
                raise PlanEditError(f"{where}.{key}: must be one line of text of at most 200 "
                                    f"characters{'' if key == 'hold' else ', not empty'}")
            dose[key] = value.strip()
    return dose


def _check_exercises(kb: KnowledgeBase, ids: tuple[str, ...], exercises: tuple[Exercise, ...]
                     ) -> None:
    """No exercise when a pathway allows none, no programme when one allows only gentle
    movement, and none that a pathway of the plan rules out."""
    allowed = min((kb.pathways[pid].exercises for pid in ids), key=EXERCISE_ALLOWANCES.index)
    for exercise in exercises:
        if allowed == "none":
            raise PlanEditError(f"safety rule 'no-exercise-with-red-flag': {exercise.name!r} "
                                "cannot be given until a doctor has seen the patient")
        if allowed == "gentle" and not exercise.is_gentle:
            raise PlanEditError(f"safety rule 'gentle-while-review-pending': {exercise.name!r} "
                                "is a strengthening programme; a review or referral is "
                                "pending, so only gentle exercises may be given")
        ruling = [pid for pid in exercise.avoid_with if pid in ids]
        if ruling:
            raise PlanEditError(f"safety rule 'ruled-out-by-pathway': {exercise.name!r} is "
                                f"ruled out by {', '.join(ruling)}")


def _reason(raw: object) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or len(raw) > _MAX_REASON or any(
            unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\t" for c in raw):
        raise PlanEditError(f"$.clinician_reason: must be text of at most {_MAX_REASON} "
                            "characters, without control characters")
    return raw.strip() or None


def _pathway_changes(chosen: Sequence[str], ids: Sequence[str]) -> tuple[Change, ...]:
    return (*(Change("pathway_added", pid) for pid in ids if pid not in chosen),
            *(Change("pathway_removed", pid) for pid in chosen if pid not in ids))


def _exercise_changes(chosen: Sequence[Exercise], edited: Sequence[Exercise]
                      ) -> tuple[Change, ...]:
    before = {e.id: e for e in chosen}
    after = {e.id: e for e in edited}
    changes = [Change("exercise_removed", e.name) for e in chosen if e.id not in after]
    for exercise in edited:
        old = before.get(exercise.id)
        if old is None:
            changes.append(Change("exercise_added", exercise.name))
            continue
        for key in DOSE_FIELDS:
            was, now = getattr(old, key), getattr(exercise, key)
            if was != now:
                what = f"{key.replace('_', ' ')}: was {was or 'none'}, now {now or 'none'}"
                changes.append(Change("dose_changed", exercise.name, what))
    return tuple(changes)
