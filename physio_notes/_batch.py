"""Batch rendering: many presentations (JSON Lines) to handouts, in parallel.

Each record is planned and rendered by a worker; the worker returns bytes and the calling
process writes them, atomically, so workers need no access to the output folder. That is
also what lets any :class:`concurrent.futures.Executor` run the work: a process pool here,
or a Dask or Ray executor spreading a large batch over a cluster.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Literal

import attrs

from ._clinic import Clinic
from ._engine import select_pathways
from ._handout import render_handout
from ._io import atomic_write, parse_json
from ._model import Presentation
from ._note import render_note
from .exceptions import PhysioNotesError

__all__ = ["BatchItem", "BatchSummary", "render_batch"]

Status = Literal["written", "skipped", "failed"]


@attrs.frozen
class BatchItem:
    """What happened to one record.

    Attributes:
        line: The record's line number in the input (1-based).
        status: ``"written"``, ``"skipped"`` (outputs exist, no ``force``) or ``"failed"``.
        outputs: The files written or found.
        error: Why it failed (the input error message), else ``None``.
    """

    line: int
    status: Status
    outputs: tuple[Path, ...] = ()
    error: str | None = None


@attrs.frozen
class BatchSummary:
    """The outcome of a batch, record by record, in input order."""

    items: tuple[BatchItem, ...]

    def count(self, status: Status) -> int:
        """How many records ended with ``status``."""
        return sum(1 for item in self.items if item.status == status)

    @property
    def ok(self) -> bool:
        """True when no record failed."""
        return self.count("failed") == 0


@attrs.frozen
class _Task:
    line: int
    text: str
    notes: bool
    clinic: Clinic | None


def _render_record(task: _Task) -> tuple[int, list[bytes] | None, str | None]:
    """Worker: plan and render one record; returns PDFs, or the error message."""
    try:
        plan = select_pathways(Presentation.from_dict(parse_json(task.text, origin="record")))
        pdfs = [render_handout(plan, clinic=task.clinic)]
        if task.notes:
            pdfs.append(render_note(plan, format="pdf", clinic=task.clinic))
        return task.line, pdfs, None
    except PhysioNotesError as exc:
        return task.line, None, str(exc)


def output_paths(out_dir: Path, line: int, *, notes: bool) -> tuple[Path, ...]:
    """Where a record's documents go: named by line number, never by patient data."""
    stem = f"record-{line:05d}"
    paths = [out_dir / f"{stem}-handout.pdf"]
    if notes:
        paths.append(out_dir / f"{stem}-note.pdf")
    return tuple(paths)


def read_records(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(line number, text) for every non-blank line."""
    for number, line in enumerate(lines, 1):
        if line.strip():
            yield number, line


def render_batch(
    records: Iterable[str],
    out_dir: str | os.PathLike[str],
    *,
    notes: bool = False,
    force: bool = False,
    workers: int | None = None,
    executor: Executor | None = None,
    clinic: Clinic | None = None,
    progress: Callable[[BatchItem, int, int], None] | None = None,
) -> BatchSummary:
    """Render a handout (and, with ``notes``, a SOAP note) for every JSON Lines record.

    A bad record is reported with its line number and never stops the good ones. Outputs
    that already exist are skipped unless ``force``; files are written atomically.

    Args:
        records: Lines of JSON, one presentation each (blank lines are ignored).
        out_dir: Folder for ``record-NNNNN-handout.pdf`` (created if missing).
        notes: Also write ``record-NNNNN-note.pdf``.
        force: Overwrite existing outputs.
        workers: Processes for the default pool (default: the number of cores).
        executor: Any ``concurrent.futures.Executor`` to run the work instead (its workers
            need physio_notes installed; they return bytes, this process writes them).
        clinic: Branding for every document.
        progress: Called as ``progress(item, done, total)`` after each record.

    Returns:
        A :class:`BatchSummary`, records in input order.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    items: dict[int, BatchItem] = {}
    tasks = []
    for line, text in read_records(records):
        paths = output_paths(folder, line, notes=notes)
        if not force and all(p.exists() for p in paths):
            items[line] = BatchItem(line, "skipped", paths)
        else:
            tasks.append(_Task(line, text, notes, clinic))
    total = len(items) + len(tasks)
    if progress:
        for done, item in enumerate(items.values(), 1):
            progress(item, done, total)
    if tasks:
        _run(tasks, folder, items, total, workers, executor, progress)
    return BatchSummary(tuple(items[line] for line in sorted(items)))


def _run(
    tasks: list[_Task],
    folder: Path,
    items: dict[int, BatchItem],
    total: int,
    workers: int | None,
    executor: Executor | None,
    progress: Callable[[BatchItem, int, int], None] | None,
) -> None:
    own = executor is None
    pool = executor or ProcessPoolExecutor(max_workers=min(workers or os.cpu_count() or 1,
                                                           len(tasks)))
    try:
        futures: list[Future[tuple[int, list[bytes] | None, str | None]]] = [
            pool.submit(_render_record, task) for task in tasks
        ]
        notes = tasks[0].notes
        for future in as_completed(futures):
            line, pdfs, error = future.result()
            paths = output_paths(folder, line, notes=notes)
            if pdfs is None:
                item = BatchItem(line, "failed", (), error)
            else:
                for path, pdf in zip(paths, pdfs, strict=True):
                    atomic_write(path, pdf)
                item = BatchItem(line, "written", paths)
            items[line] = item
            if progress:
                progress(item, len(items), total)
    finally:
        if own:
            pool.shutdown()
