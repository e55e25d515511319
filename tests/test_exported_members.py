"""The public API: ``physio_notes.__all__`` is honest, and importing stays light."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys

import physio_notes


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: CONSTANTS, then CamelCase, then everything else; each A–Z."""
    if name.isupper() and len(name) > 1:
        group = 0
    elif name[:1].isupper():
        group = 1
    else:
        group = 2
    return group, name


def test_all_is_sorted_and_unique() -> None:
    """__all__ has no duplicates and is in isort-style order (constants, classes, functions)."""
    names = physio_notes.__all__
    assert len(set(names)) == len(names)
    assert names == sorted(names, key=_isort_key)


def test_every_exported_name_is_importable() -> None:
    """Every name in __all__ is an attribute of the package."""
    missing = [name for name in physio_notes.__all__ if not hasattr(physio_notes, name)]
    assert missing == []


def test_every_public_object_of_the_package_is_exported() -> None:
    """Every public class or function of physio_notes in the package namespace is exported."""
    public = {
        name
        for name, value in vars(physio_notes).items()
        if not name.startswith("_")
        and not inspect.ismodule(value)
        and getattr(value, "__module__", "").startswith("physio_notes")
    }
    assert public - set(physio_notes.__all__) == set()


def test_design_api_names_are_exported() -> None:
    """The names shared/design.md makes public are exported."""
    assert {
        "Presentation", "load_presentation", "select_pathways", "CarePlan",
        "PhysioNotesError", "PresentationError",
    } <= set(physio_notes.__all__)


def test_version_is_a_string() -> None:
    """__version__ is the installed distribution's version."""
    assert re.fullmatch(r"\d+(\.\d+)*\S*", physio_notes.__version__)


def test_import_does_not_import_weasyprint() -> None:
    """`import physio_notes` does not import WeasyPrint (only rendering a PDF does)."""
    code = "import physio_notes, sys; assert 'weasyprint' not in sys.modules, 'weasyprint'"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
