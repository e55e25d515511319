"""physio_notes: from a muscle-spasm presentation to a care plan, handout and clinician note.

>>> from physio_notes import Presentation, select_pathways
>>> plan = select_pathways(Presentation(region="lower_back", causes=["disc_disorder"]))
>>> plan.pathway_ids
('disc-core-pilates',)

Importing this package does not import WeasyPrint; that happens only when a PDF is rendered.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._batch import BatchItem, BatchSummary, render_batch
from ._clinic import Clinic
from ._engine import CarePlan, Pathway, RedFlagFinding, RedFlagScreen, select_pathways
from ._fhir import (
    FhirDocument,
    FhirReading,
    FhirWarning,
    fhir_definitions,
    from_fhir,
    presentation_to_fhir,
    read_fhir,
    to_fhir,
)
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
    Side,
    SpasmType,
    StartBack,
    Symptom,
)
from ._note import render_note
from ._referral import render_referral
from ._schema import json_schema
from .exceptions import (
    ClinicError,
    KnowledgeBaseError,
    NoReferralError,
    OutputError,
    PhysioNotesError,
    PlanEditError,
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
    "BatchItem",
    "BatchSummary",
    "CarePlan",
    "Cause",
    "Clinic",
    "ClinicError",
    "Clinician",
    "Duration",
    "FhirDocument",
    "FhirReading",
    "FhirWarning",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "NeurologicalCondition",
    "NoReferralError",
    "OutputError",
    "Pathway",
    "Patient",
    "PhysioNotesError",
    "PlanEditError",
    "Presentation",
    "PresentationError",
    "Problem",
    "RedFlag",
    "RedFlagFinding",
    "RedFlagScreen",
    "Region",
    "RenderError",
    "Side",
    "SpasmType",
    "StartBack",
    "Symptom",
    "__version__",
    "fhir_definitions",
    "from_fhir",
    "json_schema",
    "load_knowledge",
    "load_presentation",
    "presentation_to_fhir",
    "read_fhir",
    "render_batch",
    "render_handout",
    "render_note",
    "render_referral",
    "select_pathways",
    "to_fhir",
]
