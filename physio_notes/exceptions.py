"""The errors physio_notes raises.

Every error subclasses :class:`PhysioNotesError` *and* a builtin, so callers may catch
either::

    PhysioNotesError(Exception)
    ├── PresentationError(PhysioNotesError, ValueError)   input that breaks the contract
    ├── KnowledgeBaseError(PhysioNotesError, ValueError)  rule or exercise data that is wrong
    ├── ClinicError(PhysioNotesError, ValueError)         clinic settings that are wrong
    ├── NoReferralError(PhysioNotesError, LookupError)    a letter asked of a plan referring nobody
    ├── PlanEditError(PhysioNotesError, ValueError)       an edited plan that breaks a safety rule
    ├── RenderError(PhysioNotesError, RuntimeError)       a document could not be produced
    └── OutputError(PhysioNotesError, OSError)            an output file could not be written

The command line catches :class:`PhysioNotesError` in one place and exits with status 2.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = [
    "ClinicError",
    "KnowledgeBaseError",
    "NoReferralError",
    "OutputError",
    "PhysioNotesError",
    "PlanEditError",
    "PresentationError",
    "Problem",
    "RenderError",
]


class PhysioNotesError(Exception):
    """Base of every error raised by physio_notes."""


@attrs.frozen
class Problem:
    """One thing wrong with an input: where, what was found, and what is allowed.

    Attributes:
        path: JSON-pointer-like location, e.g. ``$.patient.date_of_birth``.
        message: What is wrong, naming what is allowed.
        found: The offending value as a short ``repr``, or ``None`` for a missing value.
    """

    path: str
    message: str
    found: str | None = None

    def __str__(self) -> str:
        got = f" (got {self.found})" if self.found is not None else ""
        return f"{self.path}: {self.message}{got}"


class PresentationError(PhysioNotesError, ValueError):
    """Input that breaks the presentation contract.

    The message lists every problem found, one per line; :attr:`problems` holds them
    as :class:`Problem` values for software that wants to show them field by field.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        head = "invalid presentation: 1 problem" if count == 1 else (
            f"invalid presentation: {count} problems"
        )
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


class KnowledgeBaseError(PhysioNotesError, ValueError):
    """Rule, pathway, red-flag or exercise data that is malformed."""


class ClinicError(PhysioNotesError, ValueError):
    """Clinic settings (name, colours, logo, templates) that cannot be used."""


class NoReferralError(PhysioNotesError, LookupError):
    """A referral letter was asked for, but no pathway in the plan refers the patient."""


class RenderError(PhysioNotesError, RuntimeError):
    """A document could not be rendered (for example, a template failed)."""


class OutputError(PhysioNotesError, OSError):
    """An output path that cannot be written: not a regular file, a missing folder, no
    permission, a full disk. The message names the path; nothing is left half-written."""


class PlanEditError(PhysioNotesError, ValueError):
    """An edited plan that cannot be used: it breaks a safety rule (named in the message), or
    names an unknown pathway or exercise, or a dose that is not allowed."""
