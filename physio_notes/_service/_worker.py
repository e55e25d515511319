"""What runs inside a render worker process: no web framework, no state shared with requests.

A worker is started (``spawn``) with :func:`start`: it ignores Ctrl-C (the server shuts the
pool down), caps its address space, reads the clinic settings once, and renders one handout
so that WeasyPrint, its fonts and stylesheets are loaded before the first request. Each
:class:`Job` carries the checked input as JSON; the worker makes the plan again and renders,
and returns an :class:`Outcome` — the document, or the error as plain data — never an
exception.
"""

from __future__ import annotations

import os
import resource
import signal
from typing import Any, Literal

import attrs

from .._clinic import Clinic
from .._engine import CarePlan, select_pathways
from .._handout import render_handout
from .._model import Presentation
from .._note import render_note
from .._referral import render_referral
from ..exceptions import PhysioNotesError, PresentationError, Problem

__all__ = ["Job", "Outcome", "plan_of", "process_id", "render", "start"]

Document = Literal["handout", "note", "referral"]
Source = Literal["presentation", "plan"]

#: The clinic of this worker process, read once by :func:`start` (never changed after).
_clinic: list[Clinic | None] = [None]


@attrs.frozen
class Job:
    """One document to render: the checked input as JSON, and the options."""

    document: Document
    source: Source
    data: dict[str, Any]
    format: str
    page_size: str
    recipient: str | None = None
    large_print: bool = False


@attrs.frozen
class Outcome:
    """The document, or what went wrong (the error class's name, its message and problems)."""

    payload: bytes | str | None = None
    error: str | None = None
    message: str = ""
    problems: tuple[Problem, ...] = ()


def plan_of(source: Source, data: dict[str, Any], clinic: Clinic | None) -> CarePlan:
    """The plan for checked input: planned from a presentation, or read from a plan."""
    if source == "plan":
        return CarePlan.from_dict(data, library=clinic.exercises if clinic else ())
    return select_pathways(Presentation.from_dict(data))


def start(clinic_path: str | None, memory_mb: int | None) -> None:
    """Prepare this worker process (the pool's initializer)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_mb is not None:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    _clinic[0] = Clinic.from_toml(clinic_path) if clinic_path else None
    warm = Job("handout", "presentation", {"schema_version": 1, "region": "neck"}, "pdf", "A4")
    render(warm)  # loads WeasyPrint and the fonts now, not in the first request


def process_id() -> int:
    """This worker's process id (the pool stops an overrunning worker by it)."""
    return os.getpid()


def render(job: Job) -> Outcome:
    """Render one document; every failure comes back as an :class:`Outcome`."""
    clinic = _clinic[0]
    try:
        plan = plan_of(job.source, job.data, clinic)
        kind: Any = job.format  # checked by the service, and again by the pipeline
        size: Any = job.page_size
        payload: bytes | str
        if job.document == "handout":
            payload = render_handout(plan, format=kind, page_size=size, clinic=clinic,
                                     large_print=job.large_print)
        elif job.document == "note":
            payload = render_note(plan, format=kind, page_size=size, clinic=clinic)
        else:
            payload = render_referral(plan, format=kind, page_size=size, clinic=clinic,
                                      recipient=job.recipient)
    except PresentationError as exc:
        return Outcome(error="PresentationError", message=str(exc), problems=exc.problems)
    except PhysioNotesError as exc:
        return Outcome(error=type(exc).__name__, message=str(exc))
    except MemoryError:
        return Outcome(error="RenderError", message="rendering needed more memory than a "
                                                    "worker may use and was stopped")
    except Exception as exc:  # report, never raise: the service answers with JSON
        return Outcome(error="RenderError", message=f"rendering failed: {type(exc).__name__}")
    return Outcome(payload=payload)
