"""The typed vocabulary the code shares: pathway ids, urgencies, roles, formats, page sizes.

This is the one Python module that spells a pathway id. Everything a pathway *does* —
whom it refers to and how urgently, whether it allows exercises, which letter it produces,
its order — is data in ``knowledge/pathways.toml``; code asks the knowledge base for a role,
never for an id. The ids themselves are public (``shared/design.md``) and never change.
"""

from __future__ import annotations

import enum
from typing import Final, Literal

__all__ = [
    "DOCUMENT_FORMATS",
    "EXERCISE_ALLOWANCES",
    "PAGE_SIZES",
    "RED_FLAG_URGENCIES",
    "REFERRAL_URGENCIES",
    "DocumentFormat",
    "ExerciseAllowance",
    "PageSize",
    "PathwayId",
    "RedFlagUrgency",
    "ReferralUrgency",
]


class PathwayId(enum.StrEnum):
    """The public ids of the treatment pathways, in no particular order (order is data)."""

    URGENT_REFERRAL = "urgent-referral"
    NEUROLOGIST_REFERRAL = "neurologist-referral"
    MEDICAL_REVIEW = "medical-review"
    DISC_CORE_PILATES = "disc-core-pilates"
    MOBILISATION_EXERCISE = "mobilisation-exercise"
    ACUTE_SELF_CARE = "acute-self-care"
    CALF_STRETCH = "calf-stretch"


RedFlagUrgency = Literal["emergency", "urgent"]
#: How fast a red flag needs a doctor, most urgent first.
RED_FLAG_URGENCIES: Final[tuple[RedFlagUrgency, ...]] = ("emergency", "urgent")

ReferralUrgency = Literal["emergency", "urgent", "soon"]
#: How fast a referral is wanted, most urgent first ("soon": the next available appointment).
REFERRAL_URGENCIES: Final[tuple[ReferralUrgency, ...]] = ("emergency", "urgent", "soon")

ExerciseAllowance = Literal["none", "gentle", "programme"]
#: What a pathway allows, most restrictive first: no exercise at all; gentle movement only
#: (a review or referral is pending); a full programme.
EXERCISE_ALLOWANCES: Final[tuple[ExerciseAllowance, ...]] = ("none", "gentle", "programme")

DocumentFormat = Literal["pdf", "html", "markdown"]
DOCUMENT_FORMATS: Final[tuple[DocumentFormat, ...]] = ("pdf", "html", "markdown")

PageSize = Literal["A4", "Letter"]
#: Page sizes and the CSS ``@page size`` each one means.
PAGE_SIZES: Final[dict[str, str]] = {"A4": "A4", "Letter": "letter"}
