"""The closed vocabulary of rule conditions: each name in a rule's ``when`` table maps to a
predicate over the presentation. No ``eval``, no code in the data.

Predicates are :func:`functools.partial` objects over module-level functions, so a knowledge
base (and a plan that carries it) can be pickled to a worker process.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Final

from ._model import Cause, Duration, Presentation, RedFlag, Region, SpasmType

__all__ = ["CONDITION_NAMES", "Bad", "Predicate", "all_of", "make_condition"]

Predicate = Callable[[Presentation], bool]


class Bad(Exception):
    """A condition's value is not allowed (the message says what is)."""


def _values(kind: type[enum.Enum], raw: object) -> frozenset[Any]:
    allowed = ", ".join(repr(m.value) for m in kind)
    if not isinstance(raw, list) or not raw:
        raise Bad(f"must be a non-empty list of {allowed}")
    try:
        return frozenset(kind(v) for v in raw)
    except ValueError:
        raise Bad(f"must list only {allowed} (got {raw!r})") from None


def _flag(raw: object) -> bool:
    if not isinstance(raw, bool):
        raise Bad(f"must be true or false (got {raw!r})")
    return raw


def _any_red_flag(wanted: frozenset[RedFlag], p: Presentation) -> bool:
    return bool(p.red_flags) and not wanted.isdisjoint(p.red_flags or ())


def _any_cause(wanted: frozenset[Cause], p: Presentation) -> bool:
    return not wanted.isdisjoint(p.causes)


def _no_cause(wanted: frozenset[Cause], p: Presentation) -> bool:
    return wanted.isdisjoint(p.causes)


def _region(wanted: frozenset[Region], p: Presentation) -> bool:
    return p.region in wanted


def _duration(wanted: frozenset[Duration], p: Presentation) -> bool:
    return p.duration in wanted


def _recurrent(wanted: bool, p: Presentation) -> bool:
    return p.recurrent is wanted


def _eased(wanted: bool, p: Presentation) -> bool:
    return p.eased_by_heat_and_positioning is wanted


def _spasm(wanted: SpasmType, p: Presentation) -> bool:
    return p.spasm_type is wanted


def _known(wanted: bool, p: Presentation) -> bool:
    return any(c is not Cause.UNKNOWN for c in p.causes) is wanted


def _always(p: Presentation) -> bool:
    return True


def _spasm_type(raw: object) -> Predicate:
    if not isinstance(raw, str):
        raise Bad(f"must be one of {[m.value for m in SpasmType]} (got {raw!r})")
    (wanted,) = _values(SpasmType, [raw])
    return partial(_spasm, wanted)


def _fallback(raw: object) -> Predicate:
    if raw is not True:
        raise Bad("must be true")
    return _always


_CONDITIONS: Final[Mapping[str, Callable[[object], Predicate]]] = {
    "red_flag_any": lambda raw: partial(_any_red_flag, _values(RedFlag, raw)),
    "cause_any": lambda raw: partial(_any_cause, _values(Cause, raw)),
    "no_cause_among": lambda raw: partial(_no_cause, _values(Cause, raw)),
    "region_in": lambda raw: partial(_region, _values(Region, raw)),
    "duration_in": lambda raw: partial(_duration, _values(Duration, raw)),
    "recurrent": lambda raw: partial(_recurrent, _flag(raw)),
    "eased_by_heat_and_positioning": lambda raw: partial(_eased, _flag(raw)),
    "spasm_type": _spasm_type,
    "cause_known": lambda raw: partial(_known, _flag(raw)),
    "fallback": _fallback,
}
CONDITION_NAMES: Final = tuple(_CONDITIONS)


def make_condition(name: str, raw: object) -> Predicate:
    """The predicate for one ``name = value`` of a rule's ``when`` table.

    Raises:
        Bad: for an unknown name or a value the condition does not allow.
    """
    make = _CONDITIONS.get(name)
    if make is None:
        raise Bad(f"is not a known condition; known: {list(_CONDITIONS)}")
    return make(raw)


def _every(tests: tuple[Predicate, ...], p: Presentation) -> bool:
    return all(test(p) for test in tests)


def all_of(tests: tuple[Predicate, ...]) -> Predicate:
    """A predicate that holds when every one of ``tests`` holds."""
    return tests[0] if len(tests) == 1 else partial(_every, tests)
