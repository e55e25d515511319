"""Errors as the service answers them: a status and one JSON body, never a traceback.

Every error body is ``{"error": CODE, "message": TEXT, "problems": [...]}``; each problem names
the field path, what is wrong (and what is allowed), and what was found. Library errors map to
statuses in :func:`library_error`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from ..exceptions import (
    ClinicError,
    KnowledgeBaseError,
    NoReferralError,
    PhysioNotesError,
    PlanEditError,
    PresentationError,
    Problem,
    RenderError,
)

__all__ = ["ERROR_SCHEMA", "ApiError", "error_body", "library_error"]


class ApiError(Exception):
    """An answer other than success: HTTP status, error code, message and problems."""

    def __init__(self, status: int, code: str, message: str,
                 problems: Iterable[Problem] = (),
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.problems = tuple(problems)
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """The JSON body of the answer."""
        return error_body(self.code, self.message, self.problems)


def error_body(code: str, message: str, problems: Iterable[Problem] = ()) -> dict[str, Any]:
    """``{"error": code, "message": message, "problems": [{path, message, found}, ...]}``."""
    return {
        "error": code,
        "message": message,
        "problems": [{"path": p.path, "message": p.message, "found": p.found} for p in problems],
    }


def library_error(exc: PhysioNotesError) -> ApiError:
    """The answer for an error the library raised while reading input or rendering."""
    if isinstance(exc, PresentationError):
        return ApiError(422, "invalid_input", str(exc).splitlines()[0], exc.problems)
    if isinstance(exc, PlanEditError):
        return ApiError(422, "invalid_plan", "the plan cannot be used",
                        [Problem("$", str(exc))])
    if isinstance(exc, NoReferralError):
        return ApiError(422, "no_referral", "no pathway of this plan refers the patient on, so "
                        "there is no referral letter to write",
                        [Problem("$.pathways", str(exc))])
    if isinstance(exc, ClinicError | KnowledgeBaseError):
        return ApiError(500, "configuration_error", str(exc))
    if isinstance(exc, RenderError):
        return ApiError(500, "render_failed", str(exc))
    return ApiError(500, "failed", str(exc))


#: The JSON Schema of an error body (for the OpenAPI description).
ERROR_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["error", "message", "problems"],
    "properties": {
        "error": {"type": "string", "description": "a stable code, e.g. invalid_input"},
        "message": {"type": "string"},
        "problems": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "message", "found"],
                "properties": {
                    "path": {"type": "string", "description": "where: $.field or a JSON "
                             "Pointer into a FHIR Bundle or a CDS Hooks request"},
                    "message": {"type": "string", "description": "what is wrong, naming what "
                                "is allowed"},
                    "found": {"type": ["string", "null"], "description": "what was found"},
                },
            },
        },
    },
}
