"""Helpers every document uses: dates, names, lists in words, Markdown escaping, plain data.

Documents (handout, note, letter) import this module and :mod:`physio_notes._facts`, never
each other.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from ._engine import CarePlan

__all__ = [
    "NOT_RECORDED",
    "format_date",
    "join_words",
    "md_fence",
    "md_inline",
    "md_tree",
    "person",
    "plain_data_problem",
]

NOT_RECORDED: Final = "not recorded"
_MONTHS: Final = ("January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")


def format_date(value: dt.date) -> str:
    """A date as people in Ireland and the UK write it (``24 November 2026``), in any locale."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def join_words(items: Sequence[str], conjunction: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def person(plan: CarePlan) -> dict[str, str]:
    """Patient and clinician details for headers ("not recorded" where absent)."""
    patient, clinician = plan.presentation.patient, plan.presentation.clinician
    born = patient.date_of_birth if patient else None
    return {
        "name": (patient.name if patient else None) or NOT_RECORDED,
        "id": (patient.id if patient else None) or NOT_RECORDED,
        "date_of_birth": format_date(born) if born else NOT_RECORDED,
        "clinician": (clinician.name if clinician else None) or NOT_RECORDED,
        "role": (clinician.role if clinician else None) or NOT_RECORDED,
        "registration": (clinician.registration if clinician else None) or NOT_RECORDED,
    }


def md_inline(text: str) -> str:
    """One line of untrusted text made inert in Markdown.

    Line breaks collapse to spaces (so nothing can start a heading, list or fence), and the
    characters that open emphasis, code, links, images, HTML, headings, tables or entities
    are backslash-escaped; what a reader sees is the text as typed.
    """
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def md_fence(text: str, info: str = "text") -> str:
    """Untrusted multi-line text verbatim in a fenced code block that it cannot close."""
    body = "\n".join(text.splitlines())
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def md_tree(value: Any) -> Any:
    """Every string inside mappings and lists escaped with :func:`md_inline`."""
    if isinstance(value, str):
        return md_inline(value)
    if isinstance(value, Mapping):
        return {key: md_tree(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(md_tree(item) for item in value)
    return value


def plain_data_problem(value: object, path: str = "context") -> str | None:
    """Where ``value`` holds something other than plain data, or ``None`` when it is plain.

    Plain data is what a template may receive: text, numbers, booleans, ``None``, lists and
    tuples of plain data, and mappings with text keys — never paths, callables or objects with
    methods of their own.
    """
    if value is None or type(value) in (str, int, float, bool):
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if (problem := plain_data_problem(item, f"{path}[{index}]")) is not None:
                return problem
        return None
    if type(value) is dict:
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{path} has a key that is not text ({key!r})"
            if (problem := plain_data_problem(item, f"{path}.{key}")) is not None:
                return problem
        return None
    return f"{path} is a {type(value).__name__}, not plain data"
