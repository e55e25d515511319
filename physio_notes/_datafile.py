"""One TOML file of the knowledge base, read and checked with messages that name file and key."""

from __future__ import annotations

import string
import tomllib
from collections.abc import Collection, Iterable, Mapping
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from .exceptions import KnowledgeBaseError

__all__ = ["DataFile"]


class DataFile:
    """A parsed TOML file; every check raises :class:`KnowledgeBaseError` naming it."""

    def __init__(self, folder: Traversable | Path, name: str) -> None:
        self.name = name
        try:
            self.data: dict[str, Any] = tomllib.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise KnowledgeBaseError(f"{name}: cannot be read: {exc}") from None

    def error(self, where: str, message: str) -> KnowledgeBaseError:
        """An error about one entry of this file."""
        return KnowledgeBaseError(f"{self.name}: {where}: {message}")

    def table(self, key: str) -> Any:
        """A top-level table or array that must be there."""
        value = self.data.get(key)
        if value is None:
            raise KnowledgeBaseError(f"{self.name}: missing [{key}]")
        return value

    def entry(
        self, where: str, raw: object, required: Iterable[str], optional: Iterable[str] = ()
    ) -> dict[str, Any]:
        """A table with exactly the ``required`` keys, and maybe some ``optional`` ones."""
        if not isinstance(raw, dict):
            raise self.error(where, "must be a table")
        required, optional = tuple(required), tuple(optional)
        unknown = sorted(set(raw) - set(required) - set(optional))
        missing = [k for k in required if k not in raw]
        if unknown:
            raise self.error(where, f"unknown keys {unknown}; allowed: {[*required, *optional]}")
        if missing:
            raise self.error(where, f"missing keys {missing}")
        return raw

    def text(self, where: str, value: object, placeholders: Collection[str] = ()) -> str:
        """Non-empty text that formats with only the ``placeholders`` named."""
        if not isinstance(value, str) or not value.strip():
            raise self.error(where, f"must be non-empty text (got {value!r:.60})")
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
        except ValueError as exc:
            raise self.error(where, f"cannot be formatted: {exc}") from None
        if fields - set(placeholders):
            allowed = sorted(placeholders) or "none"
            raise self.error(where, f"unknown placeholders {sorted(fields - set(placeholders))};"
                                    f" allowed: {allowed}")
        try:  # it must format with any words put in its placeholders
            value.format_map(dict.fromkeys(placeholders, "words"))
        except (ValueError, IndexError, KeyError) as exc:
            raise self.error(where, f"cannot be formatted: {exc}") from None
        return value

    def texts(self, where: str, value: object, placeholders: Collection[str] = (),
              *, may_be_empty: bool = False) -> tuple[str, ...]:
        """A list of texts, each checked as :meth:`text`."""
        if not isinstance(value, list) or (not value and not may_be_empty):
            raise self.error(where, "must be a list of texts")
        return tuple(self.text(f"{where}[{i}]", v, placeholders) for i, v in enumerate(value))

    def choice(self, where: str, value: object, allowed: Collection[str]) -> str:
        """One of ``allowed``."""
        if not isinstance(value, str) or value not in allowed:
            raise self.error(where, f"must be one of {sorted(allowed)} (got {value!r:.60})")
        return value

    def keys_exactly(self, where: str, table: object, wanted: Iterable[str]) -> Mapping[str, Any]:
        """A table whose keys are exactly ``wanted``."""
        if not isinstance(table, dict):
            raise self.error(where, "must be a table")
        wanted = list(wanted)
        missing = [k for k in wanted if k not in table]
        unknown = sorted(set(table) - set(wanted))
        if missing or unknown:
            raise self.error(where, f"must have exactly the keys {wanted} "
                                    f"(missing {missing}, unknown {unknown})")
        return table
