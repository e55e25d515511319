"""CDS Hooks 2.0: discovery, reading a ``patient-view`` call, and the card it answers with.

Shapes follow the CDS Hooks 2.0 specification (cds-hooks.hl7.org/2.0): the discovery
response (``services``: ``hook``, ``title``, ``description``, ``id``, ``prefetch``), the
request (``hook``, ``hookInstance``, ``context``, ``prefetch``), the ``patient-view`` context
(``userId``, ``patientId``, ``encounterId``), and cards (``summary`` under 140 characters,
``indicator`` ``info`` / ``warning`` / ``critical``, ``source.label``, Markdown ``detail``,
``links`` of type ``absolute``). The service never fetches FHIR data itself: a call without
the prefetch it needs is answered 412 (Precondition Failed), as the specification says.

The prefetched Patient, Conditions and Observations are put in one searchset Bundle for the
FHIR mapper; problems point back into the request (``/prefetch/conditions/entry/2/...``). A
patient whose record codes no muscle spasm gets no card (``{"cards": []}``).
"""

from __future__ import annotations

import re
from typing import Any, Final

from .._common import md_inline
from .._engine import CarePlan
from .._fhir import from_fhir
from .._model import Presentation
from ..exceptions import PresentationError, Problem
from ._errors import ApiError

__all__ = ["HOOK", "PREFETCH", "SERVICE_ID", "card", "discovery", "read_call"]

SERVICE_ID: Final = "physio-notes-spasm-plan"
HOOK: Final = "patient-view"
PREFETCH: Final = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}",
}
SOURCE_LABEL: Final = "physio_notes muscle-spasm pathways"
#: A card's summary is one sentence of fewer than 140 characters.
SUMMARY_LIMIT: Final = 139
_NO_REGION: Final = "no Condition codes the region"
_ENTRY: Final = re.compile(r"^/entry/(\d+)(.*)$")


def discovery() -> dict[str, Any]:
    """The discovery response: one ``patient-view`` service."""
    return {"services": [{
        "hook": HOOK,
        "title": "Muscle-spasm care plan",
        "description": "When a patient's record codes a back- or neck-related muscle spasm, "
                       "shows the care pathways chosen for it and why, red flags first, with "
                       "a link to the patient handout (PDF).",
        "id": SERVICE_ID,
        "prefetch": dict(PREFETCH),
    }]}


def read_call(data: object) -> tuple[str, Presentation | None]:
    """The patient id and the presentation a ``patient-view`` call's prefetch describes;
    ``None`` when the record codes no muscle spasm (no card).

    Raises:
        ApiError: 422 for a request that is not a ``patient-view`` call or prefetch that
            cannot be read; 412 when a prefetch the service needs is missing.
    """
    if not isinstance(data, dict):
        raise _invalid([Problem("", "a CDS Hooks request is a JSON object", _kind(data))])
    problems = []
    if data.get("hook") != HOOK:
        problems.append(Problem("/hook", f"this service answers the '{HOOK}' hook",
                                repr(data.get("hook"))))
    if not isinstance(data.get("hookInstance"), str) or not data["hookInstance"]:
        problems.append(Problem("/hookInstance", "is required: a UUID for this call",
                                repr(data.get("hookInstance"))))
    context = data.get("context")
    patient_id = context.get("patientId") if isinstance(context, dict) else None
    if not isinstance(patient_id, str) or not patient_id:
        problems.append(Problem("/context/patientId", "is required: the FHIR id of the "
                                "patient in context", repr(patient_id)))
    prefetch = data.get("prefetch")
    if prefetch is not None and not isinstance(prefetch, dict):
        problems.append(Problem("/prefetch", "must be an object", _kind(prefetch)))
    if problems:
        raise _invalid(problems)
    assert isinstance(patient_id, str)
    prefetched = prefetch if isinstance(prefetch, dict) else {}
    missing = [key for key in PREFETCH if key not in prefetched]
    if missing or prefetched.get("patient") is None:
        absent = missing or ["patient"]
        raise ApiError(412, "prefetch_required", "the service fetches no FHIR data itself: "
                       "send the prefetch it lists in its discovery document",
                       [Problem(f"/prefetch/{key}", f"is required (template "
                                f"{PREFETCH[key]!r}); null only when there is no data",
                                None if key in missing else "null") for key in absent])
    bundle, origins = _bundle(patient_id, prefetched)
    try:
        presentation = from_fhir(bundle)
    except PresentationError as exc:
        if all(p.path == "/entry" and p.message.startswith(_NO_REGION) for p in exc.problems):
            return patient_id, None
        raise _invalid([_locate(p, origins) for p in exc.problems]) from None
    return patient_id, presentation


def _bundle(patient_id: str, prefetch: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """One searchset Bundle of the prefetched resources, and where each entry came from."""
    patient = prefetch["patient"]
    problems = []
    if not isinstance(patient, dict) or patient.get("resourceType") != "Patient":
        problems.append(Problem("/prefetch/patient/resourceType", "must be a Patient",
                                repr(patient.get("resourceType") if isinstance(patient, dict)
                                     else patient)))
    elif patient.get("id") != patient_id:
        problems.append(Problem("/prefetch/patient/id", f"must be the patient in context "
                                f"({patient_id!r})", repr(patient.get("id"))))
    entries: list[object] = [{"resource": patient}]
    origins = ["/prefetch/patient"]
    for key in ("conditions", "observations"):
        found = prefetch[key]
        if found is None:
            continue
        if not isinstance(found, dict) or found.get("resourceType") != "Bundle":
            problems.append(Problem(f"/prefetch/{key}", "must be a searchset Bundle (or null)",
                                    _kind(found)))
            continue
        items = found.get("entry", [])
        if not isinstance(items, list):
            problems.append(Problem(f"/prefetch/{key}/entry", "must be a list", _kind(items)))
            continue
        entries.extend(items)
        origins.extend(f"/prefetch/{key}/entry/{index}" for index in range(len(items)))
    if problems:
        raise _invalid(problems)
    return {"resourceType": "Bundle", "type": "searchset", "entry": entries}, origins


def _locate(problem: Problem, origins: list[str]) -> Problem:
    """A problem of the merged Bundle, pointed back into the request."""
    match = _ENTRY.match(problem.path)
    if match is None:
        return Problem("/prefetch", problem.message, problem.found)
    index, rest = int(match.group(1)), match.group(2)
    if index == 0:  # the Patient: the entry's resource is /prefetch/patient itself
        rest = rest.removeprefix("/resource")
    where = origins[index] if index < len(origins) else "/prefetch"
    return Problem(where + rest, problem.message, problem.found)


def _invalid(problems: list[Problem]) -> ApiError:
    count = len(problems)
    return ApiError(422, "invalid_input", f"invalid CDS Hooks request: {count} problem"
                    f"{'' if count == 1 else 's'}", problems)


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def card(plan: CarePlan, link: str, ttl: int) -> dict[str, Any]:
    """The card for a plan: red flags critical, a referral a warning, otherwise info."""
    screen = plan.red_flag_screen
    referral = plan.referral
    if screen.status == "positive":
        indicator = "critical"
        suspected = list(dict.fromkeys(f.suspected for f in screen.findings))
        where = f"; refer to {referral.name}" if referral else ""
        summary = (f"Red flag ({screen.urgency}): suspected {', '.join(suspected)}{where}")
    elif referral is not None:
        indicator = "warning"
        summary = f"Muscle spasm: refer to {referral.name} ({referral.urgency})"
    else:
        indicator = "info"
        summary = "Muscle spasm plan: " + ", ".join(p.title for p in plan.pathways)
    return {
        "summary": _fit(summary),
        "indicator": indicator,
        "detail": _detail(plan),
        "source": {"label": SOURCE_LABEL},
        "links": [{"label": f"Patient handout (PDF; link works for {ttl // 60} minutes)",
                   "url": link, "type": "absolute"}],
    }


def _fit(text: str) -> str:
    """One line of fewer than 140 characters."""
    line = " ".join(text.split())
    return line if len(line) <= SUMMARY_LIMIT else line[: SUMMARY_LIMIT - 1].rstrip() + "…"


def _detail(plan: CarePlan) -> str:
    """GitHub-flavoured Markdown: red flags, the referral, each pathway and why."""
    lines = []
    screen = plan.red_flag_screen
    if screen.status == "positive":
        lines.append(f"**Red flags ({md_inline(screen.urgency or '')}):**")
        lines.extend(f"- {md_inline(f.label)}: suspected {md_inline(f.suspected)} "
                     f"({md_inline(f.urgency)})" for f in screen.findings)
        lines.append("")
    elif screen.status == "not_screened":
        lines.extend(["**Red-flag screen: not recorded.**", ""])
    if plan.referral is not None:
        lines.extend([f"**Referral:** {md_inline(plan.referral.name)} "
                      f"({md_inline(plan.referral.urgency)})", ""])
    lines.append("**Pathways**, highest priority first:")
    lines.append("")
    for number, pathway in enumerate(plan.pathways, 1):
        lines.append(f"{number}. **{md_inline(pathway.title)}** (`{pathway.id}`): "
                     f"{md_inline(pathway.rationale)}")
        lines.append(f"   Sources: {md_inline('; '.join(pathway.sources))}")
    if plan.start_back_risk is not None:
        lines.extend(["", f"**STarT Back:** {md_inline(plan.start_back_risk)} risk"])
    return "\n".join(lines)
