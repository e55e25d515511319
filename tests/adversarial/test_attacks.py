"""One test per attack of the hostile-input review: hostile templates, broken input and failing
disks. Each attack must end in a clear error (exit 2 on the command line), with nothing leaked
and nothing half-written."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from physio_notes import (
    Clinic,
    ClinicError,
    OutputError,
    Presentation,
    PresentationError,
    RenderError,
    render_handout,
    select_pathways,
)
from physio_notes._io import atomic_write
from physio_notes.cli import main

from ..conftest import EXAMPLES, example_dict
from ..pdfcheck import text_of

ROOT = Path(__file__).resolve().parents[2]
CALF = str(EXAMPLES / "calf-cramp.json")


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run the command line in this process: exit status and standard error."""
    status = main(list(args))
    return status, capsys.readouterr().err


def write_json(tmp_path: Path, text: str, name: str = "in.json") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return str(path)


def no_leftovers(folder: Path) -> list[str]:
    """Temporary files left in a folder (there must be none)."""
    return [p.name for p in folder.iterdir() if p.name.endswith(".part")]


# --- critical: templates reaching the file system -------------------------------------------


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-7731", encoding="utf-8")
    return path


@pytest.mark.parametrize("expression", [
    "{{ clinic.templates.joinpath('SECRET').read_text() }}",
    "{{ clinic.logo.read_text() }}",
    "{{ clinic.templates.joinpath('WRITTEN').write_text('x') }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ exercises.append(1) }}{{ home_care.clear() }}",
])
def test_a_clinic_template_cannot_read_or_write_files(
    tmp_path: Path, secret: Path, expression: str
) -> None:
    """Templates get plain data: no path to read or write through, no object internals, and
    nothing they are given can be changed."""
    folder = tmp_path / "templates"
    folder.mkdir()
    expression = expression.replace("SECRET", str(secret)).replace(
        "WRITTEN", str(tmp_path / "written.txt"))
    (folder / "handout.html.j2").write_text(
        '{% extends "physio_notes/handout.html.j2" %}{% block disclaimer %}'
        + expression + "{% endblock %}", encoding="utf-8")
    plan = select_pathways(Presentation.from_dict(example_dict("calf-cramp")))
    with pytest.raises(RenderError) as caught:
        render_handout(plan, format="html", clinic=Clinic(templates=folder))
    assert "TOP-SECRET" not in str(caught.value)
    assert not (tmp_path / "written.txt").exists()


def test_a_symlink_out_of_the_templates_folder_is_refused(tmp_path: Path, secret: Path) -> None:
    """A link in the clinic's templates folder to a file elsewhere: refused at load, and at
    render if it appears later."""
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "handout.html.j2").symlink_to(secret)
    with pytest.raises(ClinicError, match="outside"):
        Clinic(templates=folder)
    (folder / "handout.html.j2").unlink()
    clinic = Clinic(templates=folder)
    (folder / "handout.html.j2").symlink_to(secret)
    plan = select_pathways(Presentation.from_dict(example_dict("calf-cramp")))
    with pytest.raises(RenderError, match="outside the clinic templates folder") as caught:
        render_handout(plan, format="html", clinic=clinic)
    assert "TOP-SECRET" not in str(caught.value)


# --- high: input that changes meaning -------------------------------------------------------


def test_a_key_given_twice_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`red_flags` twice would silently drop a red flag: refused, naming the key."""
    text = '{"schema_version": 1, "region": "lower_back", "red_flags": ["saddle_anaesthesia"],' \
           ' "red_flags": []}'
    status, err = cli(capsys, "plan", write_json(tmp_path, text))
    assert status == 2
    assert "$.red_flags: is given more than once" in err


@pytest.mark.parametrize("notes", ["\\ud800", "\\u001b[31mred", "a\\u0007bell"])
def test_lone_surrogates_and_control_characters_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], notes: str
) -> None:
    """A lone surrogate or a control character in free text is bad input, named by path."""
    text = '{"schema_version": 1, "region": "neck", "notes": "' + notes + '"}'
    status, err = cli(capsys, "plan", write_json(tmp_path, text))
    assert status == 2
    assert "$.notes: must" in err
    assert "\x1b" not in err
    assert "\x07" not in err


# --- medium: output problems ----------------------------------------------------------------


@pytest.mark.parametrize("target", ["DIR", "MISSING/out.pdf", "", "/dev/null"])
def test_output_problems_exit_2_naming_the_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    """A folder, a missing parent folder, an empty name, a device: exit 2 in one line; the
    device is not replaced; no temporary file is left."""
    output = target.replace("DIR", str(tmp_path)).replace("MISSING", str(tmp_path / "no"))
    device = Path("/dev/null")
    before = device.stat().st_mode
    status, err = cli(capsys, "handout", CALF, "--html", "-o", output)
    assert status == 2
    assert err.startswith("physio-notes: error: ")
    assert err.count("\n") == 1
    assert stat.S_ISCHR(device.stat().st_mode)
    assert device.stat().st_mode == before
    assert no_leftovers(tmp_path) == []


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_a_failing_disk_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: int
) -> None:
    """Disk full, read-only, no permission: OutputError naming the path; the old file is kept;
    the temporary file is removed."""
    target = tmp_path / "out.pdf"
    target.write_bytes(b"old")

    def fail(*args: object) -> None:
        raise OSError(error, os.strerror(error))

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OutputError, match=str(target)):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert no_leftovers(tmp_path) == []


def test_ctrl_c_while_writing_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupt in the middle of a write: the target is untouched, no .part file stays."""
    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "out.pdf", b"new")
    assert list(tmp_path.iterdir()) == []


def test_files_honour_the_umask(tmp_path: Path) -> None:
    """With umask 077 a new file is readable by its owner only."""
    old = os.umask(0o077)
    try:
        atomic_write(tmp_path / "private.pdf", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "private.pdf").stat().st_mode) == 0o600


@pytest.mark.parametrize(("settings", "message"), [
    ('emergency_number = ""\n', "emergency_number must not be empty"),
    ('emergency_number = "   "\n', "emergency_number must not be empty"),
    ("clinic = 5\n", "must be a table of settings"),
    ('[clinic]\nname = "A"\n[other]\nx = 1\n', "beside [clinic]"),
    ('name = 5\n', "name must be one line of text"),
    ('name = "A\\u001b[2J"\n', "name must be one line of text"),
    ("logo = 5\n", "logo must be a path"),
])
def test_clinic_settings_are_strict(tmp_path: Path, settings: str, message: str) -> None:
    """Unknown tables, wrong types and an empty emergency number are ClinicErrors."""
    path = tmp_path / "clinic.toml"
    path.write_text(settings, encoding="utf-8")
    with pytest.raises(ClinicError, match=message.replace("[", r"\[")):
        Clinic.from_toml(path)


SVG_HEAD = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'


@pytest.mark.parametrize(("svg", "message"), [
    (SVG_HEAD + "<rect/>" * 600 + "</svg>", "at most 500 elements"),
    ('<!DOCTYPE svg [<!ENTITY a "aaaa">]>' + SVG_HEAD + "<text>&a;</text></svg>", "DOCTYPE"),
    (SVG_HEAD + '<filter id="f"><feGaussianBlur stdDeviation="999"/></filter></svg>',
     "<filter> is not allowed"),
    (SVG_HEAD + '<use href="#a"/></svg>', "<use> is not allowed"),
    (SVG_HEAD + '<image href="file:///etc/passwd"/></svg>', "<image> is not allowed"),
    (SVG_HEAD + '<rect style="fill:url(http://x/y)"/></svg>', "references outside"),
    (SVG_HEAD + '<rect onload="x()"/></svg>', "'onload' is not allowed"),
    ("not svg at all", "not a readable SVG"),
])
def test_an_svg_logo_is_checked_once_when_the_clinic_loads(
    tmp_path: Path, svg: str, message: str
) -> None:
    """A slow, external or scripted SVG logo is refused before it can reach the PDF engine."""
    logo = tmp_path / "logo.svg"
    logo.write_text(svg, encoding="utf-8")
    with pytest.raises(ClinicError, match=message):
        Clinic(logo=logo)


def test_the_logo_is_read_once_into_memory(tmp_path: Path) -> None:
    """What was checked is what is printed: changing the file afterwards changes nothing."""
    logo = tmp_path / "logo.svg"
    logo.write_text(SVG_HEAD + "<title>Clinic</title><rect/></svg>", encoding="utf-8")
    clinic = Clinic(name="Clinic", logo=logo)
    logo.write_text(SVG_HEAD + '<image href="file:///etc/passwd"/></svg>', encoding="utf-8")
    plan = select_pathways(Presentation.from_dict(example_dict("calf-cramp")))
    html = render_handout(plan, format="html", clinic=clinic)
    assert "passwd" not in html
    assert clinic.logo_data is not None
    assert b"<rect/>" in clinic.logo_data


@pytest.mark.parametrize(("text", "message"), [
    ('{"schema_version": 1, "region": "neck", "notes": "' + "x" * 1_100_000 + '"}',
     "at most 1000000 are read"),
    ("[" * 50 + "]" * 50, "nested too deeply"),
    ('{"schema_version": 1, "region": "neck", "symptoms": ' + json.dumps(["stress"] * 50_000)
     + "}", "at most 50 items"),
])
def test_limits_on_size_nesting_and_lists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    """Oversized, over-nested or over-long input is refused quickly with a clear message."""
    status, err = cli(capsys, "plan", write_json(tmp_path, text))
    assert status == 2
    assert message in err


def test_a_template_that_runs_too_long_is_stopped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A clinic template that loops for ever is stopped at --timeout, exit 2, no file."""
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "handout.html.j2").write_text(
        "{% for i in range(99999) %}{% for j in range(99999) %}{{ i }}{% endfor %}{% endfor %}",
        encoding="utf-8")
    (tmp_path / "clinic.toml").write_text(f'templates = "{folder}"\n', encoding="utf-8")
    out = tmp_path / "out.pdf"
    status, err = cli(capsys, "handout", CALF, "-o", str(out), "--clinic",
                      str(tmp_path / "clinic.toml"), "--timeout", "2")
    assert status == 2
    assert "took longer than 2 s" in err
    assert not out.exists()


def test_a_batch_record_that_runs_too_long_fails_alone(tmp_path: Path) -> None:
    """In a batch, --timeout stops the slow record's rendering; the batch still finishes and
    reports it against its line."""
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "handout.html.j2").write_text(
        '{% extends "physio_notes/handout.html.j2" %}{% block disclaimer %}'
        "{% if patient_name == 'Slow' %}{% for i in range(99999) %}{% for j in range(99999) %}"
        "{{ j }}{% endfor %}{% endfor %}{% endif %}{% endblock %}", encoding="utf-8")
    (tmp_path / "clinic.toml").write_text(f'templates = "{folder}"\n', encoding="utf-8")
    fast = example_dict("calf-cramp")
    slow = {**fast, "patient": {"name": "Slow", "id": "S-1"}}
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(slow) + "\n" + json.dumps(fast) + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "physio_notes", "batch", str(source), "-o", str(tmp_path / "out"),
         "--clinic", str(tmp_path / "clinic.toml"), "--timeout", "20", "--workers", "2"],
        capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)
    assert result.returncode == 2
    assert "line 1: rendering took longer than 20 s" in result.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [r["status"] for r in manifest["records"]] == ["failed", "rendered"]


# --- low ------------------------------------------------------------------------------------


def test_a_closed_standard_input_is_an_error_not_a_crash() -> None:
    """`plan -` with standard input closed: exit 2 with a message."""
    result = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m physio_notes plan - <&-'],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert result.returncode == 2
    assert "standard input is closed" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_byte_order_mark_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """JSON saved by an editor that writes a BOM reads as usual."""
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + (EXAMPLES / "calf-cramp.json").read_bytes())
    status, _ = cli(capsys, "plan", str(path), "--json")
    assert status == 0


@pytest.mark.parametrize("value", ["2026-02-30", "26-11-2026", "yesterday"])
def test_junk_fhir_dates_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    """An impossible or malformed birth date in a FHIR bundle is bad input."""
    bundle = json.loads((EXAMPLES / "fhir" / "disc-recurrent.json").read_text(encoding="utf-8"))
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "Patient":
            entry["resource"]["birthDate"] = value
    status, err = cli(capsys, "plan", "--fhir", write_json(tmp_path, json.dumps(bundle)))
    assert status == 2
    assert "birthDate" in err


def test_long_unbroken_words_wrap_inside_the_page() -> None:
    """A 300-character word in free text is wrapped: no line box runs past the page."""
    weasyprint = pytest.importorskip("weasyprint")
    plan = select_pathways(Presentation(region="neck", causes=["overuse_posture"], red_flags=[],
                                        date="2026-11-24", plain_diagnosis="x" * 300))
    html = render_handout(plan, format="html")
    document = weasyprint.HTML(string=html).render()
    widest = 0.0
    for page in document.pages:
        stack: list[Any] = [page._page_box]
        while stack:
            box = stack.pop()
            widest = max(widest, getattr(box, "position_x", 0) + getattr(box, "width", 0))
            stack.extend(getattr(box, "children", []))
        assert widest <= page.width + 0.5
    assert "x" * 300 in text_of(render_handout(plan)).replace("\n", "")


def test_terminal_escapes_in_input_are_not_echoed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A field name carrying terminal escapes is shown escaped in the error."""
    text = '{"schema_version": 1, "region": "neck", "\\u001b[2Jx": 1}'
    status, err = cli(capsys, "plan", write_json(tmp_path, text))
    assert status == 2
    assert "\x1b" not in err
    assert "\\x1b[2Jx" in err


def test_presentation_error_is_also_a_value_error() -> None:
    """Callers may catch the builtin: every refusal here is a PresentationError/ValueError."""
    with pytest.raises(ValueError, match="lone surrogate"):
        Presentation(region="neck", notes="\ud800")
    assert issubclass(PresentationError, ValueError)
