"""Reading presentations from JSON files and streams, and writing outputs atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import IO

from ._model import Presentation
from .exceptions import PresentationError, Problem

__all__ = ["atomic_write", "load_presentation", "parse_json"]


def parse_json(text: str | bytes, *, origin: str = "input") -> object:
    """Parse JSON, turning a syntax error into a :class:`PresentationError` with its position."""
    try:
        return json.loads(text)
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
    over the target. On any failure the temporary file is removed and the target is untouched.
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        # mkstemp makes the file private (0600); give it the mode a plain write would.
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
