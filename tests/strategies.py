"""Hypothesis strategies for physio_notes, kept in one place (as attrs does).

:func:`presentations` draws every kind of *valid* presentation the contract allows; the
rules it respects are the model's cross-field rules (shared/design.md):

* ``unknown`` is a cause only on its own;
* ``neurological_condition`` only with the cause ``neurological``;
* ``start_back`` only for ``lower_back``, with ``distress`` not above ``total``;
* ``side`` ``central`` only for the spinal regions (``lower_back``, ``mid_back``, ``neck``);
* ``red_flags`` is ``None`` (not screened) or a list (possibly empty: screened, none found),
  drawn from the whole :class:`RedFlag` enum, so a new flag is drawn without a change here;
* a patient's date of birth is never after the encounter date;
* a review date is never before the encounter date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from physio_notes import (
    Cause,
    Clinician,
    Duration,
    NeurologicalCondition,
    Patient,
    Presentation,
    RedFlag,
    Region,
    Side,
    SpasmType,
    StartBack,
    Symptom,
)
from physio_notes._model import SPINAL_REGIONS

__all__ = ["KNOWN_CAUSES", "presentation_dicts", "presentations", "texts"]

KNOWN_CAUSES = tuple(c for c in Cause if c is not Cause.UNKNOWN)

_EARLIEST = dt.date(1900, 1, 1)
_LATEST = dt.date(2100, 12, 31)


def texts(max_size: int, *, multiline: bool = False) -> st.SearchStrategy[str]:
    """Any Unicode text the contract allows, up to ``max_size`` code points: no surrogates and
    no control characters, but newlines and tabs in free text (``multiline``)."""
    return st.text(
        alphabet=st.characters(exclude_categories=["Cs", "Cc"],
                               include_characters="\n\t" if multiline else None),
        max_size=max_size,
    )


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def causes() -> st.SearchStrategy[tuple[Cause, ...]]:
    """No cause, ``unknown`` alone, or any set of known causes."""
    return st.one_of(
        st.just(()),
        st.just((Cause.UNKNOWN,)),
        st.lists(st.sampled_from(KNOWN_CAUSES), min_size=1, unique=True).map(tuple),
    )


def start_backs() -> st.SearchStrategy[StartBack]:
    """A STarT Back result: total 0–9, distress 0–5 and never above the total."""
    return st.integers(0, 9).flatmap(
        lambda total: st.builds(
            StartBack, total=st.just(total), distress=st.integers(0, min(5, total))
        )
    )


def patients(born_by: dt.date | None) -> st.SearchStrategy[Patient]:
    """A patient with optional Unicode name and id, born no later than ``born_by``."""
    return st.builds(
        Patient,
        name=_optional(texts(200)),
        id=_optional(texts(200)),
        date_of_birth=_optional(st.dates(_EARLIEST, born_by or _LATEST)),
    )


def clinicians() -> st.SearchStrategy[Clinician]:
    """A clinician with optional Unicode name and role."""
    return st.builds(Clinician, name=_optional(texts(200)), role=_optional(texts(200)),
                     registration=_optional(texts(200)))


def sides(region: Region) -> st.SearchStrategy[Side]:
    """A side the region allows: ``central`` only for the spine."""
    allowed = [s for s in Side if s is not Side.CENTRAL or region in SPINAL_REGIONS]
    return st.sampled_from(allowed)


@st.composite
def _presentations(draw: st.DrawFn) -> Presentation:
    region = draw(st.sampled_from(Region))
    chosen = draw(causes())
    date = draw(_optional(st.dates(_EARLIEST, _LATEST)))
    neuro = (
        draw(_optional(st.sampled_from(NeurologicalCondition)))
        if Cause.NEUROLOGICAL in chosen
        else None
    )
    start_back = draw(_optional(start_backs())) if region is Region.LOWER_BACK else None
    return Presentation(
        region=region,
        side=draw(_optional(sides(region))),
        patient=draw(_optional(patients(date))),
        clinician=draw(_optional(clinicians())),
        date=date,
        spasm_type=draw(st.sampled_from(SpasmType)),
        causes=chosen,
        neurological_condition=neuro,
        symptoms=tuple(draw(st.lists(st.sampled_from(Symptom), unique=True))),
        duration=draw(_optional(st.sampled_from(Duration))),
        recurrent=draw(_optional(st.booleans())),
        eased_by_heat_and_positioning=draw(_optional(st.booleans())),
        pain_score=draw(_optional(st.integers(0, 10))),
        diagnosis=draw(_optional(texts(1_000, multiline=True))),
        plain_diagnosis=draw(_optional(texts(1_000, multiline=True))),
        review_date=draw(_optional(st.dates(date or _EARLIEST, _LATEST))),
        red_flags=draw(
            _optional(st.lists(st.sampled_from(RedFlag), max_size=4, unique=True).map(tuple))
        ),
        notes=draw(_optional(texts(2_000, multiline=True))),
        start_back=start_back,
    )


def presentations() -> st.SearchStrategy[Presentation]:
    """Every kind of valid :class:`Presentation`."""
    return _presentations()


def presentation_dicts() -> st.SearchStrategy[dict[str, Any]]:
    """The JSON contract of every kind of valid presentation."""
    return presentations().map(lambda p: p.to_dict())
