"""The service's settings: from the command line or the environment, checked once.

Standard library only, so the command line can check its options and say what is missing
before the web framework is imported. :func:`ServeOptions.from_env` reads the same settings
from ``PHYSIO_NOTES_*`` variables, which is how ``physio-notes serve`` hands them to the
application factory that uvicorn imports (and how a container is configured).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import attrs

from .._limits import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from ..exceptions import PhysioNotesError

__all__ = ["APP_FACTORY", "ENV", "LOG_CONFIG", "ServeOptions", "default_workers",
           "read_secret_file"]

#: What uvicorn imports and calls to make the application.
APP_FACTORY: Final = "physio_notes._service._app:create_app"
#: The environment variable of each setting.
ENV: Final = {
    "clinic": "PHYSIO_NOTES_CLINIC",
    "workers": "PHYSIO_NOTES_WORKERS",
    "timeout": "PHYSIO_NOTES_TIMEOUT",
    "max_memory": "PHYSIO_NOTES_MAX_MEMORY",
    "max_queue": "PHYSIO_NOTES_MAX_QUEUE",
    "token": "PHYSIO_NOTES_TOKEN",
    "secret": "PHYSIO_NOTES_SECRET",
    "link_ttl": "PHYSIO_NOTES_LINK_TTL",
    "public_url": "PHYSIO_NOTES_PUBLIC_URL",
    "cors_origins": "PHYSIO_NOTES_CORS_ORIGINS",
    "cds_jwks": "PHYSIO_NOTES_CDS_JWKS",
    "api_docs": "PHYSIO_NOTES_API_DOCS",
}
#: Shortest bearer token and link secret accepted.
MIN_TOKEN: Final = 16
MIN_SECRET: Final = 32
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?")


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def default_workers() -> int:
    """Render workers by default: one per core, at most 4 (each holds WeasyPrint in memory)."""
    return max(1, min(os.cpu_count() or 1, 4))


def read_secret_file(path: str, what: str) -> str:
    """The first line of a file holding a token or a secret (kept off the command line,
    where ``ps`` would show it)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PhysioNotesError(f"serve: cannot read the {what} file {path}: {exc}") from None
    lines = text.splitlines()
    return lines[0].strip() if lines else ""


@attrs.frozen(kw_only=True)
class ServeOptions:
    """Everything the service needs to start; checked when made.

    Attributes:
        host: The address to listen on (loopback by default: put a reverse proxy in front).
        port: The TCP port.
        clinic: Clinic settings (TOML) for every document, or ``None``.
        workers: Render worker processes.
        timeout: Seconds one render may take once a worker has it; past that, 503.
        max_memory: Address space of a render worker, in MiB (``None``: no limit).
        max_queue: Requests that may wait for a worker; past that, 503 at once.
        token: The bearer token every POST must carry, or ``None`` (no authentication).
        secret: The key of the CDS cards' handout links, shared by every instance; ``None``
            makes a random one per process (links then work only on the instance that made
            them).
        link_ttl: Seconds a handout link works.
        public_url: The service's address as clients reach it (behind a proxy), for the
            absolute links in CDS cards; ``None`` takes it from each request.
        cors_origins: Browser origins allowed to call the service; none by default.
        cds_jwks: A JSON file of the CDS clients (EHRs) trusted to call the CDS service, each
            issuer with its public keys; a CDS call must then carry that client's signed JWT
            (``_service/_jwt.py``). ``None``: CDS calls are guarded as other POSTs.
        api_docs: Serve the browsable API pages ``/docs`` (Swagger UI) and ``/redoc``. Off by
            default: those pages load their scripts from a public CDN (cdn.jsdelivr.net), so
            a browser on the clinic's network would run third-party code on the service's
            origin. ``/openapi.json`` is always served.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    clinic: str | None = None
    workers: int = attrs.field(factory=default_workers)
    timeout: float = DEFAULT_TIMEOUT
    max_memory: int | None = DEFAULT_MEMORY_MB
    max_queue: int = 64
    token: str | None = attrs.field(default=None, repr=False)
    secret: str | None = attrs.field(default=None, repr=False)
    link_ttl: int = 3600
    public_url: str | None = None
    cors_origins: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    cds_jwks: str | None = None
    api_docs: bool = False

    def __attrs_post_init__(self) -> None:
        problems = list(self._problems())
        if problems:
            raise PhysioNotesError("serve: " + "; ".join(problems))

    def _problems(self) -> list[str]:
        found = []
        if not self.host:
            found.append("--host must not be empty")
        if not 0 <= self.port <= 65535:
            found.append(f"--port must be 0 to 65535 (got {self.port})")
        if not 1 <= self.workers <= 64:
            found.append(f"--workers must be 1 to 64 (got {self.workers})")
        if not self.timeout > 0:
            found.append(f"--timeout must be more than 0 seconds (got {self.timeout:g})")
        if self.max_memory is not None and self.max_memory < 256:
            found.append(f"--max-memory must be at least 256 MiB (got {self.max_memory})")
        if self.max_queue < 0:
            found.append(f"--max-queue must be 0 or more (got {self.max_queue})")
        if self.token is not None and len(self.token) < MIN_TOKEN:
            found.append(f"the bearer token must be at least {MIN_TOKEN} characters")
        if self.secret is not None and len(self.secret) < MIN_SECRET:
            found.append(f"the link secret must be at least {MIN_SECRET} characters")
        if self.link_ttl < 60:
            found.append(f"--link-ttl must be at least 60 seconds (got {self.link_ttl})")
        if self.public_url is not None:
            parts = urlsplit(self.public_url)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
                found.append(f"--public-url must be an absolute http(s) URL without a query "
                             f"(got {self.public_url!r})")
        if self.cds_jwks is not None and not Path(self.cds_jwks).is_file():
            found.append(f"--cds-jwks must name a file (got {self.cds_jwks!r})")
        found.extend(f"--cors-origin must be '*' or scheme://host[:port] (got {origin!r})"
                     for origin in self.cors_origins
                     if origin != "*" and not _ORIGIN.fullmatch(origin))
        return found

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **given: Any) -> ServeOptions:
        """Options from ``PHYSIO_NOTES_*`` variables; keyword arguments win over them."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, variable in ENV.items():
            text = env.get(variable)
            if text is None or text == "":
                continue
            values[name] = _convert(name, variable, text)
        values.update({k: v for k, v in given.items() if v is not None})
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The ``PHYSIO_NOTES_*`` variables that :meth:`from_env` reads back to these
        options (host and port belong to the server, not the application)."""
        out = {}
        for name, variable in ENV.items():
            value = getattr(self, name)
            if value is None or value is False:
                continue
            if isinstance(value, bool):
                out[variable] = "1"
                continue
            out[variable] = ",".join(value) if isinstance(value, tuple) else str(value)
        return out

    def server_settings(self) -> dict[str, Any]:
        """Keyword arguments for ``uvicorn.run``: no access log of its own (the application
        logs method, route, status and duration only), no server header, and a graceful
        shutdown that waits for renders in flight."""
        return {
            "host": self.host,
            "port": self.port,
            "access_log": False,
            "server_header": False,
            "log_config": LOG_CONFIG,
            "timeout_graceful_shutdown": int(self.timeout) + 5,
        }


def _convert(name: str, variable: str, text: str) -> Any:
    try:
        if name in ("workers", "max_queue", "link_ttl", "max_memory"):
            return int(text)
        if name == "timeout":
            return float(text)
    except ValueError:
        raise PhysioNotesError(f"serve: {variable} must be a number (got {text!r})") from None
    if name == "cors_origins":
        return tuple(o.strip() for o in text.split(",") if o.strip())
    if name == "api_docs":
        if text.lower() not in ("1", "true", "0", "false"):
            raise PhysioNotesError(f"serve: {variable} must be 1, true, 0 or false "
                                   f"(got {text!r})")
        return text.lower() in ("1", "true")
    return text


#: Logging for ``uvicorn.run``: uvicorn's own messages and the service's request log
#: (``physio_notes.service``), one line each on standard error.
LOG_CONFIG: Final[dict[str, Any]] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain",
                   "stream": "ext://sys.stderr"},
    },
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "physio_notes.service": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
