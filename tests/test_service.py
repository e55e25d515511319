"""The HTTP service (`physio-notes serve`): a real server on a free loopback port, driven by a
real HTTP client, and the application in-process; CDS Hooks requests and responses checked
against the CDS Hooks 2.0 shapes; the render pool's queue, time limit and recovery."""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from physio_notes import from_fhir, json_schema, presentation_to_fhir, select_pathways
from physio_notes._schema import plan_schema
from physio_notes._service._app import create_app
from physio_notes._service._cds import PREFETCH, SERVICE_ID
from physio_notes._service._links import LinkKey
from physio_notes._service._options import ServeOptions
from physio_notes._service._pool import PoolBusy, RenderPool, RenderTimeout, WorkerLost
from physio_notes.cli import main
from physio_notes.exceptions import PhysioNotesError

from .conftest import DESIGN_EXAMPLE, example, example_dict
from .service_helpers import (
    DISCOVERY_SCHEMA,
    RESPONSE_SCHEMA,
    InProcess,
    RealServer,
    cds_request,
    empty_values,
    fake_job,
    fake_task,
)

SECRET = "a-link-secret-every-instance-shares-0123456789"
TOKEN = "a-bearer-token-for-tests-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CDS = f"/cds-services/{SERVICE_ID}"
FHIR = {"Content-Type": "application/fhir+json"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    """The real server at its default settings (but the shared link secret)."""
    running = RealServer(tmp_path_factory.mktemp("serve") / "server.log",
                         env={"PHYSIO_NOTES_SECRET": SECRET})
    yield running
    running.stop()


@pytest.fixture(scope="module")
def app() -> Iterator[InProcess]:
    """The application in-process: one worker, a bearer token, the shared link secret."""
    running = InProcess(create_app(ServeOptions(workers=1, token=TOKEN, secret=SECRET)))
    yield running
    running.close()


@pytest.fixture(scope="module")
def slow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    """A clinic whose handout template loops for ever for the patient 'Slow'; 2 s per render;
    CORS open to one origin."""
    folder = tmp_path_factory.mktemp("slow-clinic")
    (folder / "templates").mkdir()
    (folder / "templates" / "handout.html.j2").write_text(
        '{% extends "physio_notes/handout.html.j2" %}{% block disclaimer %}'
        "{% if patient_name == 'Slow' %}{% for i in range(99999) %}{% for j in range(99999) %}"
        "{{ j }}{% endfor %}{% endfor %}{% endif %}{% endblock %}", encoding="utf-8")
    (folder / "clinic.toml").write_text(f'templates = "{folder / "templates"}"\n',
                                        encoding="utf-8")
    options = ServeOptions(workers=1, timeout=2, clinic=str(folder / "clinic.toml"),
                           cors_origins=["https://ehr.example.invalid"])
    running = InProcess(create_app(options))
    yield running
    running.close()


def _is_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is the service's JSON error body with this status and code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "message", "problems"}
    assert body["error"] == code
    assert "Traceback" not in response.text
    for problem in body["problems"]:
        assert set(problem) == {"path", "message", "found"}
    return body


# --- the real server ----------------------------------------------------------------------


def test_real_server_answers_like_the_command_line(
    server: RealServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """/health answers; /plan gives the JSON that `plan --json` prints, for the same input."""
    source = tmp_path / "p.json"
    source.write_text(json.dumps(DESIGN_EXAMPLE), encoding="utf-8")
    assert main(["plan", str(source), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    with server.client() as client:
        health = client.get("/health")
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        answer = client.post("/plan", json=DESIGN_EXAMPLE)
    assert answer.status_code == 200
    assert answer.json() == printed
    assert [p["id"] for p in printed["pathways"]] == ["medical-review", "disc-core-pilates"]


def test_real_server_renders_sixteen_concurrent_handouts(server: RealServer) -> None:
    """At default settings 16 concurrent handout requests all succeed (those beyond the pool
    wait their turn); the same input gives the same PDF, different inputs differ."""
    names = ["disc-recurrent", "calf-cramp", "neck-posture", "red-flag-cauda-equina"]
    bodies = [example_dict(names[i % len(names)]) for i in range(16)]
    with server.client(limits=httpx.Limits(max_connections=16)) as client, \
            ThreadPoolExecutor(16) as threads:
        answers = list(threads.map(lambda body: client.post("/handout", json=body), bodies))
    assert [a.status_code for a in answers] == [200] * 16
    assert all(a.headers["content-type"] == "application/pdf" for a in answers)
    assert all(a.content.startswith(b"%PDF-") for a in answers)
    by_input: dict[int, set[bytes]] = {}
    for index, answer in enumerate(answers):
        by_input.setdefault(index % len(names), set()).add(answer.content)
    assert all(len(pdfs) == 1 for pdfs in by_input.values())
    assert len({next(iter(pdfs)) for pdfs in by_input.values()}) == len(names)


def test_real_server_reads_a_fhir_bundle(server: RealServer) -> None:
    """A FHIR R4 Bundle sent as application/fhir+json is read by the FHIR mapper."""
    bundle = presentation_to_fhir(example("red-flag-cauda-equina"))
    with server.client() as client:
        answer = client.post("/plan", content=json.dumps(bundle), headers=FHIR)
    assert answer.status_code == 200, answer.text
    expected = select_pathways(from_fhir(bundle))
    assert [p["id"] for p in answer.json()["pathways"]] == list(expected.pathway_ids)


def test_real_server_refuses_a_body_over_one_megabyte(server: RealServer) -> None:
    """More than 1,000,000 bytes is a 413 — declared or streamed — and the server stays up."""
    big = b" " * 1_000_001

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(big), 65536):
            yield big[start:start + 65536]

    with server.client() as client:
        _is_error(client.post("/plan", content=big), 413, "too_large")
        _is_error(client.post("/handout", content=chunks()), 413, "too_large")
        assert client.post("/plan", content=b" " * 999_990 + b'{"x": 1}').status_code == 422
        assert client.get("/health").status_code == 200


def test_real_server_answers_every_error_as_json(server: RealServer) -> None:
    """Bad JSON, a duplicate key, a wrong media type, an unknown path or method: one JSON
    error each, never a traceback; the server stays up."""
    with server.client() as client:
        body = _is_error(client.post("/plan", content=b'{"region": '), 422, "invalid_input")
        assert "not valid JSON" in body["problems"][0]["message"]
        body = _is_error(client.post("/plan", content=b'{"region": "neck", "region": "calves"}'),
                         422, "invalid_input")
        assert body["problems"][0]["path"] == "$.region"
        _is_error(client.post("/plan", content=b"region=neck",
                              headers={"Content-Type": "application/x-www-form-urlencoded"}),
                  415, "unsupported_media_type")
        _is_error(client.get("/nowhere"), 404, "not_found")
        _is_error(client.get("/plan"), 405, "method_not_allowed")
        _is_error(client.post("/plan", content=b"\xff\xfe"), 422, "invalid_input")
        assert client.get("/health").status_code == 200


def test_real_server_cds_hooks_round_trip(server: RealServer) -> None:
    """Discovery, a patient-view call, and the card's absolute link serving the handout PDF
    on GET — with no patient data readable in the link."""
    request = cds_request("red-flag-cauda-equina")
    with server.client() as client:
        services = client.get("/cds-services").json()
        jsonschema.validate(services, DISCOVERY_SCHEMA)
        answer = client.post(CDS, json=request)
        assert answer.status_code == 200, answer.text
        cards = answer.json()
        jsonschema.validate(cards, RESPONSE_SCHEMA)
        link = cards["cards"][0]["links"][0]
        assert link["type"] == "absolute"
        assert link["url"].startswith(f"{server.url}/handouts/")
        pdf = client.get(link["url"])
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")
    _no_patient_data(link["url"], example_dict("red-flag-cauda-equina"))


def test_handout_links_work_on_every_instance_sharing_the_secret(
    server: RealServer, app: InProcess
) -> None:
    """A card's link made by one instance opens on another with the same secret (nothing is
    stored); a link made with another secret opens nowhere."""
    answer = app.post(CDS, json=cds_request("disc-recurrent"), headers=AUTH)
    url = answer.json()["cards"][0]["links"][0]["url"]
    token = url.rsplit("/", 1)[1]
    stranger = LinkKey("another-secret-of-another-deployment-0123456789", 3600)
    forged = stranger.make(example("disc-recurrent").to_dict(), "A4")
    with server.client() as client:
        pdf = client.get(f"/handouts/{token}")
        assert pdf.status_code == 200
        assert pdf.content.startswith(b"%PDF-")
        _is_error(client.get(f"/handouts/{forged}"), 404, "not_found")


def test_real_server_logs_no_patient_data(server: RealServer) -> None:
    """The log names method, route, status and duration: no names, ids, notes or links."""
    with server.client() as client:
        assert client.post("/plan", json=DESIGN_EXAMPLE).status_code == 200
        assert client.post("/plan", json={**DESIGN_EXAMPLE, "region": "knee"}).status_code == 422
        card = client.post(CDS, json=cds_request("disc-recurrent")).json()["cards"][0]
    token = card["links"][0]["url"].rsplit("/", 1)[1]
    cds_line = re.compile(r"physio_notes\.service: POST /cds-services/\{service_id\} 200 \d+ ms")
    deadline = time.monotonic() + 30  # the line is written as the answer ends
    while not cds_line.search(server.log_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    log = server.log_text()
    for secret in ("Máire", "CL-20931", "Flexion limited", "knee", token,
                   "Ní Bhriain", "1978-02-11"):
        assert secret not in log
    assert re.search(r"physio_notes\.service: POST /plan 200 \d+ ms", log)
    assert re.search(r"physio_notes\.service: POST /plan 422 \d+ ms", log)
    assert cds_line.search(log)
    assert "Uvicorn running on http://127.0.0.1:" in log  # loopback by default


def test_graceful_shutdown_finishes_renders_in_flight(tmp_path: Path) -> None:
    """SIGTERM while a handout renders: the render finishes and is answered, then the workers
    stop and the server exits."""
    server = RealServer(tmp_path / "server.log", "--workers", "1")
    try:
        with server.client() as client, ThreadPoolExecutor(1) as threads:
            pending = threads.submit(client.post, "/handout", json=example_dict("neck-posture"))
            deadline = time.monotonic() + 120
            while client.get("/health").json()["busy"] == 0 and not pending.done():
                assert time.monotonic() < deadline
                time.sleep(0.02)
            status = server.stop()
            answer = pending.result()
    finally:
        server.stop()
    assert answer.status_code == 200
    assert answer.content.startswith(b"%PDF-")
    assert status in (0, -signal.SIGTERM)  # uvicorn ends by the signal it handled
    log = server.log_text()
    assert log.index("POST /handout 200") < log.index("render workers stopped")
    assert "Finished server process" in log


# --- in-process: authentication, input, documents ---------------------------------------------


def test_bearer_token_is_required_when_configured(app: InProcess) -> None:
    """With a token, every POST needs it; health, discovery and the API description do not."""
    body = _is_error(app.post("/plan", json=DESIGN_EXAMPLE), 401, "unauthorised")
    assert "Bearer" in body["message"]
    assert app.post("/plan", json=DESIGN_EXAMPLE).headers["www-authenticate"] == "Bearer"
    wrong = {"Authorization": "Bearer " + TOKEN[:-1] + "x"}
    _is_error(app.post("/plan", json=DESIGN_EXAMPLE, headers=wrong), 401, "unauthorised")
    _is_error(app.post(CDS, json=cds_request("calf-cramp")), 401, "unauthorised")
    _is_error(app.post("/note", json=DESIGN_EXAMPLE), 401, "unauthorised")
    assert app.post("/plan", json=DESIGN_EXAMPLE, headers=AUTH).status_code == 200
    for path in ("/health", "/cds-services", "/openapi.json", "/schema"):
        assert app.get(path).status_code == 200, path


def test_invalid_input_is_422_listing_every_problem(app: InProcess) -> None:
    """Each problem names the field path, what was found, and what is allowed."""
    bad = {"schema_version": 1, "region": "knee", "pain_score": 11, "colour": "red"}
    body = _is_error(app.post("/plan", json=bad, headers=AUTH), 422, "invalid_input")
    problems = {p["path"]: p for p in body["problems"]}
    assert set(problems) == {"$.region", "$.pain_score", "$.colour"}
    assert problems["$.region"]["found"] == '"knee"'
    assert "lower_back" in problems["$.region"]["message"]
    body = _is_error(app.post("/plan", json={"resourceType": "Bundle"}, headers=AUTH),
                     422, "invalid_input")
    assert "application/fhir+json" in body["problems"][0]["message"]


def test_query_parameters_are_checked(app: InProcess) -> None:
    """A format, page size or parameter the endpoint does not know is a 422 naming it."""
    body = _is_error(app.post("/handout?format=docx", json=DESIGN_EXAMPLE, headers=AUTH),
                     422, "invalid_input")
    assert body["problems"][0]["path"] == "query.format"
    assert body["problems"][0]["found"] == "'docx'"
    _is_error(app.post("/note?page_size=A5", json=DESIGN_EXAMPLE, headers=AUTH),
              422, "invalid_input")
    body = _is_error(app.post("/handout?fromat=html", json=DESIGN_EXAMPLE, headers=AUTH),
                     422, "invalid_input")
    assert body["problems"][0]["path"] == "query.fromat"
    assert "format" in body["problems"][0]["message"]


def test_documents_in_each_format(app: InProcess) -> None:
    """Handout, note and letter in their formats; HTML may load and run nothing."""
    handout = app.post("/handout?format=html&page_size=Letter", json=DESIGN_EXAMPLE,
                       headers=AUTH)
    assert handout.status_code == 200
    assert handout.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in handout.headers["content-security-policy"]
    assert handout.headers["cache-control"] == "no-store"
    assert "size: letter" in handout.text.lower()
    note = app.post("/note", json=DESIGN_EXAMPLE, headers=AUTH)
    assert note.headers["content-type"] == "text/markdown; charset=utf-8"
    assert "Máire Ní Bhriain" in note.text
    letter = app.post("/referral?format=html&to=Dr%20Aoife%20Kelly", json=DESIGN_EXAMPLE,
                      headers=AUTH)
    assert letter.status_code == 200
    assert "Dr Aoife Kelly" in letter.text
    body = _is_error(app.post("/referral", json=example_dict("calf-cramp"), headers=AUTH),
                     422, "no_referral")
    assert body["problems"][0]["path"] == "$.pathways"


def test_a_plan_body_is_read_as_a_plan(app: InProcess) -> None:
    """A JSON object with "pathways" is a plan (perhaps edited); an edit that breaks a safety
    rule is refused."""
    plan = app.post("/plan", json=example_dict("red-flag-cauda-equina"), headers=AUTH).json()
    note = app.post("/note", json={**plan, "clinician_reason": "checked"}, headers=AUTH)
    assert note.status_code == 200
    assert "checked" in note.text
    unsafe = {**plan, "pathways": [p for p in plan["pathways"]
                                   if p["id"] != "urgent-referral"]}
    _is_error(app.post("/handout?format=html", json=unsafe, headers=AUTH), 422, "invalid_plan")


def test_schema_and_api_description(app: InProcess) -> None:
    """/schema is the input's JSON Schema (or a plan's); /openapi.json describes every route
    with the real body schemas, and every reference in it resolves. The browsable pages, which
    load scripts from a public CDN, are off unless asked for."""
    assert app.get("/schema").json() == json_schema()
    assert app.get("/schema?plan=true").json() == plan_schema()
    api = app.get("/openapi.json").json()
    assert {"/health", "/plan", "/handout", "/note", "/referral", "/schema", "/cds-services",
            "/cds-services/{service_id}", "/handouts/{token}"} <= set(api["paths"])
    body = api["paths"]["/plan"]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"]["oneOf"][0] == {
        "$ref": "#/components/schemas/Presentation"}
    assert "application/fhir+json" in body
    refs = re.findall(r'"\$ref": ?"#/components/schemas/([^"]+)"', json.dumps(api))
    assert refs
    assert set(refs) <= set(api["components"]["schemas"])
    assert "bearer" in json.dumps(api["components"]["securitySchemes"]).lower()
    assert app.get("/docs").status_code == 404
    assert app.get("/redoc").status_code == 404
    browsable = InProcess(create_app(ServeOptions(workers=1, api_docs=True)))
    try:
        docs = browsable.get("/docs")
        assert docs.status_code == 200
        assert "/openapi.json" in docs.text
    finally:
        browsable.close()


def test_api_docs_option_round_trips_through_the_environment() -> None:
    """--api-docs reaches the application factory as PHYSIO_NOTES_API_DOCS=1; anything but
    1/true/0/false is an error naming the variable."""
    assert ServeOptions(api_docs=True).to_env()["PHYSIO_NOTES_API_DOCS"] == "1"
    assert "PHYSIO_NOTES_API_DOCS" not in ServeOptions().to_env()
    assert ServeOptions.from_env({"PHYSIO_NOTES_API_DOCS": "1"}).api_docs is True
    assert ServeOptions.from_env({"PHYSIO_NOTES_API_DOCS": "false"}).api_docs is False
    with pytest.raises(PhysioNotesError, match="PHYSIO_NOTES_API_DOCS must be"):
        ServeOptions.from_env({"PHYSIO_NOTES_API_DOCS": "yes please"})


# --- in-process: CDS Hooks --------------------------------------------------------------------


def test_cds_discovery_lists_the_patient_view_service(app: InProcess) -> None:
    """The discovery document has the specification's shape and the three prefetch
    templates."""
    services = app.get("/cds-services").json()
    jsonschema.validate(services, DISCOVERY_SCHEMA)
    assert empty_values(services) == []
    (service,) = services["services"]
    assert service["hook"] == "patient-view"
    assert service["id"] == SERVICE_ID
    assert service["prefetch"] == {
        "patient": "Patient/{{context.patientId}}",
        "conditions": "Condition?patient={{context.patientId}}",
        "observations": "Observation?patient={{context.patientId}}",
    }
    assert service["prefetch"] == PREFETCH


@pytest.mark.parametrize(("name", "indicator"), [
    ("red-flag-cauda-equina", "critical"),
    ("disc-recurrent", "warning"),
    ("neurological-ms", "warning"),
    ("calf-cramp", "info"),
])
def test_cds_cards_follow_the_specification(app: InProcess, name: str, indicator: str) -> None:
    """A card per plan: critical on a red flag, warning on a referral, info otherwise; a
    summary under 140 characters; the pathways and why in Markdown; an absolute link."""
    answer = app.post(CDS, json=cds_request(name), headers=AUTH)
    assert answer.status_code == 200, answer.text
    response = answer.json()
    jsonschema.validate(response, RESPONSE_SCHEMA)
    assert empty_values(response) == []
    (card,) = response["cards"]
    assert card["indicator"] == indicator
    assert len(card["summary"]) < 140
    assert card["source"]["label"]
    plan = select_pathways(example(name))
    for pathway in plan.pathways:
        assert f"`{pathway.id}`" in card["detail"]
        assert pathway.title in card["detail"]
    (link,) = card["links"]
    assert link["type"] == "absolute"
    assert link["url"].startswith("http://testserver/handouts/")
    _no_patient_data(link["url"], example_dict(name))


def test_cds_call_without_the_prefetch_it_needs_is_412(app: InProcess) -> None:
    """The service fetches nothing itself: missing prefetch is 412 Precondition Failed."""
    request = cds_request("disc-recurrent")
    body = _is_error(app.post(CDS, json={k: v for k, v in request.items() if k != "prefetch"},
                              headers=AUTH), 412, "prefetch_required")
    assert {p["path"] for p in body["problems"]} == {
        "/prefetch/patient", "/prefetch/conditions", "/prefetch/observations"}
    partial = {**request, "prefetch": {k: v for k, v in request["prefetch"].items()
                                       if k != "conditions"}}
    body = _is_error(app.post(CDS, json=partial, headers=AUTH), 412, "prefetch_required")
    assert [p["path"] for p in body["problems"]] == ["/prefetch/conditions"]
    no_patient = {**request, "prefetch": {**request["prefetch"], "patient": None}}
    _is_error(app.post(CDS, json=no_patient, headers=AUTH), 412, "prefetch_required")


def test_cds_call_errors_point_into_the_request(app: InProcess) -> None:
    """A request that is not a patient-view call, or prefetch about another patient: 422
    with JSON Pointers into the request; an unknown service: 404."""
    request = cds_request("disc-recurrent")
    body = _is_error(app.post(CDS, json={**request, "hook": "order-sign", "hookInstance": ""},
                              headers=AUTH), 422, "invalid_input")
    assert {p["path"] for p in body["problems"]} == {"/hook", "/hookInstance"}
    other = cds_request("disc-recurrent", patient_id="someone-else")
    body = _is_error(app.post(CDS, json=other, headers=AUTH), 422, "invalid_input")
    assert body["problems"][0]["path"] == "/prefetch/patient/id"
    stray = json.loads(json.dumps(request))
    stray["prefetch"]["conditions"]["entry"][0]["resource"]["subject"] = {
        "reference": "Patient/someone-else"}
    body = _is_error(app.post(CDS, json=stray, headers=AUTH), 422, "invalid_input")
    assert body["problems"][0]["path"] == (
        "/prefetch/conditions/entry/0/resource/subject/reference")
    _is_error(app.post("/cds-services/no-such-service", json=request, headers=AUTH),
              404, "unknown_service")
    _is_error(app.post(CDS, content=json.dumps(request), headers={**AUTH, **FHIR}),
              415, "unsupported_media_type")


def test_cds_call_for_a_record_without_a_spasm_has_no_cards(app: InProcess) -> None:
    """A patient whose record codes no muscle spasm gets an empty list of cards."""
    request = cds_request("disc-recurrent")
    request["prefetch"]["conditions"] = None
    request["prefetch"]["observations"] = {"resourceType": "Bundle", "type": "searchset",
                                           "total": 0}
    answer = app.post(CDS, json=request, headers=AUTH)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"cards": []}


def test_handout_links_expire_and_cannot_be_forged(app: InProcess) -> None:
    """A changed link is 404, an expired one 410; neither renders anything."""
    card = app.post(CDS, json=cds_request("calf-cramp"), headers=AUTH).json()["cards"][0]
    token = card["links"][0]["url"].rsplit("/", 1)[1]
    changed = token[:40] + ("A" if token[40] != "A" else "B") + token[41:]
    _is_error(app.get(f"/handouts/{changed}"), 404, "not_found")
    _is_error(app.get("/handouts/not-a-link"), 404, "not_found")
    old = LinkKey(SECRET, 3600).make(example("calf-cramp").to_dict(), "A4",
                                     at=int(time.time()) - 2 * 3600)
    _is_error(app.get(f"/handouts/{old}"), 410, "link_expired")


def test_cors_is_off_unless_configured(app: InProcess, slow: InProcess) -> None:
    """No CORS headers by default; a configured origin (only that one) is allowed."""
    origin = {"Origin": "https://ehr.example.invalid"}
    assert "access-control-allow-origin" not in app.get("/health", headers=origin).headers
    allowed = slow.get("/health", headers=origin)
    assert allowed.headers["access-control-allow-origin"] == "https://ehr.example.invalid"
    other = slow.get("/health", headers={"Origin": "https://elsewhere.example.invalid"})
    assert "access-control-allow-origin" not in other.headers
    preflight = slow.request("OPTIONS", "/plan", headers={
        **origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 200


def test_an_unexpected_error_is_a_json_500_and_the_service_stays_up(
    app: InProcess, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug is a 500 with a JSON body; the log names the exception's type, not its message
    (which may quote the input)."""

    def broken(*_: object) -> None:
        raise RuntimeError("internal detail: Máire Ní Bhriain")

    monkeypatch.setattr("physio_notes._service._input.select_pathways", broken)
    with caplog.at_level("INFO", logger="physio_notes.service"):
        answer = app.post("/plan", json=DESIGN_EXAMPLE, headers=AUTH)
    body = _is_error(answer, 500, "internal_error")
    assert "Máire" not in answer.text
    assert "RuntimeError" in caplog.text
    assert "Máire" not in caplog.text
    assert body["problems"] == []
    monkeypatch.undo()
    assert app.post("/plan", json=DESIGN_EXAMPLE, headers=AUTH).status_code == 200


# --- limits: the time limit, the queue, a worker that dies ----------------------------------


def test_a_render_past_its_time_limit_is_503_and_the_pool_recovers(slow: InProcess) -> None:
    """The endless template is stopped at the limit (503, Retry-After); the worker is replaced
    and the next render succeeds."""
    stuck = {**example_dict("calf-cramp"), "patient": {"name": "Slow", "id": "S-1"}}
    answer = slow.post("/handout?format=html", json=stuck)
    body = _is_error(answer, 503, "render_timeout")
    assert "2 s" in body["message"]
    assert answer.headers["retry-after"]
    fine = slow.post("/handout?format=html", json=example_dict("calf-cramp"))
    assert fine.status_code == 200
    assert "<html" in fine.text
    assert slow.get("/health").status_code == 200


def test_pool_queues_requests_beyond_its_workers() -> None:
    """More renders than workers wait their turn and all succeed, each with its own result."""

    async def scenario() -> list[str | bytes | None]:
        pool = RenderPool(workers=1, timeout=60, max_queue=10, task=fake_task,
                          initializer=None)
        await pool.start()
        try:
            outcomes = await asyncio.gather(*(pool.run(fake_job(text=f"job {n}"))
                                              for n in range(6)))
        finally:
            await pool.close()
        return [o.payload for o in outcomes]

    assert asyncio.run(scenario()) == [f"job {n}" for n in range(6)]


def test_pool_refuses_when_its_queue_is_full() -> None:
    """With every worker busy and the queue full, a render is refused at once."""

    async def scenario() -> None:
        pool = RenderPool(workers=1, timeout=120, max_queue=0, task=fake_task,
                          initializer=None)
        await pool.start()
        busy = asyncio.ensure_future(pool.run(fake_job(do="sleep", seconds=60)))
        try:
            while pool.busy == 0:
                await asyncio.sleep(0.01)
            with pytest.raises(PoolBusy):
                await pool.run(fake_job(text="one too many"))
        finally:
            busy.cancel()
            await pool.close()

    asyncio.run(scenario())


def test_pool_replaces_a_worker_that_overruns_or_dies() -> None:
    """A render past the limit, or a worker that dies, fails alone: the next render works."""

    async def scenario() -> list[str | bytes | None]:
        pool = RenderPool(workers=1, timeout=1, max_queue=10, task=fake_task,
                          initializer=None)
        await pool.start()
        try:
            with pytest.raises(RenderTimeout):
                await pool.run(fake_job(do="sleep", seconds=120))
            after_timeout = await pool.run(fake_job(text="after the timeout"))
            with pytest.raises(WorkerLost):
                await pool.run(fake_job(do="exit"))
            after_death = await pool.run(fake_job(text="after the death"))
        finally:
            await pool.close()
        return [after_timeout.payload, after_death.payload]

    assert asyncio.run(scenario()) == ["after the timeout", "after the death"]


# --- options, the command, the import ---------------------------------------------------------


def test_serve_options_are_checked_and_travel_through_the_environment() -> None:
    """Bad settings are refused with the option named; from_env(to_env()) gives them back."""
    assert ServeOptions().host == "127.0.0.1"
    assert ServeOptions().server_settings()["host"] == "127.0.0.1"
    assert ServeOptions().cors_origins == ()
    assert ServeOptions().token is None
    cases: list[tuple[dict[str, Any], str]] = [
        ({"workers": 0}, "--workers"), ({"timeout": 0}, "--timeout"),
        ({"token": "short"}, "token"), ({"secret": "short"}, "secret"),
        ({"public_url": "ftp://x"}, "--public-url"),
        ({"cors_origins": ["ehr.example"]}, "--cors-origin")]
    for bad, named in cases:
        with pytest.raises(PhysioNotesError, match=re.escape(named)):
            ServeOptions(**bad)
    options = ServeOptions(workers=3, timeout=12.5, token=TOKEN, secret=SECRET, link_ttl=600,
                           public_url="https://physio.example.invalid/api",
                           cors_origins=["https://a.example.invalid", "https://b.example"])
    assert ServeOptions.from_env(options.to_env()) == options
    assert ServeOptions.from_env({"PHYSIO_NOTES_WORKERS": "2"}, workers=5).workers == 5
    with pytest.raises(PhysioNotesError, match="PHYSIO_NOTES_TIMEOUT"):
        ServeOptions.from_env({"PHYSIO_NOTES_TIMEOUT": "soon"})


def test_serve_command_refuses_bad_options(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Exit 2 with one message — bad options, a clinic file that is wrong, or the extra not
    installed — before anything starts."""
    assert main(["serve", "--workers", "0"]) == 2
    assert "--workers must be 1 to 64" in capsys.readouterr().err
    assert main(["serve", "--clinic", str(tmp_path / "missing.toml")]) == 2
    assert "missing.toml" in capsys.readouterr().err
    (tmp_path / "token").write_text("short\n", encoding="utf-8")
    assert main(["serve", "--token-file", str(tmp_path / "token")]) == 2
    assert "at least 16 characters" in capsys.readouterr().err
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "fastapi" else real(name, *a))
    assert main(["serve"]) == 2
    assert "pip install 'physio-notes[serve]'" in capsys.readouterr().err


def test_importing_the_package_loads_no_web_framework() -> None:
    """`import physio_notes` and the command line load no server, framework or crypto."""
    code = ("import sys, physio_notes, physio_notes.cli; "
            "heavy = {'fastapi', 'starlette', 'uvicorn', 'cryptography', 'weasyprint'}; "
            "print(sorted(heavy & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def _no_patient_data(url: str, presentation: dict[str, Any]) -> None:
    """Neither the link nor its decoded bytes show the patient's name, id or notes."""
    token = url.rsplit("/", 1)[1]
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    patient = presentation.get("patient") or {}
    for value in (patient.get("name"), patient.get("id"), presentation.get("notes"),
                  presentation.get("region")):
        if value:
            assert value not in url
            assert value.encode("utf-8") not in raw
    assert b'"presentation"' not in raw
