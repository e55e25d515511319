"""The ``physio-notes`` command line: parse, call the library, print.

Every :class:`~physio_notes.exceptions.PhysioNotesError` is caught in :func:`main`, printed
as one clear message on standard error, and turned into exit status 2; no traceback.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final, Literal, TextIO

from . import __version__
from ._batch import render_batch
from ._clinic import Clinic
from ._engine import CarePlan, select_pathways
from ._fhir import from_fhir, to_fhir
from ._handout import render_handout
from ._io import MAX_INPUT_BYTES, atomic_write, load_presentation, parse_json
from ._limits import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, run_limited
from ._model import Presentation
from ._note import render_note
from ._paths import examples_dir
from ._referral import main_referral, render_referral
from ._schema import json_schema, plan_schema
from ._service._options import APP_FACTORY, ServeOptions, read_secret_file
from .exceptions import PhysioNotesError, PresentationError, Problem

__all__ = ["main"]

Command = Callable[[argparse.Namespace], int]

#: ``note -o`` picks the format from the output's suffix.
NOTE_SUFFIXES: Final[dict[str, Literal["markdown", "html", "pdf"]]] = {
    ".md": "markdown", ".html": "html", ".pdf": "pdf"}


def _read_json(args: argparse.Namespace) -> object:
    """The JSON named by FILE (or standard input for ``-``), parsed strictly."""
    origin = "<stdin>" if args.file == "-" else args.file
    try:
        raw = _read_stdin() if args.file == "-" else _read_file(Path(args.file))
    except OSError as exc:
        raise PresentationError([Problem("$", f"cannot read {origin}: {exc.strerror}")]) from None
    return parse_json(raw, origin=origin)


def _read_input(args: argparse.Namespace) -> Presentation:
    """The presentation named by FILE: the JSON contract, or a FHIR R4 Bundle with --fhir."""
    data = _read_json(args)
    if not args.fhir:
        return Presentation.from_dict(data)

    def warn(warning: object) -> None:  # one line each: the text may come from the input
        text = printable(str(warning)).replace("\n", "\\n")
        print(f"physio-notes: warning: {text}", file=sys.stderr)

    return from_fhir(data, identifier_system=getattr(args, "identifier_system", None),
                     on_warning=warn)


def _read_stdin() -> bytes:
    if sys.stdin is None or sys.stdin.closed:
        raise PresentationError([Problem("$", "standard input is closed: give FILE, or pipe "
                                              "the JSON in")])
    return sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)


def _read_file(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(MAX_INPUT_BYTES + 1)


def _plan(args: argparse.Namespace, clinic: Clinic | None = None) -> CarePlan:
    """The plan: made from the presentation, or read (perhaps edited) with --plan, when the
    clinic's own exercises may be added by id."""
    if not getattr(args, "plan", False):
        return select_pathways(_read_input(args))
    library = clinic.exercises if clinic is not None else ()
    return CarePlan.from_dict(_read_json(args), library=library)


def _cmd_plan(args: argparse.Namespace) -> int:
    plan = _plan(args)
    if args.fhir_out:
        _emit(args.fhir_out, json.dumps(to_fhir(plan), indent=2, ensure_ascii=False) + "\n")
    if args.json:
        json.dump(plan.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        write_plan(plan, sys.stdout)
    return 0


def _clinic(args: argparse.Namespace) -> Clinic | None:
    return Clinic.from_toml(args.clinic) if args.clinic else None


def _limited(args: argparse.Namespace, render: Callable[[], str | bytes]) -> str | bytes:
    """Render in a child process, within --timeout and --max-memory."""
    return run_limited(render, timeout=args.timeout, memory_mb=args.max_memory)


def _cmd_handout(args: argparse.Namespace) -> int:
    clinic = _clinic(args)
    plan = _plan(args, clinic)
    kind: Literal["pdf", "html"] = "html" if args.html else "pdf"
    _emit(args.output, _limited(args, lambda: render_handout(
        plan, format=kind, page_size=args.page_size, clinic=clinic,
        large_print=args.large_print)))
    return 0


def _note_format(output: str | None) -> Literal["markdown", "html", "pdf"]:
    if output is None or output == "-":
        return "markdown"
    suffix = Path(output).suffix.lower()
    if suffix not in NOTE_SUFFIXES:
        raise PhysioNotesError(
            f"note: cannot tell the format of {output!r} from its suffix {suffix!r}; "
            f"allowed: {', '.join(NOTE_SUFFIXES)}"
        )
    return NOTE_SUFFIXES[suffix]


def _cmd_note(args: argparse.Namespace) -> int:
    kind = _note_format(args.output)
    clinic = _clinic(args)
    plan = _plan(args, clinic)
    output = args.output or "-"
    _emit(output, _limited(args, lambda: render_note(
        plan, format=kind, page_size=args.page_size, clinic=clinic)))
    return 0


def _cmd_referral(args: argparse.Namespace) -> int:
    clinic = _clinic(args)
    plan = _plan(args, clinic)
    main_referral(plan)  # NoReferralError here, before any rendering
    kind: Literal["pdf", "html"] = "html" if args.html else "pdf"
    _emit(args.output, _limited(args, lambda: render_referral(
        plan, format=kind, page_size=args.page_size, clinic=clinic, recipient=args.to)))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    folder = examples_dir()
    clinic = Clinic.from_toml(folder / "clinic.toml")
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    examples = sorted(folder.glob("*.json"))
    for number, example in enumerate(examples, 1):
        plan = select_pathways(load_presentation(example))
        documents = {"handout": render_handout(plan, clinic=clinic),
                     "note": render_note(plan, format="pdf", clinic=clinic)}
        if plan.referrals:
            documents["referral"] = render_referral(plan, clinic=clinic)
        for kind, pdf in documents.items():
            atomic_write(out / f"{example.stem}-{kind}.pdf", pdf)
        print(f"[{number}/{len(examples)}] {out / example.stem}-{{{','.join(documents)}}}.pdf"
              f"  ({', '.join(plan.pathway_ids)})")
    return 0


def _cmd_batch(args: argparse.Namespace) -> int:
    if args.workers is not None and args.workers < 1:
        raise PhysioNotesError(f"batch: --workers must be 1 or more (got {args.workers})")
    clinic = _clinic(args)
    try:  # bytes: each line is decoded on its own, so one bad line fails alone
        if args.input == "-":
            lines = sys.stdin.buffer.readlines()
        else:
            with Path(args.input).open("rb") as handle:
                lines = handle.readlines()
    except OSError as exc:
        raise PhysioNotesError(f"batch: cannot read {args.input}: "
                               f"{exc.strerror or exc}") from None
    summary = render_batch(lines, args.output, notes=args.notes, force=args.force,
                           workers=args.workers, clinic=clinic,
                           progress=_Progress(sys.stderr), timeout=args.timeout,
                           max_memory=args.max_memory)
    for item in summary.items:
        if item.status == "failed":
            first, *rest = (item.error or "").splitlines() or [""]
            detail = "; ".join(line.strip() for line in rest)
            print(printable(f"line {item.line}: {first}{': ' + detail if detail else ''}"),
                  file=sys.stderr)
    print(f"batch: {summary.count('rendered')} rendered, {summary.count('skipped')} skipped "
          f"(unchanged since the last run; --force renders them again), "
          f"{summary.count('failed')} failed; manifest: {summary.manifest}", file=sys.stderr)
    return 0 if summary.ok else 2


class _Progress:
    """A one-line progress bar on a terminal; a line per record otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()

    def __call__(self, item: object, done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        bar = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        if self.tty:
            self.stream.write("\r" + bar + ("\n" if done == total else ""))
        else:
            self.stream.write(bar + "\n")
        self.stream.flush()


def _emit(output: str, data: str | bytes) -> None:
    """Write to a file atomically, or to standard output for ``-``."""
    if output == "-":
        if isinstance(data, str):
            sys.stdout.write(data)
        else:
            sys.stdout.buffer.write(data)
        return
    atomic_write(output, data)


def _cmd_schema(args: argparse.Namespace) -> int:
    json.dump(plan_schema() if args.plan else json_schema(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def write_plan(plan: CarePlan, out: TextIO) -> None:
    """Print a plan for a clinician to read at a glance."""
    p = plan.presentation
    screen = plan.red_flag_screen
    out.write(f"Care plan: {p.region.value.replace('_', ' ')}, {p.encounter_date.isoformat()}"
              f" (knowledge base {plan.knowledge_version})\n")
    if screen.status == "positive":
        out.write(f"!! RED FLAGS ({(screen.urgency or '').upper()}):\n")
        for f in screen.findings:
            out.write(f"!!   {f.label}: suspected {f.suspected} [{f.urgency}]\n")
    else:
        out.write("Red-flag screen: " + {"none_found": "none found",
                                         "not_screened": "NOT SCREENED"}[screen.status] + "\n")
    if plan.start_back_risk is not None and p.start_back is not None:
        out.write(f"STarT Back: {plan.start_back_risk} risk (total {p.start_back.total}, "
                  f"distress {p.start_back.distress})\n")
    for number, pathway in enumerate(plan.pathways, 1):
        out.write(f"\n{number}. {pathway.id}: {pathway.title}\n")
        out.write(f"   Why: {pathway.rationale}\n")
        out.write(f"   Rules: {', '.join(pathway.rules)}\n")
        for source in pathway.sources:
            out.write(f"   Source: {source}\n")


def _input_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="presentation JSON, or - for standard input")
    parser.add_argument("--fhir", action="store_true",
                        help="FILE is a FHIR R4 Bundle instead of the presentation JSON")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="physio-notes",
        description="Care plans, patient handouts and clinician notes for muscle spasm.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _plan_parser(sub)
    _document_parsers(sub)
    _batch_parser(sub)
    _serve_parser(sub)
    demo = sub.add_parser("demo", help="render the bundled example cases (no input needed)")
    demo.add_argument("-o", "--output", default="physio-notes-demo", metavar="DIR",
                      help="folder for the PDFs (default: %(default)s)")
    demo.set_defaults(run=_cmd_demo)
    schema = sub.add_parser("schema", help="print the JSON Schema of the input (or of a plan)")
    schema.add_argument("--plan", action="store_true",
                        help="the schema of a plan JSON, as `plan --json` prints it")
    schema.set_defaults(run=_cmd_schema)
    return parser


def _plan_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    plan = sub.add_parser("plan", help="print the care plan for a presentation")
    _input_arguments(plan)
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")
    plan.add_argument("--fhir-out", metavar="OUT",
                      help="also write the plan as a FHIR R4 Bundle (- for standard output)")
    plan.set_defaults(run=_cmd_plan)


def _document_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """handout, note and referral: the same input, page size and clinic options."""
    documents = {
        "handout": ("render the patient handout (PDF, or HTML)", _cmd_handout),
        "note": ("render the clinician's SOAP note (Markdown, HTML, PDF)", _cmd_note),
        "referral": ("render the referral letter (only when the plan refers the patient on)",
                     _cmd_referral),
    }
    for name, (help_text, run) in documents.items():
        command = sub.add_parser(name, help=help_text)
        _input_arguments(command)
        command.add_argument("--plan", action="store_true",
                             help="FILE is a plan JSON (as `plan --json` prints it, perhaps "
                                  "edited by a clinician), not a presentation")
        if name == "note":
            command.add_argument("-o", "--output", metavar="OUT",
                                 help="write here; the format comes from the suffix: "
                                      f"{', '.join(NOTE_SUFFIXES)} (default: Markdown to "
                                      "standard output)")
        else:
            command.add_argument("-o", "--output", required=True, metavar="OUT",
                                 help="where to write it (- for standard output)")
            command.add_argument("--html", action="store_true",
                                 help="self-contained HTML, not PDF")
        if name == "handout":
            command.add_argument("--large-print", action="store_true",
                                 help="16 pt body text for readers with low vision")
        if name == "referral":
            command.add_argument("--to", metavar="TEXT",
                                 help="the person the letter is for, e.g. 'Dr Aoife Kelly'")
        command.add_argument("--page-size", choices=("A4", "Letter"), default="A4",
                             help="paper size of HTML and PDF output (default: A4)")
        command.add_argument("--clinic", metavar="TOML", help="clinic settings and branding")
        _limit_arguments(command)
        command.set_defaults(run=run)


def _limit_arguments(command: argparse.ArgumentParser) -> None:
    """--timeout and --max-memory: limits on rendering one document."""
    command.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                         help="stop rendering a document after this long "
                              "(default: %(default)g)")
    command.add_argument("--max-memory", type=int, default=DEFAULT_MEMORY_MB, metavar="MB",
                         help="memory a document's rendering may use, in MiB "
                              "(default: %(default)d)")


def _batch_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    batch = sub.add_parser("batch", help="handouts for many presentations (JSON Lines), "
                                         "in parallel")
    batch.add_argument("input", metavar="IN.jsonl",
                       help="one presentation JSON per line (- for standard input)")
    batch.add_argument("-o", "--output", required=True, metavar="DIR",
                       help="folder for the PDFs and manifest.json; files are named from the "
                            "patient id made safe (else record-NNNNN, the line number)")
    batch.add_argument("--notes", action="store_true",
                       help="also write a clinician note PDF (NAME-note.pdf) per record")
    batch.add_argument("--workers", type=int, metavar="N",
                       help="worker processes (default: the number of cores)")
    batch.add_argument("--force", action="store_true",
                       help="render every record, even those unchanged since the last run")
    batch.add_argument("--clinic", metavar="TOML", help="clinic settings and branding")
    _limit_arguments(batch)
    batch.set_defaults(run=_cmd_batch)


def _serve_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser(
        "serve", help="run the HTTP service and its CDS Hooks service (needs the 'serve' "
                      "extra: pip install 'physio-notes[serve]')",
        description="Every option may also be set by an environment variable "
                    "(PHYSIO_NOTES_CLINIC, _WORKERS, _TIMEOUT, _MAX_MEMORY, _MAX_QUEUE, _TOKEN, "
                    "_SECRET, _LINK_TTL, _PUBLIC_URL, _CORS_ORIGINS); options win. See "
                    "docs/service.md.")
    serve.add_argument("--host", help="address to listen on (default: 127.0.0.1, this "
                                      "machine only; put a reverse proxy in front)")
    serve.add_argument("--port", type=int, help="TCP port (default: 8000)")
    serve.add_argument("--clinic", metavar="TOML", help="clinic settings and branding")
    serve.add_argument("--workers", type=int, metavar="N",
                       help="render worker processes (default: one per core, at most 4)")
    serve.add_argument("--timeout", type=float, metavar="SECONDS",
                       help=f"time limit of one render (default: {DEFAULT_TIMEOUT:g}); "
                            "past it the answer is 503")
    serve.add_argument("--max-memory", type=int, metavar="MB",
                       help=f"memory a render worker may use, in MiB (default: "
                            f"{DEFAULT_MEMORY_MB})")
    serve.add_argument("--max-queue", type=int, metavar="N",
                       help="requests that may wait for a worker (default: 64); past that, "
                            "503 at once")
    serve.add_argument("--token-file", metavar="FILE",
                       help="require 'Authorization: Bearer TOKEN' on every POST, with the "
                            "token in FILE (or PHYSIO_NOTES_TOKEN)")
    serve.add_argument("--secret-file", metavar="FILE",
                       help="the key of CDS cards' handout links, in FILE (or "
                            "PHYSIO_NOTES_SECRET); give every instance the same one. Without "
                            "it a random key is made and links work on this instance only")
    serve.add_argument("--link-ttl", type=int, metavar="SECONDS",
                       help="how long a CDS card's handout link works (default: 3600)")
    serve.add_argument("--public-url", metavar="URL",
                       help="the service's address as clients reach it, for the links in CDS "
                            "cards (default: taken from each request)")
    serve.add_argument("--cors-origin", action="append", metavar="ORIGIN",
                       help="allow browser calls from this origin (repeatable; default: none)")
    serve.add_argument("--api-docs", action="store_true", default=None,
                       help="serve the browsable API pages /docs and /redoc (they load "
                            "scripts from cdn.jsdelivr.net; off by default; "
                            "/openapi.json is always served)")
    serve.add_argument("--cds-jwks", metavar="FILE",
                       help="trusted CDS clients (EHRs) and their public keys, as JSON "
                            "{\"issuers\": {ISS: JWKS}}; a CDS call must then carry the "
                            "EHR's signed JWT (or PHYSIO_NOTES_CDS_JWKS)")
    serve.set_defaults(run=_cmd_serve)


def _cmd_serve(args: argparse.Namespace) -> int:
    token = read_secret_file(args.token_file, "token") if args.token_file else None
    secret = read_secret_file(args.secret_file, "secret") if args.secret_file else None
    options = ServeOptions.from_env(
        host=args.host, port=args.port, workers=args.workers, timeout=args.timeout,
        max_memory=args.max_memory, max_queue=args.max_queue, token=token, secret=secret,
        link_ttl=args.link_ttl, public_url=args.public_url,
        clinic=str(Path(args.clinic).resolve()) if args.clinic else None,
        cors_origins=tuple(args.cors_origin) if args.cors_origin else None,
        cds_jwks=str(Path(args.cds_jwks).resolve()) if args.cds_jwks else None,
        api_docs=args.api_docs)
    if options.clinic:
        Clinic.from_toml(options.clinic)  # a clinic file that is wrong: exit 2 before starting
    missing = [name for name in ("fastapi", "cryptography", "jwt")
               if importlib.util.find_spec(name) is None]
    try:
        import uvicorn  # the optional extra: imported only by this command
    except ImportError:
        missing.insert(0, "uvicorn")
    if missing:
        raise PhysioNotesError(f"serve needs the optional extra 'serve' ({', '.join(missing)} "
                               "not installed): pip install 'physio-notes[serve]'")
    os.environ.update(options.to_env())  # the application factory reads them
    uvicorn.run(APP_FACTORY, factory=True, **options.server_settings())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad input, 130 interrupted)."""
    args = build_parser().parse_args(argv)
    run: Command = args.run
    try:
        return run(args)
    except PhysioNotesError as exc:
        _error(str(exc))
        return 2
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    except KeyboardInterrupt:
        _error("interrupted; nothing was left half-written")
        return 130


def printable(text: str) -> str:
    """Text safe to show on a terminal: control characters (but newlines) and lone surrogates
    escaped as ``\\x1b`` or ``\\ud800``, so input cannot drive the terminal."""
    return "".join(
        char if char == "\n" or unicodedata.category(char) not in ("Cc", "Cs")
        else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


def _error(message: str) -> None:
    print(f"physio-notes: error: {printable(message)}", file=sys.stderr)
