"""The FastAPI application: routes, authentication, request log, CORS, start-up and shutdown.

:func:`create_app` makes the application from :class:`ServeOptions` (or, called without
them, as uvicorn does, from the ``PHYSIO_NOTES_*`` environment). Start-up starts the render
pool and waits until every worker is ready; shutdown stops it. Each request reads and checks
its input in a thread, renders in the pool, and answers JSON, a document, or an error body
(:mod:`._errors`) — never a traceback. The request log names the method, the route (never the
raw path: a handout link is a secret), the status and the duration; nothing from the input.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import time
from collections.abc import AsyncIterator, Mapping
from typing import Annotated, Any, Final, Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from .._clinic import Clinic
from .._engine import CarePlan, select_pathways
from .._io import parse_json
from .._referral import main_referral
from .._schema import json_schema, plan_schema
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
from ._cds import SERVICE_ID, card, discovery, read_call
from ._errors import ERROR_SCHEMA, ApiError, error_body, library_error
from ._input import FHIR_JSON, JSON, Input, media_type, read_body, read_input
from ._jwt import CdsTrust, TokenRefused
from ._links import LinkExpired, LinkInvalid, LinkKey
from ._options import ENV, ServeOptions
from ._pool import PoolBusy, PoolClosed, RenderPool, RenderTimeout, WorkerLost
from ._worker import Document, Job

__all__ = ["create_app"]

LOG: Final = logging.getLogger("physio_notes.service")
PageSize = Literal["A4", "Letter"]
_MEDIA: Final = {"pdf": "application/pdf", "html": "text/html; charset=utf-8",
                 "markdown": "text/markdown; charset=utf-8"}
_SUFFIX: Final = {"pdf": "pdf", "html": "html", "markdown": "md"}
#: Rendered HTML is self-contained: it may load nothing, run nothing.
_HTML_POLICY: Final = ("default-src 'none'; img-src data:; font-src data:; "
                       "style-src 'unsafe-inline'; sandbox")
_RETRY: Final = {"Retry-After": "5"}


def create_app(options: ServeOptions | None = None) -> FastAPI:
    """The application for ``options`` (default: from the ``PHYSIO_NOTES_*`` environment,
    whose token and secret are then removed from it, so that render workers do not inherit
    them).

    Raises:
        PhysioNotesError: for options that cannot be used (a clinic file that is wrong, say).
    """
    if options is None:
        options = ServeOptions.from_env()
        for name in ("token", "secret"):  # read once: render workers never inherit them
            os.environ.pop(ENV[name], None)
    service = Service(options)
    app = _App(
        title="physio_notes",
        version=__version__,
        summary="Care plans, patient handouts, clinician notes and referral letters for "
                "back- and neck-related muscle spasm; CDS Hooks patient-view.",
        description=_DESCRIPTION,
        lifespan=service.lifespan,
        docs_url="/docs" if options.api_docs else None,
        redoc_url="/redoc" if options.api_docs else None,
    )
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    service.route(app)
    app.add_middleware(_Guard)
    if service.options.cors_origins:  # outermost, so error answers carry the CORS headers too
        app.add_middleware(CORSMiddleware, allow_origins=list(service.options.cors_origins),
                           allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])
    return app


_DESCRIPTION: Final = """\
POST a presentation (`application/json`), a FHIR R4 Bundle (`application/fhir+json`) or a
plan as `plan --json` prints it, perhaps edited (`application/json` with a `"pathways"` key),
and get the care plan, the patient handout, the clinician note or the referral letter.
Bodies are at most 1,000,000 bytes. Errors are JSON: `{"error", "message", "problems":
[{"path", "message", "found"}]}`. When the service has a token, every POST needs
`Authorization: Bearer TOKEN`. CDS Hooks 2.0 discovery is at `/cds-services`; with a CDS
trust file, a CDS call needs the EHR's signed JWT instead (ES384/RS384, `aud` the endpoint).
"""


class _App(FastAPI):
    """FastAPI with the input, plan, FHIR and error schemas in the OpenAPI components."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            schema = super().openapi()
            schema.setdefault("components", {}).setdefault("schemas", {}).update(_components())
        assert self.openapi_schema is not None
        return self.openapi_schema


def _components() -> dict[str, Any]:
    presentation = {k: v for k, v in json_schema().items() if k not in ("$schema", "$id")}
    plan = {k: v for k, v in plan_schema().items() if k not in ("$schema", "$id", "$defs")}
    plan = _replace_refs(plan, "#/$defs/presentation", "#/components/schemas/Presentation")
    return {
        "Presentation": presentation,
        "Plan": plan,
        "FhirBundle": {"type": "object", "required": ["resourceType"],
                       "description": "A FHIR R4 Bundle (collection, searchset, document, "
                                      "transaction or batch); see docs/fhir.md",
                       "properties": {"resourceType": {"const": "Bundle"}}},
        "Error": ERROR_SCHEMA,
    }


def _replace_refs(value: Any, old: str, new: str) -> Any:
    if isinstance(value, dict):
        return {k: (new if k == "$ref" and v == old else _replace_refs(v, old, new))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_refs(v, old, new) for v in value]
    return value


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    what = {401: "no or a wrong bearer token", 404: "not found", 410: "the link has expired",
            412: "a prefetch the service needs is missing",
            413: "the body is larger than 1,000,000 bytes",
            415: "a media type the service does not read",
            422: "invalid input: each problem names the field, what was found and what is "
                 "allowed", 503: "busy, shutting down, or the render took too long"}
    return {status: {"description": what[status],
                     "content": {"application/json": {"schema": _ref("Error")}}}
            for status in statuses}


_INPUT_BODY: Final = {"requestBody": {"required": True, "content": {
    JSON: {"schema": {"oneOf": [_ref("Presentation"), _ref("Plan")]}},
    FHIR_JSON: {"schema": _ref("FhirBundle")},
}}}
_CDS_BODY: Final = {"requestBody": {"required": True, "content": {JSON: {"schema": {
    "type": "object", "required": ["hook", "hookInstance", "context"],
    "properties": {"hook": {"const": "patient-view"}, "hookInstance": {"type": "string"},
                   "context": {"type": "object"}, "prefetch": {"type": "object"}},
}}}}}


def _document_responses(*media: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": "the document", "content": {
        _MEDIA[m].split(";")[0]: {"schema": {"type": "string"}} for m in media}},
        **_errors(401, 413, 415, 422, 503)}


_bearer = HTTPBearer(auto_error=False, description="the service's token, when it has one")


def _unauthorised(message: str) -> ApiError:
    """A 401 that names why and asks for a bearer credential."""
    return ApiError(401, "unauthorised", message, headers={"WWW-Authenticate": "Bearer"})


class Service:
    """The routes, around the state fixed at start-up (options, clinic, link key, pool)."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        self.clinic = Clinic.from_toml(options.clinic) if options.clinic else None
        self.links = LinkKey(options.secret, options.link_ttl)
        self.trust = CdsTrust.from_file(options.cds_jwks) if options.cds_jwks else None
        self.pool = RenderPool(workers=options.workers, timeout=options.timeout,
                               max_queue=options.max_queue, clinic=options.clinic,
                               memory_mb=options.max_memory)

    @contextlib.asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        """Start the render workers before the first request; stop them at shutdown."""
        await self.pool.start()
        LOG.info("ready: %d render worker(s), %g s per render, %s, %s, links %s",
                 self.options.workers, self.options.timeout,
                 "bearer token required" if self.options.token else "no authentication",
                 "CDS calls need a JWT from " + ", ".join(self.trust.issuers)
                 if self.trust else "CDS calls as other POSTs",
                 "shared between instances" if self.links.shared
                 else "for this instance only (no PHYSIO_NOTES_SECRET)")
        try:
            yield
        finally:
            await self.pool.close()
            LOG.info("render workers stopped")

    async def authorised(
        self, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> None:
        """With a token configured, the request must carry it (compared in constant time)."""
        token = self.options.token
        if token is None:
            return
        given = credentials.credentials if credentials is not None else ""
        if not hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
            raise _unauthorised("this service needs 'Authorization: Bearer TOKEN' with its "
                                "token")

    async def cds_authorised(
        self, request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> None:
        """A CDS call: with a trust file, the EHR's signed JWT (CDS Hooks 2.0), for this very
        endpoint; without one, the service's token as for every POST."""
        if self.trust is None:
            await self.authorised(credentials)
            return
        endpoint = (self.options.public_url.rstrip("/") + request.url.path
                    if self.options.public_url else str(request.url.replace(query="")))
        try:
            claims = self.trust.verify(credentials.credentials if credentials else "", endpoint)
        except TokenRefused as exc:
            LOG.info("CDS call refused: %s", exc)
            raise _unauthorised(str(exc)) from None
        LOG.info("CDS call from %s (client %s)", claims["iss"], claims["sub"])

    def route(self, app: FastAPI) -> None:
        """Register every route on ``app``."""
        guarded = [Depends(self.authorised)]
        app.add_api_route("/health", self.health, methods=["GET"], tags=["service"],
                          summary="Is the service up (no authentication)")
        app.add_api_route("/schema", self.schema, methods=["GET"], tags=["service"],
                          summary="JSON Schema of the input (or, with plan=true, of a plan)")
        app.add_api_route("/plan", self.plan, methods=["POST"], tags=["documents"],
                          dependencies=guarded, openapi_extra=_INPUT_BODY,
                          summary="The care plan, as `physio-notes plan --json` prints it",
                          responses={200: {"description": "the plan", "content": {
                              JSON: {"schema": _ref("Plan")}}},
                              **_errors(401, 413, 415, 422)})
        app.add_api_route("/handout", self.handout, methods=["POST"], tags=["documents"],
                          dependencies=guarded, openapi_extra=_INPUT_BODY,
                          summary="The patient handout (PDF or HTML)",
                          response_class=Response,
                          responses=_document_responses("pdf", "html"))
        app.add_api_route("/note", self.note, methods=["POST"], tags=["documents"],
                          dependencies=guarded, openapi_extra=_INPUT_BODY,
                          summary="The clinician's SOAP note (Markdown, HTML or PDF)",
                          response_class=Response,
                          responses=_document_responses("markdown", "html", "pdf"))
        app.add_api_route("/referral", self.referral, methods=["POST"], tags=["documents"],
                          dependencies=guarded, openapi_extra=_INPUT_BODY,
                          summary="The referral letter; 422 (no_referral) when the plan "
                                  "refers nobody",
                          response_class=Response,
                          responses=_document_responses("pdf", "html"))
        app.add_api_route("/cds-services", self.cds_discovery, methods=["GET"],
                          tags=["CDS Hooks"], summary="CDS Hooks discovery")
        app.add_api_route("/cds-services/{service_id}", self.cds_call, methods=["POST"],
                          tags=["CDS Hooks"], dependencies=[Depends(self.cds_authorised)],
                          openapi_extra=_CDS_BODY,
                          summary="Call the patient-view service: cards",
                          responses=_errors(401, 404, 412, 413, 415, 422))
        app.add_api_route("/handouts/{token}", self.linked_handout, methods=["GET"],
                          tags=["CDS Hooks"], response_class=Response,
                          summary="The handout a CDS card links to (the link is the key)",
                          responses={200: {"description": "the handout", "content": {
                              "application/pdf": {"schema": {"type": "string"}}}},
                              **_errors(404, 410, 503)})

    # --- routes ---------------------------------------------------------------------------

    async def health(self, request: Request) -> dict[str, Any]:
        """``{"status": "ok", ...}`` while the service answers."""
        _only(request)
        return {"status": "ok", "version": __version__, "render_workers": self.pool.workers,
                "busy": self.pool.busy, "waiting": self.pool.waiting}

    async def schema(self, request: Request, plan: bool = False) -> dict[str, Any]:
        """The JSON Schema (2020-12) of a presentation, or of a plan."""
        _only(request, "plan")
        return plan_schema() if plan else json_schema()

    async def plan(self, request: Request) -> JSONResponse:
        """The plan as JSON: the same object `physio-notes plan --json` prints."""
        _only(request)
        checked = await self._input(request)
        return JSONResponse(checked.plan.to_dict())

    async def handout(
        self, request: Request,
        format: Annotated[Literal["pdf", "html"], Query()] = "pdf",
        page_size: Annotated[PageSize, Query()] = "A4",
        large_print: Annotated[bool, Query(description="16 pt body text")] = False,
    ) -> Response:
        """The patient handout."""
        _only(request, "format", "page_size", "large_print")
        checked = await self._input(request)
        return await self._document("handout", checked, format, page_size,
                                    large_print=large_print)

    async def note(
        self, request: Request,
        format: Annotated[Literal["markdown", "html", "pdf"], Query()] = "markdown",
        page_size: Annotated[PageSize, Query()] = "A4",
    ) -> Response:
        """The clinician's SOAP note."""
        _only(request, "format", "page_size")
        checked = await self._input(request)
        return await self._document("note", checked, format, page_size)

    async def referral(
        self, request: Request,
        format: Annotated[Literal["pdf", "html"], Query()] = "pdf",
        page_size: Annotated[PageSize, Query()] = "A4",
        to: Annotated[str | None, Query(max_length=200,
                                        description="the person the letter is for")] = None,
    ) -> Response:
        """The referral letter; a plan that refers nobody is a 422 (``no_referral``)."""
        _only(request, "format", "page_size", "to")
        checked = await self._input(request)
        try:
            main_referral(checked.plan)
        except PhysioNotesError as exc:
            raise library_error(exc) from None
        return await self._document("referral", checked, format, page_size, recipient=to)

    async def cds_discovery(self, request: Request) -> dict[str, Any]:
        """The CDS Hooks discovery document."""
        _only(request)
        return discovery()

    async def cds_call(self, request: Request, service_id: str) -> dict[str, Any]:
        """Cards for a ``patient-view`` call, from its prefetch only."""
        _only(request)
        if service_id != SERVICE_ID:
            raise ApiError(404, "unknown_service", f"no CDS service {service_id!r}; "
                           f"see GET /cds-services", [Problem("service_id", "unknown",
                                                              repr(service_id))])
        media = media_type(request)
        if media != JSON:
            raise ApiError(415, "unsupported_media_type", f"a CDS Hooks request is {JSON}",
                           [Problem("Content-Type", "is not application/json", repr(media))])
        body = await read_body(request)
        plan = await asyncio.to_thread(_cds_plan, body)
        if plan is None:
            return {"cards": []}
        token = self.links.make(plan.presentation.to_dict(), "A4")
        base = self.options.public_url or str(request.base_url)
        link = f"{base.rstrip('/')}/handouts/{token}"
        return {"cards": [card(plan, link, self.links.ttl)]}

    async def linked_handout(self, request: Request, token: str) -> Response:
        """The handout PDF a card's link names, rendered again from the link itself."""
        _only(request)
        try:
            data, page_size = self.links.open(token)
        except LinkExpired:
            raise ApiError(410, "link_expired", "this handout link has expired; open the "
                           "patient's record again for a new one") from None
        except LinkInvalid:
            raise ApiError(404, "not_found", "no such handout link") from None
        job = Job("handout", "presentation", data, "pdf", page_size)
        return _document_response("handout", "pdf", await self._render(job))

    # --- helpers --------------------------------------------------------------------------

    async def _input(self, request: Request) -> Input:
        media = media_type(request)
        body = await read_body(request)
        try:
            return await asyncio.to_thread(read_input, body, media, self.clinic)
        except PhysioNotesError as exc:
            raise library_error(exc) from None

    async def _document(self, document: Document, checked: Input, fmt: str, page_size: str,
                        recipient: str | None = None, large_print: bool = False) -> Response:
        job = Job(document, checked.source, checked.data, fmt, page_size, recipient,
                  large_print)
        return _document_response(document, fmt, await self._render(job))

    async def _render(self, job: Job) -> bytes | str:
        try:
            outcome = await self.pool.run(job)
        except PoolBusy:
            raise ApiError(503, "busy", f"all {self.pool.workers} render workers are busy and "
                           f"{self.pool.max_queue} requests are waiting; try again shortly",
                           headers=_RETRY) from None
        except RenderTimeout:
            raise ApiError(503, "render_timeout", f"rendering took longer than "
                           f"{self.pool.timeout:g} s and was stopped", headers=_RETRY) from None
        except WorkerLost:
            raise ApiError(503, "worker_lost", "the render worker stopped unexpectedly (it "
                           "may have needed more memory than allowed); try again",
                           headers=_RETRY) from None
        except PoolClosed:
            raise ApiError(503, "shutting_down", "the service is shutting down",
                           headers=_RETRY) from None
        if outcome.payload is None:
            raise _outcome_error(outcome.error or "RenderError", outcome.message,
                                 outcome.problems)
        return outcome.payload


def _cds_plan(body: bytes) -> CarePlan | None:
    try:
        _, presentation = read_call(parse_json(body, origin="the request body"))
    except PhysioNotesError as exc:
        raise library_error(exc) from None
    return None if presentation is None else select_pathways(presentation)


def _outcome_error(name: str, message: str, problems: tuple[Problem, ...]) -> ApiError:
    """The answer for an error a worker reported by name."""
    if name == "PresentationError":
        return library_error(PresentationError(problems))
    kind = {cls.__name__: cls for cls in (ClinicError, KnowledgeBaseError, NoReferralError,
                                          PlanEditError, RenderError)}.get(name, RenderError)
    return library_error(kind(message))


def _document_response(document: str, fmt: str, payload: bytes | str) -> Response:
    headers = {"Content-Disposition": f'inline; filename="{document}.{_SUFFIX[fmt]}"'}
    if fmt == "html":
        headers["Content-Security-Policy"] = _HTML_POLICY
    return Response(payload, media_type=_MEDIA[fmt], headers=headers)


def _only(request: Request, *allowed: str) -> None:
    """Unknown query parameters are an error (a typo must not pass unnoticed)."""
    unknown = [key for key in request.query_params if key not in allowed]
    if unknown:
        choice = ", ".join(allowed) if allowed else "none"
        raise ApiError(422, "invalid_input", "unknown query parameter"
                       f"{'' if len(unknown) == 1 else 's'}",
                       [Problem(f"query.{key}", f"is not a parameter here; allowed: {choice}",
                                repr(key)) for key in unknown])


# --- errors and the guard ---------------------------------------------------------------------


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()))
        found = error.get("input")
        problems.append(Problem(where, str(error.get("msg", "is not allowed")),
                                None if found is None else repr(found)))
    return JSONResponse(error_body("invalid_input", "invalid request parameters", problems),
                        status_code=422)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    headers: Mapping[str, str] | None = getattr(exc, "headers", None)
    return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                        headers=dict(headers) if headers else None)


class _Guard:
    """Outermost: one log line per request (method, route, status, duration), security headers
    on every answer, and a JSON 500 for anything unexpected — the service stays up."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500
        started = False

        async def send_guarded(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers.setdefault("Cache-Control", "no-store")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
            await send(message)

        try:
            await self.app(scope, receive, send_guarded)
        except Exception as exc:
            LOG.error("%s %s failed: %s (no details logged)", scope.get("method"),
                      _route(scope), type(exc).__name__)
            if not started:
                answer = JSONResponse(error_body(
                    "internal_error", "the service could not answer this request; it is "
                    "still running"), status_code=500)
                await answer(scope, receive, send_guarded)
        finally:
            LOG.info("%s %s %d %.0f ms", scope.get("method"), _route(scope), status,
                     (time.perf_counter() - began) * 1000)


def _route(scope: Scope) -> str:
    """The route's path template (``/handouts/{token}``), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "(no route)"
