"""Reading presentations from JSON files and streams, and writing outputs atomically."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final

from ._model import Presentation
from .exceptions import OutputError, PresentationError, Problem

__all__ = ["MAX_DEPTH", "MAX_INPUT_BYTES", "atomic_write", "load_presentation", "parse_json"]


#: The largest JSON document read as one presentation or one batch record.
MAX_INPUT_BYTES: Final = 1_000_000
#: The deepest nesting of objects and lists a presentation may have (it needs 3).
MAX_DEPTH: Final = 32


class _Pairs(dict[str, Any]):
    """A JSON object that remembers the keys it was given more than once."""

    duplicates: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> _Pairs:
    found = _Pairs(pairs)
    if len(found) != len(pairs):
        keys = [key for key, _ in pairs]
        found.duplicates = tuple(dict.fromkeys(k for k in keys if keys.count(k) > 1))
    return found


def parse_json(text: str | bytes, *, origin: str = "input") -> object:
    """Parse JSON strictly, turning every problem into a :class:`PresentationError`.

    A byte-order mark at the start is accepted. Refused, with the path named: a key given twice
    in one object (JSON parsers disagree on which one wins), more than ``MAX_INPUT_BYTES``,
    nesting deeper than ``MAX_DEPTH``, text that is not UTF-8.
    """
    size = len(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    if size > MAX_INPUT_BYTES:
        raise PresentationError([Problem("$", f"{origin} is {size} bytes; at most "
                                              f"{MAX_INPUT_BYTES} are read")])
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        data = json.loads(text.removeprefix("\ufeff"), object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise PresentationError(
            [Problem("$", f"{origin} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                          f"column {exc.colno}")]
        ) from None
    except RecursionError:
        raise PresentationError([Problem("$", f"{origin} is nested too deeply")]) from None
    except UnicodeDecodeError as exc:
        problem = Problem("$", f"{origin} is not UTF-8 text: {exc.reason}")
        raise PresentationError([problem]) from None
    except ValueError as exc:  # e.g. an integer longer than Python will convert
        raise PresentationError([Problem("$", f"{origin} cannot be read: {exc}")]) from None
    problems = list(_structure_problems(data, "$", 0))
    if problems:
        raise PresentationError(problems)
    return _plain(data)


def _structure_problems(value: object, path: str, depth: int) -> Iterator[Problem]:
    """Keys given twice, and nesting deeper than allowed, with their paths."""
    if depth > MAX_DEPTH:
        yield Problem(path, f"is nested too deeply (more than {MAX_DEPTH} levels)")
        return
    if isinstance(value, dict):
        for key in getattr(value, "duplicates", ()):
            yield Problem(f"{path}.{key}", "is given more than once; give each field once")
        for key, item in value.items():
            yield from _structure_problems(item, f"{path}.{key}", depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _structure_problems(item, f"{path}[{index}]", depth + 1)


def _plain(value: object) -> object:
    """The parsed JSON with plain ``dict`` objects (no parser bookkeeping)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def load_presentation(source: str | os.PathLike[str] | IO[str] | IO[bytes]) -> Presentation:
    """Read a presentation from a JSON file path or an open file.

    Args:
        source: A path to a ``.json`` file, or a text or binary file object.

    Raises:
        PresentationError: when the file cannot be read, is not JSON, or breaks the contract.
    """
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            text: str | bytes = path.read_bytes()
        except OSError as exc:
            raise PresentationError([Problem("$", f"cannot read {path}: {exc.strerror}")]) from None
        origin = str(path)
    else:
        text = source.read()
        origin = getattr(source, "name", "input")
    return Presentation.from_dict(parse_json(text, origin=str(origin)))


def atomic_write(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write ``data`` to ``path`` all at once: a reader never sees half a file.

    The bytes go to a temporary file in the same folder, are flushed to disk, then renamed
    over the target. Only a regular file is ever replaced (never a folder, a device, a link or
    a pipe); a new file gets the mode the umask allows, a replaced one keeps its mode. On any
    failure, Ctrl-C included, the temporary file is removed and the target is untouched.

    Raises:
        OutputError: naming the path, for anything that stops the write.
    """
    target = Path(path)
    if not str(path).strip() or not target.name:
        raise OutputError(f"the output path {str(path)!r} names no file")
    mode = _mode_for(target)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part",
                                   dir=target.parent)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write here: {exc.strerror}") from None
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(target: Path) -> int:
    """The mode for the written file; refuses a target that is not a regular file."""
    try:
        info = target.lstat()
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise OutputError(f"{target}: the folder {target.parent} does not exist") from None
        return 0o666 & ~_umask()
    except OSError as exc:
        raise OutputError(f"{target}: cannot be checked: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(f"{target}: is not a regular file; physio_notes replaces only "
                          "regular files")
    return stat.S_IMODE(info.st_mode)


def _umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current
