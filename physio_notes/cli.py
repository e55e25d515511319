"""The ``physio-notes`` command line: parse, call the library, print.

Every :class:`~physio_notes.exceptions.PhysioNotesError` is caught in :func:`main`, printed
as one clear message on standard error, and turned into exit status 2; no traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from . import __version__
from ._clinic import Clinic
from ._engine import CarePlan, select_pathways
from ._io import atomic_write, load_presentation
from ._model import Presentation
from ._paths import examples_dir
from ._schema import json_schema
from .exceptions import PhysioNotesError

__all__ = ["main"]

Command = Callable[[argparse.Namespace], int]


def _read(path: str) -> Presentation:
    if path == "-":
        return load_presentation(sys.stdin.buffer)
    return load_presentation(path)


def _cmd_plan(args: argparse.Namespace) -> int:
    plan = select_pathways(_read(args.file))
    if args.json:
        json.dump(plan.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        write_plan(plan, sys.stdout)
    return 0


def _clinic(args: argparse.Namespace) -> Clinic | None:
    return Clinic.from_toml(args.clinic) if args.clinic else None


def _cmd_handout(args: argparse.Namespace) -> int:
    from ._handout import render_handout

    plan = select_pathways(_read(args.file))
    clinic = _clinic(args)
    if args.html:
        _emit(args.output, render_handout(plan, format="html", page_size=args.page_size,
                                          clinic=clinic))
    else:
        _emit(args.output, render_handout(plan, page_size=args.page_size, clinic=clinic))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from ._handout import render_handout

    folder = examples_dir()
    clinic = Clinic.from_toml(folder / "clinic.toml")
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    examples = sorted(folder.glob("*.json"))
    for number, example in enumerate(examples, 1):
        plan = select_pathways(load_presentation(example))
        target = out / f"{example.stem}-handout.pdf"
        atomic_write(target, render_handout(plan, clinic=clinic))
        print(f"[{number}/{len(examples)}] {target}  ({', '.join(plan.pathway_ids)})")
    return 0


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
    json.dump(json_schema(), sys.stdout, indent=2)
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="physio-notes",
        description="Care plans, patient handouts and clinician notes for muscle spasm.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    plan = sub.add_parser("plan", help="print the care plan for a presentation")
    plan.add_argument("file", metavar="FILE", help="presentation JSON, or - for standard input")
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")
    plan.set_defaults(run=_cmd_plan)

    handout = sub.add_parser("handout", help="render the patient handout (PDF, or HTML)")
    handout.add_argument("file", metavar="FILE", help="presentation JSON, or - for standard input")
    handout.add_argument("-o", "--output", required=True, metavar="OUT",
                         help="where to write it (- for standard output)")
    handout.add_argument("--html", action="store_true", help="self-contained HTML, not PDF")
    handout.add_argument("--page-size", choices=("A4", "Letter"), default="A4")
    handout.add_argument("--clinic", metavar="TOML", help="clinic settings and branding")
    handout.set_defaults(run=_cmd_handout)

    demo = sub.add_parser("demo", help="render the bundled example cases (no input needed)")
    demo.add_argument("-o", "--output", default="physio-notes-demo", metavar="DIR",
                      help="folder for the PDFs (default: %(default)s)")
    demo.set_defaults(run=_cmd_demo)

    schema = sub.add_parser("schema", help="print the JSON Schema of the input")
    schema.set_defaults(run=_cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad input)."""
    args = build_parser().parse_args(argv)
    run: Command = args.run
    try:
        return run(args)
    except PhysioNotesError as exc:
        print(f"physio-notes: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
