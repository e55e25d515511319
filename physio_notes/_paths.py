"""Where the package's own files are, from an installed wheel or from a source checkout.

The wheel force-includes the top-level ``templates/`` and ``examples/`` folders as
``physio_notes/templates`` and ``physio_notes/examples``; an editable install or a checkout
finds them beside the package instead. This is the one place that knows.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

__all__ = ["examples_dir", "templates_dir"]


def _shipped(name: str) -> Path:
    packaged = files("physio_notes") / name
    if packaged.is_dir():
        return Path(str(packaged)).resolve()
    return (Path(__file__).resolve().parent.parent / name).resolve()


@cache
def templates_dir() -> Path:
    """The bundled Jinja2 templates and their CSS and image assets."""
    return _shipped("templates")


@cache
def examples_dir() -> Path:
    """The bundled example presentations."""
    return _shipped("examples")
