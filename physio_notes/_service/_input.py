"""Reading a request body: its media type, its size, strict JSON, and what it describes.

* ``application/json`` (or no ``Content-Type``): a presentation — or a plan, perhaps edited by
  a clinician, when the object has a ``"pathways"`` key (as ``plan --json`` prints it);
* ``application/fhir+json``: a FHIR R4 Bundle, read by the FHIR mapper.

The body is read up to ``MAX_INPUT_BYTES`` (1,000,000); one byte more is a 413 before any
parsing. JSON is parsed strictly (a key given twice, nesting, text that is not UTF-8).
"""

from __future__ import annotations

from typing import Any, Final

import attrs
from starlette.requests import Request

from .._clinic import Clinic
from .._engine import CarePlan, select_pathways
from .._fhir import from_fhir
from .._io import MAX_INPUT_BYTES, parse_json
from .._model import Presentation
from ..exceptions import PresentationError, Problem
from ._errors import ApiError
from ._worker import Source

__all__ = ["FHIR_JSON", "JSON", "Input", "media_type", "read_body", "read_input"]

JSON: Final = "application/json"
FHIR_JSON: Final = "application/fhir+json"


@attrs.frozen
class Input:
    """A checked input: its plan, and the JSON a worker needs to make that plan again."""

    source: Source
    data: dict[str, Any]
    plan: CarePlan


def media_type(request: Request) -> str:
    """The request's media type, lower case, without parameters (JSON when not given)."""
    header = request.headers.get("content-type", "")
    return header.split(";", 1)[0].strip().lower() or JSON


async def read_body(request: Request, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The request body; more than ``limit`` bytes is a 413, found before reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit, int(declared))
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit, None)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int, size: int | None) -> ApiError:
    found = f"{size} bytes" if size is not None else f"more than {limit} bytes"
    return ApiError(413, "too_large", f"the request body is larger than {limit:,} bytes",
                    [Problem("$", f"at most {limit} bytes are read", found)])


def read_input(body: bytes, media: str, clinic: Clinic | None) -> Input:
    """The plan a request body describes (run in a thread: FHIR bundles can be large).

    Raises:
        ApiError: 415 for a media type other than JSON or FHIR JSON.
        PresentationError, PlanEditError: for input that breaks the contract.
    """
    if media not in (JSON, FHIR_JSON):
        raise ApiError(415, "unsupported_media_type",
                       f"send {JSON} (a presentation, or a plan) or {FHIR_JSON} (a FHIR R4 "
                       "Bundle)", [Problem("Content-Type", "is not one the service reads",
                                           repr(media))])
    data = parse_json(body, origin="the request body")
    if media == FHIR_JSON:
        presentation = from_fhir(data)
        return Input("presentation", presentation.to_dict(), select_pathways(presentation))
    if isinstance(data, dict) and "pathways" in data:
        plan = CarePlan.from_dict(data, library=clinic.exercises if clinic else ())
        return Input("plan", data, plan)
    if isinstance(data, dict) and "resourceType" in data:
        raise PresentationError([Problem(
            "$.resourceType", f"a FHIR resource: send a FHIR R4 Bundle with Content-Type: "
            f"{FHIR_JSON}", repr(data["resourceType"]))])
    presentation = Presentation.from_dict(data)
    return Input("presentation", presentation.to_dict(), select_pathways(presentation))
