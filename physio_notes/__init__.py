"""physio_notes: from a muscle-spasm presentation to a care plan, handout and clinician note.

>>> from physio_notes import Presentation, select_pathways
>>> plan = select_pathways(Presentation(region="lower_back", causes=["disc_disorder"]))
>>> plan.pathway_ids
('disc-core-pilates',)

Importing this package does not import WeasyPrint; that happens only when a PDF is rendered.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._clinic import Clinic
from ._engine import CarePlan, Pathway, RedFlagFinding, RedFlagScreen, select_pathways
from ._handout import render_handout
from ._io import load_presentation
from ._knowledge import KnowledgeBase, load_knowledge
from ._model import (
    SCHEMA_VERSION,
    Cause,
    Clinician,
    Duration,
    NeurologicalCondition,
    Patient,
    Presentation,
    RedFlag,
    Region,
    SpasmType,
    StartBack,
    Symptom,
)
from ._schema import json_schema
from .exceptions import (
    ClinicError,
    KnowledgeBaseError,
    NoReferralError,
    PhysioNotesError,
    PresentationError,
    Problem,
    RenderError,
)

try:
    __version__ = version("physio-notes")
except PackageNotFoundError:  # pragma: no cover - running from a checkout without install
    __version__ = "0+unknown"

__all__ = [
    "SCHEMA_VERSION",
    "CarePlan",
    "Cause",
    "Clinic",
    "ClinicError",
    "Clinician",
    "Duration",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "NeurologicalCondition",
    "NoReferralError",
    "Pathway",
    "Patient",
    "PhysioNotesError",
    "Presentation",
    "PresentationError",
    "Problem",
    "RedFlag",
    "RedFlagFinding",
    "RedFlagScreen",
    "Region",
    "RenderError",
    "SpasmType",
    "StartBack",
    "Symptom",
    "__version__",
    "json_schema",
    "load_knowledge",
    "load_presentation",
    "render_handout",
    "select_pathways",
]
