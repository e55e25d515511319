"""The command line, end to end in a real subprocess: `plan` and `schema`, and bad input.

Bad input exits 2 with one clear message on standard error that names the field path;
never a traceback, never anything on standard output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from physio_notes import json_schema, load_presentation, select_pathways

from .conftest import DESIGN_EXAMPLE

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CONSOLE_SCRIPT = Path(sys.executable).parent / "physio-notes"


QUIRKE = "Quirke SA (Chartered Physiotherapist). Back Pain Muscle Spasms. Section: "

DESIGN_EXAMPLE_PLAN_TEXT = f"""\
Care plan: lower back, 2026-11-24 (knowledge base 2026.11.0)
Red-flag screen: none found
STarT Back: medium risk (total 5, distress 2)

1. medical-review: Medical review with the GP
   Why: The spasm keeps coming back: a medical examination should find out why.
   Rules: medical-review.recurrent
   Source: {QUIRKE}Symptoms of Back Pain Muscle Spasms.
   Source: {QUIRKE}Treatment of Back Pain Muscle Spasms: simple home treatment.

2. disc-core-pilates: Disc offloading and core strengthening (Pilates)
   Why: A disc disorder underlies the spasm in the lower back: offload the disc, release \
the guarding muscles, then strengthen the core (Pilates) to prevent further episodes.
   Rules: disc.cause
   Source: {QUIRKE}Treatment of Back Pain Muscle Spasms.
"""


class Result:
    """What a command printed and how it exited."""

    def __init__(self, completed: subprocess.CompletedProcess[bytes]) -> None:
        self.returncode = completed.returncode
        self.stdout = completed.stdout.decode("utf-8")
        self.stderr = completed.stderr.decode("utf-8")


def run(*args: str, stdin: bytes = b"", cwd: Path | None = None, script: bool = False) -> Result:
    """Run ``python -m physio_notes ARGS`` (or the ``physio-notes`` script) in a subprocess."""
    command = [str(CONSOLE_SCRIPT)] if script else [sys.executable, "-m", "physio_notes"]
    env = {**os.environ, "PYTHONUTF8": "1"}
    completed = subprocess.run(
        [*command, *args], input=stdin, capture_output=True, cwd=cwd, env=env, check=False,
        timeout=120,
    )
    return Result(completed)


@pytest.fixture
def example_file(tmp_path: Path) -> Path:
    """The design's example presentation as a JSON file."""
    path = tmp_path / "máire.json"
    path.write_text(json.dumps(DESIGN_EXAMPLE, ensure_ascii=False), encoding="utf-8")
    return path


# --- plan -----------------------------------------------------------------------------------


@pytest.mark.hazard("HAZ-09")
def test_plan_prints_the_care_plan_for_a_clinician(example_file: Path) -> None:
    """`plan FILE` prints the plan: header, screen, STarT Back, each pathway with why and source."""
    result = run("plan", str(example_file))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == DESIGN_EXAMPLE_PLAN_TEXT


def test_plan_reads_standard_input(example_file: Path) -> None:
    """`plan -` reads the presentation from standard input and prints the same plan."""
    result = run("plan", "-", stdin=example_file.read_bytes())
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == DESIGN_EXAMPLE_PLAN_TEXT


@pytest.mark.hazard("HAZ-01")
def test_plan_shouts_red_flags_first() -> None:
    """Red flags open the printed plan, in capitals, with the highest urgency."""
    data = {"schema_version": 1, "region": "neck", "date": "2026-11-24",
            "red_flags": ["major_trauma", "saddle_anaesthesia"]}
    result = run("plan", "-", stdin=json.dumps(data).encode())
    assert result.returncode == 0
    assert result.stdout.splitlines()[:5] == [
        "Care plan: neck, 2026-11-24 (knowledge base 2026.11.0)",
        "!! RED FLAGS (EMERGENCY):",
        "!!   Saddle anaesthesia: suspected cauda equina syndrome [emergency]",
        "!!   Major trauma: suspected spinal fracture [urgent]",
        "",
    ]
    assert result.stdout.splitlines()[5] == (
        "1. urgent-referral: Urgent medical assessment (red flag)"
    )


@pytest.mark.hazard("HAZ-02")
def test_plan_says_when_red_flags_were_not_screened() -> None:
    """A presentation without red_flags prints NOT SCREENED."""
    data = {"schema_version": 1, "region": "calves", "date": "2026-11-24"}
    result = run("plan", "-", stdin=json.dumps(data).encode())
    assert result.returncode == 0
    assert result.stdout.splitlines()[1] == "Red-flag screen: NOT SCREENED"


def test_plan_json_is_the_plan_to_dict(example_file: Path) -> None:
    """`plan --json` prints exactly select_pathways(...).to_dict() as JSON."""
    result = run("plan", str(example_file), "--json")
    assert (result.returncode, result.stderr) == (0, "")
    printed = json.loads(result.stdout)
    assert printed == select_pathways(load_presentation(example_file)).to_dict()
    assert [p["id"] for p in printed["pathways"]] == ["medical-review", "disc-core-pilates"]
    assert [sorted(p) for p in printed["pathways"]] == [
        ["id", "rationale", "rules", "sources", "title"]
    ] * 2
    assert printed["presentation"]["patient"]["name"] == "Máire Ní Bhriain"


def test_console_script_runs_plan(example_file: Path) -> None:
    """The installed `physio-notes` script is the same command line."""
    result = run("plan", str(example_file), "--json", script=True)
    assert (result.returncode, result.stderr) == (0, "")
    assert json.loads(result.stdout) == json.loads(run("plan", str(example_file), "--json").stdout)


# --- schema ---------------------------------------------------------------------------------


def test_schema_prints_a_valid_json_schema() -> None:
    """`schema` prints json_schema() as a valid draft 2020-12 schema."""
    result = run("schema")
    assert (result.returncode, result.stderr) == (0, "")
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema == json_schema()


def test_printed_schema_validates_the_examples() -> None:
    """Every examples/*.json presentation is valid against the printed schema."""
    validator = jsonschema.Draft202012Validator(json.loads(run("schema").stdout))
    examples = sorted(EXAMPLES.glob("*.json"))
    assert examples
    for path in examples:
        errors = [e.message for e in validator.iter_errors(json.loads(path.read_bytes()))]
        assert errors == [], path.name
    assert validator.is_valid(DESIGN_EXAMPLE)


# --- bad input ------------------------------------------------------------------------------

BAD_INPUT = [
    pytest.param(
        ["plan", "bad.json"], {"bad.json": b'{"schema_version": 1,'}, b"",
        "$: bad.json is not valid JSON: Expecting property name enclosed in double quotes "
        "at line 1, column 22",
        id="invalid-json-file",
    ),
    pytest.param(
        ["plan", "-"], {}, b'{"schema_version": 1, "region": "neck"',
        "$: <stdin> is not valid JSON: Expecting ',' delimiter at line 1, column 39",
        id="invalid-json-stdin",
    ),
    pytest.param(
        ["plan", "-"], {}, b"", "$: <stdin> is not valid JSON: Expecting value",
        id="empty-stdin",
    ),
    pytest.param(
        ["plan", "-"], {}, b'{"schema_version": 1, "region": "neck", "notes": "caf\xe9"}',
        "$: <stdin> is not UTF-8 text",
        id="not-utf-8",
    ),
    pytest.param(
        ["plan", "p.json", "--json"],
        {"p.json": b'{"schema_version": 1, "region": "neck", "patinet": {}}'}, b"",
        "$.patinet: is not a known field; allowed: region, side, schema_version, patient",
        id="unknown-field",
    ),
    pytest.param(
        ["plan", "-"], {}, b'{"schema_version": 1, "region": "neck", "patient": {"dob": "x"}}',
        "$.patient.dob: is not a known field; allowed: name, id, date_of_birth",
        id="unknown-nested-field",
    ),
    pytest.param(
        ["plan", "-"], {},
        b'{"schema_version": 1, "region": "neck", "causes": ["disc_disorder", "y"]}',
        "  $.causes[1]: must be one of 'sudden_movement', ",
        id="bad-enum-in-list",
    ),
    pytest.param(
        ["plan", "-"], {}, b'{"schema_version": 1, "region": "neck", "pain_score": 11}',
        "$.pain_score: must be from 0 to 10 (got 11)",
        id="pain-out-of-range",
    ),
    pytest.param(
        ["plan", "-"], {}, b'{"region": "neck"}', "$.schema_version: is required",
        id="missing-schema-version",
    ),
    pytest.param(
        ["plan", "-"], {}, b'["neck"]', '$: must be a JSON object (got ["neck"])',
        id="not-an-object",
    ),
    pytest.param(
        ["plan", "missing.json"], {}, b"",
        "$: cannot read missing.json: No such file or directory",
        id="missing-file",
    ),
    pytest.param(
        ["plan", "-"], {}, b"[" * 100_000 + b"]" * 100_000, "physio-notes: error: ",
        id="deeply-nested-json",
    ),
    pytest.param(
        ["plan", "-"], {},
        b'{"schema_version": 1, "region": "neck", "pain_score": ' + b"9" * 5_000 + b"}",
        "physio-notes: error: ",
        id="integer-with-5000-digits",
    ),
]


@pytest.mark.hazard("HAZ-12")
@pytest.mark.parametrize(("args", "files", "stdin", "message"), BAD_INPUT)
def test_bad_input_exits_2_with_one_clear_message(
    tmp_path: Path, args: list[str], files: dict[str, bytes], stdin: bytes, message: str
) -> None:
    """Bad input: exit 2, the problem and its path on stderr, no traceback, nothing on stdout."""
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    result = run(*args, stdin=stdin, cwd=tmp_path)
    assert "Traceback" not in result.stderr
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("physio-notes: error: ")
    assert message in result.stderr


@pytest.mark.hazard("HAZ-12")
def test_bad_input_lists_every_problem() -> None:
    """Several problems are all printed, one per line, with their paths."""
    data = b'{"schema_version": 2, "region": "knee", "pain_score": -1}'
    result = run("plan", "-", stdin=data)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0] == "physio-notes: error: invalid presentation: 3 problems"
    assert [line.split(":")[0] for line in lines[1:]] == [
        "  $.schema_version", "  $.region", "  $.pain_score"
    ]


def test_usage_error_exits_2_without_traceback() -> None:
    """No command or an unknown option is a usage error: exit 2, usage on stderr."""
    for args in ([], ["plan"], ["plan", "x.json", "--yaml"]):
        result = run(*args)
        assert result.returncode == 2
        assert result.stdout == ""
        assert "usage: physio-notes" in result.stderr
        assert "Traceback" not in result.stderr
