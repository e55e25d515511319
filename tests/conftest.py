"""Shared fixtures: example presentations, plans and rendered PDFs (rendered once per run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from physio_notes import CarePlan, Presentation, load_presentation, select_pathways

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))


def example(name: str) -> Presentation:
    """An example presentation by file stem."""
    return load_presentation(EXAMPLES / f"{name}.json")


def example_dict(name: str) -> dict[str, object]:
    """An example presentation's JSON."""
    data = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def plan_for(name: str) -> CarePlan:
    """The care plan of an example."""
    return select_pathways(example(name))


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``hazard`` marker (the suite runs with --strict-markers)."""
    config.addinivalue_line("markers", "hazard(id): the safety-case hazard this test verifies")
