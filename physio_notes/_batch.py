"""Batch rendering: many presentations (JSON Lines) to handouts, in parallel, with a manifest.

Every record stands alone: whatever goes wrong with one (bytes that are not UTF-8, bad JSON,
a presentation error, a template that raises, anything raised while planning or rendering it)
is reported against its line, and the others go on.

Each record is planned and rendered by a worker; the worker returns bytes and the calling
process writes them, atomically, so workers need no access to the output folder. That is
also what lets any :class:`concurrent.futures.Executor` run the work: a process pool here,
or a Dask or Ray executor spreading a large batch over a cluster.

The output folder holds ``manifest.json``: for every record its line, status, files, patient
id and record hash. A re-run reads it to skip records that have not changed, to find the
files a changed record leaves behind, and to never overwrite a file another record owns.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Final, Literal

import attrs

from ._clinic import Clinic
from ._engine import select_pathways
from ._handout import render_handout
from ._io import atomic_write, parse_json
from ._knowledge import load_knowledge
from ._limits import DEFAULT_MEMORY_MB, run_limited
from ._model import Presentation
from ._note import render_note
from .exceptions import OutputError, PhysioNotesError

__all__ = ["MANIFEST", "BatchItem", "BatchSummary", "render_batch", "safe_stem"]

Status = Literal["rendered", "skipped", "failed"]

#: The manifest's file name, in the output folder.
MANIFEST: Final = "manifest.json"
#: What a record's files are called: ``<stem>-handout.pdf`` and ``<stem>-note.pdf``.
_KINDS: Final = ("handout", "note")
#: The longest stem made from a patient id (a uniqueness suffix may add a few characters).
STEM_MAX: Final = 64
#: Characters allowed in a file name made from a patient id: nothing else survives.
_UNSAFE: Final = re.compile(r"[^A-Za-z0-9_-]+")
#: A file this module may have written: checked before reusing or removing a name that a
#: previous manifest lists, so an edited manifest cannot point outside the folder.
_OUR_FILE: Final = re.compile(r"([A-Za-z0-9_-]{1,100})-(handout|note)\.pdf")
#: Device names Windows reserves (with any extension), refused as stems on every system.
_RESERVED: Final = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{port}{n}" for port in ("COM", "LPT") for n in range(10)}
)


@attrs.frozen
class BatchItem:
    """What happened to one record.

    Attributes:
        line: The record's line number in the input (1-based).
        status: ``"rendered"``, ``"skipped"`` (unchanged since the run that rendered it, and
            its files are still there) or ``"failed"``.
        outputs: The files rendered, or found for a skipped record.
        error: Why it failed (the input or rendering error message), else ``None``.
        patient_id: The record's ``patient.id`` as given, else ``None``.
        record_hash: SHA-256 of the record and of what changes its documents (hex), else
            ``None`` (a record that is not JSON).
    """

    line: int
    status: Status
    outputs: tuple[Path, ...] = ()
    error: str | None = None
    patient_id: str | None = None
    record_hash: str | None = None


@attrs.frozen
class BatchSummary:
    """The outcome of a batch, record by record, in input order.

    Attributes:
        items: One :class:`BatchItem` per record (blank lines have none).
        manifest: The ``manifest.json`` written into the output folder.
    """

    items: tuple[BatchItem, ...]
    manifest: Path | None = None

    def count(self, status: Status) -> int:
        """How many records ended with ``status``."""
        return sum(1 for item in self.items if item.status == status)

    @property
    def ok(self) -> bool:
        """True when no record failed."""
        return self.count("failed") == 0

    def to_manifest(self) -> dict[str, Any]:
        """The manifest as JSON data: ``{"records": [{"line", "status", "files",
        "patient_id", "record_hash", "error"}, ...]}``, files relative to the output folder."""
        return {"records": [
            {"line": item.line, "status": item.status,
             "files": [path.name for path in item.outputs],
             "patient_id": item.patient_id, "record_hash": item.record_hash,
             "error": item.error}
            for item in self.items
        ]}


def safe_stem(patient_id: str | None) -> str | None:
    """A file-name stem made from a patient id, or ``None`` when nothing usable is left.

    Accents are dropped (``Máire`` → ``Maire``); every run of other characters outside
    ``A-Z a-z 0-9 _ -`` becomes one ``_``, so no separator, dot, space or control character
    survives (``../../etc/x`` → ``etc_x``); leading and trailing ``_`` and ``-`` go; at most
    :data:`STEM_MAX` characters; a Windows device name (``CON``, ``COM1`` ...) gets a ``_``.
    """
    if not patient_id:
        return None
    ascii_text = unicodedata.normalize("NFKD", patient_id).encode("ascii", "ignore").decode()
    stem = _UNSAFE.sub("_", ascii_text).strip("_-")[:STEM_MAX].strip("_-")
    if not stem:
        return None
    return f"{stem}_" if stem.upper() in _RESERVED else stem


def render_batch(
    records: Iterable[str | bytes],
    out_dir: str | os.PathLike[str],
    *,
    notes: bool = False,
    force: bool = False,
    workers: int | None = None,
    executor: Executor | None = None,
    clinic: Clinic | None = None,
    progress: Callable[[BatchItem, int, int], None] | None = None,
    timeout: float | None = None,
    max_memory: int | None = DEFAULT_MEMORY_MB,
) -> BatchSummary:
    """Render a handout (and, with ``notes``, a SOAP note) for every JSON Lines record.

    A failing record is reported with its line number and never stops the others. Files are
    named from the sanitised patient id (:func:`safe_stem`; ``-2``, ``-3`` ... for a second or
    third record with the same id), else from the line (``record-NNNNN``). After the run,
    ``manifest.json`` in ``out_dir`` lists every record; a later run skips a record whose hash
    is in it with its files still there (unless ``force``), renders a changed one again and
    removes the files it no longer produces. Records are matched between runs by hash and
    patient id, not by line. A file the manifest does not give to a record is never
    overwritten: a new name is chosen instead. Every file is written atomically.

    Args:
        records: Lines of JSON, one presentation each, as text or bytes (for example an open
            ``.jsonl`` file); blank lines are ignored, a byte-order mark on line 1 too.
        out_dir: Folder for the documents and the manifest (created if missing).
        notes: Also write ``<name>-note.pdf``.
        force: Render every record, even one unchanged since the last run.
        workers: Processes for the default pool (default: the number of cores).
        executor: Any ``concurrent.futures.Executor`` to run the work instead (its workers
            need physio_notes installed; they return bytes, this process writes them).
        clinic: Branding for every document.
        progress: Called as ``progress(item, done, total)`` after each record.
        timeout: Seconds each record's documents may take to render; past it the record
            fails and the others go on. ``None`` (the default in Python; the command line
            sets 60): no limit. With a limit each record renders in a child process of its
            worker, with at most ``max_memory`` MiB of memory (POSIX).
        max_memory: The memory ceiling of that child process, in MiB.

    Returns:
        A :class:`BatchSummary`, records in input order.

    Raises:
        OutputError: when the output folder cannot be made or the manifest not written.
    """
    folder = Path(out_dir)
    _make_folder(folder)
    context = _hash_context(notes=notes, clinic=clinic, folder=folder)
    current = list(_read_records(records, context))
    plan = _plan(current, _load_manifest(folder), folder, notes=notes, force=force)
    items: dict[int, BatchItem] = {}
    total = len(current)

    def finish(item: BatchItem) -> None:
        items[item.line] = item
        if progress:
            progress(item, len(items), total)

    tasks = []
    for slot in plan:
        if slot.outcome is not None:
            finish(slot.outcome)
        else:
            tasks.append(slot)
    if tasks:
        _run(tasks, folder, _Task(0, None, notes, clinic, timeout, max_memory), workers,
             executor, finish)
    summary = BatchSummary(tuple(items[line] for line in sorted(items)), folder / MANIFEST)
    atomic_write(folder / MANIFEST,
                 json.dumps(summary.to_manifest(), indent=2, ensure_ascii=False) + "\n")
    _remove_stale(folder, plan, summary)
    return summary


# --- reading records -----------------------------------------------------------------------


@attrs.frozen
class _Record:
    """One non-blank input line, read in this process (parsing is cheap; rendering is not)."""

    line: int
    data: object = None
    error: str | None = None
    record_hash: str | None = None
    patient_id: str | None = None

    @property
    def readable(self) -> bool:
        return self.error is None


def _read_records(records: Iterable[str | bytes], context: dict[str, Any]) -> Iterator[_Record]:
    """Every non-blank line, parsed on its own: one bad line never spoils another."""
    for number, raw in enumerate(records, 1):
        if number == 1:  # a byte-order mark starts the file, not the record
            raw = raw.removeprefix(b"\xef\xbb\xbf") if isinstance(raw, bytes) else (
                raw.removeprefix("\ufeff"))
        if not raw.strip():
            continue
        try:
            data = parse_json(raw, origin="record")
        except PhysioNotesError as exc:
            yield _Record(number, error=_clean(str(exc)))
            continue
        except Exception as exc:  # every record stands alone
            yield _Record(number, error=_unexpected(exc))
            continue
        yield _Record(number, data, record_hash=_record_hash(data, context),
                      patient_id=_patient_id(data))


def _patient_id(data: object) -> str | None:
    """``patient.id`` when it is text that can be stored (no lone surrogate), else None.
    An empty id is kept as given, but names no file and matches no other record."""
    patient = data.get("patient") if isinstance(data, dict) else None
    found = patient.get("id") if isinstance(patient, dict) else None
    if not isinstance(found, str):
        return None
    try:
        found.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return found


# --- the record hash -----------------------------------------------------------------------


def _record_hash(data: object, context: dict[str, Any]) -> str:
    """SHA-256 (hex) of what decides a record's documents.

    Included, so that a change to any of them renders the record again:

    - the record itself, canonical: the parsed JSON with keys sorted and no whitespace, so
      re-ordering keys or re-indenting a line changes nothing, and any change of value does;
    - today's date when the record gives none (its documents then print today's date);
    - the ``context`` of the batch (:func:`_hash_context`): which documents are made, the page
      size, the clinic settings with the contents of the files they name, the package
      version and the knowledge-base version.

    Not included: the line number (moving a record must not render it again) and the number
    of workers or the executor (they change how fast, never what is made).
    """
    today = None
    if not (isinstance(data, dict) and data.get("date") is not None):
        today = dt.date.today().isoformat()
    canonical = json.dumps({"record": data, "today": today, "context": context},
                           sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _hash_context(*, notes: bool, clinic: Clinic | None, folder: Path) -> dict[str, Any]:
    """What, besides the record, changes a record's documents (see :func:`_record_hash`).

    The package version covers the code, bundled templates and stylesheets; the knowledge-base
    version covers the rules and words (edit either in a checkout without bumping its version,
    and ``force`` renders again). The clinic's logo and template folder enter by content, so an
    edited template renders every record again.
    """
    try:
        package = version("physio-notes")
    except PackageNotFoundError:  # pragma: no cover - a checkout that was never installed
        package = "0+unknown"
    return {
        "hash_format": 1,
        "package": package,
        "knowledge_base": load_knowledge().version,
        "documents": ["handout", "note"] if notes else ["handout"],
        "page_size": "A4",
        "clinic": None if clinic is None else _fingerprint(clinic, folder),
    }


def _fingerprint(value: object, folder: Path) -> object:
    """Plain JSON data standing for ``value``: attrs fields by name, files by content."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Path):
        return _path_fingerprint(value, folder)
    if isinstance(value, list | tuple):
        return [_fingerprint(item, folder) for item in value]
    if isinstance(value, dict):
        return {str(key): _fingerprint(item, folder) for key, item in value.items()}
    fields = getattr(type(value), "__attrs_attrs__", None)  # an attrs class, e.g. Clinic
    if fields is not None:
        return {field.name: _fingerprint(getattr(value, field.name), folder) for field in fields}
    return repr(value)


def _path_fingerprint(path: Path, folder: Path) -> object:
    """A file by name and content; a folder by the names and contents of its files (the
    output folder, if it lies inside, left out: the batch's own output is no input)."""
    try:
        if path.is_file():
            return {"name": path.name, "sha256": _file_digest(path)}
        if path.is_dir():
            output = folder.resolve()
            files = {}
            for file in sorted(path.rglob("*")):
                if file.is_file() and not file.resolve().is_relative_to(output):
                    files[file.relative_to(path).as_posix()] = _file_digest(file)
            return {"folder": files}
    except OSError as exc:
        return {"unreadable": exc.strerror or type(exc).__name__}
    return {"missing": True}


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


# --- the previous run ----------------------------------------------------------------------


@attrs.frozen
class _Entry:
    """A record of the previous manifest that owns files."""

    line: int
    stem: str
    files: tuple[str, ...]
    patient_id: str | None
    record_hash: str | None


def _load_manifest(folder: Path) -> list[_Entry]:
    """The previous run's records that own files; an unreadable manifest counts as none.

    Only names this module could have written are believed (``<stem>-handout.pdf`` or
    ``-note.pdf``, one stem per record, no separator), so an edited manifest cannot make a
    run remove or overwrite anything else.
    """
    try:
        raw = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    records = raw.get("records") if isinstance(raw, dict) else None
    entries = [_entry(record) for record in records] if isinstance(records, list) else []
    return [entry for entry in entries if entry is not None]


def _entry(record: object) -> _Entry | None:
    if not isinstance(record, dict):
        return None
    line, files = record.get("line"), record.get("files")
    patient_id, record_hash = record.get("patient_id"), record.get("record_hash")
    if (not isinstance(line, int) or not isinstance(files, list) or not files
            or not isinstance(patient_id, str | None) or not isinstance(record_hash, str | None)
            or not all(isinstance(name, str) for name in files)):
        return None
    matches = [_OUR_FILE.fullmatch(name) for name in files]
    stems = {match.group(1) for match in matches if match}
    if None in matches or len(stems) != 1:
        return None
    return _Entry(line, stems.pop(), tuple(files), patient_id, record_hash)


# --- deciding what to do -------------------------------------------------------------------


@attrs.define
class _Slot:
    """One record's part in this run: matched to the previous run, named, maybe done."""

    record: _Record
    previous: _Entry | None = None
    stem: str | None = None
    outcome: BatchItem | None = None


def _match(current: list[_Record], previous: list[_Entry]) -> dict[int, _Entry]:
    """Line → the previous record it continues: the same hash first, then the same patient id,
    then, for a record that had no patient id, the same line. Each previous record continues
    at most one record, in line order."""
    free = list(previous)
    found: dict[int, _Entry] = {}
    rules: list[Callable[[_Record, _Entry], bool]] = [
        lambda rec, old: rec.record_hash is not None and rec.record_hash == old.record_hash,
        lambda rec, old: bool(rec.patient_id) and rec.patient_id == old.patient_id,
        lambda rec, old: not old.patient_id and rec.line == old.line,
    ]
    for rule in rules:
        for record in current:
            if not record.readable or record.line in found:
                continue
            entry = next((old for old in free if rule(record, old)), None)
            if entry is not None:
                found[record.line] = entry
                free.remove(entry)
    return found


def _names(stem: str, *, notes: bool) -> tuple[str, ...]:
    return tuple(f"{stem}-{kind}.pdf" for kind in (_KINDS if notes else _KINDS[:1]))


def _base(record: _Record) -> str:
    return safe_stem(record.patient_id) or f"record-{record.line:05d}"


def _plan(
    current: list[_Record], previous: list[_Entry], folder: Path, *, notes: bool, force: bool
) -> list[_Slot]:
    """Decide each record's fate: failed already, skipped, or rendered under which name."""
    matches = _match(current, previous)
    slots = [_Slot(record, matches.get(record.line)) for record in current]
    taken: set[str] = set()  # stems, case-folded: some file systems ignore case
    for slot in slots:
        record, old = slot.record, slot.previous
        if not record.readable:
            slot.outcome = BatchItem(record.line, "failed", (), record.error)
            continue
        if old is None or old.stem.casefold() in taken:
            continue  # named below, once every kept name is known
        if old.record_hash == record.record_hash:
            # Unchanged: it keeps its files' names, wherever its line is now.
            slot.stem = old.stem
            if (not force and old.files == _names(old.stem, notes=notes)
                    and all((folder / name).is_file() for name in old.files)):
                slot.outcome = BatchItem(record.line, "skipped",
                                         tuple(folder / name for name in old.files), None,
                                         record.patient_id, record.record_hash)
        elif _same_base(old.stem, _base(record)):
            slot.stem = old.stem  # changed, same patient id (or line): rendered in place
        else:
            continue  # e.g. it gained a patient id: a new name; the old files go
        taken.add(old.stem.casefold())
    listed = {entry.stem.casefold() for entry in previous}
    for slot in slots:
        if slot.outcome is None and slot.stem is None:
            slot.stem = _free_stem(_base(slot.record), folder, taken | listed)
            taken.add(slot.stem.casefold())
    return slots


def _same_base(stem: str, base: str) -> bool:
    """``stem`` is ``base`` or ``base`` with a uniqueness suffix (``-2``, ``-3`` ...)."""
    return re.fullmatch(re.escape(base) + r"(-[0-9]+)?", stem, re.IGNORECASE) is not None


def _free_stem(base: str, folder: Path, taken: set[str]) -> str:
    """``base``, else ``base-2``, ``base-3`` ...: the first that no record of this or the
    previous run has and that names no existing file."""
    number = 1
    while True:
        stem = base if number == 1 else f"{base}-{number}"
        if stem.casefold() not in taken and not any(
            os.path.lexists(folder / name) for name in _names(stem, notes=True)
        ):
            return stem
        number += 1


# --- rendering -----------------------------------------------------------------------------


@attrs.frozen
class _Task:
    line: int
    data: object
    notes: bool
    clinic: Clinic | None
    timeout: float | None = None
    max_memory: int | None = None


_Result = tuple[int, list[bytes] | None, str | None]

def _render_record(task: _Task) -> _Result:
    """Worker: plan and render one record; returns its PDFs, or why it failed."""
    try:
        plan = select_pathways(Presentation.from_dict(task.data))

        def render() -> list[bytes]:
            pdfs = [render_handout(plan, clinic=task.clinic)]
            if task.notes:
                pdfs.append(render_note(plan, format="pdf", clinic=task.clinic))
            return pdfs

        if task.timeout is None:
            return task.line, render(), None
        return task.line, run_limited(render, timeout=task.timeout,
                                      memory_mb=task.max_memory), None
    except PhysioNotesError as exc:
        return task.line, None, _clean(str(exc))
    except Exception as exc:  # every record stands alone
        return task.line, None, _unexpected(exc)


def _run(
    slots: list[_Slot],
    folder: Path,
    options: _Task,
    workers: int | None,
    executor: Executor | None,
    finish: Callable[[BatchItem], None],
) -> None:
    """Render the slots on the executor and write each record's files as they come back."""
    own = executor is None
    pool = executor or ProcessPoolExecutor(max_workers=min(workers or os.cpu_count() or 1,
                                                           len(slots)))
    try:
        pending: dict[Future[_Result], _Slot] = {
            pool.submit(_render_record, attrs.evolve(options, line=slot.record.line,
                                                     data=slot.record.data)):
            slot for slot in slots
        }
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                slot = pending.pop(future)  # drop the future: its PDFs can be freed
                try:
                    _, pdfs, error = future.result()
                except Exception as exc:  # e.g. a worker process died
                    pdfs, error = None, _unexpected(exc)
                finish(_store(slot, pdfs, error, folder, options.notes))
    finally:
        if own:
            pool.shutdown()


def _store(
    slot: _Slot, pdfs: list[bytes] | None, error: str | None, folder: Path, notes: bool
) -> BatchItem:
    """Write a record's PDFs (all or none of them) and say what happened."""
    record = slot.record
    if pdfs is None or slot.stem is None:
        return BatchItem(record.line, "failed", (), error, record.patient_id, record.record_hash)
    paths = tuple(folder / name for name in _names(slot.stem, notes=notes))
    written: list[Path] = []
    try:
        for path, pdf in zip(paths, pdfs, strict=True):
            atomic_write(path, pdf)
            written.append(path)
    except (OSError, PhysioNotesError, ValueError) as exc:
        for path in written:
            path.unlink(missing_ok=True)
        return BatchItem(record.line, "failed", (), _clean(str(exc)), record.patient_id,
                         record.record_hash)
    return BatchItem(record.line, "rendered", paths, None, record.patient_id,
                     record.record_hash)


def _remove_stale(folder: Path, slots: list[_Slot], summary: BatchSummary) -> None:
    """Remove the files a record had in the previous run and no longer has (it changed, or
    now fails), never a file that any record of this run lists."""
    kept = {path.name for item in summary.items for path in item.outputs}
    for slot in slots:
        if slot.previous is None:
            continue
        for name in slot.previous.files:
            if name not in kept:
                # a stale file that cannot go does no harm: the manifest omits it
                with contextlib.suppress(OSError):
                    (folder / name).unlink(missing_ok=True)


# --- small helpers -------------------------------------------------------------------------


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot make the output folder: "
                          f"{exc.strerror or exc}") from None


def _clean(text: str) -> str:
    """Text that can be stored as UTF-8 (a lone surrogate written as ``\\ud800``)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _unexpected(exc: BaseException) -> str:
    """An error that is not physio_notes' own, as one line naming its kind."""
    first = (str(exc).splitlines() or [""])[0][:200]
    return _clean(f"could not be rendered: {type(exc).__name__}{': ' + first if first else ''}")
