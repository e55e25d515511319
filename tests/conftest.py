"""Shared fixtures: example presentations, plans and rendered PDFs (rendered once per run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from physio_notes import CarePlan, Presentation, load_presentation, select_pathways

#: The example presentation of shared/design.md, as clinic software would send it.
DESIGN_EXAMPLE: dict[str, Any] = {
    "schema_version": 1,
    "patient": {"name": "Máire Ní Bhriain", "id": "CL-20931", "date_of_birth": "1978-02-11"},
    "clinician": {"name": "J. Doyle", "role": "Chartered Physiotherapist"},
    "date": "2026-11-24",
    "region": "lower_back",
    "spasm_type": "secondary",
    "causes": ["disc_disorder"],
    "symptoms": ["severe_pain", "forward_leaning_posture", "reduced_movement"],
    "duration": "minutes",
    "recurrent": True,
    "eased_by_heat_and_positioning": True,
    "pain_score": 7,
    "diagnosis": "L4/5 disc herniation, MRI 2026-10",
    "red_flags": [],
    "start_back": {"total": 5, "distress": 2},
    "notes": "Flexion limited to mid-shin; SLR negative bilaterally.",
}

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
