"""Limits on work: run one rendering in a child process with a time limit and a memory
ceiling, so a hostile template, logo or input cannot hang or exhaust the caller.

WeasyPrint's maintainers say there is no safe mode for untrusted input: render with time and
memory limits, ideally in a worker process. :func:`run_limited` forks a child (POSIX), caps its
address space with ``RLIMIT_AS``, runs the call there and sends the result back through a
pipe; past the time limit the child is killed. Errors come back as the same kind of
:class:`~physio_notes.exceptions.PhysioNotesError`, with the same message.
"""

from __future__ import annotations

import multiprocessing
import resource
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Final, TypeVar

from . import exceptions
from .exceptions import PhysioNotesError, RenderError

__all__ = ["DEFAULT_MEMORY_MB", "DEFAULT_TIMEOUT", "run_limited"]

T = TypeVar("T")

#: Seconds one document may take to render (a handout takes about one).
DEFAULT_TIMEOUT: Final = 60.0
#: Address space a rendering child may use, in MiB (WeasyPrint needs a few hundred).
DEFAULT_MEMORY_MB: Final = 2048
_REBUILT: Final = ("RenderError", "NoReferralError", "ClinicError", "KnowledgeBaseError",
                   "OutputError")


def run_limited(
    call: Callable[[], T], *, timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int | None = DEFAULT_MEMORY_MB,
) -> T:
    """Run ``call()`` in a forked child with a time limit and a memory ceiling.

    Where processes cannot be forked (not POSIX), the call runs here, without limits.

    Raises:
        RenderError: past the time limit, when the child runs out of memory or dies; any
            PhysioNotesError the call raised, rebuilt with its message.
    """
    if timeout <= 0:
        raise RenderError(f"the time limit must be more than 0 seconds (got {timeout:g})")
    if sys.platform == "win32" or "fork" not in multiprocessing.get_all_start_methods():
        return call()
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, call, memory_mb), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise RenderError(f"rendering took longer than {timeout:g} s and was stopped "
                              "(raise the limit with --timeout)")
        kind, payload = receiver.recv()
    except EOFError:
        child.join()
        raise RenderError(f"rendering stopped unexpectedly (exit {child.exitcode}); it may have "
                          f"needed more than {memory_mb} MiB of memory") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if kind == "ok":
        result: T = payload
        return result
    name, message = payload
    cls = getattr(exceptions, name) if name in _REBUILT else RenderError
    raise cls(message)


def _child(sender: Connection, call: Callable[[], Any], memory_mb: int | None) -> None:
    """In the child: cap memory, run the call, send ("ok", result) or ("error", what)."""
    if memory_mb is not None:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        sender.send(("ok", call()))
    except PhysioNotesError as exc:
        sender.send(("error", (type(exc).__name__, str(exc))))
    except MemoryError:
        sender.send(("error", ("RenderError", f"rendering needed more than {memory_mb} MiB "
                                              "of memory and was stopped")))
    except Exception as exc:  # report, never hang: the parent turns it into a RenderError
        sender.send(("error", ("RenderError", f"rendering failed: {type(exc).__name__}: {exc}")))
    finally:
        sender.close()
