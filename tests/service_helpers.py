"""Helpers for the service tests: a real server on a free loopback port, the application
in-process behind httpx, CDS Hooks requests built from the examples, the CDS Hooks 2.0 shapes
as JSON Schemas, and a fake render task for the pool's own tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine, Mapping
from pathlib import Path
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI

from physio_notes import presentation_to_fhir
from physio_notes._service._worker import Job, Outcome

from .conftest import example

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RealServer:
    """``python -m physio_notes serve`` in a child process, its log in a file."""

    def __init__(self, log: Path, *args: str, env: Mapping[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        environ = {k: v for k, v in os.environ.items() if not k.startswith("PHYSIO_NOTES_")}
        environ.update(env or {})
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "physio_notes", "serve", "--port", str(self.port), *args],
                cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 180  # a bound, not a measurement: workers load WeasyPrint
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}):\n"
                                   + self.log.read_text(encoding="utf-8", errors="replace"))
            try:
                if httpx.get(f"{self.url}/health", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not start:\n" + self.log.read_text(encoding="utf-8"))

    def client(self, **kwargs: Any) -> httpx.Client:
        """A client of this server (renders may queue: a generous timeout)."""
        return httpx.Client(base_url=self.url, timeout=300, **kwargs)

    def stop(self) -> int:
        """SIGTERM, as a container runtime sends it; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


class InProcess:
    """The application in this process: its lifespan and an httpx client on an event loop in a
    thread, called synchronously from the tests."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.lifespan = app.router.lifespan_context(app)
        self.run(self.lifespan.__aenter__())
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                        base_url="http://testserver", timeout=300)

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=600)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.run(self.client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        self.run(self.client.aclose())
        self.run(self.lifespan.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


def cds_request(name: str, *, patient_id: str | None = None) -> dict[str, Any]:
    """A ``patient-view`` call for an example, its prefetch as an EHR fills the templates:
    the Patient, and searchset Bundles of its Conditions and Observations (``Patient/ID``
    references)."""
    bundle = presentation_to_fhir(example(name))
    resources = [entry["resource"] for entry in bundle["entry"]]
    patient = next((r for r in resources if r["resourceType"] == "Patient"),
                   {"resourceType": "Patient", "id": "p-1"})
    pid = patient["id"]
    refs = {entry["fullUrl"]: f"Patient/{pid}" for entry in bundle["entry"]
            if entry["resource"]["resourceType"] == "Patient"}

    def searchset(kind: str) -> dict[str, Any]:
        entries: list[dict[str, Any]] = []
        for resource in resources:
            if resource["resourceType"] != kind:
                continue
            subject = resource.get("subject", {})
            if subject.get("reference") in refs:
                resource = {**resource, "subject": {"reference": refs[subject["reference"]]}}
            entries.append({"fullUrl": f"https://ehr.example.invalid/fhir/{kind}/"
                                       f"{resource.get('id', len(entries))}",
                            "resource": resource, "search": {"mode": "match"}})
        return {"resourceType": "Bundle", "type": "searchset", "total": len(entries),
                "entry": entries}

    return {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"userId": "Practitioner/example", "patientId": patient_id or pid},
        "prefetch": {"patient": patient, "conditions": searchset("Condition"),
                     "observations": searchset("Observation")},
    }


# --- CDS Hooks 2.0 shapes (cds-hooks.hl7.org/2.0: Discovery, CDS Service Response, Card,
# Source, Link) as JSON Schemas: every field the specification defines, none other. ---------

DISCOVERY_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["services"], "additionalProperties": False,
    "properties": {"services": {"type": "array", "items": {
        "type": "object", "required": ["hook", "description", "id"],
        "additionalProperties": False,
        "properties": {
            "hook": {"type": "string", "minLength": 1},
            "title": {"type": "string", "minLength": 1},
            "description": {"type": "string", "minLength": 1},
            "id": {"type": "string", "pattern": "^[A-Za-z0-9._~-]+$"},
            "prefetch": {"type": "object", "minProperties": 1,
                         "additionalProperties": {"type": "string", "minLength": 1}},
            "usageRequirements": {"type": "string"},
        },
    }}},
}

_CODING = {"type": "object", "properties": {"system": {"type": "string"},
                                            "code": {"type": "string"},
                                            "display": {"type": "string"}}}
CARD_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["summary", "indicator", "source"],
    "additionalProperties": False,
    "properties": {
        "uuid": {"type": "string"},
        "summary": {"type": "string", "minLength": 1, "maxLength": 139,
                    "pattern": "^[^\\n]+$"},
        "detail": {"type": "string", "minLength": 1},
        "indicator": {"enum": ["info", "warning", "critical"]},
        "source": {"type": "object", "required": ["label"], "additionalProperties": False,
                   "properties": {"label": {"type": "string", "minLength": 1},
                                  "url": {"type": "string"}, "icon": {"type": "string"},
                                  "topic": _CODING}},
        "suggestions": {"type": "array", "minItems": 1},
        "selectionBehavior": {"enum": ["at-most-one", "any"]},
        "overrideReasons": {"type": "array", "minItems": 1, "items": _CODING},
        "links": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["label", "url", "type"],
            "additionalProperties": False,
            "properties": {"label": {"type": "string", "minLength": 1},
                           "url": {"type": "string", "pattern": "^https?://"},
                           "type": {"enum": ["absolute", "smart"]},
                           "appContext": {"type": "string"}}}},
    },
}
RESPONSE_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["cards"], "additionalProperties": False,
    "properties": {"cards": {"type": "array", "items": CARD_SCHEMA},
                   "systemActions": {"type": "array"}},
}


def empty_values(value: object, path: str = "") -> list[str]:
    """Where a JSON value holds null or an empty string, list or object (CDS Hooks forbids
    them unless a field says otherwise; ``cards: []`` is the one exception)."""
    found = []
    if value is None or value in ("", [], {}):
        found.append(path or "$")
    elif isinstance(value, dict):
        for key, item in value.items():
            found.extend(empty_values(item, f"{path}.{key}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(empty_values(item, f"{path}[{index}]"))
    return found


# --- a fake render task for the pool's tests (imported by spawned workers) -----------------


def fake_task(job: Job) -> Outcome:
    """``data["do"]``: "echo" returns ``data["text"]``; "sleep" sleeps ``data["seconds"]``;
    "exit" ends the worker process abruptly."""
    action = job.data.get("do")
    if action == "sleep":
        time.sleep(float(job.data["seconds"]))
    elif action == "exit":
        os._exit(3)
    return Outcome(payload=str(job.data.get("text", "")))


def fake_job(**data: Any) -> Job:
    return Job("handout", "presentation", data, "html", "A4")
